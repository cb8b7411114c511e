import type { Channel } from '../db/schema';
import { accounts } from './chart';
import type { AccountRef, EntryInput, PostingInput } from './ledger';

/**
 * Every kind of posting the books know, closed: the schema's `ledger_postings.kind`, the recipes below and the
 * balance figures (commission.repository's partnerLedgerSums) share this union, so a misspelt kind is a type
 * error instead of a silent zero in a balance.
 */
export const POSTING_KINDS = [
  /** A commission accrued on a client payment (rule 14). */
  'commission',
  /** (Part of) a commission reversed by a refund (rule 17). */
  'commission_reversal',
  /** A net invoice issued to the partner: it owes the vendor the price net of its reward (rule 15). */
  'net_invoice_issued',
  /** The partner paid its net invoice. */
  'net_invoice_paid',
  /** A payout run moved payable rewards onto a reward invoice (rule 18). */
  'reward_invoice',
  /** The vendor paid a reward invoice. */
  'reward_invoice_paid',
  /** A decided dispute compensates the partner (rule 12). */
  'dispute_compensation',
  /** A partner blocked for a violation loses what it was still owed (seed 000, `forfeitOnBlock`). */
  'balance_forfeited',
  /** The new client's side of a two-sided reward: points or a discount owed to the client (seed 002). */
  'client_reward',
  /** (Part of) a client's reward taken back by a refund of the payment that earned it. */
  'client_reward_reversal',
  /** The client paid part of a purchase with its points (billing's redemption report). */
  'points_redeemed',
  /** A partner's settlement of a period (seed 004's rebates), or the difference a recompute found. */
  'settlement',
  /** A bounty for a partner's publication, recorded by an admin (seed 004). */
  'bounty',
] as const;
export type PostingKind = (typeof POSTING_KINDS)[number];

/**
 * The money path as named recipes: each pure function turns one business event into its balanced posting —
 * key, kind, reason and the debit/credit pair. Services write what these return (ledger.service's `post`);
 * nothing else builds entries, so where money moves, and why, is read in this one file.
 */

interface Money {
  amountMinor: bigint;
  currency: string;
}

function pair(debit: AccountRef, credit: AccountRef, money: Money): EntryInput[] {
  return [
    { account: debit, side: 'debit', amountMinor: money.amountMinor, currency: money.currency },
    { account: credit, side: 'credit', amountMinor: money.amountMinor, currency: money.currency },
  ];
}

/**
 * Where a commission is credited (`on: 'accrual'`): points on the partner's own account (seed 002), rewards the
 * partner kept (partner_net), payable rewards, or memo rewards not payable. A reversal is debited from the same
 * account, but for a kept reward: that is money the partner already has, like a paid-out reward, so its reversal
 * is clawed back from the payable balance (rule 17), netting against later rewards.
 */
function commissionAccount(
  event: Pick<CommissionFacts, 'partnerId' | 'channel' | 'payable' | 'pointsAccountId'>,
  on: 'accrual' | 'reversal',
): AccountRef {
  const { partnerId, channel, payable, pointsAccountId } = event;
  if (pointsAccountId) return accounts.clientReward(pointsAccountId, 'points');
  if (channel === 'partner_net')
    return on === 'accrual' ? accounts.partnerKept(partnerId) : accounts.partnerPayable(partnerId);
  return payable ? accounts.partnerPayable(partnerId) : accounts.partnerNotPayable(partnerId);
}

/** The commission a posting is about: its payment, partner, channel and payability decide the accounts. */
interface CommissionFacts extends Money {
  commissionId: string;
  paymentId: string;
  partnerId: string;
  channel: Channel;
  payable: boolean;
  /** A reward in points: the partner's amoCRM account credited (and debited by a reversal) instead of money. */
  pointsAccountId?: number | null;
  at: Date;
}

export function commissionAccrued(event: CommissionFacts & { clientAccountId: number }): PostingInput {
  return {
    key: `commission:${event.commissionId}`,
    kind: 'commission',
    reason: {
      paymentId: event.paymentId,
      commissionId: event.commissionId,
      clientAccountId: event.clientAccountId,
    },
    effectiveAt: event.at,
    entries: pair(accounts.commissionExpense(event.partnerId), commissionAccount(event, 'accrual'), event),
  };
}

/**
 * A refund's reversal of one commission. The attributed partner's keeps the key it always had; a referrer's share
 * on the same payment (`uplineDepth`) is keyed by its commission too, so one refund posts one reversal each.
 */
