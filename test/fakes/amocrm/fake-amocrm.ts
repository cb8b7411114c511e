/**
 * A faithful fake of the amoCRM / Kommo platform subset our backend uses (see ../../../../shared/design/AMOCRM.md):
 * OAuth token exchange with rotating refresh tokens, part of REST API v4 (account, companies, company custom
 * fields, company notes, tasks), the 7-requests-per-second limit with 429s and the automatic 403 block,
 * and fault injection (5xx, latency, unpaid accounts).
 *
 * The live platform cannot be reached from our machines, so this server is what the backend's tests talk
 * to. It is a real HTTP server on 127.0.0.1 built on `node:http` only.
 *
 * One origin serves every account: our backend sends all calls to `AMO_API_ORIGIN`, so the fake tells
 * accounts apart by the Bearer access token (API calls) or by the authorization code / refresh token
 * (OAuth). On the real platform the host name would say which account is meant.
 *
 * Usage in a test:
 *   const fake = await startFakeAmo({ clientId, clientSecret, redirectUri });
 *   fake.addAccount({ id: 30412345, subdomain: 'partner' });
 *   const code = fake.issueAuthorizationCode(30412345);   // what amoCRM sends on widget install
 *   ... run the backend with AMO_API_ORIGIN = fake.url ...
 *   expect(fake.companies(30412345)).toHaveLength(1);
 *   await fake.close();
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  AccountState,
  MAX_BATCH,
  Sequences,
  commitCompany,
  commitCustomField,
  commitNote,
  commitTask,
  companyMatchesQuery,
  fieldError,
  parseCompanyWrite,
  parseCustomFieldCreate,
  parseNoteCreate,
  parseTaskCreate,
  renderCompany,
  renderCustomField,
  renderNote,
  renderTask,
  requestIdOf,
  type AmoDomain,
  type ApiCompany,
  type ApiCustomField,
  type ApiNote,
  type ApiTask,
  type BlockReason,
  type Parsed,
  type ValidationEntry,
} from './entities';
import {
  BodyTooLargeError,
  hal,
  headersToObject,
  httpProblem,
  isRecord,
  json,
  nginxPage,
  noContent,
  parseBody,
  problem,
  queryToObject,
  readBody,
  send,
  sleep,
  statusTitle,
  withReason,
  type ParsedBody,
  type Reply,
} from './http';
import { AUTH_CODE_TTL_MS, TokenStore, type GrantResult, type TokenPair } from './tokens';
import { ACCESS_DENIED_403, accountDomain, INVALID_CLIENT_401, ipNotAllowed403 } from './samples';

export type { AmoDomain, ApiCompany, ApiCustomField, ApiNote, ApiTask, BlockReason, TokenPair };

// ---------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------

export interface FakeAmoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; 127.0.0.1 by default so the fake is never reachable from outside. */
  host?: string;
  /** The integration's client id (`client_uuid`); token requests must carry it. */
  clientId?: string;
  clientSecret?: string;
  /** When set, token requests must send exactly this `redirect_uri`, as amoCRM checks it. */
  redirectUri?: string;
  /** amoCRM's documented limit: 7 API requests per second per account. */
  ratePerSecond?: number;
  /** An account that receives more than this many 429s within `autoBlockWindowMs` is blocked (403). */
  autoBlockAfter429s?: number;
  autoBlockWindowMs?: number;
  /**
   * The fake's base clock (ms since epoch), real time by default. A test that counts requests per second
   * fixes it so a slow machine cannot spread eight quick requests over more than one second.
   */
  clock?: () => number;
  /**
   * How `GET /api/v4/companies/{id}` answers for a missing company. 404 problem+json by default; 204 is
   * offered because amoCRM is reported to answer some by-id look-ups with an empty 204, and the backend
   * should survive either.
   */
  missingEntityStatus?: 404 | 204;
  /**
   * The shape of a 429. `html` (the default) is what the real gateway sends: nginx's HTML page and no
   * `Retry-After` (amocrm-api-php throws AmoCRMApiTooManyRequestsException exactly for a 429 whose body is not
   * JSON). `json` is problem+json with `retry_after` and a `Retry-After` header, kept for clients that read one.
   */
  tooManyRequestsBody?: 'json' | 'html';
}

export interface AddAccountInput {
  id: number;
  subdomain: string;
  domain?: AmoDomain;
  /** Display name of the account; defaults to the subdomain. */
  name?: string;
  /** User ids of the account; the first is the user the integration acts as. One is generated if omitted. */
  userIds?: number[];
}

export interface FakeAccountInfo {
  id: number;
  subdomain: string;
  domain: AmoDomain;
  name: string;
  userIds: number[];
  currentUserId: number;
  /** `https://{subdomain}.{domain}`, what amoCRM puts in `referer`, webhooks and the JWT `iss`. */
  baseUrl: string;
  blocked: BlockReason | null;
  unpaid: boolean;
}

export interface RecordedRequest {
  /** Fake-clock time (ms since epoch) at which the request arrived. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** The account the token, code or refresh token belongs to; null when none could be identified. */
  accountId: number | null;
  /** Parsed JSON, a flat object for form bodies, the raw text otherwise, `undefined` when empty. */
  body: unknown;
  /** The status the fake answered with (0 while the request is still being handled). */
  status: number;
  headers: Record<string, string>;
}

export interface FakeAmoStats {
  /** Successful `POST /oauth2/access_token` calls of either grant type. */
  tokenExchanges: number;
  authorizationCodeExchanges: number;
  refreshTokenExchanges: number;
  failedTokenRequests: number;
  /** 429 answers to all accounts. */
  tooManyRequests: number;
  injectedFailures: number;
  /** Per account id: the most API requests seen within any one-second window (429s included). */
  maxRequestsPerSecond: Record<number, number>;
  /** Per account id: how many 429s the account received. */
  tooManyRequestsByAccount: Record<number, number>;
}

export interface InstallOptions {
  /** Where amoCRM sends the code; defaults to the fake's `redirectUri`. */
  redirectUri?: string;
  state?: string;
  /** amoCRM gives the redirect 3 seconds and never retries. */
  timeoutMs?: number;
}

export interface HookCallResult {
  url: string;
  /** The HTTP status the backend answered with; null when it did not answer in time or at all. */
  status: number | null;
  error?: string;
}

export interface InstallResult extends HookCallResult {
  code: string;
}

export interface CompanySeed {
  name: string;
  responsible_user_id?: number;
  custom_fields_values?: Array<{
    field_id?: number;
    field_code?: string;
    values: Array<Record<string, unknown>> | null;
  }>;
  tags_to_add?: Array<{ id?: number; name?: string }>;
  created_at?: number;
  updated_at?: number;
}

export interface CustomFieldSeed {
  name: string;
  type: string;
  code?: string;
  sort?: number;
  is_api_only?: boolean;
  enums?: Array<{ value: string; sort?: number }>;
}

