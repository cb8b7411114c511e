import { sql } from 'kysely';
import type { Db } from '../db/pool';

export interface AccountKey {
  code: string;
  currency: string;
  partnerId?: string;
}

/**
 * Creates missing accounts, then locks all of them in id order. The fixed order means two postings that
 * touch the same accounts never deadlock; the lock means concurrent postings to one account update its
 * cached totals one after another, so the totals stay exact.
 */
export async function lockAccounts(trx: Db, keys: AccountKey[]): Promise<Map<string, bigint>> {
  await trx
    .insertInto('ledger_accounts')
    .values(keys.map((k) => ({ code: k.code, currency: k.currency, partner_id: k.partnerId ?? null })))
    .onConflict((oc) => oc.columns(['code', 'currency']).doNothing())
    .execute();
  const rows = await trx
    .selectFrom('ledger_accounts')
    .select(['id', 'code', 'currency'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('code', '=', k.code), eb('currency', '=', k.currency)]))))
    .orderBy('id')
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [`${r.code}\u0000${r.currency}`, r.id]));
}

/** Inserts the posting row unless its key exists; returns the new id, or undefined on a repeat. */
export async function insertPosting(
  trx: Db,
  posting: { id: string; key: string; kind: string; reason: Record<string, unknown>; effectiveAt: Date },
): Promise<string | undefined> {
  const row = await trx
    .insertInto('ledger_postings')
    .values({
      id: posting.id,
      posting_key: posting.key,
      kind: posting.kind,
      reason: JSON.stringify(posting.reason),
      effective_at: posting.effectiveAt,
    })
    .onConflict((oc) => oc.column('posting_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function findPostingIdByKey(db: Db, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('ledger_postings')
    .select('id')
    .where('posting_key', '=', key)
    .executeTakeFirst();
  return row?.id;
}

export async function insertEntries(
  trx: Db,
  entries: Array<{
    postingId: string;
    accountId: bigint;
    side: 'debit' | 'credit';
    amountMinor: bigint;
    currency: string;
  }>,
): Promise<void> {
  await trx
    .insertInto('ledger_entries')
    .values(
      entries.map((e) => ({
        posting_id: e.postingId,
        account_id: e.accountId,
        side: e.side,
        amount_minor: e.amountMinor,
        currency: e.currency,
      })),
    )
    .execute();
}

export async function addToTotals(
  trx: Db,
  accountId: bigint,
  debits: bigint,
  credits: bigint,
): Promise<void> {
  await trx
    .updateTable('ledger_accounts')
    .set((eb) => ({
      debits_minor: eb('debits_minor', '+', debits),
      credits_minor: eb('credits_minor', '+', credits),
    }))
    .where('id', '=', accountId)
    .execute();
}

export async function selectBalances(db: Db, filter: { codes?: string[]; partnerId?: string }) {
  let query = db
    .selectFrom('ledger_accounts')
    .select(['code', 'currency', 'debits_minor', 'credits_minor'])
    .orderBy('code');
  if (filter.codes) query = query.where('code', 'in', filter.codes.length ? filter.codes : ['\u0000']);
  if (filter.partnerId) query = query.where('partner_id', '=', filter.partnerId);
  return query.execute();
}

/** Accounts whose cached totals differ from the sums of their entries (should be none, ever). */
export async function selectTotalMismatches(db: Db) {
  return db
    .selectFrom('ledger_accounts as a')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('ledger_entries')
          .select([
            'account_id',
            sql<bigint>`coalesce(sum(amount_minor) FILTER (WHERE side = 'debit'), 0)::bigint`.as('debits'),
            sql<bigint>`coalesce(sum(amount_minor) FILTER (WHERE side = 'credit'), 0)::bigint`.as('credits'),
          ])
          .groupBy('account_id')
          .as('s'),
      (join) => join.onRef('s.account_id', '=', 'a.id'),
    )
    .select([
      'a.code',
      'a.currency',
      'a.debits_minor',
      'a.credits_minor',
      sql<bigint>`coalesce(s.debits, 0)::bigint`.as('entry_debits'),
      sql<bigint>`coalesce(s.credits, 0)::bigint`.as('entry_credits'),
    ])
    .where((eb) =>
      eb.or([
        eb('a.debits_minor', '!=', sql<bigint>`coalesce(s.debits, 0)`),
        eb('a.credits_minor', '!=', sql<bigint>`coalesce(s.credits, 0)`),
      ]),
    )
    .execute();
}

/** Postings whose entries do not balance in some currency (the commit-time trigger should make this empty). */
export async function selectUnbalancedPostings(db: Db) {
  return db
    .selectFrom('ledger_entries')
    .select([
      'posting_id',
      'currency',
      sql<bigint>`sum(CASE WHEN side = 'debit' THEN amount_minor ELSE -amount_minor END)::bigint`.as('diff'),
    ])
    .groupBy(['posting_id', 'currency'])
    .having(sql`sum(CASE WHEN side = 'debit' THEN amount_minor ELSE -amount_minor END)`, '!=', 0)
    .execute();
}
