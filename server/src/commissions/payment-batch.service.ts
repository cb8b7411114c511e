import { sql } from 'kysely';
import type { Tx } from '../db/pool';
import { AppError } from '../errors';
import { requestHash } from '../idempotency/idempotency';
import type { PostingInput } from '../ledger/ledger';
import { postMany } from '../ledger/ledger.service';
import { addKnownAccounts } from '../pins/pin.service';
import { DEFAULT_PRESET, type PresetName, type ProgramVersion } from '../programs/program';
import { evaluatePayment } from '../programs/program.rules';
import {
  attributedEvaluationInput,
  batchEvaluationFacts,
  factsNeeded,
  programsInForce,
  type PinEvaluationFacts,
} from '../programs/program.service';
import type { PaymentBody, PaymentResult } from './commission';
import * as repo from './commission.repository';
import {
  commissionPostingOf,
  commissionRowOf,
  paymentRowOf,
  recordPayment,
  replayOf,
  resultOf,
  type AttributionSource,
} from './payment.service';

/** One item of a batch as the edge validated it: a payment body, or the validation error it earned. */
export type BatchItem =
  { externalId: string; body: PaymentBody } | { externalId: string | null; error: AppError };

/** What became of one item: recorded (`replayed` or not), or refused with its error; nothing half-written. */
export type BatchOutcome = { index: number; externalId: string | null } & (
  { result: PaymentResult; replayed: boolean } | { error: AppError }
);

/** Payments a batch has just recorded (not replays), for the route's audit rows. */
export type RecordedPayments = Array<{ body: PaymentBody; result: PaymentResult }>;

/**
 * SQLSTATE class 22 (data exception): a value PostgreSQL could not take. The single route answers it 400 from
 * the error handler; in a batch it is that item's fault alone, so it is reported on the item.
 */
const isDataException = (error: unknown) => /^22[0-9A-Z]{3}$/.test((error as { code?: string })?.code ?? '');

/** A deadlock (40P01) or serialization failure (40001): the transaction lost a race, not the input's fault. */
const isLostRace = (error: unknown) => ['40P01', '40001'].includes((error as { code?: string })?.code ?? '');

const lostRace = () =>
  new AppError(
    'database_unavailable',
    'The batch met a concurrent write (deadlock) and recorded nothing; send it again',
  );

/** The key of the advisory lock every batch takes, shared or exclusive (see `lockBatches`). */
const BATCH_LOCK_KEY = 'payments:batch';

/**
 * Records billing's payments of one batch (`POST /api/v1/payments/batch`), each exactly as the single route does
 * — the same rows, the same request hash (so a batch replays what the single route recorded and vice versa) and
 * the same audit row — in the caller's one transaction, answering every item on its own.
 *
 * Two ways, one result. The items this batch can decide alone (`setBasedItems`: the common case of a history
 * import) are read, evaluated and written together (`recordSetBased`): a handful of statements for all of them
 * instead of a dozen round trips each. Every other item then goes through `recordPayment`, in order, each under
 * its own SAVEPOINT: an item that fails rolls back to it, leaving none of its rows, and the next item goes on.
 * The two sets share no client, externalId, order or net invoice, so running the set first changes nothing an
 * item reads (see `setBasedItems`).
 *
 * Why one transaction rather than one per item: the batch pays one commit (one WAL flush, the dominant cost of a
 * small write transaction) instead of up to 1 000. The price, accepted for an import: the rows and ledger
 * accounts the batch touches stay locked until it commits (a concurrent single payment to the same partner waits
 * for up to one batch), and past 64 subtransactions PostgreSQL's snapshots consult pg_subtrans while the batch is
 * open — both bounded by the 1 000-item limit. An error that is not the item's fault (the database gone, a
 * deadlock, a bug) fails the whole batch: it rolls back and answers as the single route would (503, 500), and the
 * client resends it; idempotency makes that safe.
 */
