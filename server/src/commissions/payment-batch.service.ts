import { sql } from 'kysely';
import type { Tx } from '../db/pool';
import { AppError } from '../errors';
import { requestHash } from '../idempotency/idempotency';
import type { PresetName } from '../programs/program';
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
 * savepoint is two short statements on the same connection. The price, accepted for an import: the ledger
 * accounts the batch touches stay locked until it commits (a concurrent single payment to the same account
 * waits for up to one batch), and past 64 subtransactions PostgreSQL's snapshots consult pg_subtrans while the
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
  // A batch keeps every ledger account it touched locked until it commits, taking them partner by partner in
  // the order of its items; two batches doing that at once would deadlock as soon as they share two partners.
  // One batch at a time writes: they would queue on the shared partners' accounts anyway, and a client's
  // second batch in flight still overlaps its upload and validation with this one's writes.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${BATCH_LOCK_KEY}, 0))`.execute(trx);
  const outcomes: BatchOutcome[] = [];
  for (const [index, item] of items.entries()) {
    if ('error' in item) {
      outcomes.push({ index, externalId: item.externalId, error: item.error });
      continue;
    }
    const { body } = item;
    await sql`SAVEPOINT payment_item`.execute(trx);
    try {
      const { result, replayed } = await recordPayment(trx, body, requestHash('payment', '', body), settings);
      if (!replayed) await onRecorded(body, result);
      await sql`RELEASE SAVEPOINT payment_item`.execute(trx);
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
      await sql`RELEASE SAVEPOINT payment_item`.execute(trx);
      outcomes.push({ index, externalId: body.externalId, error: itemError });
    }
  }
  return outcomes;
}