export interface FakeAmo {
  /** `http://127.0.0.1:<port>`: use it as `AMO_API_ORIGIN`. */
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string | undefined;
  /** Every OAuth and API request, in arrival order (control endpoints under `/_fake/` are not recorded). */
  readonly requests: readonly RecordedRequest[];
  /** A snapshot of the counters at the time of reading. */
  readonly stats: FakeAmoStats;

  addAccount(input: AddAccountInput): FakeAccountInfo;
  account(accountId: number): FakeAccountInfo;

  /** A single-use code valid for 20 minutes, as amoCRM hands over on widget install. */
  issueAuthorizationCode(accountId: number): string;
  /** Tokens without the OAuth round trip, for tests that start from a connected account. */
  grantTokens(accountId: number): TokenPair;
  /** Simulates installing the widget: issues a code and calls the redirect URI with it once, like amoCRM. */
  installWidget(accountId: number, options?: InstallOptions): Promise<InstallResult>;
  /** Simulates uninstalling: revokes the account's tokens and calls the disconnect hook with its HMAC signature. */
  uninstallWidget(
    accountId: number,
    disconnectUrl: string,
    options?: { timeoutMs?: number },
  ): Promise<HookCallResult>;
  /** Revokes every code, access token and refresh token of the account. */
  revoke(accountId: number): void;
  /** Makes the account's current access tokens expired (refresh tokens keep working). */
  expireAccessTokens(accountId: number): void;

  /** Moves the fake's clock forward: codes, tokens and rate windows age accordingly. */
  advanceTime(ms: number): void;
  /** The fake's clock in ms since epoch (real time plus everything passed to `advanceTime`). */
  now(): number;

  block(accountId: number): void;
  unblock(accountId: number): void;
  isBlocked(accountId: number): boolean;
  setUnpaid(accountId: number, unpaid: boolean): void;
  /**
   * Whether the user the integration acts as is an administrator. Without admin rights amoCRM refuses
   * creating custom fields with 403 problem+json (samples.ts), the rest of the API works.
   */
  setAdminRights(accountId: number, admin: boolean): void;
  /**
   * The account allows the API only from these addresses (null: from anywhere). Others get 403 problem+json
   * naming the address — from the API, not the gateway's HTML block page.
   */
  restrictApiToIps(accountId: number, ips: string[] | null): void;
  /** The next `n` API requests fail with `status` (5xx gateway statuses come as HTML, like nginx's). */
  failNext(n: number, status?: number): void;
  /**
   * The account's subdomain is changed (amoCRM allows renaming an account's address). Requests that name the
   * old host (the `X-Amo-Account-Host` header our client sends when it talks to an AMO_API_ORIGIN, standing
   * for the Host header a real request carries) get 404; `GET /oauth2/account/current/subdomain` with
   * `X-Refresh-Token` tells where the account lives now.
   */
  renameAccount(accountId: number, subdomain: string): void;
  /** The next `n` API requests are applied and answered `202 Accepted` with no body (amoCRM queues some). */
  acceptNext(n: number): void;
  /**
   * The vendor changes the integration's secret in amoCRM: token requests with any other secret get
   * 401 «Некорректный клиент» (invalid_client). Existing access tokens keep working.
   */
  rotateClientSecret(secret: string): void;
  /** An outage: while down, every API request answers 503 (nginx's HTML page) until `setDown(false)`. */
  setDown(down: boolean): void;
  /** Delays every OAuth and API answer by `ms`. */
  setLatency(ms: number): void;

  companies(accountId: number): ApiCompany[];
  tasks(accountId: number): ApiTask[];
  notes(accountId: number): ApiNote[];
  customFields(accountId: number): ApiCustomField[];
  /** Stores a company directly (validated like the API, not rate limited, not recorded). */
  addCompany(accountId: number, seed: CompanySeed): ApiCompany;
  addCustomField(accountId: number, seed: CustomFieldSeed): ApiCustomField;
  /**
   * Deletes a company as a user does in amoCRM's interface (API v4 has no company deletion): it and its
   * notes disappear, and `GET /api/v4/companies/{id}` answers as for a missing company. Send the matching
   * `companyEventPayload('delete', …)` webhook yourself, as amoCRM would.
   */
  deleteCompany(accountId: number, companyId: number): void;

  clearRequests(): void;
  /**
   * Back to a fresh start: no tokens, codes, entities, requests, counters, blocks, faults or latency, and
   * the clock back to real time. Accounts stay registered (with fresh data) unless `removeAccounts` is set.
   */
  reset(options?: { removeAccounts?: boolean }): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------------------

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const OAUTH_PROBLEM_TYPE = 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson';
const DEFAULT_CLIENT_ID = '00000000-0000-4000-8000-00000000fa4e';
const DEFAULT_CLIENT_SECRET = 'fake-amo-client-secret';

export async function startFakeAmo(options: FakeAmoOptions = {}): Promise<FakeAmo> {
  const fake = new FakeAmoServer(options);
  await fake.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return fake;
}

/** The plain counts of the stats; the per-account figures are worked out when stats are asked for. */
type Counters = Omit<FakeAmoStats, 'maxRequestsPerSecond' | 'tooManyRequestsByAccount'>;

function zeroCounters(): Counters {
  return {
    tokenExchanges: 0,
    authorizationCodeExchanges: 0,
    refreshTokenExchanges: 0,
    failedTokenRequests: 0,
    tooManyRequests: 0,
    injectedFailures: 0,
  };
}

class FakeAmoServer implements FakeAmo {
  readonly clientId: string;
  clientSecret: string;
  readonly redirectUri: string | undefined;
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly ratePerSecond: number;
  private readonly autoBlockAfter429s: number;
  private readonly autoBlockWindowMs: number;
  private readonly missingEntityStatus: 404 | 204;
  private readonly tooManyRequestsBody: 'json' | 'html';
  private readonly tokens: TokenStore;
  private ids = new Sequences();
  private accounts = new Map<number, AccountState>();
  private counters = zeroCounters();
  private clockOffsetMs = 0;
  private readonly clock: () => number;
  private latencyMs = 0;
  /** Statuses for the next API requests, consumed one per request. */
  private failures: number[] = [];
  private acceptedAnswers = 0;
  private down = false;
  private boundPort = 0;
  /** The address `url` names; a wildcard listen address is named as 127.0.0.1. */
  private host = '127.0.0.1';

