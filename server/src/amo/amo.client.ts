import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Db } from '../db/pool';
import {
  AmoAccount,
  AmoCompany,
  AmoCustomField,
  AmoNote,
  AmoTask,
  ApiProblem,
  batchResult,
  listPage,
  type BatchItem,
} from './amo';
import {
  AmoApiError,
  AmoBlockedError,
  AmoConnectionBrokenError,
  AmoDeadlineError,
  AmoForbiddenError,
  AmoPaymentRequiredError,
  AmoRateLimitedError,
  AmoResponseError,
  AmoUnavailableError,
  type AmoFieldError,
} from './amo.errors';
import { parseJson, type AmoHttp, type AmoHttpResponse } from './amo.http';
import { backoffMs, retryAfterMs } from './amo.rules';
import * as repo from './amo.repository';
import type { AmoTokens } from './amo.tokens';
import type { Priority, RateLimiter } from './rate-limiter';

export interface AmoApiOptions {
  /** Retries of a GET or PATCH after a 5xx, a 504 or a timeout (POSTs are never repeated blindly). */
  maxServerRetries: number;
  serverBackoff: { baseMs: number; capMs: number };
  /** How many 429s one call sits out (each waits `retry_after`) before it gives up. */
  max429Retries: number;
  /** The longest wait after a 429 that names none (the waits double from 1 s up to this; default 16 s). */
  max429BackoffMs?: number;
  requestTimeoutMs: number;
  random?: () => number;
}

export interface CallOptions {
  priority?: Priority;
  /** Epoch ms by which the call must be done (interactive look-ups); AmoDeadlineError after it. */
  deadline?: number;
}

interface ApiRequest<T> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  searchParams?: Record<string, string | number>;
  json?: unknown;
  /** Shape of a 200 body; 204 (an empty list, a missing entity on some endpoints) answers null. */
  schema: ZodType<T>;
}

const MAX_BATCH = 250;

/**
 * A typed client for the amoCRM API v4 endpoints AMOCRM.md lists, acting in any connected account.
 *
 * Every call: waits for a slot of the account's throttle (7 requests per second, before sending), takes a
 * fresh access token (refreshing it ahead of expiry), and then handles the answer:
 * - 204 → null / an empty list; problem+json → AmoApiError with `validation-errors` by `request_id`;
 * - 401 → one refresh and one retry, then the connection is marked broken;
 * - 403 as nginx's HTML page → the account is marked blocked (an admin alert) and nothing more is sent to
 *   it; 403 as problem+json (missing rights, IP whitelist) → AmoForbiddenError and an alert, no block;
 * - 429 → the whole account pauses for `retry_after`, then the call is retried (a few times at most);
 * - 5xx / 504 / timeouts → GET and PATCH retry with capped, jittered backoff; a POST is not repeated here,
 *   because it may have been applied: the caller checks first (see the outbox deliveries);
 * - 402 → AmoPaymentRequiredError.
 */
export class AmoApi {
  private readonly random: () => number;
  /** Accounts that answered 403 in this process, for requests already waiting in the throttle. */
  private readonly blocked = new Set<number>();

  constructor(
    private readonly deps: {
      db: Db;
      http: AmoHttp;
      tokens: AmoTokens;
      limiter: RateLimiter;
      log: Logger;
      options: AmoApiOptions;
    },
  ) {
    this.random = deps.options.random ?? Math.random;
  }

