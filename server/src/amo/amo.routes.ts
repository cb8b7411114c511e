import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors';
import { decodeCursor, ListQuery, NumericIdCursor, page, pageById, pageOf } from '../http/pagination';
import { problemResponses } from '../http/errors';
import { defineRoute, type RouteSpec } from '../http/route';
import { AccountIdParam } from '../pins/pin';
import { queueVendorCompanyResync } from '../pins/pin.service';
import * as outbox from '../outbox/outbox';
import { codeHash, disconnectAccount, InstallFloodGuard, sealCode } from './amo.install';
import { accountHostFromReferer, brandOfHost, verifyDisconnectSignature } from './amo.rules';
import * as repo from './amo.repository';
import { parseWebhook } from './webhook.form';

/** Webhook bodies above this are refused: amoCRM batches, but a company event is a few kilobytes. */
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

const INSTALL_PAGE = `<!doctype html><html lang="ru"><meta charset="utf-8"><title>Партнёрская программа</title>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>Интеграция подключается</h1>
<p>amoCRM передал нам доступ к аккаунту. Подключение завершится в течение минуты; это окно можно закрыть.</p></body></html>`;

const CANCELLED_PAGE = `<!doctype html><html lang="ru"><meta charset="utf-8"><title>Партнёрская программа</title>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>Подключение отменено</h1>
<p>Доступ к аккаунту amoCRM не был предоставлен. Установите виджет ещё раз, чтобы подключить интеграцию.</p></body></html>`;

/**
 * amoCRM may add parameters to its redirect; a strict schema would turn that into a failed install it never
 * retries. The parameters we use are checked, the rest ignored.
 */
const CallbackQuery = z.looseObject({
  code: z.string().min(1).max(4000).optional(),
  referer: z.string().min(1).max(300).optional(),
  from_widget: z.string().max(10).optional(),
  state: z.string().max(500).optional(),
  client_id: z.string().max(100).optional(),
  platform: z.string().max(10).optional(),
  error: z.string().max(200).optional(),
});

const DisconnectQuery = z.looseObject({
  client_uuid: z.string().min(1).max(100),
  account_id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be an amoCRM account id'),
  signature: z.string().min(1).max(200),
});

const ConnectionView = z.object({
  accountId: z.number(),
  host: z.string(),
  brand: z.enum(['amocrm', 'kommo']),
  status: z.enum(['active', 'broken', 'blocked', 'disconnected']),
  statusReason: z.string().nullable(),
  isVendor: z.boolean(),
  connectedAt: z.string(),
  statusChangedAt: z.string(),
  accessExpiresAt: z.string().nullable(),
  refreshedAt: z.string().nullable(),
});

