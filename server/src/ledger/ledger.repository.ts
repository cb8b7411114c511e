import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { PairRow } from './ledger';
import { PARTNER_SLOT } from './ledger.rules';
import type { PostingKind } from './postings';

export interface AccountKey {
  code: string;
  currency: string;
  partnerId?: string;
}

/**
 * Creates missing accounts (in code order, so two writers creating the same new accounts never wait on each other
 * crosswise), then locks all of them in id order. The fixed order means two postings that
 * touch the same accounts never deadlock; the lock means concurrent postings to one account update its
 * cached totals one after another, so the totals stay exact. Set-based (arrays in, one statement each),
 * so locking ten thousand accounts in a payout run costs two statements, not ten thousand.
 */
export async function lockAccounts(trx: Tx, keys: AccountKey[]): Promise<Map<string, bigint>> {
  const codes = keys.map((k) => k.code);
  const currencies = keys.map((k) => k.currency);
  const partners = keys.map((k) => k.partnerId ?? null);
  await sql`
    INSERT INTO ledger_accounts (code, currency, partner_id)
    SELECT * FROM unnest(${codes}::text[], ${currencies}::text[], ${partners}::text[]) AS k(code, currency, partner_id)
     ORDER BY k.code, k.currency
    ON CONFLICT (code, currency) DO NOTHING`.execute(trx);
  const { rows } = await sql<{ id: bigint; code: string; currency: string }>`
    SELECT a.id, a.code, a.currency
      FROM ledger_accounts a
      JOIN unnest(${codes}::text[], ${currencies}::text[]) AS k(code, currency)
        ON a.code = k.code AND a.currency = k.currency
     ORDER BY a.id
       FOR UPDATE OF a`.execute(trx);
  return new Map(rows.map((r) => [`${r.code}\u0000${r.currency.trim()}`, r.id]));
}