export function commissionReversed(
  event: CommissionFacts & { refundId: string; uplineDepth?: number | null },
): PostingInput {
  return {
    key: `refund:${event.refundId}:reversal${event.uplineDepth ? `:${event.commissionId}` : ''}`,
    kind: 'commission_reversal',
    reason: { refundId: event.refundId, paymentId: event.paymentId, commissionId: event.commissionId },
    effectiveAt: event.at,
    entries: pair(commissionAccount(event, 'reversal'), accounts.commissionExpense(event.partnerId), event),
  };
}

export function netInvoiceIssued(
  event: Money & { invoiceId: string; partnerId: string; clientAccountId: number; at: Date },
): PostingInput {
  return {
    key: `invoice:${event.invoiceId}:issued`,
    kind: 'net_invoice_issued',
    reason: { invoiceId: event.invoiceId, clientAccountId: event.clientAccountId },
    effectiveAt: event.at,
    entries: pair(accounts.partnerReceivable(event.partnerId), accounts.netSales, event),
  };
}

export function rewardInvoiced(
  event: Money & { payoutRunId: string; invoiceId: string; partnerId: string; at: Date },
): PostingInput {
  return {
    key: `payout_run:${event.payoutRunId}:${event.partnerId}`,
    kind: 'reward_invoice',
    reason: { payoutRunId: event.payoutRunId, invoiceId: event.invoiceId },
    effectiveAt: event.at,
    entries: pair(accounts.partnerPayable(event.partnerId), accounts.partnerInvoiced(event.partnerId), event),
  };
}

/** A reward invoice paid by the vendor settles what was invoiced; a net invoice paid settles the receivable. */
export function invoicePaid(
  event: Money & {
    invoiceId: string;
    invoiceKind: 'net' | 'reward';
    partnerId: string;
    method: 'bank' | 'card';
    at: Date;
  },
): PostingInput {
  return {
    key: `invoice:${event.invoiceId}:paid`,
    kind: event.invoiceKind === 'reward' ? 'reward_invoice_paid' : 'net_invoice_paid',
    reason: { invoiceId: event.invoiceId, method: event.method },
    effectiveAt: event.at,
    entries:
      event.invoiceKind === 'reward'
        ? pair(accounts.partnerInvoiced(event.partnerId), accounts.cash, event)
        : pair(accounts.cash, accounts.partnerReceivable(event.partnerId), event),
  };
}

/** Rule 12: the vendor compensates the partner's loss; the dispute is the posting's reason. */
export function disputeCompensated(
  event: Money & { disputeId: string; partnerId: string; at: Date },
): PostingInput {
  return {
    key: `dispute:${event.disputeId}:compensation`,
    kind: 'dispute_compensation',
    reason: { disputeId: event.disputeId },
    effectiveAt: event.at,
    entries: pair(accounts.compensationExpense, accounts.partnerPayable(event.partnerId), event),
  };
}

/**
 * Seed 000: a partner blocked for a violation is blocked without payout. What the vendor still owed it — payable
 * rewards, rewards held as not payable, and rewards on reward invoices not yet paid (which are cancelled) — goes
 * to the vendor's forfeited rewards, with the admin's reason. Parts that are zero are left out.
 */
export function balanceForfeited(event: {
  forfeitId: string;
  partnerId: string;
  payableMinor: bigint;
  notPayableMinor: bigint;
  invoicedMinor: bigint;
  currency: string;
  reason: string;
  cancelledInvoiceIds: string[];
  at: Date;
}): PostingInput {
  const parts: Array<[AccountRef, bigint]> = [
    [accounts.partnerPayable(event.partnerId), event.payableMinor],
    [accounts.partnerNotPayable(event.partnerId), event.notPayableMinor],
    [accounts.partnerInvoiced(event.partnerId), event.invoicedMinor],
  ];
  return {
    key: `forfeit:${event.forfeitId}`,
    kind: 'balance_forfeited',
    reason: {
      partnerId: event.partnerId,
      reason: event.reason,
      cancelledInvoiceIds: event.cancelledInvoiceIds,
    },
    effectiveAt: event.at,
    entries: parts
      .filter(([, amountMinor]) => amountMinor > 0n)
      .flatMap(([account, amountMinor]) =>
        pair(account, accounts.forfeitedRewards, { amountMinor, currency: event.currency }),
      ),
  };
}

