import type { Db, Tx } from '../db/pool';
import type { StatementDocument, StatementRow } from '../documents';
import { AppError } from '../errors';
import { createId } from '../ids';
import type { PostingInput } from '../ledger/ledger';
import { post } from '../ledger/ledger.service';
import { commissionAccrued, commissionReversed } from '../ledger/postings';
import { lockNetInvoiceForClient, markInvoicePaid } from '../invoices/invoice.service';
import { normalizePromoCode } from '../links/link';
import { partnerOfTypedCode, winningClick } from '../links/link.service';
import { WAITING_STATUSES } from '../pins/pin.rules';
import { addKnownAccounts, attributePin, findEarningPinOn, lockHoldingPin } from '../pins/pin.service';
import { DEFAULT_PRESET, type PresetName, type ProgramVersion } from '../programs/program';
import type { RewardLine } from '../programs/program.rules';
import { accrueClientRewards, reverseClientRewards } from '../points/points.service';
import { statementRowsOf } from '../settlements/settlement.service';
import {
  evaluateAttributedPayment,
  guaranteeDaysOf,
  programHistory,
  programInForce,
} from '../programs/program.service';
import { termsInWords } from '../programs/program.words';
import type { PaymentBody, PaymentResult } from './commission';
import * as repo from './commission.repository';

// The door for the amoCRM renewal reminders: the clients whose paid period ends soon.
export { clientsDueForRenewal } from './commission.repository';
import { calculationInWords, oneCommission, reversalFor, withinGuarantee } from './commission.rules';

// The commissions domain's door for the statement's lines (certificates read them).

export function resultOf(
  payment: Pick<repo.PaymentRow, 'id'>,
  commission:
    | Pick<repo.CommissionRowDb, 'partner_id' | 'rate_bps' | 'commission_minor' | 'payable' | 'reason'>
    | undefined,
): PaymentResult {
  return {
    id: payment.id,
    commission: commission
      ? {
          partnerId: commission.partner_id,
          rateBps: commission.rate_bps,
          commissionMinor: Number(commission.commission_minor),
          payable: commission.payable,
          reason: commission.reason,
        }
      : null,
  };
}

/** The payment row a report of billing inserts (its id new), shared by the single path and the batch's. */
export function paymentRowOf(body: PaymentBody, requestHash: string): repo.NewPaymentRow {
  return {
    id: createId('pay'),
    external_id: body.externalId,
    request_hash: requestHash,
    client_account_id: BigInt(body.clientAccountId),
    gross_minor: BigInt(body.grossMinor),
    currency: body.currency,
    channel: body.channel,
    paid_at: new Date(body.paidAt),
    product_code: body.productCode ?? null,
    order_id: body.orderId ?? null,
    product_category: body.productCategory ?? null,
    list_minor: body.listMinor === undefined ? null : BigInt(body.listMinor),
    period_end: body.periodEnd ? new Date(body.periodEnd) : null,
    net_invoice_id: body.netInvoiceId ?? null,
  };
}

/**
 * A report whose externalId is already recorded: the same body (the same request hash) replays the first
 * result, another body under the same id is a 409.
 */
export function replayOf(
  existing: repo.RecordedPayment['payment'],
  commission: repo.RecordedPayment['commission'],
  requestHash: string,
): { result: PaymentResult; replayed: true } {
  if (existing.request_hash !== requestHash)
    throw new AppError(
      'idempotency_key_reused',
      `Payment ${existing.external_id} was already reported with different data`,
    );
  return { result: resultOf(existing, commission), replayed: true };
}

/**
 * A partner_net payment for a client whose pin still waits: the partner is the one paying the vendor for this
 * client (it requested the net invoice), so the vendor attributes the client to it non-exclusively from the
 * payment date (rule 11). This is the automatic case of attribution; the transition itself is pin.service's.
 */
