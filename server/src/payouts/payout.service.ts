import type { Tx } from '../db/pool';
import { createId } from '../ids';
import { DAY_MS } from '../instants';
import {
  cancelUnpaidRewardInvoices,
  issueRewardInvoices,
  postRewardInvoices,
} from '../invoices/invoice.service';
import { balanceForfeited } from '../ledger/postings';
import { creditBalance, lockedPartnerBalances, post } from '../ledger/ledger.service';
import { accounts } from '../ledger/chart';
import { DEFAULT_PRESET } from '../programs/program';
import { payoutPolicyInForce } from '../programs/program.service';
import { AppError } from '../errors';
import * as repo from './payout.repository';
import { programDate } from './payout.rules';

export { listPayoutRuns } from './payout.repository';
export { programDate, scheduledPayoutDate } from './payout.rules';

/** Partners a payout run reads and invoices at a time (see `runPayouts`). */
export const PAYOUT_CHUNK_PARTNERS = 1000;

export interface PayoutRunResult {
  runId: string;
  asOf: string;
  created: boolean;
  invoicesCreated: number;
  totalMinor: bigint;
}

/**
 * Rule 14 on a schedule: one reward invoice per payout-eligible partner for its payable balance, less rewards
 * still in the hold period, if at least the minimum. Hold, minimum and who may be paid are the payout policy of
 * the program version in force when the run is made (`policies.payout`). The whole run is one transaction (a crash leaves no
 * half-made invoice) and the run's date is unique (a repeated run for the same date creates nothing).
 */
export async function runPayouts(
  db: Tx,
  asOf: string,
  now = new Date(),
  chunkPartners = PAYOUT_CHUNK_PARTNERS,
): Promise<PayoutRunResult> {
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

  const policy = await payoutPolicyInForce(db, now, DEFAULT_PRESET);
  const runId = createId('pyr');
  // The run's cut-off is the end of asOf (Moscow): rewards accrued within the hold before it are held.
  const cutoff = new Date(`${asOf}T23:59:59.999+03:00`);
  const holdFrom = new Date(cutoff.getTime() - policy.holdDays * DAY_MS);

  await repo.insertRun(db, { id: runId, asOf });
  const issuedAt = new Date();
  const due = { ...policy, minPayoutMinor: BigInt(policy.minMinor) };
  let invoicesCreated = 0;
  let totalMinor = 0n;
  // Page by page of partners, each page read and invoiced in one statement in the database (`payoutAmount`'s
  // rule in SQL, `duePayoutsQuery`), and all the run's postings at the end through the ledger's set-based writer:
  // no row per partner comes into Node, so the run's memory does not grow with the partners. Every page is in the
  // run's one transaction, so a crash still leaves no half-made run.
  for (let after: string | null = null; ;) {
    const page = await issueRewardInvoices(
      db,
      { runId, issuedAt },
      repo.duePayoutsQuery(holdFrom, due, { afterPartnerId: after, limit: chunkPartners }),
    );
    invoicesCreated += page.created;
    totalMinor += page.totalMinor;
    if (page.partners < chunkPartners) break;
    after = page.lastPartnerId;
  }
  await postRewardInvoices(db, runId);
  await repo.setRunTotals(db, runId, { invoicesCreated, totalMinor });
  return { runId, asOf, created: true, invoicesCreated, totalMinor };
}

export interface Forfeit {
  forfeitedMinor: bigint;
  cancelledInvoiceIds: string[];
}

/**
 * Seed 000: a partner blocked for a violation is blocked without payout when the program says so
 * (`policies.payout.forfeitOnBlock`). Everything the vendor still owes it — payable and not-payable rewards and
 * unpaid reward invoices (cancelled here) — is forfeited by one posting with the admin's reason. A clawback the
 * partner owes (a negative balance) is not forgiven. Unblocking later restores nothing: the posting stands, and
 * payout runs skip a blocked partner meanwhile. Null when the program does not forfeit, or nothing was owed.
 */
export async function forfeitOnBlock(
  trx: Tx,
  partnerId: string,
  block: { reason: string; at: Date },
): Promise<Forfeit | null> {
  const policy = await payoutPolicyInForce(trx, block.at, DEFAULT_PRESET);
  if (!policy.forfeitOnBlock) return null;
  const cancelled = await cancelUnpaidRewardInvoices(trx, partnerId);
  const totals = await lockedPartnerBalances(trx, partnerId);
  const owed = (account: { code: string }) => {
    const balance = creditBalance(totals, account.code);
    return balance > 0n ? balance : 0n;
  };
  const parts = {
    payableMinor: owed(accounts.partnerPayable(partnerId)),
    notPayableMinor: owed(accounts.partnerNotPayable(partnerId)),
    invoicedMinor: owed(accounts.partnerInvoiced(partnerId)),
  };
  const forfeitedMinor = parts.payableMinor + parts.notPayableMinor + parts.invoicedMinor;
  if (forfeitedMinor === 0n) return null;
  await post(
    trx,
    balanceForfeited({
      forfeitId: `${partnerId}:${block.at.getTime()}`,
      partnerId,
      ...parts,
      currency: 'RUB',
      reason: block.reason,
      cancelledInvoiceIds: cancelled.map((i) => i.id),
      at: block.at,
    }),
  );
  return { forfeitedMinor, cancelledInvoiceIds: cancelled.map((i) => i.id) };
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