  async call<T>(accountId: number, request: ApiRequest<T>, options: CallOptions = {}): Promise<T | null> {
    const { limiter, tokens, http, log } = this.deps;
    const { maxServerRetries, max429Retries, requestTimeoutMs } = this.deps.options;
    const key = String(accountId);
    let refreshed = false;
    let serverFailures = 0;
    let tooMany = 0;
    for (;;) {
      if (options.deadline !== undefined && Date.now() >= options.deadline)
        throw new AmoDeadlineError(`amoCRM call for account ${accountId} ran out of time`, accountId);
      // Token (and connection status) first, slot second, then send at once: the throttle counts a request
      // when it grants the slot, so nothing slow (a database wait) may sit between the grant and the send.
      const grant = await tokens.access(accountId);
      this.blocked.delete(accountId);
      const slot = await limiter.acquire(key, {
        priority: options.priority ?? 'background',
        deadline: options.deadline,
      });
      // A request that queued while another one met a 403 is never sent.
      if (this.blocked.has(accountId)) {
        slot.done();
        throw new AmoBlockedError(`amoCRM blocked the API for account ${accountId}`, accountId);
      }
      const timeoutMs =
        options.deadline !== undefined
          ? Math.max(1, Math.min(requestTimeoutMs, options.deadline - Date.now()))
          : requestTimeoutMs;
      let response: AmoHttpResponse;
      try {
        response = await http.send({
          host: grant.host,
          method: request.method,
          path: request.path,
          searchParams: request.searchParams,
          json: request.json,
          accessToken: grant.accessToken,
          timeoutMs,
          accountKey: accountId,
        });
      } catch (error) {
        slot.done();
        // A GET or PATCH may be repeated after any network failure; a POST only when it was never sent.
        const repeatable =
          request.method !== 'POST' || (error instanceof AmoUnavailableError && !error.maybeApplied);
        if (error instanceof AmoUnavailableError && repeatable && serverFailures < maxServerRetries) {
          serverFailures += 1;
          await this.sleep(serverFailures, options.deadline);
          continue;
        }
        throw error;
      }
      slot.done();

      const { status } = response;
      // 202: amoCRM accepted the request for later processing, often with no body (amocrm-api-php lists it
      // among its success statuses and skips the JSON check for it). Like 204, there is nothing to read.
      if (status === 202 && response.body.trim() === '') return null;
      if (status === 200 || status === 201 || status === 202) {
        const body = parseJson(response.body);
        const parsed = request.schema.safeParse(body);
        if (!parsed.success) {
          log.warn({ accountId, path: request.path.split('?')[0], status }, 'unexpected amoCRM answer');
          throw new AmoResponseError(
            `amoCRM answered ${request.method} ${request.path.split('?')[0]} with an unexpected body`,
            accountId,
          );
        }
        return parsed.data;
      }
      if (status === 204) return null;
      // 401, or a 404 page that is not the API's problem+json (no account lives at this host: its subdomain
      // changed): refresh once — the refresh follows the account to its new host — and retry.
      const hostGone = status === 404 && !ApiProblem.safeParse(parseJson(response.body)).success;
      if (status === 401 || (hostGone && !refreshed)) {
        if (!refreshed) {
          refreshed = true;
          await tokens.refresh(accountId, grant.version);
          continue;
        }
        await tokens.markBroken(this.deps.db, accountId, 'the API answered 401 after a token refresh');
        throw new AmoConnectionBrokenError(
          `amoCRM refuses the tokens of account ${accountId} (401)`,
          accountId,
        );
      }
      if (status === 403) {
        // The API's own refusal comes as problem+json (rights, IP whitelist); the gateway's block for too
        // many requests is nginx's HTML page (samples.ts). Only the block stops the whole account.
        const refusal = ApiProblem.safeParse(parseJson(response.body));
        if (refusal.success && (refusal.data.status === 403 || refusal.data.title !== undefined)) {
          const path = request.path.split('?')[0]!;
          await this.noteForbidden(accountId, request.method, path, refusal.data.detail ?? '');
          throw new AmoForbiddenError(
            `amoCRM refused ${request.method} ${path} for account ${accountId} (403: ${refusal.data.detail ?? 'no details'})`,
            accountId,
          );
        }
        this.blocked.add(accountId);
        await tokens.markBlocked(
          this.deps.db,
          accountId,
          `the API answered 403 to ${request.method} ${request.path.split('?')[0]}`,
        );
        throw new AmoBlockedError(`amoCRM blocked the API for account ${accountId} (403)`, accountId);
      }
      if (status === 402)
        throw new AmoPaymentRequiredError(`amoCRM account ${accountId} is not paid (402)`, accountId);
      if (status === 429) {
        tooMany += 1;
        const waitMs = retryAfterMs(
          parseJson(response.body),
          headerText(response.headers['retry-after']),
          tooMany,
          { capMs: this.deps.options.max429BackoffMs ?? 16_000 },
          this.random(),
        );
        limiter.pause(key, waitMs);
        log.warn({ accountId, waitMs, tooMany }, 'amoCRM rate limit hit (429): pausing the account');
        if (tooMany > max429Retries)
          throw new AmoRateLimitedError(`amoCRM kept answering 429 for account ${accountId}`, accountId);
        continue;
      }
      if (status >= 500) {
        const idempotent = request.method !== 'POST';
        if (idempotent && serverFailures < maxServerRetries) {
          serverFailures += 1;
          await this.sleep(serverFailures, options.deadline);
          continue;
        }
        throw new AmoUnavailableError(
          `amoCRM answered ${status} to ${request.method} ${request.path.split('?')[0]}`,
          accountId,
          status,
          !idempotent,
        );
      }
      throw problemError(accountId, response);
    }
  }