async function attributeIfPartnerPays(
  db: Tx,
  vendorAccountId: number,
  partnerId: string,
  clientAccountId: number,
  netInvoiceId: string,
  paidAt: Date,
): Promise<void> {
  const holder = await lockHoldingPin(db, clientAccountId);
  if (!holder || holder.partner_id !== partnerId || !WAITING_STATUSES.includes(holder.status)) return;
  await attributePin(db, holder.id, vendorAccountId, 'partner_pays_net_invoice', {
    at: paidAt,
    details: { netInvoiceId },
  });
}

/**
 * Records a client payment reported by billing and, for a payment attributed to a partner (the client's pin
 * on the payment date, or under a link program the visitor's winning click), the reward the program in force
 * gives it: its one commission and ledger posting — all in the caller's transaction. `externalId` makes it idempotent:
 * the same report again returns the first result (`replayed`), another body under the same id is a 409.
 */
export async function recordPayment(
  db: Tx,
  body: PaymentBody,
  requestHash: string,
  settings: {
    vendorAccountId: number;
    programPreset?: PresetName;
    /** A batch's reader of the version in force (`programsInForce`), instead of one query per payment. */
    programAt?: (at: Date) => Promise<ProgramVersion>;
    /**
     * A batch's list for the commission's ledger posting, posted with the whole batch's (`postMany`) before it
     * commits instead of at once: nothing a payment reads depends on the ledger, so the books come out the same.
     */
    deferredPostings?: PostingInput[];
  },
): Promise<{ result: PaymentResult; replayed: boolean }> {
  const paidAt = new Date(body.paidAt);
  const payment = await repo.insertPayment(db, paymentRowOf(body, requestHash));
  if (!payment) {
    // Inserted by an earlier (or concurrent, now committed) report of the same payment.
    const existing = (await repo.findPaymentByExternalId(db, body.externalId))!;
    return replayOf(existing, await repo.findCommissionByPayment(db, existing.id), requestHash);
  }
  // A client that paid is a client the vendor knows (rule 9) from now on.
  await addKnownAccounts(db, [body.clientAccountId], 'payment');
  if (body.netInvoiceId) {
    // The net invoice this payment pays: read once, locked, and checked to be this client's.
    const invoice = await lockNetInvoiceForClient(db, body.netInvoiceId, body.clientAccountId);
    // A net invoice is settled by one payment. Under the invoice's lock a concurrent payment naming it has
    // committed or not started, so this read decides; the 409 rolls this payment back with its reward.
    const settledBy = await repo.findOtherPaymentOfNetInvoice(db, invoice.id, payment.id);
    if (settledBy)
      throw new AppError(
        'conflict',
        `Net invoice ${invoice.id} is already settled by payment ${settledBy.external_id}`,
        [{ path: 'netInvoiceId', message: 'this net invoice is already settled by another payment' }],
      );
    if (body.channel === 'partner_net') {
      await attributeIfPartnerPays(
        db,
        settings.vendorAccountId,
        invoice.partner_id,
        body.clientAccountId,
        invoice.id,
        paidAt,
      );
    }
    if (invoice.status === 'issued') await markInvoicePaid(db, invoice.id, { paidAt, method: 'bank' });
  }

  const program = settings.programAt
    ? await settings.programAt(paidAt)
    : await programInForce(db, paidAt, settings.programPreset ?? DEFAULT_PRESET);
  const source = await attributionOf(db, program, body, paidAt, payment.id);
  if (!source) {
    // A code nobody owns, under a program that attributes by code: recorded, so billing's question «why did
    // this order earn nobody anything?» has an answer.
    if (program.document.attribution.via === 'code' && body.referral?.code)
      await repo.setNoReward(db, payment.id, null, 'unknown_code');
    return { result: resultOf(payment, undefined), replayed: false };
  }
  const orderPaidBefore = body.orderId ? await repo.orderPaidByAnother(db, body.orderId, payment.id) : false;
  const commission = await accrueCommission(
    db,
    payment,
    source,
    program,
    { payer: body.payer, orderPaidBefore },
    settings.deferredPostings,
  );
  return { result: resultOf(payment, commission), replayed: false };
}

