import { postingProblem } from './ledger.rules';
import type { PostingInput } from './ledger';
import {
  commissionAccrued,
  commissionReversed,
  balanceForfeited,
  clientRewardAccrued,
  clientRewardReversed,
  disputeCompensated,
  bountyRecorded,
  pointsRedeemed,
  settlementPosted,
  invoicePaid,
  netInvoiceIssued,
  POSTING_KINDS,
  rewardInvoiced,
} from './postings';

const P = 'ptn_recipe000001';
const at = new Date('2026-03-01T09:00:00Z');
const RUB = 'RUB';

/** A posting as `account side amount` lines, so the table reads like a journal. */
const journal = (p: PostingInput) => p.entries.map((e) => `${e.account.code} ${e.side} ${e.amountMinor}`);

// Worked amounts from the program (DOMAIN.md): 12 000.00 ₽ paid at 40 % is a 4 800.00 ₽ commission; a
// 3 000.00 ₽ refund of it reverses 1 200.00 ₽; a 10 000.00 ₽ net sale at 50 % is a 5 000.00 ₽ net invoice.
const cases: Array<[string, PostingInput, { key: string; kind: string; lines: string[] }]> = [
  [
    'commission, vendor_direct, payable',
    commissionAccrued({
      commissionId: 'com_1',
      paymentId: 'pay_1',
      clientAccountId: 91000001,
      partnerId: P,
      channel: 'vendor_direct',
      payable: true,
      amountMinor: 480_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'commission:com_1',
      kind: 'commission',
      lines: [`vendor:commission_expense:${P} debit 480000`, `partner:${P}:payable credit 480000`],
    },
  ],
  [
    'commission, vendor_direct, not payable (no contract)',
    commissionAccrued({
      commissionId: 'com_2',
      paymentId: 'pay_2',
      clientAccountId: 91000002,
      partnerId: P,
      channel: 'vendor_direct',
      payable: false,
      amountMinor: 480_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'commission:com_2',
      kind: 'commission',
      lines: [`vendor:commission_expense:${P} debit 480000`, `partner:${P}:not_payable credit 480000`],
    },
  ],
  [
    'commission, partner_net: kept by the partner',
    commissionAccrued({
      commissionId: 'com_3',
      paymentId: 'pay_3',
      clientAccountId: 91000003,
      partnerId: P,
      channel: 'partner_net',
      payable: false,
      amountMinor: 500_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'commission:com_3',
      kind: 'commission',
      lines: [`vendor:commission_expense:${P} debit 500000`, `partner:${P}:kept credit 500000`],
    },
  ],
  [
    'reversal of a payable commission',
    commissionReversed({
      refundId: 'rfd_1',
      paymentId: 'pay_1',
      commissionId: 'com_1',
      partnerId: P,
      channel: 'vendor_direct',
      payable: true,
      amountMinor: 120_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'refund:rfd_1:reversal',
      kind: 'commission_reversal',
      lines: [`partner:${P}:payable debit 120000`, `vendor:commission_expense:${P} credit 120000`],
    },
  ],
  [
    'reversal of a not-payable commission',
    commissionReversed({
      refundId: 'rfd_2',
      paymentId: 'pay_2',
      commissionId: 'com_2',
      partnerId: P,
      channel: 'vendor_direct',
      payable: false,
      amountMinor: 120_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'refund:rfd_2:reversal',
      kind: 'commission_reversal',
      lines: [`partner:${P}:not_payable debit 120000`, `vendor:commission_expense:${P} credit 120000`],
    },
  ],
  [
    'reversal of a kept partner_net reward: clawed back from payable',
    commissionReversed({
      refundId: 'rfd_3',
      paymentId: 'pay_3',
      commissionId: 'com_3',
      partnerId: P,
      channel: 'partner_net',
      payable: false,
      amountMinor: 250_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'refund:rfd_3:reversal',
      kind: 'commission_reversal',
      lines: [`partner:${P}:payable debit 250000`, `vendor:commission_expense:${P} credit 250000`],
    },
  ],
  [
    'net invoice issued',
    netInvoiceIssued({
      invoiceId: 'inv_1',
      partnerId: P,
      clientAccountId: 91000050,
      amountMinor: 500_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'invoice:inv_1:issued',
      kind: 'net_invoice_issued',
      lines: [`partner:${P}:receivable debit 500000`, 'vendor:net_sales credit 500000'],
    },
  ],
  [
    'net invoice paid',
    invoicePaid({
      invoiceId: 'inv_1',
      invoiceKind: 'net',
      partnerId: P,
      method: 'bank',
      amountMinor: 500_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'invoice:inv_1:paid',
      kind: 'net_invoice_paid',
      lines: ['vendor:cash debit 500000', `partner:${P}:receivable credit 500000`],
    },
  ],
  [
    'reward invoice of a payout run',
    rewardInvoiced({
      payoutRunId: 'pr_2026-03-10',
      invoiceId: 'inv_2',
      partnerId: P,
      amountMinor: 360_000n,
      currency: RUB,
      at,
    }),
    {
      key: `payout_run:pr_2026-03-10:${P}`,
      kind: 'reward_invoice',
      lines: [`partner:${P}:payable debit 360000`, `partner:${P}:invoiced credit 360000`],
    },
  ],
  [
    'reward invoice paid',
    invoicePaid({
      invoiceId: 'inv_2',
      invoiceKind: 'reward',
      partnerId: P,
      method: 'card',
      amountMinor: 360_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'invoice:inv_2:paid',
      kind: 'reward_invoice_paid',
      lines: [`partner:${P}:invoiced debit 360000`, 'vendor:cash credit 360000'],
    },
  ],
  [
    'dispute compensation',
    disputeCompensated({ disputeId: 'dsp_1', partnerId: P, amountMinor: 150_000n, currency: RUB, at }),
    {
      key: 'dispute:dsp_1:compensation',
      kind: 'dispute_compensation',
      lines: ['vendor:dispute_compensation_expense debit 150000', `partner:${P}:payable credit 150000`],
    },
  ],
  [
    // Seed 000: 3 000 ₽ payable, nothing not payable, and a 3 000 ₽ reward invoice not yet paid.
    'balance forfeited on a block without payout (zero parts left out)',
    balanceForfeited({
      forfeitId: `${P}:1`,
      partnerId: P,
      payableMinor: 300_000n,
      notPayableMinor: 0n,
      invoicedMinor: 300_000n,
      currency: RUB,
      reason: 'Покупка по собственной ссылке',
      cancelledInvoiceIds: ['inv_1'],
      at,
    }),
    {
      key: `forfeit:${P}:1`,
      kind: 'balance_forfeited',
      lines: [
        `partner:${P}:payable debit 300000`,
        'vendor:forfeited_rewards credit 300000',
        `partner:${P}:invoiced debit 300000`,
        'vendor:forfeited_rewards credit 300000',
      ],
    },
  ],
  [
    // Seed 002's referral preset: a first order of 699 ₽ gives the new client 400 ₽ in points.
    'client reward: points for the new client',
    clientRewardAccrued({
      clientRewardId: 'crw_1',
      paymentId: 'pay_9',
      clientAccountId: 91000009,
      form: 'points',
      amountMinor: 40_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'client_reward:crw_1',
      kind: 'client_reward',
      lines: ['vendor:client_reward_expense debit 40000', 'client:91000009:points credit 40000'],
    },
  ],
  [
    // The 699 ₽ order refunded in full takes the 400 ₽ back.
    'client reward reversed by a refund',
    clientRewardReversed({
      clientRewardId: 'crw_1',
      refundId: 'rfd_9',
      clientAccountId: 91000009,
      form: 'points',
      amountMinor: 40_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'refund:rfd_9:client_reward:crw_1',
      kind: 'client_reward_reversal',
      lines: ['client:91000009:points debit 40000', 'vendor:client_reward_expense credit 40000'],
    },
  ],
  [
    // Points pay at most 20 % of a 1 000 ₽ purchase: 200 ₽.
    'points redeemed on a purchase',
    pointsRedeemed({
      redemptionId: 'ptr_1',
      clientAccountId: 91000009,
      amountMinor: 20_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'points_redemption:ptr_1',
      kind: 'points_redeemed',
      lines: ['client:91000009:points debit 20000', 'vendor:points_redeemed credit 20000'],
    },
  ],
  [
    // A referrer's 5 % share (20 ₽ of a 400 ₽ reward) reversed by the same refund: keyed by its commission.
    "commission reversal of a referrer's share",
    commissionReversed({
      refundId: 'rfd_9',
      paymentId: 'pay_9',
      commissionId: 'com_9',
      partnerId: P,
      channel: 'vendor_direct',
      payable: true,
      uplineDepth: 1,
      amountMinor: 2_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'refund:rfd_9:reversal:com_9',
      kind: 'commission_reversal',
      lines: [`partner:${P}:payable debit 2000`, `vendor:commission_expense:${P} credit 2000`],
    },
  ],
  [
    // Seed 004's growth rebate: Q1 200 000 ₽ → Q2 260 000 ₽, 30 % of the 60 000 ₽ growth, paid out (Agent).
    'settlement: a growth rebate paid out',
    settlementPosted({
      settlementRowId: 'stl_1',
      revision: 1,
      partnerId: P,
      form: 'payout',
      payable: true,
      deltaMinor: 1_800_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'settlement:stl_1:1',
      kind: 'settlement',
      lines: [`vendor:settlement_expense:${P} debit 1800000`, `partner:${P}:payable credit 1800000`],
    },
  ],
  [
    // A back-dated refund lowered the half-year: the recompute takes 2 000 ₽ back from a White Label's discount.
    'settlement revised down, as a one-time discount',
    settlementPosted({
      settlementRowId: 'stl_2',
      revision: 2,
      partnerId: P,
      form: 'one_time_discount',
      payable: false,
      deltaMinor: -200_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'settlement:stl_2:2',
      kind: 'settlement',
      lines: [`partner:${P}:discount_credit debit 200000`, `vendor:settlement_expense:${P} credit 200000`],
    },
  ],
  [
    // Seed 004: a published case study, 40 000 ₽.
    'bounty for a published case',
    bountyRecorded({
      bountyRowId: 'bty_1',
      partnerId: P,
      payable: true,
      amountMinor: 4_000_000n,
      currency: RUB,
      at,
    }),
    {
      key: 'bounty:bty_1',
      kind: 'bounty',
      lines: ['vendor:bounty_expense debit 4000000', `partner:${P}:payable credit 4000000`],
    },
  ],
];

describe('posting recipes', () => {
  it.each(cases)('%s', (_name, posting, expected) => {
    expect({ key: posting.key, kind: posting.kind, lines: journal(posting) }).toEqual(expected);
    expect(postingProblem(posting.entries)).toBeNull();
    expect(posting.effectiveAt).toBe(at);
    expect(posting.entries.every((e) => e.currency === RUB)).toBe(true);
  });

  it('covers every posting kind', () => {
    expect(new Set(cases.map(([, p]) => p.kind))).toEqual(new Set(POSTING_KINDS));
  });
});