/** Locks one partner's existing accounts (id order, like lockAccounts) and returns their cached totals. */
export async function lockPartnerAccounts(trx: Tx, partnerId: string) {
  return trx
    .selectFrom('ledger_accounts')
    .select(['code', 'currency', 'debits_minor', 'credits_minor'])
    .where('partner_id', '=', partnerId)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Inserts posting rows whose keys are new; returns the keys that were inserted (repeats are skipped). */
export async function insertPostings(trx: Tx, postings: NewPosting[]): Promise<Set<string>> {
  const { rows } = await sql<{ posting_key: string }>`
    INSERT INTO ledger_postings (id, posting_key, kind, reason, effective_at)
    ${postingRows(postings)}
    ON CONFLICT (posting_key) DO NOTHING
    RETURNING posting_key`.execute(trx);
  return new Set(rows.map((r) => r.posting_key));
}

/** A posting as `insertPostings` and `postingsWriteParts` write it. */
interface NewPosting {
  id: string;
  key: string;
  kind: PostingKind;
  reason: Record<string, unknown>;
  effectiveAt: Date;
}

/** The rows of `postings` for an INSERT … SELECT into ledger_postings (id, posting_key, kind, reason, effective_at). */
function postingRows(postings: NewPosting[]): RawBuilder<unknown> {
  return sql`
    SELECT * FROM unnest(${postings.map((p) => p.id)}::text[], ${postings.map((p) => p.key)}::text[],
                         ${postings.map((p) => p.kind)}::text[], ${postings.map((p) => JSON.stringify(p.reason))}::jsonb[],
                         ${postings.map((p) => p.effectiveAt.toISOString())}::timestamptz[])`;
}

export async function findPostingIdsByKeys(db: Db, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('ledger_postings')
    .select(['id', 'posting_key'])
    .where('posting_key', 'in', keys)
    .execute();
  return new Map(rows.map((r) => [r.posting_key, r.id]));
}

export async function insertEntries(
  trx: Tx,
  entries: Array<{
    postingId: string;
    accountId: bigint;
    side: 'debit' | 'credit';
    amountMinor: bigint;
    currency: string;
  }>,
): Promise<void> {
  await sql`
    INSERT INTO ledger_entries (posting_id, account_id, side, amount_minor, currency)
    SELECT * FROM unnest(${entries.map((e) => e.postingId)}::text[], ${entries.map((e) => String(e.accountId))}::bigint[],
                         ${entries.map((e) => e.side)}::text[], ${entries.map((e) => String(e.amountMinor))}::bigint[],
                         ${entries.map((e) => e.currency)}::text[])`.execute(trx);
}

/** Adds to the cached totals of many accounts in one statement. */
export async function addToTotals(
  trx: Tx,
  totals: Array<{ accountId: bigint; debits: bigint; credits: bigint }>,
): Promise<void> {
  await sql`
    UPDATE ledger_accounts a
       SET debits_minor = a.debits_minor + t.debits, credits_minor = a.credits_minor + t.credits
      FROM unnest(${totals.map((t) => String(t.accountId))}::bigint[], ${totals.map((t) => String(t.debits))}::bigint[],
                  ${totals.map((t) => String(t.credits))}::bigint[]) AS t(id, debits, credits)
     WHERE a.id = t.id`.execute(trx);
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

/**
 * Postings, their entries and the accounts' totals as common table expressions of a larger statement — `ledger_posting`,
 * `ledger_account` and `ledger_entry` — that write only when `when` holds (see `postingsStatementParts`). The
 * accounts are created or added to by one upsert, existing ones taken in id order (`lockAccounts`' order, so
 * this never deadlocks with a transaction that locked them); its RETURNING gives the entries their account ids.
 * A posting key that exists already fails the whole statement (the entries would name a posting not written).
 */
export function postingsWriteParts(
  postings: NewPosting[],
  entries: Array<{
    postingId: string;
    code: string;
    side: 'debit' | 'credit';
    amountMinor: bigint;
    currency: string;
  }>,
  totals: Array<{
    code: string;
    currency: string;
    partnerId: string | null;
    debits: bigint;
    credits: bigint;
  }>,
  when: RawBuilder<boolean>,
): RawBuilder<unknown> {
  return sql`
    ledger_posting AS (
      INSERT INTO ledger_postings (id, posting_key, kind, reason, effective_at)
      ${postingRows(postings)}
       WHERE ${when}
    ), ledger_account AS (
      INSERT INTO ledger_accounts AS a (code, currency, partner_id, debits_minor, credits_minor)
      SELECT t.code, t.currency, t.partner_id, t.debits, t.credits
        FROM unnest(${totals.map((t) => t.code)}::text[], ${totals.map((t) => t.currency)}::text[],
                    ${totals.map((t) => t.partnerId)}::text[], ${totals.map((t) => String(t.debits))}::bigint[],
                    ${totals.map((t) => String(t.credits))}::bigint[]) AS t(code, currency, partner_id, debits, credits)
        LEFT JOIN ledger_accounts old ON old.code = t.code AND old.currency = t.currency
       WHERE ${when}
       ORDER BY old.id NULLS LAST, t.code
      ON CONFLICT (code, currency) DO UPDATE
         SET debits_minor = a.debits_minor + excluded.debits_minor,
             credits_minor = a.credits_minor + excluded.credits_minor
      RETURNING a.id, a.code, a.currency
    ), ledger_entry AS (
      INSERT INTO ledger_entries (posting_id, account_id, side, amount_minor, currency)
      SELECT e.posting_id, a.id, e.side, e.amount, e.currency
        FROM unnest(${entries.map((e) => e.postingId)}::text[], ${entries.map((e) => e.code)}::text[],
                    ${entries.map((e) => e.side)}::text[], ${entries.map((e) => String(e.amountMinor))}::bigint[],
                    ${entries.map((e) => e.currency)}::text[]) AS e(posting_id, code, side, amount, currency)
        JOIN ledger_account a ON a.code = e.code AND a.currency = e.currency
    )`;
}

/** A slotted account code (`PARTNER_SLOT`) with a row's partner written in, for a set-based run's `PairRow`s. */
export function partnerInCode(
  code: RawBuilder<string> | string,
  partnerId: RawBuilder<string>,
): RawBuilder<string> {
  const text = typeof code === 'string' ? sql`${code}::text` : code;
  return sql<string>`replace(${text}, ${PARTNER_SLOT}::text, ${partnerId})`;
}

/** Copies a set of postings (`PairRow`s) into a temporary table the next statements read, and checks them. */
export async function stagePairs(
  trx: Tx,
  source: RawBuilder<PairRow>,
): Promise<{ postings: number; keys: number; refused: number }> {
  await sql`CREATE TEMP TABLE ledger_pairs ON COMMIT DROP AS ${source}`.execute(trx);
  const { rows } = await sql<{ postings: bigint; keys: bigint; refused: bigint }>`
    SELECT count(*) AS postings, count(DISTINCT posting_key) AS keys,
           count(*) FILTER (WHERE NOT (amount_minor > 0) OR amount_minor IS NULL OR debit_code IS NULL
                                 OR credit_code IS NULL) AS refused
      FROM ledger_pairs`.execute(trx);
  const r = rows[0]!;
  return { postings: Number(r.postings), keys: Number(r.keys), refused: Number(r.refused) };
}

/**
 * Creates the staged postings' missing accounts and locks all of them in id order, as `lockAccounts` does, without
 * bringing a row per account into Node.
 */
export async function lockPairAccounts(trx: Tx): Promise<void> {
  await sql`
    INSERT INTO ledger_accounts (code, currency, partner_id)
    SELECT DISTINCT code, currency, partner_id
      FROM (SELECT debit_code AS code, currency, debit_partner_id AS partner_id FROM ledger_pairs
            UNION ALL SELECT credit_code, currency, credit_partner_id FROM ledger_pairs) k
     ORDER BY code, currency
    ON CONFLICT (code, currency) DO NOTHING`.execute(trx);
  await sql`
    SELECT count(*) FROM (
      SELECT a.id FROM ledger_accounts a
       WHERE (a.code, a.currency) IN (SELECT debit_code, currency::bpchar FROM ledger_pairs
                                      UNION SELECT credit_code, currency::bpchar FROM ledger_pairs)
       ORDER BY a.id
         FOR UPDATE OF a) locked`.execute(trx);
}

/**
 * Writes the staged postings whose keys are new, their two entries each, and adds the entries to their accounts'
 * cached totals (locked first by `lockPairAccounts`), in one statement; drops the staged set. Returns how many
 * postings were new.
 */
export async function writePairs(trx: Tx): Promise<number> {
  const { rows } = await sql<{ fresh: bigint }>`
    WITH fresh AS (
      INSERT INTO ledger_postings (id, posting_key, kind, reason, effective_at)
      SELECT create_id('lpo'), posting_key, kind, reason, effective_at FROM ledger_pairs
      ON CONFLICT (posting_key) DO NOTHING
      RETURNING id, posting_key
    ), entries AS (
      INSERT INTO ledger_entries (posting_id, account_id, side, amount_minor, currency)
      SELECT f.id, a.id, e.side, p.amount_minor, p.currency
        FROM fresh f
        JOIN ledger_pairs p ON p.posting_key = f.posting_key
       CROSS JOIN LATERAL (VALUES (1, 'debit', p.debit_code), (2, 'credit', p.credit_code)) AS e(n, side, code)
        JOIN ledger_accounts a ON a.code = e.code AND a.currency = p.currency::bpchar
       ORDER BY p.posting_key, e.n
      RETURNING account_id, side, amount_minor
    ), totals AS (
      UPDATE ledger_accounts a
         SET debits_minor = a.debits_minor + t.debits, credits_minor = a.credits_minor + t.credits
        FROM (SELECT account_id,
                     coalesce(sum(amount_minor) FILTER (WHERE side = 'debit'), 0) AS debits,
                     coalesce(sum(amount_minor) FILTER (WHERE side = 'credit'), 0) AS credits
                FROM entries GROUP BY account_id) t
       WHERE a.id = t.account_id
    )
    SELECT count(*) AS fresh FROM fresh`.execute(trx);
  await sql`DROP TABLE ledger_pairs`.execute(trx);
  return Number(rows[0]!.fresh);
}
