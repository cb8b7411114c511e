import { sql, type Selectable } from 'kysely';
import type { Db, Tx } from '../db/pool';
import { newestFirst } from '../db/newest-first';
import type { InvoicesTable } from '../db/schema';

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
/** One partner's reward invoice of a run: its id and the partner's payable balance (kopecks). */
export type DueRewardInvoice = { invoiceId: string; partnerId: string; amount: bigint };

/** A payout run's reward invoices in one statement, numbered in the order given. */
export async function insertRewardInvoices(
  trx: Tx,
  run: RewardInvoiceRun,
  due: DueRewardInvoice[],
): Promise<void> {
  if (!due.length) return;
  await sql`
    INSERT INTO invoices (id, number, kind, partner_id, status, amount_minor, currency, issued_at, payout_run_id)
    SELECT d.id, ${invoiceNumberSql('reward', run.issuedAt)}, 'reward', d.partner_id, 'issued',
           d.amount, 'RUB', ${run.issuedAt}, ${run.runId}
      FROM unnest(${due.map((d) => d.invoiceId)}::text[], ${due.map((d) => d.partnerId)}::text[],
                  ${due.map((d) => String(d.amount))}::bigint[]) WITH ORDINALITY AS d(id, partner_id, amount, n)
     ORDER BY d.n`.execute(trx);
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
