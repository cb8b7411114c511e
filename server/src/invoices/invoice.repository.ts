import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db, Tx } from '../db/pool';
import { newestFirst } from '../db/newest-first';
import type { InvoicesTable } from '../db/schema';
import type { PairRow } from '../ledger/ledger';
import { partnerInCode, type SlottedSide } from '../ledger/ledger.service';
import type { PostingKind } from '../ledger/postings';

export type InvoiceRow = Selectable<InvoicesTable>;
export type InvoiceKind = InvoiceRow['kind'];

/**
 * Invoice numbers: one sequence, a prefix per kind and the year, e.g. «НС-2026-000042». A SQL expression so
 * that one invoice (`nextInvoiceNumber`) and a whole payout run's (`INSERT … SELECT`) are numbered alike.
 */
function invoiceNumberSql(kind: InvoiceKind, at: Date) {
  const prefix = kind === 'net' ? 'НС' : 'ВП';
  return sql<string>`${prefix + '-' + at.getUTCFullYear() + '-'} || lpad(nextval('invoice_numbers')::text, 6, '0')`;
}

export async function nextInvoiceNumber(db: Db, kind: InvoiceKind, at: Date): Promise<string> {
  const { rows } = await sql<{ number: string }>`SELECT ${invoiceNumberSql(kind, at)} AS number`.execute(db);
  return rows[0]!.number;
}

export async function insertInvoice(
  db: Db,
  row: Omit<InvoiceRow, 'paid_at' | 'payment_method' | 'payout_run_id' | 'created_at'>,
): Promise<InvoiceRow> {
  return db.insertInto('invoices').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The payout run that issues reward invoices, and when. */
export type RewardInvoiceRun = { runId: string; issuedAt: Date };
/**
 * A payout run's page of partners, each with what the run pays it (0: nothing), as a query (`duePayoutsQuery`).
 */
export type DueRewards = RawBuilder<{ partner_id: string; amount: bigint }>;

/**
 * A payout run's reward invoices for one page of partners, in one statement: an invoice for each partner of
 * `due` with a positive amount, numbered in partner id order. Answers how many partners the page had and its
 * last one (for the next page), and the invoices made with their total.
 */
export async function insertRewardInvoicesFrom(
  trx: Tx,
  run: RewardInvoiceRun,
  due: DueRewards,
): Promise<{ partners: number; lastPartnerId: string | null; created: number; totalMinor: bigint }> {
  const { rows } = await sql<{
    partners: bigint;
    last_partner_id: string | null;
    created: bigint;
    total: bigint;
  }>`
    WITH due AS MATERIALIZED (${due}),
         inserted AS (
           INSERT INTO invoices (id, number, kind, partner_id, status, amount_minor, currency, issued_at, payout_run_id)
           SELECT create_id('inv'), ${invoiceNumberSql('reward', run.issuedAt)}, 'reward', d.partner_id, 'issued',
                  d.amount, 'RUB', ${run.issuedAt}, ${run.runId}
             FROM due d
            WHERE d.amount > 0
            ORDER BY d.partner_id
           RETURNING amount_minor)
    SELECT (SELECT count(*) FROM due) AS partners, (SELECT max(partner_id) FROM due) AS last_partner_id,
           (SELECT count(*) FROM inserted) AS created,
           (SELECT coalesce(sum(amount_minor), 0) FROM inserted)::bigint AS total`.execute(trx);
  const r = rows[0]!;
  return {
    partners: Number(r.partners),
    lastPartnerId: r.last_partner_id,
    created: Number(r.created),
    totalMinor: r.total,
  };
}

/**
 * A payout run's reward invoices as postings for the ledger's set-based writer (`postPairs`): keyed, reasoned and
 * dated as `rewardInvoiced` does, with the accounts it names (slotted: `slottedSides`), each invoice's partner
 * written in.
 */
export function rewardInvoicePairs(
  runId: string,
  posting: { kind: PostingKind; debit: SlottedSide; credit: SlottedSide },
): RawBuilder<PairRow> {
  const partner = sql<string>`i.partner_id`;
  const code = (side: SlottedSide) => partnerInCode(side.code, partner);
  const partnerOf = (side: SlottedSide) => (side.ofPartner ? partner : sql<null>`NULL::text`);
  return sql<PairRow>`
    SELECT 'payout_run:' || ${runId}::text || ':' || i.partner_id AS posting_key, ${posting.kind}::text AS kind,
           jsonb_build_object('payoutRunId', ${runId}::text, 'invoiceId', i.id) AS reason,
           i.issued_at AS effective_at,
           ${code(posting.debit)} AS debit_code, ${partnerOf(posting.debit)} AS debit_partner_id,
           ${code(posting.credit)} AS credit_code, ${partnerOf(posting.credit)} AS credit_partner_id,
           i.amount_minor, 'RUB'::text AS currency
      FROM invoices i
     WHERE i.payout_run_id = ${runId} AND i.kind = 'reward'`;
}

export async function findInvoice(db: Db, id: string): Promise<InvoiceRow | undefined> {
  return db.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockInvoice(trx: Tx, id: string): Promise<InvoiceRow | undefined> {
  return trx.selectFrom('invoices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Newest first, `limit + 1` rows so the caller knows whether another page follows. */
export async function listInvoices(
  db: Db,
  filter: { partnerId?: string; status?: InvoiceRow['status']; kind?: InvoiceKind; beforeId?: string },
  limit: number,
): Promise<InvoiceRow[]> {
  const equal = { partner_id: filter.partnerId, status: filter.status, kind: filter.kind };
  return newestFirst(db.selectFrom('invoices').selectAll(), {
    equal,
    beforeId: filter.beforeId,
    limit,
  }).execute();
}

/** Cancels a partner's reward invoices that are issued and not paid; returns what was cancelled. */
export async function cancelIssuedRewardInvoices(
  trx: Tx,
  partnerId: string,
): Promise<Array<{ id: string; amount_minor: bigint; currency: string }>> {
  return trx
    .updateTable('invoices')
    .set({ status: 'cancelled' })
    .where('partner_id', '=', partnerId)
    .where('kind', '=', 'reward')
    .where('status', '=', 'issued')
    .returning(['id', 'amount_minor', 'currency'])
    .execute();
}

/** Marks an issued invoice paid; undefined when it is not issued (paid already, or cancelled). */
export async function setInvoicePaid(
  trx: Tx,
  id: string,
  payment: { paidAt: Date; method: 'bank' | 'card' },
): Promise<InvoiceRow | undefined> {
  return trx
    .updateTable('invoices')
    .set({ status: 'paid', paid_at: payment.paidAt, payment_method: payment.method })
    .where('id', '=', id)
    .where('status', '=', 'issued')
    .returningAll()
    .executeTakeFirst();
}
