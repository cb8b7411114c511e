import type { AccountRef } from './ledger';

/**
 * The chart of accounts, seen from the vendor's books. Partner accounts carry the partner id so a
 * partner's balances can be listed directly.
 * - `partner:<id>:payable` (liability): rewards the vendor owes the partner; reward invoices debit it; a refund
 *   after a payout takes it below zero (clawback) and later rewards net against it.
 * - `partner:<id>:not_payable` (liability, memo): rewards recorded but not payable (no contract, individual).
 * - `partner:<id>:kept` (memo): partner_net rewards the partner kept by paying the net invoice; never paid out.
 * - `partner:<id>:invoiced` (liability): rewards on an issued reward invoice, awaiting the vendor's payment.
 * - `partner:<id>:receivable` (asset): net invoices the partner owes the vendor.
 * - `partner:<id>:discount_credit` (liability): one-time discounts owed to a partner that pays for itself (seed
 *   004: a White Label partner's rebates), for the vendor's billing to apply.
 * - `client:<accountId>:points` (liability): points of an amoCRM account — the new client's side of a two-sided
 *   reward, or a referrer's reward in points (seed 002) — until billing reports them spent; a refund claws back.
 * - `vendor:*`: the vendor's side of each posting.
 */
const partnerAccount =
  (name: string) =>
  (partnerId: string): AccountRef => ({ code: `partner:${partnerId}:${name}`, partnerId });

export const accounts = {
  /**
   * The vendor's commission expense, kept per partner (`vendor:commission_expense:<partnerId>`): one global
   * expense row would be locked by every payment until commit and serialise all ingestion (measured in
   * docs/BENCHMARKS.md). The vendor's total expense is the sum over these accounts.
   */
  commissionExpense: (partnerId: string): AccountRef => ({ code: `vendor:commission_expense:${partnerId}` }),
  compensationExpense: { code: 'vendor:dispute_compensation_expense' } as AccountRef,
  cash: { code: 'vendor:cash' } as AccountRef,
  netSales: { code: 'vendor:net_sales' } as AccountRef,
  /** Rewards a partner blocked for a violation lost (income of the vendor; seed 000). */
  forfeitedRewards: { code: 'vendor:forfeited_rewards' } as AccountRef,
  /** What the vendor gave new clients as their side of a referral (points, discounts; seed 002). */
  clientRewardExpense: { code: 'vendor:client_reward_expense' } as AccountRef,
  /** Purchases paid with points: revenue the vendor did not take in money. */
  pointsRedeemed: { code: 'vendor:points_redeemed' } as AccountRef,
  /** Friends' first-purchase discounts given (seed 002's MIF): revenue the vendor gave up on those purchases. */
  referralDiscountsGiven: { code: 'vendor:referral_discounts_given' } as AccountRef,
  clientReward: (clientAccountId: number, form: 'points'): AccountRef => ({
    code: `client:${clientAccountId}:${form}`,
  }),
  /** Rebates per partner, like commissions: one global row would serialise a settlement run's postings. */
  settlementExpense: (partnerId: string): AccountRef => ({ code: `vendor:settlement_expense:${partnerId}` }),
  bountyExpense: { code: 'vendor:bounty_expense' } as AccountRef,
  partnerDiscountCredit: partnerAccount('discount_credit'),
  partnerPayable: partnerAccount('payable'),
  partnerNotPayable: partnerAccount('not_payable'),
  partnerKept: partnerAccount('kept'),
  partnerInvoiced: partnerAccount('invoiced'),
  partnerReceivable: partnerAccount('receivable'),
};
