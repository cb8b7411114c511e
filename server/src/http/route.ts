import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { z, type ZodType } from 'zod';
import { verifyAmoToken } from '../auth/amo-token';
import {
  callerFromToken,
  callerScope,
  verifyBillingKey,
  type AccountCaller,
  type Caller,
  type StaffCaller,
} from '../auth/caller';
import { recordAudit } from '../audit/audit';
import type { Db, Tx } from '../db/pool';
import { requestHash, withIdempotency } from '../idempotency/idempotency';
import { AppError, type FieldError } from '../errors';
import { illFormedStringPath } from './input';
import { loggableError } from '../logger';
import type { AppContext } from '../context';

/**
 * Who may call a route:
 * - `public`: anyone;
 * - `widget`: any amoCRM widget token, partner side or vendor side;
 * - `account`: any amoCRM account's widget except the vendor's (a partner, or a visitor who may register);
 * - `staff` / `admin`: the vendor's own amoCRM users;
 * - `billing`: the vendor's billing system with its bearer key.
 */
export type AuthKind = 'public' | 'widget' | 'account' | 'staff' | 'admin' | 'billing';

/** The caller a route of each kind gets, as `authenticate` guarantees: no handler needs a cast. */
export type CallerFor<A extends AuthKind> = A extends 'account'
  ? AccountCaller
  : A extends 'staff' | 'admin'
    ? StaffCaller
    : A extends 'widget'
      ? AccountCaller | StaffCaller
      : A extends 'billing'
        ? Extract<Caller, { kind: 'billing' }>
        : Caller;

export type RouteResult =
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { status: number; file: Buffer; contentType: string; filename?: string; headers?: Record<string, string> }
  | { status: number; html: string; headers?: Record<string, string> }
  | { status: 301 | 302 | 303 | 307 | 308; redirect: string; headers?: Record<string, string> };

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A reading route runs on the pool; every other method runs in one transaction (see `mountRoutes`). */
export type DbFor<M extends Method> = M extends 'get' ? Db : Tx;

export interface HandlerContext<B, Q, P, A extends AuthKind = AuthKind, M extends Method = Method> {
  body: B;
  query: Q;
  params: P;
  caller: CallerFor<A>;
  /** A transaction for state-changing routes (committed after the handler returns), the pool for `get`. */
  db: DbFor<M>;
  app: AppContext;
  /** Audit row in the same transaction, with who from the verified caller. */
  audit(
    action: string,
    entity: { type: string; id: string },
    details?: Record<string, unknown>,
  ): Promise<void>;
  /** Runs after the transaction committed (e.g. wake the outbox job); never before. */
  afterCommit(fn: () => void | Promise<void>): void;
  /** What the route's `prepare` returned (undefined without one). */
  prepared: unknown;
  req: Request;
}

/** What every route declares about itself for the router and the OpenAPI document, whoever may call it. */
export interface RouteDeclaration<B = unknown, Q = unknown, P = unknown, M extends Method = Method> {
  method: M;
  /** Express path with `:param` segments. */
  path: string;
  summary: string;
  /** Longer words for the OpenAPI document, where the summary line is not enough. */
  description?: string;
  tag: string;
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /**
   * Documented responses for OpenAPI, and what the API tests hold every answer to: status → description,
   * the JSON body's schema, or the media type(s) of a body that is not JSON (a PDF; a PDF or a CSV).
   */
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string | string[] }>;
  /** Applies `Idempotency-Key` (API.md); true by default for every state-changing method. */
  idempotent?: boolean;
}

export interface RouteSpec<
  B = unknown,
  Q = unknown,
  P = unknown,
  A extends AuthKind = AuthKind,
  M extends Method = Method,
