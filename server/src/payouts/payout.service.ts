import type { Tx } from '../db/pool';
import { payoutAmount } from '../commissions/commission.rules';
import { createId } from '../ids';
import { issueRewardInvoices } from '../invoices/invoice.service';
import { getProgramSettings } from '../settings/settings.service';
import { AppError } from '../errors';
import * as repo from './payout.repository';
import { programDate } from './payout.rules';

export { listPayoutRuns } from './payout.repository';
export { programDate, scheduledPayoutDate } from './payout.rules';

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
export async function runPayouts(db: Tx, asOf: string, now = new Date()): Promise<PayoutRunResult> {
  // A future date would pay rewards still inside the hold today, and use that date up for good.
  if (asOf > programDate(now))
    throw new AppError('validation_failed', 'A payout run cannot be for a date that has not come yet', [
      { path: 'asOf', message: 'must not be later than today (Moscow time)' },
    ]);
  const existing = await repo.findRunByDate(db, asOf);
  if (existing) return previousRun(existing, asOf);
  await repo.lockPayoutRuns(db);
  const raced = await repo.findRunByDate(db, asOf);
  if (raced) return previousRun(raced, asOf);

  const settings = await getProgramSettings(db);
  const runId = createId('pyr');
  // The run's cut-off is the end of asOf (Moscow): rewards accrued within the hold before it are held.
  const cutoff = new Date(`${asOf}T23:59:59.999+03:00`);
  const holdFrom = new Date(cutoff.getTime() - settings.holdDays * 24 * 3600 * 1000);

  const rows = await repo.selectPayableBalances(db, holdFrom);
  await repo.insertRun(db, { id: runId, asOf });
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
  await issueRewardInvoices(db, { runId, issuedAt }, due);
  const invoicesCreated = due.length;
  const totalMinor = due.reduce((sum, d) => sum + d.amount, 0n);
  await repo.setRunTotals(db, runId, { invoicesCreated, totalMinor });
  return { runId, asOf, created: true, invoicesCreated, totalMinor };
}

function previousRun(run: repo.PayoutRunRow, asOf: string): PayoutRunResult {
  return {
    runId: run.id,
    asOf,
    created: false,
    invoicesCreated: run.invoices_created,
    totalMinor: run.total_minor,
  };
}