export async function recordPaymentBatch(
  trx: Tx,
  items: readonly BatchItem[],
  settings: { vendorAccountId: number; programPreset?: PresetName },
  onRecorded: (recorded: RecordedPayments) => Promise<void>,
): Promise<BatchOutcome[]> {
  // Everything that reads no row a batch writes comes before the batch lock, so that one batch's hashing and
  // sorting overlaps another's writes: the request hashes, the program history (read once for the whole batch;
  // a batch writes it only to seed the default preset into an empty history, as the single path does) and
  // which items the set-based way decides.
  const programAt = await programsInForce(trx, settings.programPreset ?? DEFAULT_PRESET);
  const outcomes: BatchOutcome[] = [];
  const pending: Pending[] = [];
  for (const [index, item] of items.entries()) {
    if ('error' in item) outcomes[index] = { index, externalId: item.externalId, error: item.error };
    else pending.push({ index, body: item.body, hash: requestHash('payment', '', item.body) });
  }
  const { set, alone } = await setBasedItems(pending, programAt);
  await lockBatches(
    trx,
    alone.length === 0 && !set.some((d) => countsClientHistory(d)) ? 'shared' : 'exclusive',
  );
  // The commissions' ledger postings go in together at the end (`postMany` locks their accounts once, in id
  // order; no payment reads the ledger, so the books come out the same).
  const postings: PostingInput[] = [];
  const leftOver = await recordSetBased(trx, set, outcomes, postings, onRecorded);
  const oneByOne = [...alone, ...leftOver].sort((a, b) => a.index - b.index);
  await recordOneByOne(trx, oneByOne, { ...settings, programAt }, outcomes, postings, onRecorded);
  await postMany(trx, postings);
  return outcomes;
}

/**
 * Takes the batch lock until the transaction ends. A batch holds what it wrote (new payments, known accounts,
 * pins, invoices) locked until it commits; the single path takes those locks in the order of its items, so two
 * batches with items one by one could deadlock as soon as they share two clients: such a batch takes the lock
 * `exclusive` and writes alone. A batch decided wholly set-based takes it `shared`, beside other such batches:
 * its statements take their row locks in one order every batch follows — payments by externalId, then known
 * accounts by account id (both sorted in `recordSetBased`), then new commissions, audit rows and postings,
 * which nobody else holds, and last the ledger accounts in id order (`postMany`) — so they cannot deadlock; and
 * nothing it reads (pins, partners, rate schedules) is written by another such batch. A program that counts
 * the client's earlier payments is the exception (`countsClientHistory`): the count must include the payments a
 * batch running beside it is writing, so such a batch runs alone.
 */
async function lockBatches(trx: Tx, mode: 'shared' | 'exclusive'): Promise<void> {
  if (mode === 'shared')
    await sql`SELECT pg_advisory_xact_lock_shared(hashtextextended(${BATCH_LOCK_KEY}, 0))`.execute(trx);
  else await sql`SELECT pg_advisory_xact_lock(hashtextextended(${BATCH_LOCK_KEY}, 0))`.execute(trx);
}

const countsClientHistory = (d: Decidable) => factsNeeded(d.program.document).clientHistory;

/** A valid item not answered yet, with its request hash. */
export interface Pending {
  index: number;
  body: PaymentBody;
  hash: string;
}

/** An item the set-based way decides, with the program version in force on its date. */
export interface Decidable extends Pending {
  program: ProgramVersion;
}

/**
 * Which items the set-based way may decide alone: everything `recordPayment` would read for them is read for all
 * of them at once before any is written, so nothing it reads may depend on another item of the batch or on a
 * step only the single path takes. The rule, conservative — anything else goes one by one:
 *
 * - the program version in force on the payment date attributes by **pin**, its rules all reward the attributed
 *   **partner** (no referrer's share, no client's side, no sales manager's bonus) and it has **no levels and no
 *   models** (a level depends on the partner's earlier orders, which earlier items change; a model on its
 *   standing, read per payment);
 * - the payment names **no net invoice** (locks and settles it, may attribute the pin), **no order** (a second
 *   payment of one order earns nothing: order ids cross clients) and **no referral** (links and codes);
 * - its externalId occurs **once** in the batch (a repeat is a replay or a 409 of the first, in order);
 * - its client's other items in the batch, if any, are all decided this way too, and the program does not count
 *   the client's earlier payments (first-order rules, `factsNeeded`): that count would include the earlier item;
 * - no text in it holds a NUL character (PostgreSQL refuses it: one item's 400, which one statement for all
 *   would turn into everyone's).
 *
 * A date no program version covers goes one by one too, to get its 422 there.
 */