/** What attributes a payment to a partner: a partner link's click, its promo code, or the client's pin. */
export interface AttributionSource {
  via: 'pin' | 'link' | 'code';
  partnerId: string;
  since: Date;
  pinId: string | null;
  clickId: bigint | null;
  promoCode: string | null;
}

/**
 * Under a link program, the visitor's winning click (billing's `referral.visitorId`; the last click in the
 * window wins, seed 000) attributes the payment, even over a pin: the client came through that link for this
 * order. Under a code program, the partner whose promo code the client first paid with (billing's
 * `referral.code`, seed 002), from that first payment on. Otherwise, and under a pin program always, the client's pin earning on the payment
 * date.
 */
async function attributionOf(
  db: Tx,
  program: ProgramVersion,
  body: PaymentBody,
  paidAt: Date,
  paymentId: string,
): Promise<AttributionSource | null> {
  const rules = program.document.attribution;
  const visitorId = body.referral?.visitorId;
  if (rules.via === 'link' && visitorId) {
    const click = await winningClick(db, {
      visitorId,
      paidAt,
      windowDays: rules.windowDays,
      lastClickWins: rules.lastClickWins,
    });
    if (click)
      return {
        via: 'link',
        partnerId: click.partnerId,
        since: click.clickedAt,
        pinId: null,
        clickId: click.id,
        promoCode: null,
      };
  }
  if (rules.via === 'code') {
    const typed = body.referral?.code;
    const partnerId = typed ? await partnerOfTypedCode(db, typed) : null;
    if (partnerId) await repo.setPaymentPromoCode(db, paymentId, normalizePromoCode(typed!));
    // The first code a client paid with binds it to that partner from then on (the window of `withinDays`,
    // a first-months binding and «an order within N days of the code» count from it); a later code of
    // another partner does not take the client over.
    const bound = await repo.firstPromoCodeOf(db, body.clientAccountId, paidAt, paymentId);
    if (bound || partnerId)
      return {
        via: 'code',
        partnerId: bound?.partnerId ?? partnerId!,
        since: bound?.since ?? paidAt,
        pinId: null,
        clickId: null,
        promoCode: bound?.code ?? normalizePromoCode(typed!),
      };
  }
  const pin = await findEarningPinOn(db, body.clientAccountId, paidAt);
  if (!pin) return null;
  return {
    via: 'pin',
    partnerId: pin.partner_id,
    since: pin.valid_from ?? paidAt,
    pinId: pin.id,
    clickId: null,
    promoCode: null,
  };
}

/**
 * The rewards of one payment, as the program in force on the payment date says (the reward engine,
 * `programs/program.rules.ts`): the attributed partner's lines become the payment's commission, each referrer's
 * share (multi-level, seed 002) a commission of its own marked with its depth, and the new client's side (points,
 * a discount) a client reward — each row recording the program version, the rule and the calculation in words,
 * each posted in the ledger. Returns the attributed partner's commission; undefined when the program gives this
 * payment nothing (a first-order program on a repeat order, say).
 */