  constructor(options: FakeAmoOptions) {
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
    this.redirectUri = options.redirectUri;
    this.ratePerSecond = options.ratePerSecond ?? 7;
    this.autoBlockAfter429s = options.autoBlockAfter429s ?? 20;
    this.autoBlockWindowMs = options.autoBlockWindowMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
    this.missingEntityStatus = options.missingEntityStatus ?? 404;
    this.tooManyRequestsBody = options.tooManyRequestsBody ?? 'html';
    this.tokens = new TokenStore(() => this.now(), this.clientId);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the fake must surface as a loud 500, never as a hung request.
        if (!res.headersSent) send(res, httpProblem(500, `fake amoCRM failed: ${String(error)}`));
        else res.destroy();
      });
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.boundPort = address.port;
    this.host = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get stats(): FakeAmoStats {
    const maxRequestsPerSecond: Record<number, number> = {};
    const tooManyRequestsByAccount: Record<number, number> = {};
    for (const account of this.accounts.values()) {
      maxRequestsPerSecond[account.id] = account.maxRequestsPerSecond;
      tooManyRequestsByAccount[account.id] = account.tooManyRequests;
    }
    return { ...this.counters, maxRequestsPerSecond, tooManyRequestsByAccount };
  }

  now(): number {
    return this.clock() + this.clockOffsetMs;
  }

  private nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  advanceTime(ms: number): void {
    this.clockOffsetMs += ms;
  }

  // --- accounts --------------------------------------------------------------------------------------

  addAccount(input: AddAccountInput): FakeAccountInfo {
    if (!Number.isInteger(input.id) || input.id <= 0)
      throw new Error(`account id must be a positive integer, got ${input.id}`);
    if (!/^[a-z0-9-]+$/i.test(input.subdomain)) throw new Error(`invalid subdomain "${input.subdomain}"`);
    if (this.accounts.has(input.id)) throw new Error(`account ${input.id} already exists in the fake`);
    const userIds = input.userIds && input.userIds.length > 0 ? [...input.userIds] : [this.ids.next('user')];
    const account = new AccountState(
      {
        id: input.id,
        subdomain: input.subdomain,
        domain: input.domain ?? 'amocrm.ru',
        name: input.name ?? input.subdomain,
        userIds,
      },
      this.nowSec(),
      this.ids,
      this.autoBlockWindowMs,
    );
    this.accounts.set(account.id, account);
    return this.info(account);
  }

  account(accountId: number): FakeAccountInfo {
    return this.info(this.accountOrThrow(accountId));
  }

  private info(account: AccountState): FakeAccountInfo {
    return {
      ...account.identity,
      userIds: [...account.identity.userIds],
      currentUserId: account.currentUserId,
      baseUrl: account.baseUrl,
      blocked: account.blocked,
      unpaid: account.unpaid,
    };
  }

