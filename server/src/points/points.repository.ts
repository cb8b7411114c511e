import { sql } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { ClientRewardsTable, PointRedemptionsTable } from '../db/schema';
import type { Insertable, Selectable } from 'kysely';

export type ClientRewardRow = Selectable<ClientRewardsTable>;
export type RedemptionRow = Awaited<ReturnType<typeof findRedemption>>;

export async function insertClientRewards(trx: Tx, rows: Insertable<ClientRewardsTable>[]): Promise<void> {
  if (rows.length > 0) await trx.insertInto('client_rewards').values(rows).execute();
}

/** A payment's client rewards, locked while a refund takes its share back. */
export async function lockClientRewardsOfPayment(trx: Tx, paymentId: string): Promise<ClientRewardRow[]> {
  return trx
    .selectFrom('client_rewards')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .forUpdate()
    .execute();
}

export async function addReversed(trx: Tx, id: string, reversedMinor: bigint): Promise<void> {
  await trx
    .updateTable('client_rewards')
    .set({ reversed_minor: reversedMinor })
    .where('id', '=', id)
    .execute();
}

/**
 * Serialises everything that moves one account's points: two redemptions racing for the same balance decide one
 * after the other, so neither can spend points the other already took.
 */
export async function lockPointsOf(trx: Tx, clientAccountId: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('points:' || ${String(clientAccountId)}, 0))`.execute(
    trx,
  );
}

export async function findRedemption(db: Db, externalId: string) {
  return db
    .selectFrom('point_redemptions')
    .selectAll()
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

export async function insertRedemption(trx: Tx, row: Insertable<PointRedemptionsTable>): Promise<void> {
  await trx.insertInto('point_redemptions').values(row).execute();
}

/** Whether billing ever reported a payment of this account (a first-purchase discount is for a first purchase). */
export async function hasPaid(db: Db, clientAccountId: number): Promise<boolean> {
  const row = await db
    .selectFrom('payments')
    .select('id')
    .where('client_account_id', '=', BigInt(clientAccountId))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