async function accrueCommission(
  db: Tx,
  payment: repo.PaymentRow,
  source: AttributionSource,
  program: ProgramVersion,
  facts: { payer: PaymentBody['payer']; orderPaidBefore: boolean },
  deferredPostings?: PostingInput[],
): Promise<repo.CommissionRowDb | undefined> {
  // The evaluation's facts read the partner (kind, status, contract, rates) in the same round trip.
  const partnerId = source.partnerId;
  const evaluation = await evaluateAttributedPayment(db, {
    partnerId,
    attribution: { via: source.via, since: source.since },
    clientAccountId: Number(payment.client_account_id),
    grossMinor: payment.gross_minor,
    channel: payment.channel,
    paidAt: payment.paid_at,
    productCode: payment.product_code,
    payer: facts.payer,
    orderPaidBefore: facts.orderPaidBefore,
    listMinor: payment.list_minor,
    program,
  });
  const clientLines = evaluation.lines.filter((line) => line.beneficiary === 'client');
  if (clientLines.length > 0)
    await accrueClientRewards(
      db,
      {
        paymentId: payment.id,
        clientAccountId: Number(payment.client_account_id),
        partnerId,
        currency: payment.currency,
        at: payment.paid_at,
        programVersion: evaluation.programVersion,
        lines: clientLines,
      },
      deferredPostings,
    );
  // The partner's own lines and its sales manager's bonus (seed 004), which is paid to the partner.
  const lines = evaluation.lines.filter(
    (line) => line.beneficiary === 'partner' || line.beneficiary === 'sales_manager',
  );
  if (lines.length === 0) {
    // Recorded with the reason, for the partner's statistics and, for a self-purchase, the fraud queue.
    if (evaluation.noReward) await repo.setNoReward(db, payment.id, partnerId, evaluation.noReward.reason);
    return undefined;
  }
  const write = (owner: string, ownLines: RewardLine[], uplineDepth: number | null) =>
    writeCommission(db, payment, source, evaluation.programVersion, {
      partnerId: owner,
      lines: ownLines,
      uplineDepth,
      deferredPostings,
    });
  const commission = await write(partnerId, lines, null);
  const uplines = evaluation.lines.filter((line) => line.beneficiary === 'upline' && line.amountMinor > 0n);
  for (const depth of new Set(uplines.map((line) => line.uplineDepth!))) {
    const ofDepth = uplines.filter((line) => line.uplineDepth === depth);
    await write(ofDepth[0]!.partnerId!, ofDepth, depth);
  }
  return commission;
}

/**
 * The account a commission in points is credited to. The program document keeps one partner's lines of one
 * payment either all in points or all in money (`refuseUnpostedRules`), so the first line decides.
 */
function pointsAccountOf(lines: readonly RewardLine[]): bigint | null {
  const account = lines[0]?.pointsAccountId;
  return account === null || account === undefined ? null : BigInt(account);
}

/** One commission row of a payment — the attributed partner's, or a referrer's share — and its ledger posting. */
async function writeCommission(
  db: Tx,
  payment: repo.PaymentRow,
  source: AttributionSource,
  programVersion: number,
  c: {
    partnerId: string;
    lines: RewardLine[];
    uplineDepth: number | null;
    deferredPostings?: PostingInput[];
  },
): Promise<repo.CommissionRowDb> {
  const commission = await repo.insertCommission(db, commissionRowOf(payment, source, programVersion, c));
  const posting = commissionPostingOf(payment, commission);
  if (posting) {
    if (c.deferredPostings) c.deferredPostings.push(posting);
    else await post(db, posting);
  }
  return commission;
}

type PaymentFacts = Pick<
  repo.PaymentRow,
  'id' | 'client_account_id' | 'channel' | 'gross_minor' | 'currency' | 'paid_at'
>;

/** The commission row (its id new) that `lines` of one beneficiary make on a payment; shared with the batch. */
export function commissionRowOf(
  payment: PaymentFacts,
  source: AttributionSource,
  programVersion: number,
  c: { partnerId: string; lines: RewardLine[]; uplineDepth: number | null },
): repo.NewCommissionRow {
  return {
    id: createId('com'),
    payment_id: payment.id,
    partner_id: c.partnerId,
    pin_id: source.pinId,
    link_click_id: source.clickId,
    promo_code: source.promoCode,
    channel: payment.channel,
    gross_minor: payment.gross_minor,
    ...commissionColumns(oneCommission(c.lines, payment.gross_minor)),
    currency: payment.currency,
    accrued_at: payment.paid_at,
    program_version: programVersion,
    upline_depth: c.uplineDepth,
    points_account_id: pointsAccountOf(c.lines),
  };
}