> extends RouteDeclaration<B, Q, P, M> {
  auth: A;
  /**
   * Mounted ahead of CORS, the JSON parser and every other route (see `createApp`): for a public GET that is
   * hit far more often than anything else and needs neither (a partner link's redirect, `GET /r/:code`).
   */
  hot?: boolean;
  /**
   * Runs before the transaction opens, on the pool, after validation: for a slow look-up outside our
   * database (the vendor's amoCRM) that must not sit on a transaction's connection while it waits — with
   * every pooled connection held by such waits, the look-up's own queries would starve. Its result is
   * `prepared` in the handler, which must still decide inside the transaction.
   */
  prepare?(ctx: { body: B; query: Q; params: P; caller: CallerFor<A>; app: AppContext }): Promise<unknown>;
  /**
   * Answers a write with one statement and no transaction around it, when it can; null sends the request on to
   * `handler` in a transaction as usual. PostgreSQL runs a single statement atomically, so BEGIN and COMMIT would
   * only add two round trips (billing's common payment, issue 16). Not used for a request with an
   * Idempotency-Key, whose record needs the transaction.
   */
  oneStatement?(ctx: { body: B; caller: CallerFor<A>; app: AppContext }): Promise<RouteResult | null>;
  handler(ctx: HandlerContext<B, Q, P, A, M>): Promise<RouteResult>;
}

/** Declares a route with its types inferred from the zod schemas. */
export function defineRoute<
  B = undefined,
  Q = undefined,
  P = undefined,
  A extends AuthKind = AuthKind,
  M extends Method = Method,
>(spec: RouteSpec<B, Q, P, A, M>): RouteSpec<B, Q, P, A, M> {
  return spec;
}

/** Turns zod issues into `{ path, message }` field errors; custom refinements may carry a Russian text. */
export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          path: base ? `${base}.${key}` : key,
          message: 'Unknown field',
          messageRu: 'Неизвестное поле',
        });
      }
      continue;
    }
    const ru = (issue as { params?: { ru?: string } }).params?.ru;
    out.push({ path: base || (prefix ?? 'body'), message: issue.message, ...(ru ? { messageRu: ru } : {}) });
  }
  return out;
}

function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, where: 'body' | 'query' | 'params'): T {
  if (!schema) return undefined as T;
  // Before the schema, for every route alike: text the database could not store never reaches a handler.
  const illFormed = illFormedStringPath(value);
  if (illFormed !== null) {
    const path = where === 'body' ? illFormed : `${where}.${illFormed}`;
    throw new AppError('validation_failed', `Invalid request ${where}`, [
      {
        path,
        message: 'must be well-formed Unicode (a lone UTF-16 surrogate was sent)',
        messageRu: 'недопустимый символ (одиночный суррогат UTF-16)',
      },
    ]);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError(
      'validation_failed',
      `Invalid request ${where}`,
      fieldErrors(result.error, where === 'body' ? undefined : where),
    );
  }
  return result.data;
}

