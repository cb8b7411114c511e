import type { AccountRef } from './ledger';

/**
 * The chart of accounts, seen from the vendor's books. Partner accounts carry the partner id so a
 * partner's balances can be listed directly.
 * - `partner:<id>:payable` (liability): rewards the vendor owes the partner; payouts debit it; a refund after
 *   a payout takes it below zero (clawback) and later rewards net against it.
 * - `partner:<id>:not_payable` (liability, memo): rewards recorded but not payable (no contract, individual).
 * - `vendor:*`: the vendor's side of each posting.
 */
export const accounts = {
  commissionExpense: { code: 'vendor:commission_expense' } as AccountRef,
  compensationExpense: { code: 'vendor:dispute_compensation_expense' } as AccountRef,
  cash: { code: 'vendor:cash' } as AccountRef,
  partnerPayable: (partnerId: string): AccountRef => ({ code: `partner:${partnerId}:payable`, partnerId }),
  partnerNotPayable: (partnerId: string): AccountRef => ({
    code: `partner:${partnerId}:not_payable`,
    partnerId,
  }),
};