const AlertView = z.object({
  id: z.string(),
  accountId: z.number().nullable(),
  kind: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
  occurrences: z.number(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().nullable(),
  resolution: z.string().nullable(),
});

const OutboxView = z.object({
  id: z.string(),
  kind: z.string(),
  targetAccountId: z.number(),
  dedupeKey: z.string(),
  status: z.enum(['pending', 'done', 'failed', 'skipped']),
  attempts: z.number(),
  nextAttemptAt: z.string(),
  lastError: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

const IdParams = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be an id') });
const AccountParams = z.strictObject({ accountId: AccountIdParam });

function toConnectionView(row: repo.ConnectionRow, vendorAccountId: number): z.infer<typeof ConnectionView> {
  return {
    accountId: Number(row.account_id),
    host: row.host,
    brand: brandOfHost(row.host),
    status: row.status,
    statusReason: row.status_reason,
    isVendor: Number(row.account_id) === vendorAccountId,
    connectedAt: row.connected_at.toISOString(),
    statusChangedAt: row.status_changed_at.toISOString(),
    accessExpiresAt: row.access_expires_at?.toISOString() ?? null,
    refreshedAt: row.refreshed_at?.toISOString() ?? null,
  };
}

function toAlertView(row: repo.AlertRow): z.infer<typeof AlertView> {
  return {
    id: String(row.id),
    accountId: row.account_id === null ? null : Number(row.account_id),
    kind: row.kind,
    message: row.message,
    details: row.details,
    occurrences: row.occurrences,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    resolution: row.resolution,
  };
}

function toOutboxView(row: outbox.OutboxRow): z.infer<typeof OutboxView> {
  return {
    id: String(row.id),
    kind: row.kind,
    targetAccountId: Number(row.target_account_id),
    dedupeKey: row.dedupe_key,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at.toISOString(),
    lastError: row.last_error,
    result: row.result,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}

function sameSecret(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function readRawBody(req: Request, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AppError('payload_too_large', `The body must be at most ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One flood guard per application (its config object), so test servers in one process do not share one. */
const floodGuards = new WeakMap<object, InstallFloodGuard>();
function floodGuard(config: object): InstallFloodGuard {
  let guard = floodGuards.get(config);
  if (!guard) floodGuards.set(config, (guard = new InstallFloodGuard()));
  return guard;
}

/**
 * The amoCRM integration's HTTP surface: three endpoints amoCRM itself calls (public, each with its own
 * verification) and admin endpoints for connections, alerts and deliveries.
 */
export const amoRoutes: RouteSpec<any, any, any>[] = [
  defineRoute({
    method: 'get',
    path: '/amo/oauth/callback',
    summary:
      'amoCRM install redirect: stores the authorization code and answers at once (exchanged by a job)',
    tag: 'amocrm',
    auth: 'public',
    query: CallbackQuery,
    idempotent: false,
    responses: {
      200: { description: 'HTML page for the user who installed the widget', contentType: 'text/html' },
      ...problemResponses({
        validation_failed: 'validation_failed: no code, or a referer that is not an amoCRM/Kommo account',
        rate_limited: 'rate_limited: too many install redirects from this referer or overall',
      }),
    },
    async handler({ db, query, app }) {
      if (query.error && !query.code) return { status: 200, html: CANCELLED_PAGE };
      const errors = [];
      if (!query.code) errors.push({ path: 'query.code', message: 'Required' });
      const host = query.referer ? accountHostFromReferer(query.referer) : null;
      if (!host)
        errors.push({
          path: 'query.referer',
          message: 'must be an account host on amocrm.ru, kommo.com or amocrm.com',
        });
      if (query.client_id !== undefined && query.client_id !== app.config.amo.clientId)
        errors.push({ path: 'query.client_id', message: 'is not this integration' });
      if (errors.length > 0 || !query.code || !host)
        throw new AppError('validation_failed', 'Invalid install redirect', errors);
      if (!floodGuard(app.config).admit(host))
        throw new AppError(
          'rate_limited',
          `Too many install redirects from ${host}; try again in a few minutes`,
        );
      // Persist first: amoCRM gives this request 3 seconds and never sends the code again. The exchange runs
      // in a job, woken by the row's NOTIFY after this insert commits.
      await repo.insertInstall(db, {
        codeHash: codeHash(query.code),
        codeEnc: sealCode(app.config.encryptionKey, query.code),
        referer: host,
        fromWidget: query.from_widget === '1' || query.from_widget === 'true',
        state: query.state ?? null,
        platform: query.platform ?? null,
      });
      return { status: 200, html: INSTALL_PAGE };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/amo/disconnect',
    summary: 'amoCRM disconnect hook (HMAC-SHA256 signed): forgets the account’s tokens',
    tag: 'amocrm',
    auth: 'public',
    query: DisconnectQuery,
    idempotent: false,
    responses: {
      200: {
        description: 'Tokens deleted (or there were none)',
        schema: z.object({ disconnected: z.boolean() }),
      },
      ...problemResponses('signature_invalid'),
    },
    async handler({ query, app }) {
      const { clientId, clientSecret } = app.config.amo;
      const valid =
        query.client_uuid === clientId &&
        verifyDisconnectSignature(clientSecret, query.client_uuid, query.account_id, query.signature);
      if (!valid)
        throw new AppError('signature_invalid', 'The disconnect signature does not match this integration');
      const accountId = Number(query.account_id);
      const disconnected = await disconnectAccount(app.db, accountId, app.config.vendorAccountId);
      return { status: 200, body: { disconnected } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/amo/webhooks/:secret',
    summary: 'CRM webhooks of the vendor account (form-encoded); stored at once and processed by a job',
    tag: 'amocrm',
    auth: 'public',
    params: z.strictObject({ secret: z.string().min(1).max(200) }),
    idempotent: false,
    responses: {
      200: { description: 'Stored', schema: z.object({ received: z.boolean() }) },
      ...problemResponses({ not_found: 'not_found: wrong secret' }, 'unsupported_media_type'),
    },
    async handler({ db, params, req, app }) {
      // A wrong secret looks exactly like a missing page: the URL is the only protection (AMOCRM.md).
      if (!sameSecret(params.secret, app.config.amo.webhookSecret))
        throw new AppError('not_found', 'No such page');
      if (!req.is('application/x-www-form-urlencoded'))
        throw new AppError('unsupported_media_type', 'amoCRM webhooks are application/x-www-form-urlencoded');
      const body = await readRawBody(req, WEBHOOK_BODY_LIMIT_BYTES);
      const { accountId } = parseWebhook(body);
      const foreign = accountId !== app.config.vendorAccountId;
      await repo.insertWebhookEvent(db, {
        accountId,
        body,
        ignored: foreign,
        note: foreign ? 'account[id] is not the vendor account' : undefined,
      });
      if (foreign) {
        await repo.raiseAlert(db, {
          accountId,
          kind: 'webhook_foreign_account',
          message: `A CRM webhook for account ${accountId ?? 'unknown'} arrived at the vendor webhook URL and was ignored. Check the webhook settings (and rotate AMO_WEBHOOK_SECRET if the URL leaked).`,
        });
      }
      return { status: 200, body: { received: true } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/amo/connections',
    summary: 'Admin: amoCRM connections (vendor and partners) and their state',
    tag: 'admin',
    auth: 'admin',
    query: ListQuery.extend({ status: z.enum(['active', 'broken', 'blocked', 'disconnected']).optional() }),
    responses: { 200: { description: 'Connections by account id', schema: pageOf(ConnectionView) } },
    async handler({ db, query, app }) {
      const after = decodeCursor(query.cursor, z.object({ accountId: z.number().int().positive() }));
      const rows = await repo.listConnections(db, {
        afterAccountId: after?.accountId,
        limit: query.limit + 1,
        status: query.status,
      });
      return {
        status: 200,
        body: page(
          rows,
          query.limit,
          (r) => toConnectionView(r, app.config.vendorAccountId),
          (r) => ({ accountId: Number(r.account_id) }),
        ),
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/amo/connections/:accountId/resume',
    summary: 'Admin: amoCRM support lifted the block — resume calls and deliveries to this account',
    tag: 'admin',
    auth: 'admin',
    params: AccountParams,
    responses: {
      200: { description: 'Active again', schema: ConnectionView },
      ...problemResponses({ conflict: 'conflict: not blocked' }),
    },
    async handler({ db, params, app, audit }) {
      const row = await repo.setConnectionStatus(db, params.accountId, 'active', null, { from: ['blocked'] });
      if (!row) throw new AppError('conflict', 'This connection is not blocked');
      await repo.resolveAlerts(db, params.accountId, ['connection_blocked'], 'resumed by an admin');
      await outbox.nudgeAccount(db, params.accountId);
      await audit('amo.connection_resumed', { type: 'amo_connection', id: String(params.accountId) });
      return { status: 200, body: toConnectionView(row, app.config.vendorAccountId) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/amo/alerts',
    summary: 'Admin: amoCRM alerts (blocked or broken connections, deleted companies, failed deliveries)',
    tag: 'admin',
    auth: 'admin',
    query: ListQuery.extend({
      status: z.enum(['open', 'resolved', 'all']).default('open'),
      accountId: AccountIdParam.optional(),
    }),
    responses: { 200: { description: 'Alerts, newest first', schema: pageOf(AlertView) } },
    async handler({ db, query }) {
      const load = (beforeId?: string) =>
        repo.listAlerts(db, {
          open: query.status === 'all' ? undefined : query.status === 'open',
          beforeId: beforeId === undefined ? undefined : BigInt(beforeId),
          limit: query.limit + 1,
          accountId: query.accountId,
        });
      return { status: 200, body: await pageById(query, load, toAlertView, NumericIdCursor) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/amo/alerts/:id/resolve',
    summary: 'Admin: mark an amoCRM alert handled',
    tag: 'admin',
    auth: 'admin',
    params: IdParams,
    body: z.strictObject({ resolution: z.string().trim().min(3).max(1000) }),
    responses: {
      200: { description: 'Resolved', schema: AlertView },
      ...problemResponses({ conflict: 'conflict: already resolved' }),
    },
    async handler({ db, params, body, caller, audit }) {
      const id = BigInt(params.id);
      const row = await repo.resolveAlert(db, id, caller.userId, body.resolution);
      if (!row) {
        if (!(await repo.findAlert(db, id))) throw new AppError('not_found', 'No such alert');
        throw new AppError('conflict', 'This alert is already resolved');
      }
      await audit(
        'amo.alert_resolved',
        { type: 'amo_alert', id: params.id },
        { resolution: body.resolution },
      );
      return { status: 200, body: toAlertView(row) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/amo/deliveries',
    summary: 'Admin: amoCRM deliveries (the outbox): pending, done, failed or skipped',
    tag: 'admin',
    auth: 'admin',
    query: ListQuery.extend({ status: z.enum(['pending', 'done', 'failed', 'skipped']).optional() }),
    responses: { 200: { description: 'Deliveries, newest first', schema: pageOf(OutboxView) } },
    async handler({ db, query }) {
      const load = (beforeId?: string) =>
        outbox.list(db, {
          status: query.status,
          beforeId: beforeId === undefined ? undefined : BigInt(beforeId),
          limit: query.limit + 1,
        });
      return { status: 200, body: await pageById(query, load, toOutboxView, NumericIdCursor) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/amo/deliveries/:id/retry',
    summary: 'Admin: send a failed amoCRM delivery again',
    tag: 'admin',
    auth: 'admin',
    params: IdParams,
    responses: {
      200: { description: 'Pending again', schema: OutboxView },
      ...problemResponses({ conflict: 'conflict: not failed' }),
    },
    async handler({ db, params, audit }) {
      const row = await outbox.retryFailed(db, BigInt(params.id));
      if (!row) throw new AppError('conflict', 'Only a failed delivery can be retried');
      await repo.resolveAlerts(db, Number(row.target_account_id), ['delivery_failed'], 'retried by an admin');
      await audit('amo.delivery_retried', { type: 'outbox', id: params.id });
      return { status: 200, body: toOutboxView(row) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/amo/vendor-companies/:accountId/resync',
    summary:
      "Admin: write our record of the client (account id, partner tag) to its company in the vendor's amoCRM",
    tag: 'admin',
    auth: 'admin',
    params: AccountParams,
    responses: { 202: { description: 'Queued', schema: z.object({ queued: z.boolean() }) } },
    async handler({ db, params, app, audit }) {
      const queued = await queueVendorCompanyResync(db, params.accountId, app.config.vendorAccountId);
      if (!queued) throw new AppError('not_found', 'This client was never pinned: it has no company to sync');
      await audit('amo.company_resync', { type: 'client', id: String(params.accountId) });
      return { status: 202, body: { queued: true } };
    },
  }),
];