async function authenticate(req: Request, auth: AuthKind, app: AppContext): Promise<Caller> {
  if (auth === 'public') return { kind: 'public' };
  if (auth === 'billing') {
    verifyBillingKey(req.get('authorization'), app.config.billingApiKey);
    return { kind: 'billing' };
  }
  const claims = verifyAmoToken(req.get('x-auth-token'), {
    clientId: app.config.amo.clientId,
    clientSecret: app.config.amo.clientSecret,
    audience: app.config.amo.tokenAudience,
  });
  const caller = await callerFromToken(app.db, claims, app.config);
  if (auth === 'account' && caller.kind !== 'account') {
    throw new AppError('forbidden', 'This endpoint is for partner accounts, not the vendor account');
  }
  if (auth === 'staff' && caller.kind !== 'staff')
    throw new AppError('forbidden', 'This endpoint is for the vendor staff');
  if (auth === 'admin' && !(caller.kind === 'staff' && caller.role === 'admin')) {
    throw new AppError('forbidden', 'This endpoint is for the vendor admins');
  }
  return caller;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Mounts route specs on an Express router: authenticate → validate → (transaction + idempotency) → handler. */
export function mountRoutes(
  router: Router,
  specs: RouteSpec<any, any, any, any, any>[],
  app: AppContext,
): void {
  for (const spec of specs) {
    router[spec.method as Method](spec.path, async (req: Request, res: Response) => {
      const caller = await authenticate(req, spec.auth, app);
      if (spec.body && req.body === undefined && Number(req.get('content-length') ?? 0) > 0) {
        throw new AppError('unsupported_media_type', 'Send the body as application/json');
      }
      const body = parsePart(spec.body, req.body ?? {}, 'body');
      const query = parsePart(spec.query, req.query, 'query');
      const params = parsePart(spec.params, req.params, 'params');

      const writes = spec.method !== 'get';
      const idempotencyKey = req.get('idempotency-key');
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new AppError('validation_failed', 'Invalid Idempotency-Key', [
          { path: 'Idempotency-Key', message: 'must be 1–200 printable ASCII characters' },
        ]);
      }
      const prepared = spec.prepare ? await spec.prepare({ body, query, params, caller, app }) : undefined;
      const postCommit: Array<() => void | Promise<void>> = [];
      const makeContext = (db: Db): HandlerContext<unknown, unknown, unknown, any, any> => ({
        body,
        query,
        params,
        caller,
        db,
        app,
        req,
        audit: (action, entity, details) => recordAudit(db, caller, action, entity, details),
        afterCommit: (fn) => postCommit.push(fn),
        prepared,
      });

      let result: RouteResult;
      let replayed = false;
      const direct =
        writes && spec.oneStatement && idempotencyKey === undefined
          ? await spec.oneStatement({ body, caller, app })
          : null;
      if (direct) {
        result = direct;
      } else if (!writes) {
        result = await spec.handler(makeContext(app.db) as HandlerContext<any, any, any, any, any>);
      } else {
        result = await app.db.transaction().execute(async (trx) => {
          const run = () => spec.handler(makeContext(trx) as HandlerContext<any, any, any, any, any>);
          if ((spec.idempotent ?? true) && idempotencyKey) {
            const hash = requestHash(spec.method, req.originalUrl.split('?')[0] ?? '', req.body);
            const stored = await withIdempotency(
              trx,
              { scope: callerScope(caller), key: idempotencyKey, hash },
              async () => {
                const r = await run();
                if (!('body' in r)) throw new Error('idempotent routes must answer JSON');
                return { status: r.status, body: JSON.parse(JSON.stringify(r.body, jsonReplacer)) };
              },
            );
            replayed = stored.replayed;
            return { status: stored.status, body: stored.body };
          }
          return run();
        });
        for (const fn of postCommit) {
          // A post-commit hook only nudges background work that is already safely recorded; its
          // failure must not turn a committed change into an error response.
          Promise.resolve()
            .then(fn)
            .catch((error: unknown) =>
              app.log.warn({ err: loggableError(error) }, 'post-commit hook failed'),
            );
        }
      }
      if (replayed) res.set('Idempotency-Replayed', 'true');
      sendResult(res, result);
    });
  }
}

function sendResult(res: Response, result: RouteResult): void {
  res.status(result.status);
  if ('file' in result) {
    if (result.headers) res.set(result.headers);
    res.type(result.contentType);
    if (result.filename) res.attachment(result.filename);
    res.send(result.file);
  } else if ('html' in result) {
    if (result.headers) res.set(result.headers);
    res.type('html').send(result.html);
  } else if ('redirect' in result) {
    // No body: a browser follows the Location, and Express's negotiated HTML/text note costs more than the
    // rest of a click's redirect.
    if (result.headers) res.set(result.headers);
    res.location(result.redirect).end();
  } else {
    if (result.headers) res.set(result.headers);
    if (result.status === 204) res.end();
    else sendJson(res, result.body);
  }
}

/**
 * A JSON answer written straight to Node's response: Express's `res.json` would add an ETag (a SHA-1 of every
 * body, for conditional GETs the widget never makes) and negotiate headers it does not need: a tenth to a fifth of
 * the staff look-up's time (docs/BENCHMARKS.md, «The staff look-up's own path»).
 */
function sendJson(res: Response, body: unknown): void {
  const text = JSON.stringify(body, jsonReplacer) ?? 'null';
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** bigint is the domain's money type; on the wire amounts are JSON numbers (safe up to 2^53). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

export function newRequestId(req: Request): string {
  const given = req.get('x-request-id');
  return given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
}