  /** An admin alert for a 403 the API gave one request, in the words of its likely cause. */
  private async noteForbidden(
    accountId: number,
    method: string,
    path: string,
    detail: string,
  ): Promise<void> {
    const said = detail ? ` amoCRM said: «${detail.slice(0, 200)}».` : '';
    const message = /custom_fields/.test(path)
      ? `amoCRM refused ${method} ${path} in account ${accountId} (403): only an administrator may create ` +
        `custom fields, and the user who installed the widget is not one.${said} Reinstall the widget there as ` +
        'an administrator, or create the field by hand and set AMO_CLIENT_ACCOUNT_FIELD_ID. Nothing else is ' +
        'paused.'
      : /\bip\b|whitelist|белом списке|ip-адрес/i.test(detail)
        ? `amoCRM refused ${method} ${path} in account ${accountId} (403): the account allows the API only from ` +
          `listed IP addresses (IP whitelist), and this server's address is not among them.${said} Ask the ` +
          "account's administrator to add it; calls work again by themselves once it is listed."
        : `amoCRM refused ${method} ${path} in account ${accountId} (403): the user who installed the widget ` +
          `lacks the rights for it, or the account's IP whitelist does not list this server.${said} This is not ` +
          'a rate-limit block: only such requests fail.';
    await repo.raiseAlert(this.deps.db, {
      accountId,
      kind: 'access_denied',
      message,
      details: { method, path },
      dedupeKey: `access_denied:${accountId}:${method} ${path.replace(/\/\d+/g, '/:id')}`,
    });
    this.deps.log.warn({ accountId, method, path }, 'amoCRM refused a request (403, not a block)');
  }

