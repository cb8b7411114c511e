import { sql } from 'kysely';
import type { Tx } from '../db/pool';
import { AppError } from '../errors';
import { requestHash } from '../idempotency/idempotency';
import type { PostingInput } from '../ledger/ledger';
import { postMany } from '../ledger/ledger.service';
import { DEFAULT_PRESET, type PresetName } from '../programs/program';
import { programsInForce } from '../programs/program.service';
import type { PaymentBody, PaymentResult } from './commission';
import { recordPayment } from './payment.service';

/** One item of a batch as the edge validated it: a payment body, or the validation error it earned. */
export type BatchItem =
  { externalId: string; body: PaymentBody } | { externalId: string | null; error: AppError };

/** What became of one item: recorded (`replayed` or not), or refused with its error; nothing half-written. */
export type BatchOutcome = { index: number; externalId: string | null } & (
  { result: PaymentResult; replayed: boolean } | { error: AppError }
);

/**
 * SQLSTATE class 22 (data exception): a value PostgreSQL could not take. The single route answers it 400 from
 * the error handler; in a batch it is that item's fault alone, so it is reported on the item.
 */
const isDataException = (error: unknown) => /^22[0-9A-Z]{3}$/.test((error as { code?: string })?.code ?? '');

/** A deadlock (40P01) or serialization failure (40001): the transaction lost a race, not the input's fault. */
const isLostRace = (error: unknown) => ['40P01', '40001'].includes((error as { code?: string })?.code ?? '');

/** The key of the advisory lock that lets one batch at a time write (see `recordPaymentBatch`). */
const BATCH_LOCK_KEY = 'payments:batch';

/**
 * Records billing's payments of one batch (`POST /api/v1/payments/batch`), each exactly as the single route does
 * — the same `recordPayment`, the same request hash (so a batch replays what the single route recorded and vice
 * versa) and the same audit row — in order, in the caller's one transaction.
 *
 * Each item runs under its own SAVEPOINT: an item that fails rolls back to it, leaving none of its rows, and the
 * next item goes on. Why one transaction with savepoints rather than one transaction per item: the batch pays
 * one commit (one WAL flush, the dominant cost of a small write transaction) instead of up to 1 000, and a
 * savepoint is one more short round trip on the same connection. The price, accepted for an import: the rows
 * and ledger accounts the batch touches stay locked until it commits (a concurrent single payment to the same
 * partner waits for up to one batch), and past 64 subtransactions PostgreSQL's snapshots consult pg_subtrans while the
 * batch is open — both bounded by the 1 000-item limit. An error that is not the item's fault (the database
 * gone, a deadlock, a bug) fails the whole batch: it rolls back and answers as the single route would (503,
 * 500), and the client resends it; idempotency makes that safe.
 */
export async function recordPaymentBatch(
  trx: Tx,
  items: readonly BatchItem[],
  settings: { vendorAccountId: number; programPreset?: PresetName },
  onRecorded: (body: PaymentBody, result: PaymentResult) => Promise<void>,
): Promise<BatchOutcome[]> {
  // A batch holds what it wrote (new payments, known accounts, pins, invoices) locked until it commits, taken in
  // the order of its items; two batches doing that at once can deadlock as soon as they share two clients. One
  // batch at a time writes: they would queue on the shared rows anyway, and a client's second batch in flight
  // still overlaps its upload and validation with this one's writes.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${BATCH_LOCK_KEY}, 0))`.execute(trx);
  // Round trips are the cost of a payment (a dozen short statements), so the batch saves those that repeat: the
  // program history is read once; the commissions' ledger postings go in together at the end (`postMany` locks
  // their accounts once, in id order; no payment reads the ledger, so the books come out the same); and each
  // savepoint is released in the same round trip that starts the next.
  const programAt = await programsInForce(trx, settings.programPreset ?? DEFAULT_PRESET);
  const postings: PostingInput[] = [];
  let savepointOpen = false;
  const outcomes: BatchOutcome[] = [];
  for (const [index, item] of items.entries()) {
    if ('error' in item) {
      outcomes.push({ index, externalId: item.externalId, error: item.error });
      continue;
    }
    const { body } = item;
    // Without parameters the driver sends the simple protocol, which carries two statements in one trip.
    await sql
      .raw(
        savepointOpen ? 'RELEASE SAVEPOINT payment_item; SAVEPOINT payment_item' : 'SAVEPOINT payment_item',
      )
      .execute(trx);
    savepointOpen = true;
    // Kept aside until the item has succeeded: a failed item's posting must never reach the ledger.
    const itemPostings: PostingInput[] = [];
    try {
      const { result, replayed } = await recordPayment(trx, body, requestHash('payment', '', body), {
        ...settings,
        programAt,
        deferredPostings: itemPostings,
      });
      if (!replayed) await onRecorded(body, result);
      postings.push(...itemPostings);
      outcomes.push({ index, externalId: body.externalId, result, replayed });
    } catch (error) {
      const itemError =
        error instanceof AppError
          ? error
          : isDataException(error)
            ? new AppError(
                'validation_failed',
                'A value in this payment cannot be stored (bad character, or a number or date out of range)',
              )
            : undefined;
      // A single payment that met this batch's locks in the opposite order: the batch is the victim, its
      // earlier items' locks are the cause, so retrying the item would meet the same cycle. Nothing is
      // committed; the client resends the whole batch (503 says retry, and idempotency makes it safe).
      if (isLostRace(error))
        throw new AppError(
          'database_unavailable',
          'The batch met a concurrent write (deadlock) and recorded nothing; send it again',
        );
      if (!itemError) throw error;
      await sql`ROLLBACK TO SAVEPOINT payment_item`.execute(trx);
      outcomes.push({ index, externalId: body.externalId, error: itemError });
    }
  }
  if (savepointOpen) await sql`RELEASE SAVEPOINT payment_item`.execute(trx);
  await postMany(trx, postings);
  return outcomes;
}
