import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { payoutAmount } from '../commissions/commission.rules';
import { createId } from '../ids';
import { rewardInvoiced } from '../ledger/postings';
import { postMany } from '../ledger/ledger.service';
import { invoiceNumberSql } from '../invoices/invoice.service';
import { getProgramSettings } from '../settings/settings.repository';
import { AppError } from '../errors';

export interface PayoutRunResult {
  runId: string;
  asOf: string;
  created: boolean;
  invoicesCreated: number;
  totalMinor: bigint;
}

/**
 * Rule 14 on a schedule: one reward invoice per payout-eligible partner for its payable balance, less rewards
 * still in the hold period, if at least the minimum. The whole run is one transaction (a crash leaves no
 * half-made invoice) and the run's date is unique (a repeated run for the same date creates nothing).
 */
export async function runPayouts(db: Db, asOf: string, now = new Date()): Promise<PayoutRunResult> {
  // A future date would pay rewards still inside the hold today, and use that date up for good.
  if (asOf > programDate(now))
    throw new AppError('validation_failed', 'A payout run cannot be for a date that has not come yet', [
      { path: 'asOf', message: 'must not be later than today (Moscow time)' },
    ]);
  const existing = await db
    .selectFrom('payout_runs')
    .selectAll()
    .where('as_of', '=', asOf)
    .executeTakeFirst();
  if (existing)
    return {
      runId: existing.id,
      asOf,
      created: false,
      invoicesCreated: existing.invoices_created,
      totalMinor: existing.total_minor,
    };
  // Serialise runs: two concurrent runs for one date must not both compute invoices.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('payout_run', 0))`.execute(db);
  const raced = await db.selectFrom('payout_runs').selectAll().where('as_of', '=', asOf).executeTakeFirst();
  if (raced)
    return {
      runId: raced.id,
      asOf,
      created: false,
      invoicesCreated: raced.invoices_created,
      totalMinor: raced.total_minor,
    };

  const settings = await getProgramSettings(db);
  const runId = createId('pyr');
  // The run's cut-off is the end of asOf (Moscow): rewards accrued within the hold before it are held.
  const cutoff = new Date(`${asOf}T23:59:59.999+03:00`);
  const holdFrom = new Date(cutoff.getTime() - settings.holdDays * 24 * 3600 * 1000);

  // Payable balance and held amount per eligible partner, computed set-wise in the database.
  const { rows } = await sql<{ partner_id: string; payable: bigint; held: bigint }>`
    SELECT p.id AS partner_id,
           (a.credits_minor - a.debits_minor)::bigint AS payable,
           coalesce((SELECT sum(c.commission_minor - c.reversed_minor) FROM commissions c
                      WHERE c.partner_id = p.id AND c.payable AND c.accrued_at > ${holdFrom}), 0)::bigint AS held
      FROM partners p
      JOIN ledger_accounts a ON a.partner_id = p.id AND a.code = 'partner:' || p.id || ':payable' AND a.currency = 'RUB'
     WHERE p.status = 'active' AND p.kind <> 'individual' AND p.contract_signed_at IS NOT NULL
       AND a.credits_minor - a.debits_minor > 0
     ORDER BY p.id`.execute(db);

  await db
    .insertInto('payout_runs')
    .values({ id: runId, as_of: asOf, status: 'done', invoices_created: 0, total_minor: 0n })
    .execute();
  const issuedAt = new Date();
  const minPayoutMinor = BigInt(settings.minPayoutMinor);
  const due = rows
    .map((row) => ({
      partnerId: row.partner_id,
      amount: payoutAmount({ payableMinor: row.payable, heldMinor: row.held, minPayoutMinor }),
    }))
    .filter((d) => d.amount > 0n)
    .map((d) => ({ ...d, invoiceId: createId('inv') }));

  // Set-based: all invoices in one statement, all postings through one postMany, so a run over ten
  // thousand partners is a handful of statements and holds its locks for as short a time as possible.
  if (due.length) {
    await sql`
      INSERT INTO invoices (id, number, kind, partner_id, status, amount_minor, currency, issued_at, payout_run_id)
      SELECT d.id, ${invoiceNumberSql('reward', issuedAt)}, 'reward', d.partner_id, 'issued',
             d.amount, 'RUB', ${issuedAt}, ${runId}
        FROM unnest(${due.map((d) => d.invoiceId)}::text[], ${due.map((d) => d.partnerId)}::text[],
                    ${due.map((d) => String(d.amount))}::bigint[]) WITH ORDINALITY AS d(id, partner_id, amount, n)
       ORDER BY d.n`.execute(db);
    await postMany(
      db,
      due.map((d) =>
        rewardInvoiced({
          payoutRunId: runId,
          invoiceId: d.invoiceId,
          partnerId: d.partnerId,
          amountMinor: d.amount,
          currency: 'RUB',
          at: issuedAt,
        }),
      ),
    );
  }
  const invoicesCreated = due.length;
  const totalMinor = due.reduce((sum, d) => sum + d.amount, 0n);
  await db
    .updateTable('payout_runs')
    .set({ invoices_created: invoicesCreated, total_minor: totalMinor })
    .where('id', '=', runId)
    .execute();
  return { runId, asOf, created: true, invoicesCreated, totalMinor };
}

/** Today's date (YYYY-MM-DD) in the program's time zone, Moscow (UTC+3 all year). */
export function programDate(now: Date): string {
  return new Date(now.getTime() + 3 * 3600 * 1000).toISOString().slice(0, 10);
}

/** The date a scheduled run uses: today in Moscow, if today is one of the program's payout days. */
export function scheduledPayoutDate(now: Date, payoutDaysOfMonth: number[]): string | null {
  const today = programDate(now);
  return payoutDaysOfMonth.includes(Number(today.slice(8, 10))) ? today : null;
}