  private async sleep(failures: number, deadline: number | undefined): Promise<void> {
    const ms = backoffMs(failures, this.deps.options.serverBackoff, this.random());
    if (deadline !== undefined && Date.now() + ms >= deadline)
      throw new AmoDeadlineError('amoCRM is failing and the call ran out of time', null);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Every item of a list, following `_links.next` (only its path: the host is always the account's own or
   * AMO_API_ORIGIN, never one named in an answer). `stop` ends early once the items seen are enough.
   */
  async list<T>(
    accountId: number,
    path: string,
    key: string,
    item: ZodType<T>,
    searchParams: Record<string, string | number>,
    options: CallOptions & { maxPages?: number; stop?: (page: T[]) => boolean } = {},
  ): Promise<T[]> {
    const schema = listPage(key, item);
    const out: T[] = [];
    let next: { path: string; searchParams?: Record<string, string | number> } | undefined = {
      path,
      searchParams,
    };
    for (let page = 0; next && page < (options.maxPages ?? 20); page++) {
      const body = await this.call(accountId, { method: 'GET', ...next, schema }, options);
      if (!body) break;
      const items = (body._embedded[key] ?? []) as T[];
      out.push(...items);
      if (options.stop?.(items)) break;
      next = nextPage(body._links?.next?.href);
    }
    return out;
  }

  /** A batch write: ≤ 250 items with `request_id`s; answers request_id → entity id. */
  async batch(
    accountId: number,
    method: 'POST' | 'PATCH',
    path: string,
    key: string,
    items: BatchItem[],
    options: CallOptions = {},
  ): Promise<Map<string, number>> {
    if (items.length === 0) return new Map();
    if (items.length > MAX_BATCH) throw new Error(`amoCRM takes at most ${MAX_BATCH} items per request`);
    const body = await this.call(accountId, { method, path, json: items, schema: batchResult(key) }, options);
    const results = (body?._embedded[key] ?? []) as Array<{ id: number; request_id?: string | number }>;
    const ids = new Map<string, number>();
    results.forEach((result, index) => {
      // amoCRM echoes request_id; without it the answer is in request order.
      const requestId =
        result.request_id !== undefined ? String(result.request_id) : items[index]?.request_id;
      if (requestId !== undefined) ids.set(requestId, result.id);
    });
    return ids;
  }

  /** One batch endpoint as a method: answers request_id → entity id, like `batch`. */
  private batchWrite(method: 'POST' | 'PATCH', path: string, key: string) {
    return (accountId: number, items: BatchItem[], options?: CallOptions): Promise<Map<string, number>> =>
      this.batch(accountId, method, path, key, items, options);
  }

  // --- the endpoints ------------------------------------------------------------------------------------

  readonly createCompanies = this.batchWrite('POST', '/api/v4/companies', 'companies');
  readonly updateCompanies = this.batchWrite('PATCH', '/api/v4/companies', 'companies');
  readonly createCompanyCustomFields = this.batchWrite(
    'POST',
    '/api/v4/companies/custom_fields',
    'custom_fields',
  );
  readonly createCompanyNotes = this.batchWrite('POST', '/api/v4/companies/notes', 'notes');
  readonly createTasks = this.batchWrite('POST', '/api/v4/tasks', 'tasks');

  getAccount(accountId: number, options?: CallOptions): Promise<AmoAccount | null> {
    return this.call(accountId, { method: 'GET', path: '/api/v4/account', schema: AmoAccount }, options);
  }

  /** Companies matching amoCRM's full-text `query` (name and field values). */
  searchCompanies(
    accountId: number,
    query: string,
    options?: CallOptions & { maxPages?: number },
  ): Promise<AmoCompany[]> {
    return this.list(accountId, '/api/v4/companies', 'companies', AmoCompany, { query, limit: 250 }, options);
  }

  /** A company by id; null when amoCRM says it does not exist (404 or an empty 204). */
  async getCompany(accountId: number, companyId: number, options?: CallOptions): Promise<AmoCompany | null> {
    try {
      return await this.call(
        accountId,
        { method: 'GET', path: `/api/v4/companies/${companyId}`, schema: AmoCompany },
        options,
      );
    } catch (error) {
      if (error instanceof AmoApiError && error.status === 404) return null;
      throw error;
    }
  }

  listCompanyCustomFields(accountId: number, options?: CallOptions): Promise<AmoCustomField[]> {
    return this.list(
      accountId,
      '/api/v4/companies/custom_fields',
      'custom_fields',
      AmoCustomField,
      { limit: 50 },
      options,
    );
  }

  listCompanyNotes(
    accountId: number,
    companyId: number,
    options?: CallOptions & { maxPages?: number },
  ): Promise<AmoNote[]> {
    return this.list(
      accountId,
      `/api/v4/companies/${companyId}/notes`,
      'notes',
      AmoNote,
      { limit: 250 },
      options,
    );
  }

  /** Tasks, newest first, until `stop` says the pages seen reach back far enough. */
  recentTasks(
    accountId: number,
    options: CallOptions & { maxPages?: number; stop?: (page: AmoTask[]) => boolean } = {},
  ): Promise<AmoTask[]> {
    return this.list(
      accountId,
      '/api/v4/tasks',
      'tasks',
      AmoTask,
      { 'order[created_at]': 'desc', limit: 250 },
      options,
    );
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function nextPage(href: string | undefined): { path: string } | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href, 'https://amocrm.invalid');
    return url.pathname.startsWith('/api/v4/') ? { path: url.pathname + url.search } : undefined;
  } catch {
    return undefined;
  }
}

/** A 4xx answer as a typed error: problem+json when it is one, the bare status when it is an HTML page. */
function problemError(accountId: number, response: AmoHttpResponse): AmoApiError {
  const parsed = ApiProblem.safeParse(parseJson(response.body));
  const problem = parsed.success ? parsed.data : {};
  const validation = (problem['validation-errors'] ?? []).map((entry) => ({
    requestId: entry.request_id !== undefined ? String(entry.request_id) : null,
    errors: (entry.errors ?? []).map((e): AmoFieldError => ({
      code: e.code ?? 'unknown',
      path: e.path ?? '',
      detail: e.detail ?? '',
    })),
  }));
  return new AmoApiError(
    accountId,
    response.status,
    problem.title ?? `HTTP ${response.status}`,
    problem.detail ?? 'no details',
    validation,
  );
}