async function setBasedItems(
  pending: Pending[],
  programAt: (at: Date) => Promise<ProgramVersion>,
): Promise<{ set: Decidable[]; alone: Pending[] }> {
  const count = <K>(keys: K[]) => {
    const n = new Map<K, number>();
    for (const key of keys) n.set(key, (n.get(key) ?? 0) + 1);
    return n;
  };
  const perExternalId = count(pending.map((p) => p.body.externalId));
  const candidates = new Map<number, Decidable>();
  for (const p of pending) {
    const program = await programAt(new Date(p.body.paidAt)).catch((error: unknown) => {
      if (error instanceof AppError) return null;
      throw error;
    });
    if (program && perExternalId.get(p.body.externalId) === 1 && decidableAlone(p.body, program))
      candidates.set(p.index, { ...p, program });
  }
  // A client is decided all in the set or all one by one, and in the set twice only when no rule counts its
  // earlier payments.
  const byClient = new Map<number, Pending[]>();
  for (const p of pending) {
    const own = byClient.get(p.body.clientAccountId);
    if (own) own.push(p);
    else byClient.set(p.body.clientAccountId, [p]);
  }
  const set: Decidable[] = [];
  const alone: Pending[] = [];
  for (const p of pending) {
    const own = byClient.get(p.body.clientAccountId)!;
    const all = own.map((o) => candidates.get(o.index));
    const decided =
      all.every((d) => d !== undefined) && (own.length === 1 || all.every((d) => !countsClientHistory(d!)));
    if (decided) set.push(candidates.get(p.index)!);
    else alone.push(p);
  }
  return { set, alone };
}

/** The per-payment and per-program part of `setBasedItems`' rule. */
export function decidableAlone(body: PaymentBody, program: ProgramVersion): boolean {
  const doc = program.document;
  return (
    doc.attribution.via === 'pin' &&
    doc.rewards.every((rule) => rule.beneficiary === 'partner') &&
    doc.levels === undefined &&
    doc.models === undefined &&
    body.netInvoiceId === undefined &&
    body.orderId === undefined &&
    body.referral === undefined &&
    !JSON.stringify(body).includes('\\u0000')
  );
}

/**
 * Records the set-based items (`setBasedItems`) with a few statements for all of them: one read of every pin and
 * partner's facts, the pure engine in memory, then the payments, known accounts, commissions and audit rows each
 * in one statement; their postings join the batch's. Items whose externalId turned out to be recorded already
 * (by an earlier report, or a concurrent one that committed meanwhile: `ON CONFLICT DO NOTHING`) are answered as
 * replays or 409s, as `recordPayment` answers them. All of it runs under one savepoint: should a value fail in
 * PostgreSQL after all, nothing of the set stays, and every item goes one by one instead (returned).
 */
async function recordSetBased(
  trx: Tx,
  set: Decidable[],
  outcomes: BatchOutcome[],
  postings: PostingInput[],
  onRecorded: (recorded: RecordedPayments) => Promise<void>,
): Promise<Pending[]> {
  if (set.length === 0) return [];
  const facts = await batchEvaluationFacts(
    trx,
    set.map((d) => ({
      clientAccountId: d.body.clientAccountId,
      channel: d.body.channel,
      at: new Date(d.body.paidAt),
      clientHistory: countsClientHistory(d),
    })),
  );
  const decided = set.map((d, i) => decide(d, facts[i]!));
  if (decided.some((d) => d === null)) return set; // an engine's line the rule did not foresee: one by one
  const rows = decided.map((d) => d!);
  await sql`SAVEPOINT payment_set`.execute(trx);
  try {
    // Sorted, like the known accounts below: the order of row locks every set-based batch follows (`lockBatches`).
    const inserted = await repo.insertPayments(
      trx,
      rows.map((r) => r.payment).sort((a, b) => (a.external_id < b.external_id ? -1 : 1)),
    );
    const fresh = rows.filter((r) => inserted.has(r.item.body.externalId));
    const taken = rows.filter((r) => !inserted.has(r.item.body.externalId));
    const recorded = await repo.findRecordedPayments(
      trx,
      taken.map((r) => r.item.body.externalId),
    );
    const retry: Pending[] = [];
    for (const { item } of taken) {
      const existing = recorded.get(item.body.externalId);
      if (!existing) retry.push(item);
      else outcomes[item.index] = answerReplay(item, existing);
    }
    if (fresh.length > 0) {
      await addKnownAccounts(
        trx,
        fresh.map((r) => r.item.body.clientAccountId).sort((a, b) => a - b),
        'payment',
      );
      await repo.insertCommissions(
        trx,
        fresh.flatMap((r) => (r.commission ? [r.commission] : [])),
      );
      await onRecorded(fresh.map((r) => ({ body: r.item.body, result: r.result })));
    }
    await sql`RELEASE SAVEPOINT payment_set`.execute(trx);
    for (const r of fresh) {
      outcomes[r.item.index] = {
        index: r.item.index,
        externalId: r.item.body.externalId,
        result: r.result,
        replayed: false,
      };
      if (r.posting) postings.push(r.posting);
    }
    return retry;
  } catch (error) {
    if (isLostRace(error)) throw lostRace();
    if (!(error instanceof AppError) && !isDataException(error)) throw error;
    // Without parameters the driver sends the simple protocol, which carries two statements in one trip.
    await sql.raw('ROLLBACK TO SAVEPOINT payment_set; RELEASE SAVEPOINT payment_set').execute(trx);
    for (const d of set) delete outcomes[d.index];
    return set;
  }
}

