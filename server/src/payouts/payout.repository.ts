import { sql, type RawBuilder, type Selectable } from 'kysely';
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
 * `payoutAmount` (commission.rules.ts) in SQL, for a run decided in the database: the payable balance past the
 * hold when it reaches the minimum and is positive, else 0. test/db/payout-run.test.ts holds it to the original.
 */
export function payoutAmountSql(
  payable: RawBuilder<bigint>,
  held: RawBuilder<bigint>,
  minPayoutMinor: bigint,
): RawBuilder<bigint> {
  return sql<bigint>`CASE WHEN ${payable} - ${held} >= ${String(minPayoutMinor)}::bigint AND ${payable} - ${held} > 0
                          THEN ${payable} - ${held} ELSE 0 END`;
}

/**
 * One page of a payout run, in partner id order: at most `limit` payout-eligible partners after `afterPartnerId`
 * with a positive RUB payable balance, each with what the run pays it (`payoutAmountSql`: 0 for a partner below
 * the minimum or on hold). Eligible: active (never blocked), of a kind the program pays, with a signed contract
 * when the program requires one. A query, so that the page is invoiced where it is read, in the database.
 */
export function duePayoutsQuery(
  holdFrom: Date,
  policy: { eligibleKinds: readonly string[]; contractRequired: boolean; minPayoutMinor: bigint },
  page: { afterPartnerId: string | null; limit: number },
): RawBuilder<{ partner_id: string; amount: bigint }> {
  const payable = sql<bigint>`b.payable`;
  const held = sql<bigint>`b.held`;
  return sql<{ partner_id: string; amount: bigint }>`
    SELECT b.partner_id, ${payoutAmountSql(payable, held, policy.minPayoutMinor)} AS amount
      FROM (
        SELECT p.id AS partner_id,
               (a.credits_minor - a.debits_minor)::bigint AS payable,
               coalesce((SELECT sum(c.commission_minor - c.reversed_minor) FROM commissions c
                          WHERE c.partner_id = p.id AND c.payable AND c.accrued_at > ${holdFrom}), 0)::bigint AS held
          FROM partners p
          JOIN ledger_accounts a ON a.partner_id = p.id AND a.code = 'partner:' || p.id || ':payable' AND a.currency = 'RUB'
         WHERE p.status = 'active' AND p.kind = ANY(${[...policy.eligibleKinds]}::text[])
           AND (p.contract_signed_at IS NOT NULL OR NOT ${policy.contractRequired})
           AND a.credits_minor - a.debits_minor > 0
           AND (${page.afterPartnerId}::text IS NULL OR p.id > ${page.afterPartnerId})
         ORDER BY p.id
         LIMIT ${page.limit}
      ) b`;
}
