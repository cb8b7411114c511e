import { sql } from 'kysely';
import { auditInsert } from '../audit/audit';
import type { Caller } from '../auth/caller';
import { executePrepared, type Db } from '../db/pool';
import { postingsStatementParts } from '../ledger/ledger.service';
import { knownAccountsInsert } from '../pins/pin.service';
import { programOfHead } from '../programs/program.service';
import type { PaymentBody, PaymentResult } from './commission';
import * as repo from './commission.repository';
import { decidableAlone, decide } from './payment-batch.service';
import { replayOf } from './payment.service';

/**
 * The lean path of a single payment (issue 16): billing's common payment in two round trips instead of a
 * transaction of a dozen. The common payment is the one a batch decides set-based (`decidableAlone`): a pin
 * program's payment with no net invoice, order or referral, whose program rewards only the attributed partner and
 * has no levels or models.
 *
 * 1. One read of everything it needs (`singlePaymentRead`): the payment already recorded under its externalId,
 *    the program version in force on its date, and the engine's facts of the client's pin on that date.
 * 2. The engine in memory (`decide`, the batch's): the payment row, its commission and ledger posting.
 * 3. One statement that writes them all — the payment, the client as known, the commission, the posting with its
 *    entries and the accounts' totals, the audit row — each part only if the payment row went in. PostgreSQL runs
 *    one statement atomically on its own, so it needs no BEGIN and COMMIT: a crash leaves all of it or none.
 *
 * The answers are the transactional path's (`recordPayment`), as is what it reads: at READ COMMITTED that path
 * too reads the pin without locking it. Returns null for any other payment, and for a database whose program is
 * not stored yet: those take the transactional path. A concurrent report of the same externalId that wins the
 * insert turns this one into its replay (a third round trip, only then).
 */
export async function recordCommonPayment(
  db: Db,
  body: PaymentBody,
  requestHash: string,
  caller: Caller,
): Promise<{ result: PaymentResult; replayed: boolean } | null> {
  const read = await repo.singlePaymentRead(db, body.externalId, {
    clientAccountId: body.clientAccountId,
    channel: body.channel,
    at: new Date(body.paidAt),
    // Counted for every program: cheaper than a round trip to learn first whether the program needs it.
    clientHistory: true,
  });
  if (read.recorded) return replayOf(read.recorded.payment, read.recorded.commission, requestHash);
  if (!read.head) return null;
  const program = await programOfHead(db, read.head);
  if (!decidableAlone(body, program)) return null;
  const decided = decide({ index: 0, body, hash: requestHash, program }, read.facts);
  if (!decided) return null;

  const inserted = sql<boolean>`EXISTS (SELECT 1 FROM payment)`;
  const parts = [
    sql`payment AS (${repo.paymentsInsert([decided.payment])})`,
    sql`known AS (${knownAccountsInsert([body.clientAccountId], 'payment', inserted)})`,
    ...(decided.commission
      ? [sql`commission AS (${repo.commissionsInsert([decided.commission], inserted)})`]
      : []),
    ...(decided.posting ? [postingsStatementParts([decided.posting], inserted)] : []),
  ];
  const audit = auditInsert(
    caller,
    'payment.recorded',
    [
      {
        entity: { type: 'payment', id: decided.payment.id },
        details: {
          externalId: body.externalId,
          commissionMinor: decided.result.commission?.commissionMinor ?? null,
        },
      },
    ],
    inserted,
  );
  // Prepared: planning this statement cost as much as running it.
  const rows = await executePrepared(
    db,
    sql<{ id: string }>`
      WITH ${sql.join(parts, sql`, `)}, audit AS (${audit})
      SELECT id FROM payment`,
  );
  if (rows.length > 0) return { result: decided.result, replayed: false };
  // Another report of this externalId inserted first: answer as its replay (or its 409).
  const recorded = (await repo.findRecordedPayments(db, [body.externalId])).get(body.externalId)!;
  return replayOf(recorded.payment, recorded.commission, requestHash);
}