  private accountOrThrow(accountId: number): AccountState {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`no account ${accountId} in the fake amoCRM; call addAccount first`);
    return account;
  }

  // --- OAuth helpers for tests ------------------------------------------------------------------------

  issueAuthorizationCode(accountId: number): string {
    this.accountOrThrow(accountId);
    return this.tokens.issueCode(accountId);
  }

  grantTokens(accountId: number): TokenPair {
    this.accountOrThrow(accountId);
    return this.tokens.grant(accountId);
  }

  async installWidget(accountId: number, options: InstallOptions = {}): Promise<InstallResult> {
    const account = this.accountOrThrow(accountId);
    const redirectUri = options.redirectUri ?? this.redirectUri;
    if (!redirectUri)
      throw new Error('installWidget needs a redirect URI: pass one or start the fake with redirectUri');
    const code = this.tokens.issueCode(accountId);
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (options.state !== undefined) target.searchParams.set('state', options.state);
    target.searchParams.set('referer', `${account.identity.subdomain}.${account.identity.domain}`);
    target.searchParams.set('platform', account.identity.domain === 'amocrm.ru' ? '1' : '2');
    target.searchParams.set('client_id', this.clientId);
    target.searchParams.set('from_widget', '1');
    return { code, ...(await callOnce(target, options.timeoutMs ?? 3000)) };
  }

  async uninstallWidget(
    accountId: number,
    disconnectUrl: string,
    options: { timeoutMs?: number } = {},
  ): Promise<HookCallResult> {
    this.accountOrThrow(accountId);
    this.tokens.revokeAccount(accountId);
    const target = new URL(disconnectUrl);
    const signature = createHmac('sha256', this.clientSecret)
      .update(`${this.clientId}|${accountId}`)
      .digest('hex');
    target.searchParams.set('client_uuid', this.clientId);
    target.searchParams.set('account_id', String(accountId));
    target.searchParams.set('signature', signature);
    return callOnce(target, options.timeoutMs ?? 3000);
  }

  revoke(accountId: number): void {
    this.accountOrThrow(accountId);
    this.tokens.revokeAccount(accountId);
  }

  expireAccessTokens(accountId: number): void {
    this.accountOrThrow(accountId);
    this.tokens.expireAccessTokens(accountId);
  }

  // --- switches and fault injection --------------------------------------------------------------------

  block(accountId: number): void {
    this.accountOrThrow(accountId).blocked = 'manual';
  }

  unblock(accountId: number): void {
    const account = this.accountOrThrow(accountId);
    account.blocked = null;
    // Support lifting a block also forgives the history that caused it.
    account.tooManyWindow.clear();
  }

  isBlocked(accountId: number): boolean {
    return this.accountOrThrow(accountId).blocked !== null;
  }

  setUnpaid(accountId: number, unpaid: boolean): void {
    this.accountOrThrow(accountId).unpaid = unpaid;
  }

  setAdminRights(accountId: number, admin: boolean): void {
    this.accountOrThrow(accountId).adminRights = admin;
  }

  restrictApiToIps(accountId: number, ips: string[] | null): void {
    this.accountOrThrow(accountId).allowedIps = ips ? [...ips] : null;
  }

  renameAccount(accountId: number, subdomain: string): void {
    if (!/^[a-z0-9-]+$/i.test(subdomain)) throw new Error(`invalid subdomain "${subdomain}"`);
    this.accountOrThrow(accountId).identity.subdomain = subdomain;
  }

  acceptNext(n: number): void {
    this.acceptedAnswers += n;
  }

  rotateClientSecret(secret: string): void {
    this.clientSecret = secret;
  }

  failNext(n: number, status = 500): void {
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`failNext needs a non-negative integer count, got ${n}`);
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new Error(`failNext needs an error status, got ${status}`);
    for (let i = 0; i < n; i++) this.failures.push(status);
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  // --- stored entities ---------------------------------------------------------------------------------

  companies(accountId: number): ApiCompany[] {
    return this.renderAll(accountId, (account) => account.companies, renderCompany);
  }

  tasks(accountId: number): ApiTask[] {
    return this.renderAll(accountId, (account) => account.tasks, renderTask);
  }

  notes(accountId: number): ApiNote[] {
    return this.renderAll(accountId, (account) => account.notes, renderNote);
  }

  customFields(accountId: number): ApiCustomField[] {
    return this.renderAll(accountId, (account) => account.customFields, renderCustomField);
  }

  /** Every stored item of one kind in an account, rendered as the API answers it. */
  private renderAll<Stored, Rendered>(
    accountId: number,
    store: (account: AccountState) => Map<number, Stored>,
    render: (account: AccountState, item: Stored, origin: string) => Rendered,
  ): Rendered[] {
    const account = this.accountOrThrow(accountId);
    return [...store(account).values()].map((item) => render(account, item, this.url));
  }

  addCompany(accountId: number, seed: CompanySeed): ApiCompany {
    const account = this.accountOrThrow(accountId);
    const parsed = parseCompanyWrite(account, seed, 0, 'create');
    if (!parsed.ok) throw new Error(`invalid company seed: ${JSON.stringify(parsed.errors)}`);
    return renderCompany(account, commitCompany(account, this.ids, this.nowSec(), parsed.plan), this.url);
  }

  addCustomField(accountId: number, seed: CustomFieldSeed): ApiCustomField {
    const account = this.accountOrThrow(accountId);
    const parsed = parseCustomFieldCreate(account, seed, 0, new Set());
    if (!parsed.ok) throw new Error(`invalid custom field seed: ${JSON.stringify(parsed.errors)}`);
    return renderCustomField(account, commitCustomField(account, this.ids, parsed.plan), this.url);
  }

  deleteCompany(accountId: number, companyId: number): void {
    const account = this.accountOrThrow(accountId);
    if (!account.companies.delete(companyId))
      throw new Error(`no company ${companyId} in account ${accountId}`);
    for (const [id, note] of account.notes) if (note.entity_id === companyId) account.notes.delete(id);
  }

  // --- lifecycle ---------------------------------------------------------------------------------------

  clearRequests(): void {
    this.requests.length = 0;
  }

  reset(options: { removeAccounts?: boolean } = {}): void {
    this.tokens.clear();
    this.clearRequests();
    this.counters = zeroCounters();
    this.failures = [];
    this.acceptedAnswers = 0;
    this.down = false;
    this.latencyMs = 0;
    this.clockOffsetMs = 0;
    const identities = [...this.accounts.values()].map((a) => a.identity);
    this.accounts = new Map();
    this.ids = new Sequences();
    if (options.removeAccounts) return;
    for (const identity of identities) {
      this.accounts.set(
        identity.id,
        new AccountState(identity, this.nowSec(), this.ids, this.autoBlockWindowMs),
      );
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  // --- request handling --------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = this.now();
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    // Links in answers are absolute on the origin the client used, as amoCRM's are on the account host.
    const origin = req.headers.host ? `http://${req.headers.host}` : this.url;
    const method = (req.method ?? 'GET').toUpperCase();

    let raw = '';
    let tooLarge = false;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      tooLarge = true;
    }

    if (url.pathname === '/_fake' || url.pathname.startsWith('/_fake/')) {
      send(res, await this.handleControl(method, url, raw, req.headers['content-type']));
      return;
    }

    const parsed = parseBody(raw, req.headers['content-type']);
    const record: RecordedRequest = {
      at: arrivedAt,
      method,
      path: url.pathname,
      query: queryToObject(url.searchParams),
      accountId: null,
      body: parsed.ok ? parsed.value : raw,
      status: 0,
      headers: headersToObject(req),
    };
    this.requests.push(record);

    if (this.latencyMs > 0) await sleep(this.latencyMs);

    let reply: Reply;
    const namedHost = record.headers['x-amo-account-host']?.toLowerCase();
    if (tooLarge) reply = httpProblem(413, 'Request body is too large');
    else if (url.pathname === '/oauth2/account/current/subdomain') {
      reply = method === 'GET' ? this.currentSubdomain(record) : httpProblem(405, 'Method not allowed');
    } else if (namedHost !== undefined && !this.hostServed(namedHost, parsed, req.headers.authorization)) {
      // No account at this address (any more): what amoCRM answers on a renamed account's old host.
      reply = withReason(nginxPage(404), `no account lives at ${namedHost}`);
    } else if (url.pathname === '/oauth2/access_token') {
      reply =
        method === 'POST' ? this.handleTokenRequest(parsed, record) : httpProblem(405, 'Method not allowed');
    } else if (url.pathname.startsWith('/api/v4/')) {
      reply = this.handleApi(
        method,
        url,
        origin,
        parsed,
        record,
        req.headers.authorization,
        (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      );
    } else {
      reply = httpProblem(404, 'Not found');
    }
    record.status = reply.status;
    send(res, reply);
  }

  // --- OAuth ---------------------------------------------------------------------------------------------

  /**
   * `POST /oauth2/access_token`. The checks run in league/oauth2-server's order: grant type, client
   * (id, secret, redirect URI), then the grant itself, so a test sees the error amoCRM would give first.
   */
  private handleTokenRequest(parsed: ParsedBody, record: RecordedRequest): Reply {
    const reply = this.tokenReply(parsed, record);
    if (reply.status !== 200) this.counters.failedTokenRequests += 1;
    return reply;
  }

  private tokenReply(parsed: ParsedBody, record: RecordedRequest): Reply {
    const params = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
    const text = (key: string): string | undefined => {
      const value = params[key];
      if (typeof value === 'number') return String(value);
      return typeof value === 'string' && value !== '' ? value : undefined;
    };

    const grantType = text('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return oauthInvalidRequest(400, 'Check that all required parameters have been provided');
    }
    const clientId = text('client_id');
    if (clientId === undefined) return oauthInvalidRequest(400, 'Check the `client_id` parameter');
    if (clientId !== this.clientId || text('client_secret') !== this.clientSecret)
      return oauthInvalidClient();
    const redirectUri = text('redirect_uri');
    if (redirectUri === undefined) return oauthInvalidRequest(400, 'Check the `redirect_uri` parameter');
    if (this.redirectUri !== undefined && redirectUri !== this.redirectUri) return oauthInvalidClient();

    // The two grants differ only in the parameter they read, the store they ask and the counter they bump.
    const tokens = this.tokens;
    const grant =
      grantType === 'authorization_code'
        ? {
            param: 'code',
            accountOf: (code: string) => tokens.accountOfCode(code),
            exchange: (code: string) => tokens.exchangeCode(code),
            counter: 'authorizationCodeExchanges' as const,
          }
        : {
            param: 'refresh_token',
            accountOf: (token: string) => tokens.accountOfRefreshToken(token),
            exchange: (token: string) => tokens.exchangeRefreshToken(token),
            counter: 'refreshTokenExchanges' as const,
          };
    const secret = text(grant.param);
    if (secret === undefined) return oauthInvalidRequest(400, `Check the \`${grant.param}\` parameter`);
    // The request log names the account the code or token belongs to, even when the exchange then fails.
    record.accountId = grant.accountOf(secret) ?? null;
    const blocked = this.blockedReply(record.accountId);
    if (blocked) return blocked;
    const result: GrantResult = grant.exchange(secret);
    if (result.ok) this.counters[grant.counter] += 1;

    if (!result.ok) return oauthInvalidRequest(result.failure.status, result.failure.hint);
    if (!this.accounts.has(result.accountId)) return oauthInvalidRequest(401, 'Token has been revoked');
    this.counters.tokenExchanges += 1;
    return json(200, result.pair);
  }

  /**
   * Whether the host a request names belongs to the account its credentials (access token, refresh token or
   * code) belong to. Requests without credentials are not judged here.
   */
  private hostServed(host: string, parsed: ParsedBody, authorization: string | undefined): boolean {
    let accountId: number | undefined;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (bearer) {
      const check = this.tokens.checkAccessToken(bearer[1]!);
      accountId = check.accountId;
    } else if (parsed.ok && isRecord(parsed.value)) {
      const { refresh_token: refresh, code } = parsed.value;
      if (typeof refresh === 'string') accountId = this.tokens.accountOfRefreshToken(refresh);
      else if (typeof code === 'string') accountId = this.tokens.accountOfCode(code);
    }
    const account = accountId === undefined ? undefined : this.accounts.get(accountId);
    if (!account) return true;
    return host === `${account.identity.subdomain}.${account.identity.domain}`;
  }

  /** `GET /oauth2/account/current/subdomain` with `X-Refresh-Token`: where the token's account lives now. */
  private currentSubdomain(record: RecordedRequest): Reply {
    const token = record.headers['x-refresh-token'];
    const accountId = token ? this.tokens.accountOfRefreshToken(token) : undefined;
    record.accountId = accountId ?? null;
    const account = accountId === undefined ? undefined : this.accounts.get(accountId);
    if (!account) return oauthInvalidRequest(401, 'Token has been revoked');
    const { id, subdomain, domain } = account.identity;
    return json(200, accountDomain(id, subdomain, domain));
  }

  /** A blocked account is refused at the gateway, before OAuth or the API look at the request. */
  private blockedReply(accountId: number | null): Reply | undefined {
    const account = accountId === null ? undefined : this.accounts.get(accountId);
    if (!account?.blocked) return undefined;
    return withReason(nginxPage(403), `account ${account.id} is blocked (${account.blocked})`);
  }

  // --- API v4 --------------------------------------------------------------------------------------------

  private handleApi(
    method: string,
    url: URL,
    origin: string,
    parsed: ParsedBody,
    record: RecordedRequest,
    authorization: string | undefined,
    clientIp: string,
  ): Reply {
    if (this.down) return withReason(nginxPage(503), 'amoCRM is down (setDown)');
    const now = this.now();
    const auth = this.authenticate(authorization);
    let inWindow = 0;
    if (auth.account) {
      record.accountId = auth.account.id;
      // Every request the backend sends counts, refused ones included: that is what amoCRM's limiter sees
      // and what the "max requests in any second" statistic must reflect to catch a missing throttle.
      inWindow = auth.account.requestWindow.hit(now);
      auth.account.apiRequests += 1;
      auth.account.maxRequestsPerSecond = Math.max(auth.account.maxRequestsPerSecond, inWindow);
    }

    const injected = this.failures.shift();
    if (injected !== undefined) {
      this.counters.injectedFailures += 1;
      const reply =
        injected === 429
          ? this.tooManyReply(1)
          : injected >= 502 && injected <= 504
            ? nginxPage(injected)
            : httpProblem(injected, statusTitle(injected));
      return withReason(reply, 'injected by failNext');
    }

    const account = auth.account;
    if (!account) return withReason(httpProblem(401, 'Неверный логин или пароль'), auth.reason);
    const blocked = this.blockedReply(account.id);
    if (blocked) return blocked;
    if (inWindow > this.ratePerSecond) return this.tooManyRequests(account, now);
    if (account.allowedIps && !account.allowedIps.includes(clientIp))
      return problem(403, ipNotAllowed403(clientIp));
    if (account.unpaid) return httpProblem(402, 'Account is not paid');
    if (!parsed.ok) return httpProblem(400, 'Syntax error');

    const reply = this.dispatch(method, url, origin, parsed.value, account);
    if (this.acceptedAnswers > 0 && reply.status < 300) {
      this.acceptedAnswers -= 1;
      return withReason({ status: 202, headers: {}, body: '' }, 'accepted by acceptNext');
    }
    return reply;
  }

  private authenticate(header: string | undefined): { account?: AccountState; reason: string } {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return { reason: 'no Bearer token in Authorization' };
    const check = this.tokens.checkAccessToken(match[1]!);
    if (!check.ok) return { reason: `access token ${check.reason}` };
    const account = this.accounts.get(check.accountId);
    return account ? { account, reason: 'ok' } : { reason: 'account no longer exists' };
  }

  private tooManyRequests(account: AccountState, now: number): Reply {
    account.tooManyRequests += 1;
    this.counters.tooManyRequests += 1;
    const waitMs = account.requestWindow.msUntilCountAtMost(now, this.ratePerSecond - 1);
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    if (account.tooManyWindow.hit(now) > this.autoBlockAfter429s) account.blocked = 'rate-limit';
    return this.tooManyReply(retryAfter);
  }

  /** A 429 in the configured shape: the real gateway's HTML without a wait, or problem+json with one. */
  private tooManyReply(retryAfter: number): Reply {
    if (this.tooManyRequestsBody === 'html') return nginxPage(429);
    const reply = httpProblem(429, 'Too many requests', { retry_after: retryAfter });
    return { ...reply, headers: { ...reply.headers, 'retry-after': String(retryAfter) } };
  }

  private dispatch(method: string, url: URL, origin: string, body: unknown, account: AccountState): Reply {
    const path = url.pathname.replace(/\/+$/, '');
    const notAllowed = () => httpProblem(405, `Method ${method} is not allowed here`);
    let match: RegExpExecArray | null;

    if (path === '/api/v4/account') {
      return method === 'GET' ? this.getAccount(account, url, origin) : notAllowed();
    }
    if (path === '/api/v4/companies') {
      if (method === 'GET') return this.listCompanies(account, url, origin);
      if (method === 'POST') return this.writeCompanies(account, body, origin, 'create');
      if (method === 'PATCH') return this.writeCompanies(account, body, origin, 'update');
      return notAllowed();
    }
    if (path === '/api/v4/companies/custom_fields') {
      if (method === 'GET') return this.listCustomFields(account, url, origin);
      if (method === 'POST')
        return account.adminRights
          ? this.createCustomFields(account, body, origin)
          : problem(403, { ...ACCESS_DENIED_403 });
      return notAllowed();
    }
    if ((match = /^\/api\/v4\/companies\/custom_fields\/(\d+)$/.exec(path))) {
      if (method !== 'GET') return notAllowed();
      const field = account.customFields.get(Number(match[1]));
      return field
        ? hal(200, renderCustomField(account, field, origin))
        : httpProblem(404, 'Custom field not found');
    }
    if (path === '/api/v4/companies/notes') {
      if (method === 'GET') return this.listNotes(account, url, origin, undefined);
      if (method === 'POST') return this.createNotes(account, body, origin, undefined);
      return notAllowed();
    }
    if ((match = /^\/api\/v4\/companies\/(\d+)\/notes$/.exec(path))) {
      const companyId = Number(match[1]);
      if (method === 'GET') return this.listNotes(account, url, origin, companyId);
      if (method === 'POST') return this.createNotes(account, body, origin, companyId);
      return notAllowed();
    }
    if ((match = /^\/api\/v4\/companies\/(\d+)$/.exec(path))) {
      const companyId = Number(match[1]);
      if (method === 'GET') return this.getCompany(account, companyId, origin);
      if (method === 'PATCH') return this.updateCompany(account, companyId, body, origin);
      return notAllowed();
    }
    if (path === '/api/v4/tasks') {
      if (method === 'GET') return this.listTasks(account, url, origin);
      if (method === 'POST') return this.createTasks(account, body, origin);
      return notAllowed();
    }
    if ((match = /^\/api\/v4\/tasks\/(\d+)$/.exec(path))) {
      if (method !== 'GET') return notAllowed();
      const task = account.tasks.get(Number(match[1]));
      return task ? hal(200, renderTask(account, task, origin)) : this.missingEntity('Task not found');
    }
    return httpProblem(404, 'Not found');
  }

  private missingEntity(detail: string): Reply {
    return this.missingEntityStatus === 204 ? noContent() : httpProblem(404, detail);
  }

  // --- account -------------------------------------------------------------------------------------------

  private getAccount(account: AccountState, url: URL, origin: string): Reply {
    const ru = account.identity.domain === 'amocrm.ru';
    const withParts = new Set(
      (url.searchParams.get('with') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    const payload: Record<string, unknown> = {
      id: account.id,
      name: account.identity.name,
      subdomain: account.identity.subdomain,
      created_at: account.createdAt,
      created_by: 0,
      updated_at: account.createdAt,
      updated_by: 0,
      current_user_id: account.currentUserId,
      country: ru ? 'RU' : 'US',
      currency: ru ? 'RUB' : 'USD',
      currency_symbol: ru ? '₽' : '$',
      customers_mode: 'disabled',
      is_unsorted_on: true,
      mobile_feature_version: 0,
      is_loss_reason_enabled: true,
      is_helpbot_enabled: false,
      is_technical_account: false,
      contact_name_display_order: 1,
    };
    if (withParts.has('amojo_id')) payload.amojo_id = account.amojoId;
    if (withParts.has('uuid')) payload.uuid = account.uuid;
    if (withParts.has('version')) payload.version = 11;
    payload._links = { self: { href: `${origin}/api/v4/account` } };
    const embedded: Record<string, unknown> = {};
    if (withParts.has('task_types')) {
      embedded.task_types = [
        { id: 1, name: ru ? 'Связаться' : 'Follow-up', color: null, icon_id: null, code: 'FOLLOW_UP' },
        { id: 2, name: ru ? 'Встреча' : 'Meeting', color: null, icon_id: null, code: 'MEETING' },
      ];
    }
    if (withParts.has('users_groups'))
      embedded.users_groups = [{ id: 0, name: ru ? 'Отдел продаж' : 'Sales', uuid: null }];
    if (Object.keys(embedded).length > 0) payload._embedded = embedded;
    return hal(200, payload);
  }

  // --- companies -----------------------------------------------------------------------------------------

  private listCompanies(account: AccountState, url: URL, origin: string): Reply {
    const params = url.searchParams;
    let companies = [...account.companies.values()];

    companies = whereIn(companies, filterValues(params, 'id').map(Number), (c) => c.id);
    companies = whereIn(companies, filterValues(params, 'name'), (c) => c.name);
    const responsible = filterValues(params, 'responsible_user_id').map(Number);
    companies = whereIn(companies, responsible, (c) => c.responsible_user_id);
    const updated = rangeFilter(params, 'updated_at');
    if (updated.from !== undefined) companies = companies.filter((c) => c.updated_at >= updated.from!);
    if (updated.to !== undefined) companies = companies.filter((c) => c.updated_at <= updated.to!);
    const query = params.get('query');
    if (query !== null) companies = companies.filter((c) => companyMatchesQuery(c, query));

    sortByOrder(companies, params, ['id', 'created_at', 'updated_at']);

    const rendered = companies.map((c) => renderCompany(account, c, origin));
    return this.listReply(rendered, url, origin, 'companies', 250);
  }

  private getCompany(account: AccountState, companyId: number, origin: string): Reply {
    const company = account.companies.get(companyId);
    return company
      ? hal(200, renderCompany(account, company, origin))
      : this.missingEntity('Company not found');
  }

  /** POST (create) and PATCH (update) of a batch of companies; an update's answer also echoes name and time. */
  private writeCompanies(
    account: AccountState,
    body: unknown,
    origin: string,
    mode: 'create' | 'update',
  ): Reply {
    return this.listedBatchWrite(body, origin, 'companies', {
      parse: (item, index) => parseCompanyWrite(account, item, index, mode),
      commit: (plan) => commitCompany(account, this.ids, this.nowSec(), plan),
      href: (company) => `/api/v4/companies/${company.id}`,
      extra: (company) => (mode === 'update' ? { name: company.name, updated_at: company.updated_at } : {}),
    });
  }

  private updateCompany(account: AccountState, companyId: number, body: unknown, origin: string): Reply {
    if (!account.companies.has(companyId)) return httpProblem(404, 'Company not found');
    if (!isRecord(body)) return validationFailed([{ errors: [fieldError.type('', 'array')] }]);
    const parsed = parseCompanyWrite(account, { ...body, id: companyId }, 0, 'update');
    // A single-entity PATCH reports its errors without a request_id: there is no batch to point into.
    if (!parsed.ok) return validationFailed([{ errors: parsed.errors }]);
    const record = commitCompany(account, this.ids, this.nowSec(), parsed.plan);
    return hal(200, {
      id: record.id,
      name: record.name,
      updated_at: record.updated_at,
      _links: { self: { href: `${origin}/api/v4/companies/${record.id}` } },
    });
  }

  // --- custom fields -------------------------------------------------------------------------------------

  private listCustomFields(account: AccountState, url: URL, origin: string): Reply {
    const fields = [...account.customFields.values()]
      .sort((a, b) => a.sort - b.sort || a.id - b.id)
      .map((f) => renderCustomField(account, f, origin));
    return this.listReply(fields, url, origin, 'custom_fields', 50, { withTotals: true });
  }

  private createCustomFields(account: AccountState, body: unknown, origin: string): Reply {
    const codesInBatch = new Set<string>();
    return this.batchWrite(
      body,
      (item, index) => parseCustomFieldCreate(account, item, index, codesInBatch),
      (plan) => commitCustomField(account, this.ids, plan),
      (results) =>
        hal(200, {
          _total_items: results.length,
          _embedded: {
            custom_fields: results.map(({ plan, record }) => ({
              ...renderCustomField(account, record, origin),
              request_id: plan.requestId,
            })),
          },
        }),
    );
  }

  // --- notes ---------------------------------------------------------------------------------------------

  private listNotes(account: AccountState, url: URL, origin: string, companyId: number | undefined): Reply {
    let notes = [...account.notes.values()];
    const entityIds =
      companyId !== undefined ? [companyId] : filterValues(url.searchParams, 'entity_id').map(Number);
    notes = whereIn(notes, entityIds, (n) => n.entity_id);
    notes = whereIn(notes, filterValues(url.searchParams, 'note_type'), (n) => n.note_type);
    const rendered = notes.map((n) => renderNote(account, n, origin));
    return this.listReply(rendered, url, origin, 'notes', 250);
  }

  private createNotes(
    account: AccountState,
    body: unknown,
    origin: string,
    companyId: number | undefined,
  ): Reply {
    if (companyId !== undefined && !account.companies.has(companyId))
      return httpProblem(404, 'Company not found');
    return this.listedBatchWrite(body, origin, 'notes', {
      parse: (item, index) => parseNoteCreate(account, item, index, companyId),
      commit: (plan) => commitNote(account, this.ids, this.nowSec(), plan),
      href: (note) => `/api/v4/companies/${note.entity_id}/notes/${note.id}`,
      extra: (note) => ({ entity_id: note.entity_id }),
      selfPath: '/api/v4/companies/notes',
    });
  }

  // --- tasks ---------------------------------------------------------------------------------------------

  private listTasks(account: AccountState, url: URL, origin: string): Reply {
    const params = url.searchParams;
    let tasks = [...account.tasks.values()];
    // A task without an entity (null) never matches an entity filter: the values are strings and numbers.
    tasks = whereIn(tasks, filterValues(params, 'entity_type'), (t) => t.entity_type);
    tasks = whereIn(tasks, filterValues(params, 'entity_id').map(Number), (t) => t.entity_id);
    const responsible = filterValues(params, 'responsible_user_id').map(Number);
    tasks = whereIn(tasks, responsible, (t) => t.responsible_user_id);
    const completed = filterValues(params, 'is_completed');
    if (completed.length > 0) {
      const wanted = completed[0] === '1' || completed[0] === 'true';
      tasks = tasks.filter((t) => t.is_completed === wanted);
    }
    sortByOrder(tasks, params, ['id', 'created_at', 'complete_till']);
    const rendered = tasks.map((t) => renderTask(account, t, origin));
    return this.listReply(rendered, url, origin, 'tasks', 250);
  }

  private createTasks(account: AccountState, body: unknown, origin: string): Reply {
    return this.listedBatchWrite(body, origin, 'tasks', {
      parse: (item, index) => parseTaskCreate(account, item, index),
      commit: (plan) => commitTask(account, this.ids, this.nowSec(), plan),
      href: (task) => `/api/v4/tasks/${task.id}`,
    });
  }

  // --- shared list and write machinery -----------------------------------------------------------------

  /**
   * One page of a list in amoCRM's HAL shape. Pages start at 1; `limit` defaults to 50 and is capped at the
   * endpoint's maximum. An empty page is `204` with no body, whether the list is empty or the page is past
   * its end, which is how a client following `_links.next` learns it is done.
   */
  private listReply(
    items: unknown[],
    url: URL,
    origin: string,
    embedKey: string,
    maxLimit: number,
    options: { withTotals?: boolean } = {},
  ): Reply {
    const page = positiveInt(url.searchParams.get('page')) ?? 1;
    const limit = Math.min(positiveInt(url.searchParams.get('limit')) ?? Math.min(50, maxLimit), maxLimit);
    const slice = items.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return noContent();

    const link = (pageNumber: number) => {
      const query = new URLSearchParams(url.searchParams);
      query.set('page', String(pageNumber));
      query.set('limit', String(limit));
      return { href: `${origin}${url.pathname}?${query.toString()}` };
    };
    const links: Record<string, { href: string }> = { self: link(page) };
    if (page * limit < items.length) links.next = link(page + 1);
    if (page > 1) {
      links.first = link(1);
      links.prev = link(page - 1);
    }
    const totals = options.withTotals
      ? { _total_items: items.length, _page_count: Math.ceil(items.length / limit) }
      : {};
    return hal(200, { ...totals, _page: page, _links: links, _embedded: { [embedKey]: slice } });
  }

  /**
   * A batch write: the body must be a JSON array of at most 250 items; every item is validated before any
   * is stored, and any invalid item fails the whole request with 400 and per-item `validation-errors`.
   */
  private batchWrite<Plan, Stored>(
    body: unknown,
    parse: (item: unknown, index: number) => Parsed<Plan>,
    commit: (plan: Plan) => Stored,
    respond: (results: Array<{ plan: Plan; record: Stored }>) => Reply,
  ): Reply {
    if (!Array.isArray(body))
      return validationFailed([{ request_id: '0', errors: [fieldError.type('', 'array')] }]);
    if (body.length === 0) return validationFailed([{ request_id: '0', errors: [fieldError.blank('')] }]);
    if (body.length > MAX_BATCH)
      return validationFailed([{ request_id: '0', errors: [fieldError.tooMany(MAX_BATCH)] }]);

    const parsed = body.map((item: unknown, index) => parse(item, index));
    const failures: ValidationEntry[] = [];
    const plans: Plan[] = [];
    parsed.forEach((result, index) => {
      if (result.ok) plans.push(result.plan);
      else failures.push({ request_id: requestIdOf(body[index], index), errors: result.errors });
    });
    if (failures.length > 0) return validationFailed(failures);
    return respond(plans.map((plan) => ({ plan, record: commit(plan) })));
  }

  /**
   * A batch write answered as companies, notes and tasks are: `_links.self` and, under `_embedded[key]`,
   * `{ id, …extra, request_id, _links.self }` for each stored item in request order.
   */
  private listedBatchWrite<Plan extends { requestId: string }, Stored extends { id: number }>(
    body: unknown,
    origin: string,
    key: string,
    steps: {
      parse: (item: unknown, index: number) => Parsed<Plan>;
      commit: (plan: Plan) => Stored;
      href: (record: Stored) => string;
      extra?: (record: Stored) => Record<string, unknown>;
      selfPath?: string;
    },
  ): Reply {
    return this.batchWrite(body, steps.parse, steps.commit, (results) => {
      const entries = results.map(({ plan, record }) => ({
        id: record.id,
        ...steps.extra?.(record),
        request_id: plan.requestId,
        _links: { self: { href: `${origin}${steps.href(record)}` } },
      }));
      const self = `${origin}${steps.selfPath ?? `/api/v4/${key}`}`;
      return hal(200, { _links: { self: { href: self } }, _embedded: { [key]: entries } });
    });
  }

  // --- control endpoints for developers ------------------------------------------------------------------

  /**
   * `/_fake/...`: a small JSON control surface for running the fake by hand (`npm run fake-amo`).
   * These requests are not recorded, not rate limited and not delayed.
   */
  private async handleControl(
    method: string,
    url: URL,
    raw: string,
    contentType: string | undefined,
  ): Promise<Reply> {
    const parsed = parseBody(raw, contentType);
    const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
    const path = url.pathname.replace(/\/+$/, '');
    try {
      if (method === 'GET' && (path === '/_fake' || path === '/_fake/state'))
        return json(200, this.snapshot());
      if (method === 'POST' && path === '/_fake/reset') {
        this.reset();
        return noContent();
      }
      if (method === 'POST' && path === '/_fake/accounts') {
        const info = this.addAccount({
          id: Number(body.id),
          subdomain: String(body.subdomain ?? ''),
          domain: body.domain === 'kommo.com' ? 'kommo.com' : 'amocrm.ru',
          name: typeof body.name === 'string' ? body.name : undefined,
        });
        return json(201, info);
      }
      const match = /^\/_fake\/accounts\/(\d+)\/(code|install|block|unblock|unpaid|paid)$/.exec(path);
      if (method === 'POST' && match) {
        const accountId = Number(match[1]);
        const action = match[2];
        const account = this.account(accountId);
        if (action === 'code') {
          const code = this.issueAuthorizationCode(accountId);
          return json(201, {
            code,
            account_id: accountId,
            referer: `${account.subdomain}.${account.domain}`,
            expires_in: AUTH_CODE_TTL_MS / 1000,
          });
        }
        if (action === 'install') {
          const redirectUri = typeof body.redirect_uri === 'string' ? body.redirect_uri : undefined;
          return json(200, await this.installWidget(accountId, { redirectUri }));
        }
        if (action === 'block') this.block(accountId);
        if (action === 'unblock') this.unblock(accountId);
        if (action === 'unpaid') this.setUnpaid(accountId, true);
        if (action === 'paid') this.setUnpaid(accountId, false);
        return json(200, this.account(accountId));
      }
      return json(404, { error: `unknown control endpoint ${method} ${path}` });
    } catch (error) {
      return json(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private snapshot(): Record<string, unknown> {
    return {
      url: this.url,
      clientId: this.clientId,
      redirectUri: this.redirectUri ?? null,
      ratePerSecond: this.ratePerSecond,
      stats: this.stats,
      accounts: [...this.accounts.values()].map((account) => ({
        ...this.info(account),
        apiRequests: account.apiRequests,
        maxRequestsPerSecond: account.maxRequestsPerSecond,
        tooManyRequests: account.tooManyRequests,
        companies: this.companies(account.id),
        tasks: this.tasks(account.id),
        notes: this.notes(account.id),
        customFields: this.customFields(account.id).filter((field) => !field.is_predefined),
      })),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function validationFailed(entries: ValidationEntry[]): Reply {
  // Key order copies amoCRM's answers: the errors first, then the problem+json members.
  return problem(400, {
    'validation-errors': entries,
    title: 'Bad Request',
    type: 'https://httpstatus.es/400',
    status: 400,
    detail: 'Request validation failed',
  });
}

/** An OAuth error in amoCRM's wording: league's `hint` is passed through, title and detail are fixed. */
function oauthInvalidRequest(status: number, hint: string): Reply {
  return problem(status, {
    hint,
    title: 'Некорректный запрос',
    type: OAUTH_PROBLEM_TYPE,
    status,
    detail: 'В запросе отсутствует ряд параметров или параметры невалидны',
  });
}

/** Wrong client id, secret or redirect URI: league's `invalid_client`, a 401 without a hint. */
function oauthInvalidClient(): Reply {
  return problem(401, { ...INVALID_CLIENT_401 });
}

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= 1 ? number : undefined;
}

/**
 * Values of `filter[name]` in any of the spellings clients use: `filter[id]=1`, `filter[id][]=1&filter[id][]=2`,
 * `filter[id][0]=1`, or a comma-separated `filter[id]=1,2`.
 */
function filterValues(params: URLSearchParams, name: string): string[] {
  const pattern = new RegExp(`^filter\\[${name}\\](\\[\\d*\\])?$`);
  const values: string[] = [];
  for (const [key, value] of params) {
    if (pattern.test(key))
      values.push(
        ...value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      );
  }
  return values;
}

function rangeFilter(params: URLSearchParams, name: string): { from?: number; to?: number } {
  const from = params.get(`filter[${name}][from]`);
  const to = params.get(`filter[${name}][to]`);
  return {
    from: from !== null && /^\d+$/.test(from) ? Number(from) : undefined,
    to: to !== null && /^\d+$/.test(to) ? Number(to) : undefined,
  };
}

/** Keeps the items whose picked value is among `values`; no values means no filter. */
function whereIn<T, V>(items: T[], values: V[], pick: (item: T) => V): T[] {
  return values.length === 0 ? items : items.filter((item) => values.includes(pick(item)));
}

/** Sorts a list in place by the request's `order[field]` (id ascending when absent); ties go by id. */
function sortByOrder<K extends string, T extends { id: number } & Record<K, number>>(
  items: T[],
  params: URLSearchParams,
  allowed: K[],
): void {
  const order = orderOf(params, allowed) ?? { field: 'id', direction: 'asc' };
  const key = order.field as K;
  items.sort((a, b) => (a[key] - b[key] || a.id - b.id) * (order.direction === 'desc' ? -1 : 1));
}

function orderOf(
  params: URLSearchParams,
  allowed: string[],
): { field: string; direction: 'asc' | 'desc' } | undefined {
  for (const [key, value] of params) {
    const match = /^order\[(\w+)\]$/.exec(key);
    if (match && allowed.includes(match[1]!))
      return { field: match[1]!, direction: value.toLowerCase() === 'desc' ? 'desc' : 'asc' };
  }
  return undefined;
}

/**
 * One GET to the backend, as amoCRM makes for the install redirect and the disconnect hook: no retry, a
 * short budget, and the answer's body ignored.
 */
async function callOnce(target: URL, timeoutMs: number): Promise<HookCallResult> {
  try {
    const response = await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    return { url: target.toString(), status: response.status };
  } catch (error) {
    return {
      url: target.toString(),
      status: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
