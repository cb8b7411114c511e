import { sql, type RawBuilder, type Selectable } from 'kysely';
import { msFromNow, type Db } from '../db/pool';
import type { OutboxTable } from '../db/schema';

/**
 * The outbox: amoCRM side effects recorded in the transaction that decided them, delivered after commit. This
 * module is the one owner of the `outbox` table: any domain records through `enqueue`; the deliverer
 * (`amo/outbox.delivery.ts`) claims rows and moves them through their states with the functions below.
 */

export type OutboxKind = 'vendor_company.sync' | 'partner_task.question' | 'partner_task.renewal';
export type OutboxRow = Selectable<OutboxTable>;

/**
 * Records an amoCRM side effect in the caller's transaction. Delivery happens after commit, by a job;
 * the dedupe key makes a second write of the same effect (a retried request) a no-op. True when this call
 * recorded it, false when the effect was recorded before.
 */
export async function enqueue(
  db: Db,
  item: { kind: OutboxKind; targetAccountId: number; dedupeKey: string; payload: Record<string, unknown> },
): Promise<boolean> {
  const [result] = await db
    .insertInto('outbox')
    .values({
      kind: item.kind,
      target_account_id: BigInt(item.targetAccountId),
      dedupe_key: item.dedupeKey,
      payload: JSON.stringify(item.payload),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
  return (result?.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

// --- delivery: the deliverer claims rows and records what became of each -----------------------------------

/**
 * Claims due rows of `kinds` for `leaseMs` (attempts + 1), oldest first, skipping rows another process holds.
 * `deliverable` is the deliverer's condition over a row's target account and kind (amoCRM's: `deliverableNow`):
 * a row that cannot be delivered now waits without spending an attempt.
 */
export async function claim(
  db: Db,
  options: {
    kinds: string[];
    limit: number;
    leaseMs: number;
    deliverable(row: { targetAccountId: RawBuilder<bigint>; kind: RawBuilder<string> }): RawBuilder<boolean>;
  },
): Promise<OutboxRow[]> {
  const deliverable = options.deliverable({
    targetAccountId: sql.ref('d.target_account_id'),
    kind: sql.ref('d.kind'),
  });
  const { rows } = await sql<OutboxRow>`
    UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_at = ${msFromNow(options.leaseMs)}
    FROM (
      SELECT d.id FROM outbox d
      WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.kind = ANY(${options.kinds}::text[])
        AND ${deliverable}
      ORDER BY d.id
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE o.id = due.id
    RETURNING o.*`.execute(db);
  return rows;
}

/** Keeps claimed rows leased while a long batch is still being delivered. */
export async function extendLease(db: Db, ids: bigint[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: msFromNow(leaseMs) })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

/** Merges progress into a row's `result` (e.g. "a create request is about to leave"). */
export async function mergeResult(db: Db, ids: bigint[], patch: Record<string, unknown>): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ result: sql`coalesce(result, '{}'::jsonb) || ${JSON.stringify(patch)}::jsonb` })
    .where('id', 'in', ids)
    .execute();
}

export async function complete(
  db: Db,
  id: bigint,
  status: 'done' | 'skipped',
  result: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status,
      delivered_at: status === 'done' ? new Date() : null,
      last_error: null,
      result: sql`coalesce(result, '{}'::jsonb) || ${JSON.stringify(result)}::jsonb`,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Puts claimed rows back, due after `delayMs`; `refund` gives back the attempt (nothing was tried). */
export async function release(db: Db, ids: bigint[], delayMs: number, refund: boolean): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set({
      next_attempt_at: msFromNow(delayMs),
      ...(refund ? { attempts: sql<number>`greatest(attempts - 1, 0)` } : {}),
    })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

export async function failAttempt(
  db: Db,
  id: bigint,
  error: string,
  outcome: { retryInMs: number } | { giveUp: true },
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      last_error: error.slice(0, 1000),
      ...('giveUp' in outcome
        ? { status: 'failed' as const }
        : { next_attempt_at: msFromNow(outcome.retryInMs) }),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Makes every waiting row for an account due now (it was connected, unblocked or reinstalled). */
export async function nudgeAccount(db: Db, accountId: number): Promise<number> {
  const rows = await db
    .updateTable('outbox')
    .set({ next_attempt_at: sql<Date>`now()` })
    .where('target_account_id', '=', BigInt(accountId))
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return rows.length;
}

export async function list(
  db: Db,
  options: { status?: OutboxRow['status']; beforeId?: bigint; limit: number },
): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.status) q = q.where('status', '=', options.status);
  if (options.beforeId !== undefined) q = q.where('id', '<', options.beforeId);
  return q.execute();
}

/** An admin sends a failed delivery again: a fresh set of attempts. */
export async function retryFailed(db: Db, id: bigint): Promise<OutboxRow | undefined> {
  return db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst();
}
