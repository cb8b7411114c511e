import { sql, type RawBuilder, type Selectable, type UpdateObject } from 'kysely';
import { msFromNow, type Db, type Tx } from '../db/pool';
import type {
  Database,
  AmoAlertsTable,
  AmoConnectionsTable,
  AmoConnectionStatus,
  AmoInstallsTable,
  AmoVendorCompaniesTable,
  AmoWebhookEventsTable,
} from '../db/schema';

/** All SQL of the amoCRM integration. Returns rows; the services decide what they mean. */

export type ConnectionRow = Selectable<AmoConnectionsTable>;
export type InstallRow = Selectable<AmoInstallsTable>;
export type AlertRow = Selectable<AmoAlertsTable>;
export type VendorCompanyRow = Selectable<AmoVendorCompaniesTable>;
export type WebhookEventRow = Selectable<AmoWebhookEventsTable>;

/** A change of one account's connection, stamped in `updated_at`. */
function updateConnection(db: Db, accountId: number, values: UpdateObject<Database, 'amo_connections'>) {
  return db
    .updateTable('amo_connections')
    .set({ ...values, updated_at: new Date() })
    .where('account_id', '=', BigInt(accountId));
}

/** A change of the vendor's companies of these client accounts, stamped in `updated_at`. */
function updateVendorCompanies(
  db: Db,
  clientAccountIds: number[],
  values: UpdateObject<Database, 'amo_vendor_companies'>,
) {
  return db
    .updateTable('amo_vendor_companies')
    .set({ ...values, updated_at: new Date() })
    .where('client_account_id', 'in', clientAccountIds.map(BigInt));
}

// --- installs ----------------------------------------------------------------------------------------------

