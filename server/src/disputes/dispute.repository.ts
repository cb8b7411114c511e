import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/pool';
import { newestFirst } from '../db/newest-first';
import type { Database } from '../db/schema';

export type DisputeRow = Selectable<Database['disputes']>;
export type DisputeStatus = DisputeRow['status'];

export async function insertDispute(
  db: Db,
  row: Pick<DisputeRow, 'id' | 'partner_id' | 'kind' | 'pin_id' | 'payment_external_id' | 'text'>,
): Promise<DisputeRow> {
  return db
    .insertInto('disputes')
    .values({ ...row, status: 'open' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Newest first, `limit + 1` rows so the caller knows whether another page follows. */
export async function listDisputes(
  db: Db,
  filter: { partnerId?: string; status?: DisputeStatus; beforeId?: string },
  limit: number,
): Promise<DisputeRow[]> {
  const equal = { partner_id: filter.partnerId, status: filter.status };
  return newestFirst(db.selectFrom('disputes').selectAll(), {
    equal,
    beforeId: filter.beforeId,
    limit,
  }).execute();
}

export async function lockDispute(trx: Tx, id: string): Promise<DisputeRow | undefined> {
  return trx.selectFrom('disputes').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function recordDecision(
  trx: Tx,
  id: string,
  decision: Pick<
    DisputeRow,
    'status' | 'decision_reason' | 'compensation_minor' | 'currency' | 'decided_at' | 'decided_by_user_id'
  >,
): Promise<DisputeRow> {
  return trx
    .updateTable('disputes')
    .set(decision)
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returningAll()
    .executeTakeFirstOrThrow();
}