/** The ledger posting of a commission (`commissionAccrued`), or null for a commission of nothing. */
export function commissionPostingOf(
  payment: PaymentFacts,
  commission: Pick<repo.CommissionRowDb, 'id' | 'partner_id' | 'payable' | 'commission_minor'> & {
    points_account_id?: bigint | null;
  },
): PostingInput | null {
  if (commission.commission_minor <= 0n) return null;
  return commissionAccrued({
    commissionId: commission.id,
    paymentId: payment.id,
    clientAccountId: Number(payment.client_account_id),
    partnerId: commission.partner_id,
    channel: payment.channel,
    payable: commission.payable,
    pointsAccountId:
      commission.points_account_id === null || commission.points_account_id === undefined
        ? null
        : Number(commission.points_account_id),
    amountMinor: commission.commission_minor,
    currency: payment.currency,
    at: payment.paid_at,
  });
}

function commissionColumns(c: ReturnType<typeof oneCommission>) {
  return {
    rule_id: c.ruleId,
    rate_bps: c.rateBps,
    commission_minor: c.commissionMinor,
    payable: c.payable,
    reason: c.reason,
    calculation: c.calculation,
  };
}

/**
 * Rule 17: a refund reverses the commission in proportion (cumulatively, so partial refunds never drift), or in
 * full within the guarantee period of the program version that made it (seed 000: 30 days); refunding more than
 * was paid is a 422. After a payout the reversal takes the payable balance below zero and nets against later
 * rewards. Idempotent by the refund's externalId like payments.
 */
export async function recordRefund(
  db: Tx,
  body: { externalId: string; paymentExternalId: string; amountMinor: number; refundedAt: string },
  requestHash: string,
): Promise<{ result: { id: string; reversalMinor: number }; replayed: boolean }> {
  const existing = await repo.findRefundByExternalId(db, body.externalId);
  if (existing) return replayRefund(existing, requestHash);
  const payment = await repo.lockPaymentByExternalId(db, body.paymentExternalId);
  if (!payment)
    throw new AppError('unprocessable', `No payment ${body.paymentExternalId} to refund`, [
      { path: 'paymentExternalId', message: 'unknown payment' },
    ]);
  // Re-check under the payment's lock: a concurrent report of the same refund may have just committed.
  const raced = await repo.findRefundByExternalId(db, body.externalId);
  if (raced) return replayRefund(raced, requestHash);

  const amount = BigInt(body.amountMinor);
  if (payment.refunded_minor + amount > payment.gross_minor) {
    throw new AppError(
      'unprocessable',
      `Refund exceeds the payment: ${payment.gross_minor - payment.refunded_minor} left to refund`,
      [{ path: 'amountMinor', message: 'more than was paid' }],
    );
  }
  const refundedAt = new Date(body.refundedAt);
  // The attributed partner's commission comes first, then each referrer's share (multi-level programs).
  const commissions = await repo.lockCommissionsOfPayment(db, payment.id);
  const inFull = withinGuarantee(
    payment.paid_at,
    refundedAt,
    await guaranteeDaysOf(db, commissions[0]?.program_version ?? null),
  );
  const reversals = commissions.map((commission) => ({
    commission,
    reversal: reversalFor({
      commissionMinor: commission.commission_minor,
      grossMinor: payment.gross_minor,
      refundedBeforeMinor: payment.refunded_minor,
      refundMinor: amount,
      reversedBeforeMinor: commission.reversed_minor,
      inFull,
    }),
  }));
  const reversal = reversals.find((r) => r.commission.upline_depth === null)?.reversal ?? 0n;
  const refund = await repo.insertRefund(db, {
    id: createId('rfd'),
    external_id: body.externalId,
    request_hash: requestHash,
    payment_id: payment.id,
    amount_minor: amount,
    reversal_minor: reversal,
    refunded_at: refundedAt,
  });
  await repo.setRefunded(db, payment.id, payment.refunded_minor + amount);
  for (const { commission, reversal: amountReversed } of reversals) {
    if (amountReversed <= 0n) continue;
    await repo.recordReversal(db, refund.id, commission, amountReversed);
    await post(
      db,
      commissionReversed({
        refundId: refund.id,
        paymentId: payment.id,
        commissionId: commission.id,
        partnerId: commission.partner_id,
        channel: commission.channel,
        payable: commission.payable,
        uplineDepth: commission.upline_depth,
        pointsAccountId: commission.points_account_id === null ? null : Number(commission.points_account_id),
        amountMinor: amountReversed,
        currency: commission.currency,
        at: refundedAt,
      }),
    );
  }
  await reverseClientRewards(db, {
    refundId: refund.id,
    paymentId: payment.id,
    grossMinor: payment.gross_minor,
    refundedBeforeMinor: payment.refunded_minor,
    refundMinor: amount,
    inFull,
    at: refundedAt,
  });
  return { result: { id: refund.id, reversalMinor: Number(reversal) }, replayed: false };
}