export async function insertInstall(
  db: Db,
  install: {
    codeHash: string;
    codeEnc: string;
    referer: string;
    fromWidget: boolean;
    state: string | null;
    platform: string | null;
  },
): Promise<boolean> {
  const row = await db
    .insertInto('amo_installs')
    .values({
      code_hash: install.codeHash,
      code_enc: install.codeEnc,
      referer: install.referer,
      from_widget: install.fromWidget,
      state: install.state,
      platform: install.platform,
    })
    .onConflict((oc) => oc.column('code_hash').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Claims due installs for `leaseMs`: a crashed exchange becomes due again when the lease runs out. */
/**
 * Claims up to `limit` due pending rows of a work table (installs, webhook events) for `leaseMs`: their
 * `next_attempt_at` moves past the lease, so a worker that crashes mid-way leaves them due again later.
 * SKIP LOCKED lets two workers claim at once without taking the same row.
 */
async function claimDue<Row>(
  db: Db,
  table: 'amo_installs' | 'amo_webhook_events',
  limit: number,
  leaseMs: number,
): Promise<Row[]> {
  const t = sql.table(table);
  const { rows } = await sql<Row>`
    UPDATE ${t} w SET attempts = w.attempts + 1, next_attempt_at = ${msFromNow(leaseMs)}
    FROM (SELECT id FROM ${t} WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
    WHERE w.id = due.id
    RETURNING w.*`.execute(db);
  return rows;
}

/** Claims due installs for `leaseMs`: a crashed exchange becomes due again when the lease runs out. */
export async function claimInstalls(db: Db, limit: number, leaseMs: number): Promise<InstallRow[]> {
  return claimDue<InstallRow>(db, 'amo_installs', limit, leaseMs);
}

export async function finishInstall(
  db: Db,
  id: bigint,
  outcome: { status: 'exchanged'; accountId: number } | { status: 'failed'; error: string },
): Promise<void> {
  await db
    .updateTable('amo_installs')
    .set({
      status: outcome.status,
      finished_at: new Date(),
      account_id: outcome.status === 'exchanged' ? BigInt(outcome.accountId) : null,
      last_error: outcome.status === 'failed' ? outcome.error.slice(0, 1000) : null,
      // The code is single-use and spent (or dead) either way: keep no credential we do not need.
      code_enc: '',
    })
    .where('id', '=', id)
    .execute();
}

export async function retryInstall(db: Db, id: bigint, delayMs: number, error: string): Promise<void> {
  await db
    .updateTable('amo_installs')
    .set({ next_attempt_at: msFromNow(delayMs), last_error: error.slice(0, 1000) })
    .where('id', '=', id)
    .execute();
}

// --- connections -------------------------------------------------------------------------------------------

const connectionOf = (db: Db, accountId: number) =>
  db.selectFrom('amo_connections').selectAll().where('account_id', '=', BigInt(accountId));

export async function findConnection(db: Db, accountId: number): Promise<ConnectionRow | undefined> {
  return connectionOf(db, accountId).executeTakeFirst();
}

export async function lockConnection(trx: Tx, accountId: number): Promise<ConnectionRow | undefined> {
  return connectionOf(trx, accountId).forUpdate().executeTakeFirst();
}

/** A fresh install (or reinstall) of the account: new tokens, active again whatever happened before. */
export async function upsertConnection(
  db: Db,
  c: {
    accountId: number;
    host: string;
    tokensEnc: string;
    accessExpiresAt: Date;
    userId: number | null;
    fromWidget: boolean;
  },
): Promise<ConnectionRow> {
  const now = new Date();
  // What an install sets, whether the account is new or installs again.
  const installed = {
    host: c.host,
    status: 'active' as const,
    tokens_enc: c.tokensEnc,
    access_expires_at: c.accessExpiresAt,
    user_id: c.userId === null ? null : BigInt(c.userId),
    from_widget: c.fromWidget,
    connected_at: now,
    refreshed_at: now,
    status_changed_at: now,
    updated_at: now,
  };
  return db
    .insertInto('amo_connections')
    .values({ ...installed, account_id: BigInt(c.accountId), token_version: 1 })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({
        ...installed,
        status_reason: null,
        token_version: sql<number>`amo_connections.token_version + 1`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The account answers on another host now (its subdomain changed). */
export async function setConnectionHost(db: Db, accountId: number, host: string): Promise<void> {
  await updateConnection(db, accountId, { host }).execute();
}

export async function storeRefreshedTokens(
  db: Db,
  accountId: number,
  tokens: { tokensEnc: string; accessExpiresAt: Date },
): Promise<ConnectionRow> {
  return updateConnection(db, accountId, {
    tokens_enc: tokens.tokensEnc,
    access_expires_at: tokens.accessExpiresAt,
    token_version: sql<number>`token_version + 1`,
    refreshed_at: new Date(),
  })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Changes a connection's status, optionally only from given statuses (a 403 must not overwrite a later
 * reinstall). Leaving 'active' for 'broken' or 'disconnected' also drops the tokens: they are dead.
 */
export async function setConnectionStatus(
  db: Db,
  accountId: number,
  status: AmoConnectionStatus,
  reason: string | null,
  options: { from?: AmoConnectionStatus[]; dropTokens?: boolean } = {},
): Promise<ConnectionRow | undefined> {
  let q = updateConnection(db, accountId, {
    status,
    status_reason: reason,
    status_changed_at: new Date(),
    ...(options.dropTokens ? { tokens_enc: null, access_expires_at: null } : {}),
  });
  if (options.from) q = q.where('status', 'in', options.from);
  return q.returningAll().executeTakeFirst();
}

export async function listConnections(
  db: Db,
  options: { afterAccountId?: number; limit: number; status?: AmoConnectionStatus },
): Promise<ConnectionRow[]> {
  let q = db.selectFrom('amo_connections').selectAll().orderBy('account_id').limit(options.limit);
  if (options.afterAccountId !== undefined) q = q.where('account_id', '>', BigInt(options.afterAccountId));
  if (options.status) q = q.where('status', '=', options.status);
  return q.execute();
}

/** Active connections whose access token expires within `withinMs`: refreshed ahead of time. */
export async function connectionsExpiringWithin(db: Db, withinMs: number): Promise<number[]> {
  const rows = await db
    .selectFrom('amo_connections')
    .select('account_id')
    .where('status', '=', 'active')
    .where('access_expires_at', '<=', msFromNow(withinMs))
    .execute();
  return rows.map((r) => Number(r.account_id));
}

/** Blocked connections not probed for `everyMs`: at most one careful request each (never hammer). */
export async function blockedConnectionsToProbe(db: Db, everyMs: number): Promise<number[]> {
  const rows = await db
    .updateTable('amo_connections')
    .set({ last_probe_at: new Date() })
    .where('status', '=', 'blocked')
    .where((eb) =>
      eb.or([
        eb('last_probe_at', 'is', null),
        eb('last_probe_at', '<=', sql<Date>`now() - make_interval(secs => ${everyMs / 1000})`),
      ]),
    )
    .where('status_changed_at', '<=', sql<Date>`now() - make_interval(secs => ${everyMs / 1000})`)
    .returning('account_id')
    .execute();
  return rows.map((r) => Number(r.account_id));
}

// --- alerts ------------------------------------------------------------------------------------------------

export interface NewAlert {
  accountId: number | null;
  kind: string;
  message: string;
  details?: Record<string, unknown>;
  /** Alerts with the same key collapse while open; defaults to `kind:accountId`. */
  dedupeKey?: string;
}

export async function raiseAlert(db: Db, alert: NewAlert): Promise<void> {
  const details = JSON.stringify(alert.details ?? {});
  await db
    .insertInto('amo_alerts')
    .values({
      account_id: alert.accountId === null ? null : BigInt(alert.accountId),
      kind: alert.kind,
      message: alert.message,
      details,
      dedupe_key: alert.dedupeKey ?? `${alert.kind}:${alert.accountId ?? '-'}`,
    })
    .onConflict((oc) =>
      oc
        .column('dedupe_key')
        .where('resolved_at', 'is', null)
        .doUpdateSet({
          occurrences: sql<number>`amo_alerts.occurrences + 1`,
          last_seen_at: new Date(),
          message: alert.message,
          details,
        }),
    )
    .execute();
}

/** Closes open alerts of these kinds for an account, when the system itself saw the problem go away. */
export async function resolveAlerts(
  db: Db,
  accountId: number,
  kinds: string[],
  resolution: string,
): Promise<number> {
  const rows = await db
    .updateTable('amo_alerts')
    .set({ resolved_at: new Date(), resolution })
    .where('account_id', '=', BigInt(accountId))
    .where('kind', 'in', kinds)
    .where('resolved_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

/** Closes open integration-level alerts (no account) of these kinds. */
export async function resolveIntegrationAlerts(db: Db, kinds: string[], resolution: string): Promise<number> {
  const rows = await db
    .updateTable('amo_alerts')
    .set({ resolved_at: new Date(), resolution })
    .where('account_id', 'is', null)
    .where('kind', 'in', kinds)
    .where('resolved_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

export async function resolveAlert(
  db: Db,
  id: bigint,
  userId: number,
  resolution: string,
): Promise<AlertRow | undefined> {
  return db
    .updateTable('amo_alerts')
    .set({ resolved_at: new Date(), resolved_by_user_id: BigInt(userId), resolution })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function findAlert(db: Db, id: bigint): Promise<AlertRow | undefined> {
  return db.selectFrom('amo_alerts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAlerts(
  db: Db,
  options: { open?: boolean; beforeId?: bigint; limit: number; accountId?: number },
): Promise<AlertRow[]> {
  let q = db.selectFrom('amo_alerts').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.open === true) q = q.where('resolved_at', 'is', null);
  if (options.open === false) q = q.where('resolved_at', 'is not', null);
  if (options.beforeId !== undefined) q = q.where('id', '<', options.beforeId);
  if (options.accountId !== undefined) q = q.where('account_id', '=', BigInt(options.accountId));
  return q.execute();
}

// --- which outbox rows can be delivered now ----------------------------------------------------------------

/**
 * The condition under which the outbox claims a row for delivery (`outbox.ts` › `claim`), over the row's
 * target account and kind: the target account is connected and active, or — for partner tasks — the partner has
 * no connection at all (those are settled as "inbox only"). Rows of blocked or broken accounts wait without
 * spending attempts.
 */
export function deliverableNow(row: { targetAccountId: RawBuilder<bigint>; kind: RawBuilder<string> }) {
  return sql<boolean>`(
    EXISTS (SELECT 1 FROM amo_connections c WHERE c.account_id = ${row.targetAccountId} AND c.status = 'active')
    OR (${row.kind} LIKE 'partner_task.%' AND NOT EXISTS (
          SELECT 1 FROM amo_connections c
          WHERE c.account_id = ${row.targetAccountId} AND c.status IN ('active', 'blocked', 'broken'))))`;
}

// --- the vendor's company per client -----------------------------------------------------------------------

export async function vendorCompanies(db: Db, clientAccountIds: number[]): Promise<VendorCompanyRow[]> {
  if (clientAccountIds.length === 0) return [];
  return db
    .selectFrom('amo_vendor_companies')
    .selectAll()
    .where('client_account_id', 'in', clientAccountIds.map(BigInt))
    .execute();
}

/**
 * Takes the per-client lease for the clients no other worker holds; returns the clients we got. Rows are
 * created on first use, so a client without a company yet can be leased too.
 */
export async function leaseVendorCompanies(
  db: Db,
  clientAccountIds: number[],
  owner: string,
  leaseMs: number,
): Promise<number[]> {
  if (clientAccountIds.length === 0) return [];
  await db
    .insertInto('amo_vendor_companies')
    .values(clientAccountIds.map((id) => ({ client_account_id: BigInt(id) })))
    .onConflict((oc) => oc.column('client_account_id').doNothing())
    .execute();
  const rows = await db
    .updateTable('amo_vendor_companies')
    .set({ lease_owner: owner, lease_until: msFromNow(leaseMs) })
    .where('client_account_id', 'in', clientAccountIds.map(BigInt))
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<', sql<Date>`now()`),
        eb('lease_owner', '=', owner),
      ]),
    )
    .returning('client_account_id')
    .execute();
  return rows.map((r) => Number(r.client_account_id));
}

export async function releaseVendorCompanies(
  db: Db,
  clientAccountIds: number[],
  owner: string,
): Promise<void> {
  if (clientAccountIds.length === 0) return;
  await db
    .updateTable('amo_vendor_companies')
    .set({ lease_owner: null, lease_until: null })
    .where('client_account_id', 'in', clientAccountIds.map(BigInt))
    .where('lease_owner', '=', owner)
    .execute();
}

export async function markCompanyCreateStarted(db: Db, clientAccountIds: number[]): Promise<void> {
  if (clientAccountIds.length === 0) return;
  await updateVendorCompanies(db, clientAccountIds, { create_started_at: new Date() }).execute();
}

export async function setVendorCompany(
  db: Db,
  clientAccountId: number,
  companyId: number | null,
): Promise<void> {
  await updateVendorCompanies(db, [clientAccountId], {
    company_id: companyId === null ? null : BigInt(companyId),
    create_started_at: null,
    state: 'active',
    synced_at: companyId === null ? null : new Date(),
  }).execute();
}

export async function markVendorCompanySynced(db: Db, clientAccountIds: number[]): Promise<void> {
  if (clientAccountIds.length === 0) return;
  await updateVendorCompanies(db, clientAccountIds, { synced_at: new Date(), state: 'active' }).execute();
}

export async function findVendorCompanyByCompanyId(
  db: Db,
  companyId: number,
): Promise<VendorCompanyRow | undefined> {
  return db
    .selectFrom('amo_vendor_companies')
    .selectAll()
    .where('company_id', '=', BigInt(companyId))
    .executeTakeFirst();
}

export async function setVendorCompanyState(
  db: Db,
  clientAccountId: number,
  state: 'active' | 'mismatch',
): Promise<void> {
  await updateVendorCompanies(db, [clientAccountId], { state }).execute();
}

// --- webhooks ----------------------------------------------------------------------------------------------

export async function insertWebhookEvent(
  db: Db,
  event: { accountId: number | null; body: string; ignored: boolean; note?: string },
): Promise<bigint> {
  const row = await db
    .insertInto('amo_webhook_events')
    .values({
      account_id: event.accountId === null ? null : BigInt(event.accountId),
      body: event.body,
      status: event.ignored ? 'ignored' : 'pending',
      last_error: event.note ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function claimWebhookEvents(db: Db, limit: number, leaseMs: number): Promise<WebhookEventRow[]> {
  return claimDue<WebhookEventRow>(db, 'amo_webhook_events', limit, leaseMs);
}

export async function finishWebhookEvent(
  db: Db,
  id: bigint,
  outcome:
    { status: 'processed' | 'ignored' | 'failed'; note?: string } | { retryInMs: number; error: string },
): Promise<void> {
  await db
    .updateTable('amo_webhook_events')
    .set(
      'retryInMs' in outcome
        ? { next_attempt_at: msFromNow(outcome.retryInMs), last_error: outcome.error.slice(0, 1000) }
        : {
            status: outcome.status,
            processed_at: new Date(),
            last_error: outcome.note?.slice(0, 1000) ?? null,
          },
    )
    .where('id', '=', id)
    .execute();
}

/** Stored webhook bodies hold personal data (names, phones): processed ones are kept only `keepDays`. */
export async function pruneWebhookEvents(db: Db, keepDays: number): Promise<number> {
  const rows = await db
    .deleteFrom('amo_webhook_events')
    .where('status', '!=', 'pending')
    .where('received_at', '<', sql<Date>`now() - make_interval(days => ${keepDays})`)
    .returning('id')
    .execute();
  return rows.length;
}

// --- the shared throttle (migration 018) --------------------------------------------------------------------

/** Takes a slot of `key`'s window for every process: its time when taken, else the milliseconds to wait first. */
export async function takeRateSlot(
  db: Db,
  key: string,
  limit: number,
  windowMs: number,
): Promise<{ grantedAt: string } | { waitMs: number }> {
  // The grant's time as text: a JavaScript Date would drop its microseconds, and finishing the slot must find
  // exactly that element of the window.
  const { rows } = await sql<{ wait_ms: number; granted_at: string | null }>`
    SELECT wait_ms, granted_at::text AS granted_at FROM amo_take_slot(${key}, ${limit}, ${windowMs})`.execute(
    db,
  );
  const row = rows[0]!;
  return row.granted_at ? { grantedAt: row.granted_at } : { waitMs: row.wait_ms };
}

/** The slot's request was answered: it counts from now. */
export async function finishRateSlot(db: Db, key: string, grantedAt: string): Promise<void> {
  await sql`SELECT amo_finish_slot(${key}, ${grantedAt}::timestamptz)`.execute(db);
}

export async function recordRateSlot(db: Db, key: string, limit: number): Promise<void> {
  await sql`SELECT amo_record_slot(${key}, ${limit})`.execute(db);
}

export async function pauseRateKey(db: Db, key: string, ms: number): Promise<void> {
  await sql`SELECT amo_pause_key(${key}, ${Math.ceil(ms)})`.execute(db);
}
