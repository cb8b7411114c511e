import { DEFAULT_PRESET } from '../../server/src/programs/program';
import { ensureProgram } from '../../server/src/programs/program.service';
import http from 'node:http';
import { Writable } from 'node:stream';
import { mintAmoToken } from '../../server/src/auth/amo-token';
import type { Config } from '../../server/src/config';
import { devHostRouter } from '../../server/src/devhost/devhost.routes';
import { createApp } from '../../server/src/http/app';
import type { AppContext } from '../../server/src/context';
import { createLogger } from '../../server/src/logger';
import { allRoutes } from '../../server/src/http/routes';
import { ADMIN_USER_ID, testConfig, VENDOR_ACCOUNT_ID } from './config';
import { createContract } from './contract';
import { createTestDb, type TestDb } from './db';

// Re-exported: the tests import the whole harness from here.
export { ADMIN_USER_ID, testConfig, VENDOR_ACCOUNT_ID };

export interface CallOptions {
  /** A widget token (see `tokenFor`), sent as X-Auth-Token. */
  token?: string;
  /** Send the billing system's bearer key. */
  billing?: boolean;
  body?: unknown;
  /** A raw body string sent as is (for malformed input tests). */
  rawBody?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  buffer: Buffer;
}

export interface TestApp {
  url: string;
  db: TestDb;
  config: Config;
  context: AppContext;
  /** Every log line the server wrote, parsed. */
  logs: string[];
  tokenFor(who: {
    accountId: number;
    userId?: number;
    subdomain?: string;
    domain?: 'amocrm.ru' | 'kommo.com' | 'amocrm.com';
  }): string;
  partnerToken(accountId: number): string;
  staffToken(userId?: number): string;
  adminToken(): string;
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<CallResult<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Also mount the widget dev host page (`/dev/host/`, `/dev/widget/`) with this app's integration secret,
   * so browser tests drive the built widget against the real API on one origin.
   */
  devHost?: { widgetDir: string; hostDir: string };
}

/** Every route spec's declared responses: each answer a test receives through `callApi` is held to them. */
const apiContract = createContract(allRoutes);

/**
 * One real HTTP request to the app as the tests make it. The answer must match what its route declares
 * (`contract.ts`): a drift fails the test that made the call, with the route, the status and the zod issues.
 */
export async function callApi(
  url: string,
  billingApiKey: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['X-Auth-Token'] = options.token;
  if (options.billing) headers.Authorization = `Bearer ${billingApiKey}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(url + path, { method, headers, body });
  const buffer = Buffer.from(await response.arrayBuffer());
  const text = buffer.toString('utf8');
  const contentType = response.headers.get('content-type');
  let parsed: unknown = text;
  if ((contentType ?? '').includes('json') && text) parsed = JSON.parse(text);
  apiContract.check({
    method,
    path,
    status: response.status,
    contentType,
    body: parsed,
    redirected: response.redirected,
  });
  return { status: response.status, headers: response.headers, body: parsed as any, text, buffer };
}

/** The app's context for a test: config, database and a debug logger whose every line is kept in `logs`. */
export function testContext(config: Config, db: TestDb): { context: AppContext; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink });
  return { context: { config, db: db.db, log }, logs };
}

/** Starts `server` on a free loopback port and returns its base URL. */
export async function listenOnLoopback(server: http.Server): Promise<string> {
  // As the real server (server.ts): idle keep-alive sockets outlive the client's own 4 s, so the client always
  // closes first. With Node's default of 5 s a loaded machine's late timers let a test reuse a socket the server
  // had just closed (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Mints widget tokens with this config's amoCRM client, exactly as amoCRM mints them. */
export function tokenMinter(config: Config): (claims: Parameters<typeof mintAmoToken>[1]) => string {
  const settings = {
    clientId: config.amo.clientId,
    clientSecret: config.amo.clientSecret,
    audience: config.amo.tokenAudience,
  };
  return (claims) => mintAmoToken(settings, claims);
}

/** Closes a test server, dropping its keep-alive connections first so it closes at once. */
export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The real Express app over real HTTP on a fresh database; tokens are minted exactly as amoCRM mints them. */
export async function startTestApp(
  overrides: Partial<Config> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const db = await createTestDb();
  const config = testConfig(overrides);
  // As the server does on start: a database with no program gets the configured preset as version 1.
  await ensureProgram(db.db, config.programPreset ?? DEFAULT_PRESET);
  const { context, logs } = testContext(config, db);
  const devHost = options.devHost
    ? devHostRouter({
        amoClientId: config.amo.clientId,
        amoClientSecret: config.amo.clientSecret,
        tokenAudience: config.amo.tokenAudience,
        vendorAccountId: config.vendorAccountId,
        adminUserIds: config.adminUserIds,
        widgetDir: options.devHost.widgetDir,
        hostDir: options.devHost.hostDir,
      })
    : undefined;
  const server = http.createServer(
    createApp(context, allRoutes, devHost ? (app) => app.use(devHost) : undefined),
  );
  const url = await listenOnLoopback(server);
  const mint = tokenMinter(config);

  const tokenFor: TestApp['tokenFor'] = (who) =>
    mint({
      accountId: who.accountId,
      userId: who.userId ?? 1,
      subdomain: who.subdomain ?? `acc${who.accountId}`,
      domain: who.domain,
    });

  return {
    url,
    db,
    config,
    context,
    logs,
    tokenFor,
    partnerToken: (accountId) => tokenFor({ accountId, userId: 1 }),
    staffToken: (userId = 50) => tokenFor({ accountId: VENDOR_ACCOUNT_ID, userId, subdomain: 'vendor' }),
    adminToken: () => tokenFor({ accountId: VENDOR_ACCOUNT_ID, userId: ADMIN_USER_ID, subdomain: 'vendor' }),
    call: (method, path, options) => callApi(url, config.billingApiKey, method, path, options),
    async close() {
      await closeServer(server);
      await db.drop();
    },
  };
}