function replayRefund(
  existing: { id: string; request_hash: string; reversal_minor: bigint; external_id: string },
  requestHash: string,
) {
  if (existing.request_hash !== requestHash)
    throw new AppError(
      'idempotency_key_reused',
      `Refund ${existing.external_id} was already reported with different data`,
    );
  return { result: { id: existing.id, reversalMinor: Number(existing.reversal_minor) }, replayed: true };
}

/**
 * A partner's statement of [from, to) as the documents print it (seed 000 item 6, issue 13): every payment and
 * refund with its calculation in words, named by the rule of the program version that made it, and the terms of
 * the program in force at the period's end in the program's own wording.
 */
export async function partnerStatement(
  db: Db,
  partnerId: string,
  period: { from: Date; to: Date },
  preset: PresetName,
): Promise<{ rows: StatementRow[]; program: StatementDocument['program'] }> {
  const lines = await repo.listStatementLines(db, partnerId, period);
  const inForce = await programInForce(db, new Date(period.to.getTime() - 1), preset);
  const documents = new Map((await programHistory(db)).map((v) => [v.version, v.document]));
  const rows = lines.map((line): StatementRow => {
    const rule = documents.get(line.program_version ?? -1)?.rewards.find((r) => r.id === line.rule_id);
    return {
      kind: line.kind,
      date: line.at,
      paymentId: line.external_id,
      clientAccountId: Number(line.client_account_id),
      channel: line.channel,
      grossMinor: line.gross,
      rateBps: line.rate_bps,
      commissionMinor: line.amount,
      payable: line.payable,
      reason: line.reason ?? undefined,
      calculation: calculationInWords(
        line.kind === 'payment'
          ? {
              kind: 'payment',
              grossMinor: line.gross,
              rateBps: line.rate_bps,
              commissionMinor: line.amount,
              calculation: line.calculation,
            }
          : {
              kind: 'refund',
              refundMinor: line.gross,
              paymentGrossMinor: line.payment_gross,
              commissionMinor: line.commission,
              reversalMinor: line.amount,
            },
        rule?.title.ru,
      ),
    };
  });
  // Seed 004's rebates and bounties are rewards of the period too, each with its calculation.
  const bountyTitle = (id: string) => inForce.document.bounties?.find((b) => b.id === id)?.title.ru;
  const extras = await statementRowsOf(db, partnerId, period, bountyTitle);
  const byDate = (row: StatementRow) => new Date(row.date).getTime();
  return {
    rows: [...rows, ...extras].sort((a, b) => byDate(a) - byDate(b)),
    program: { title: inForce.document.title.ru, terms: termsInWords(inForce.document) },
  };
}
