import { sql, type Selectable } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { Database } from '../db/schema';

export type PayoutRunRow = Selectable<Database['payout_runs']>;

export async function findRunByDate(db: Db, asOf: string): Promise<PayoutRunRow | undefined> {
  return db.selectFrom('payout_runs').selectAll().where('as_of', '=', asOf).executeTakeFirst();
}

/** Serialises payout runs until the transaction ends: two concurrent runs must not both compute invoices. */
export async function lockPayoutRuns(trx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('payout_run', 0))`.execute(trx);
}

export async function insertRun(trx: Tx, run: { id: string; asOf: string }): Promise<void> {
  await trx
    .insertInto('payout_runs')
    .values({ id: run.id, as_of: run.asOf, status: 'done', invoices_created: 0, total_minor: 0n })
    .execute();
}

export async function setRunTotals(
  trx: Tx,
  id: string,
  totals: { invoicesCreated: number; totalMinor: bigint },
): Promise<void> {
  await trx
    .updateTable('payout_runs')
    .set({ invoices_created: totals.invoicesCreated, total_minor: totals.totalMinor })
    .where('id', '=', id)
    .execute();
}

export async function listPayoutRuns(db: Db, limit: number): Promise<PayoutRunRow[]> {
  return db.selectFrom('payout_runs').selectAll().orderBy('as_of', 'desc').limit(limit).execute();
}

/**
 * Payable balance and held amount (rewards accrued after `holdFrom`) per payout-eligible partner with a
 * positive RUB balance, computed set-wise in the database. Eligible: active (never blocked), of a kind the
 * program pays, with a signed contract when the program requires one. One page in partner id order: at most
 * `limit` partners after `afterPartnerId`.
 */
export async function selectPayableBalances(
  db: Db,
  holdFrom: Date,
  eligible: { eligibleKinds: readonly string[]; contractRequired: boolean },
  page: { afterPartnerId: string | null; limit: number },
): Promise<Array<{ partner_id: string; payable: bigint; held: bigint }>> {
  const { rows } = await sql<{ partner_id: string; payable: bigint; held: bigint }>`
    SELECT p.id AS partner_id,
           (a.credits_minor - a.debits_minor)::bigint AS payable,
           coalesce((SELECT sum(c.commission_minor - c.reversed_minor) FROM commissions c
                      WHERE c.partner_id = p.id AND c.payable AND c.accrued_at > ${holdFrom}), 0)::bigint AS held
      FROM partners p
      JOIN ledger_accounts a ON a.partner_id = p.id AND a.code = 'partner:' || p.id || ':payable' AND a.currency = 'RUB'
     WHERE p.status = 'active' AND p.kind = ANY(${[...eligible.eligibleKinds]}::text[])
       AND (p.contract_signed_at IS NOT NULL OR NOT ${eligible.contractRequired})
       AND a.credits_minor - a.debits_minor > 0
       AND (${page.afterPartnerId}::text IS NULL OR p.id > ${page.afterPartnerId})
     ORDER BY p.id
     LIMIT ${page.limit}`.execute(db);
  return rows;
}