type ClientRewardForm = 'points' | 'discount';

/**
 * Seed 002: the new client's side of a referral. Points are owed to the client's account until billing reports
 * them spent; a discount was given on the purchase that earned it, so it is the vendor's revenue given up.
 */
export function clientRewardAccrued(
  event: Money & {
    clientRewardId: string;
    paymentId: string;
    clientAccountId: number;
    form: ClientRewardForm;
    at: Date;
  },
): PostingInput {
  return {
    key: `client_reward:${event.clientRewardId}`,
    kind: 'client_reward',
    reason: { paymentId: event.paymentId, clientRewardId: event.clientRewardId },
    effectiveAt: event.at,
    entries: pair(accounts.clientRewardExpense, clientRewardAccount(event), event),
  };
}

function clientRewardAccount(event: { clientAccountId: number; form: ClientRewardForm }): AccountRef {
  return event.form === 'points'
    ? accounts.clientReward(event.clientAccountId, 'points')
    : accounts.referralDiscountsGiven;
}

/** A refund of the payment that earned a client reward takes back its share; spent points go below zero. */
export function clientRewardReversed(
  event: Money & {
    clientRewardId: string;
    refundId: string;
    clientAccountId: number;
    form: ClientRewardForm;
    at: Date;
  },
): PostingInput {
  return {
    key: `refund:${event.refundId}:client_reward:${event.clientRewardId}`,
    kind: 'client_reward_reversal',
    reason: { refundId: event.refundId, clientRewardId: event.clientRewardId },
    effectiveAt: event.at,
    entries: pair(clientRewardAccount(event), accounts.clientRewardExpense, event),
  };
}

/** Billing reports that a client paid part of a purchase with its points. */
export function pointsRedeemed(
  event: Money & { redemptionId: string; clientAccountId: number; at: Date },
): PostingInput {
  return {
    key: `points_redemption:${event.redemptionId}`,
    kind: 'points_redeemed',
    reason: { redemptionId: event.redemptionId, clientAccountId: event.clientAccountId },
    effectiveAt: event.at,
    entries: pair(accounts.clientReward(event.clientAccountId, 'points'), accounts.pointsRedeemed, event),
  };
}

/** Where a partner's settlement or bounty goes: money owed (payable or not), or a one-time discount credit. */
function partnerRewardAccount(event: {
  partnerId: string;
  form: 'payout' | 'one_time_discount';
  payable: boolean;
}): AccountRef {
  if (event.form === 'one_time_discount') return accounts.partnerDiscountCredit(event.partnerId);
  return event.payable
    ? accounts.partnerPayable(event.partnerId)
    : accounts.partnerNotPayable(event.partnerId);
}

/**
 * Seed 004: a rebate or growth rebate of one period, or — when an operator's recompute of the period found
 * another amount — the difference (`deltaMinor` below zero takes back what was too much). Keyed by the
 * settlement row and its revision, so a rerun that finds the same amount posts nothing.
 */
export function settlementPosted(event: {
  settlementRowId: string;
  revision: number;
  partnerId: string;
  form: 'payout' | 'one_time_discount';
  payable: boolean;
  deltaMinor: bigint;
  currency: string;
  at: Date;
}): PostingInput {
  const owed = partnerRewardAccount(event);
  const money = {
    amountMinor: event.deltaMinor < 0n ? -event.deltaMinor : event.deltaMinor,
    currency: event.currency,
  };
  return {
    key: `settlement:${event.settlementRowId}:${event.revision}`,
    kind: 'settlement',
    reason: { settlementRowId: event.settlementRowId, revision: event.revision },
    effectiveAt: event.at,
    entries:
      event.deltaMinor >= 0n
        ? pair(accounts.settlementExpense(event.partnerId), owed, money)
        : pair(owed, accounts.settlementExpense(event.partnerId), money),
  };
}

/** Seed 004: a bounty for a published case study or comment, owed to the partner. */
export function bountyRecorded(
  event: Money & { bountyRowId: string; partnerId: string; payable: boolean; at: Date },
): PostingInput {
  return {
    key: `bounty:${event.bountyRowId}`,
    kind: 'bounty',
    reason: { bountyRowId: event.bountyRowId },
    effectiveAt: event.at,
    entries: pair(accounts.bountyExpense, partnerRewardAccount({ ...event, form: 'payout' }), event),
  };
}