/** A replay or a 409 of an item whose externalId is recorded, as `recordPayment` answers it. */
function answerReplay(item: Pending, existing: repo.RecordedPayment): BatchOutcome {
  const base = { index: item.index, externalId: item.body.externalId };
  try {
    return { ...base, ...replayOf(existing.payment, existing.commission, item.hash) };
  } catch (error) {
    if (error instanceof AppError) return { ...base, error };
    throw error;
  }
}

/**
 * What `recordPayment` would write for a set-based item, worked out in memory from the batch's facts: the payment
 * row (with why it earned nothing, which the single path sets right after), its commission and posting, and its
 * result. Null when the engine gave a line the set-based rule did not foresee (never, by `decidableAlone`).
 */
export function decide(item: Decidable, facts: PinEvaluationFacts) {
  const payment = paymentRowOf(item.body, item.hash);
  const none = { no_reward_partner_id: null, no_reward_reason: null };
  const nothing = (noReward: typeof none | { no_reward_partner_id: string; no_reward_reason: string }) => ({
    item,
    payment: { ...payment, ...noReward },
    commission: null,
    posting: null,
    result: resultOf(payment, undefined),
  });
  if (!facts.pin) return nothing(none);
  const source: AttributionSource = {
    via: 'pin',
    partnerId: facts.pin.partnerId,
    since: facts.pin.validFrom ?? payment.paid_at,
    pinId: facts.pin.id,
    clickId: null,
    promoCode: null,
  };
  const evaluation = evaluatePayment(
    attributedEvaluationInput(
      {
        attribution: { via: 'pin', since: source.since },
        clientAccountId: item.body.clientAccountId,
        grossMinor: payment.gross_minor,
        channel: payment.channel,
        paidAt: payment.paid_at,
        productCode: payment.product_code,
        payer: item.body.payer,
        orderPaidBefore: false,
        listMinor: payment.list_minor,
      },
      item.program,
      {
        partner: facts.partner && { ...facts.partner, model: null },
        uplines: [],
        clientPaidOrdersBefore: facts.clientPaidOrdersBefore,
        rewardChoice: null,
      },
    ),
  );
  if (evaluation.lines.some((line) => line.beneficiary !== 'partner')) return null;
  if (evaluation.lines.length === 0) {
    return nothing(
      evaluation.noReward
        ? { no_reward_partner_id: source.partnerId, no_reward_reason: evaluation.noReward.reason }
        : none,
    );
  }
  const commission = commissionRowOf(payment, source, evaluation.programVersion, {
    partnerId: source.partnerId,
    lines: evaluation.lines,
    uplineDepth: null,
  });
  return {
    item,
    payment: { ...payment, ...none },
    commission,
    posting: commissionPostingOf(payment, commission),
    result: resultOf(payment, commission),
  };
}

/**
 * The items the set cannot decide, through the single path (`recordPayment`) in order, each under its own
 * SAVEPOINT, released in the same round trip that starts the next.
 */
async function recordOneByOne(
  trx: Tx,
  items: Pending[],
  settings: Parameters<typeof recordPayment>[3],
  outcomes: BatchOutcome[],
  postings: PostingInput[],
  onRecorded: (recorded: RecordedPayments) => Promise<void>,
): Promise<void> {
  let savepointOpen = false;
  for (const { index, body, hash } of items) {
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
      const { result, replayed } = await recordPayment(trx, body, hash, {
        ...settings,
        deferredPostings: itemPostings,
      });
      if (!replayed) await onRecorded([{ body, result }]);
      postings.push(...itemPostings);
      outcomes[index] = { index, externalId: body.externalId, result, replayed };
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
      if (isLostRace(error)) throw lostRace();
      if (!itemError) throw error;
      await sql`ROLLBACK TO SAVEPOINT payment_item`.execute(trx);
      outcomes[index] = { index, externalId: body.externalId, error: itemError };
    }
  }
  if (savepointOpen) await sql`RELEASE SAVEPOINT payment_item`.execute(trx);
}
