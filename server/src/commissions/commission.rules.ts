/**
 * The money rules (DOMAIN.md rules 14–18) as pure functions over bigint kopecks and integer basis points.
 * Rounding happens in exactly one place, `divideRounded` (shared/money.ts), half away from zero to the kopeck.
 */
import { divideRounded } from '../../../shared/money';

export { divideRounded };
export const BPS_DENOMINATOR = 10_000n;

/** The commission on one payment: gross × rate, rounded once. */
export function commissionFor(grossMinor: bigint, rateBps: number): bigint {
  if (grossMinor < 0n) throw new RangeError('gross must not be negative');
  if (!Number.isInteger(rateBps) || rateBps < 0 || rateBps > 10_000)
    throw new RangeError('rate must be 0..10000 bps');
  return divideRounded(grossMinor * BigInt(rateBps), BPS_DENOMINATOR);
}

/**
 * Rule 17: a refund reverses the commission in proportion to the refunded amount. The total reversal is
 * recomputed from the cumulative refund each time, so several partial refunds never drift by a kopeck and
 * a full refund reverses exactly the whole commission.
 */
export function reversalFor(input: {
  commissionMinor: bigint;
  grossMinor: bigint;
  refundedBeforeMinor: bigint;
  refundMinor: bigint;
  reversedBeforeMinor: bigint;
}): bigint {
  const refundedTotal = input.refundedBeforeMinor + input.refundMinor;
  if (input.refundMinor <= 0n) throw new RangeError('refund must be positive');
  if (refundedTotal > input.grossMinor) throw new RangeError('refund exceeds the payment');
  const totalReversal =
    refundedTotal === input.grossMinor
      ? input.commissionMinor
      : divideRounded(input.commissionMinor * refundedTotal, input.grossMinor);
  return totalReversal - input.reversedBeforeMinor;
}

/** The vendor's net invoice for a partner_net sale (rule 15): the client's price minus the partner's reward. */
export function netInvoiceFor(
  grossMinor: bigint,
  rateBps: number,
): { rewardMinor: bigint; amountMinor: bigint } {
  const rewardMinor = commissionFor(grossMinor, rateBps);
  return { rewardMinor, amountMinor: grossMinor - rewardMinor };
}

/**
 * How much of a partner's payable balance a payout run may invoice: the balance minus rewards still in their
 * hold period, and nothing below the minimum. A negative balance (clawback) yields nothing.
 */
export function payoutAmount(input: {
  payableMinor: bigint;
  heldMinor: bigint;
  minPayoutMinor: bigint;
}): bigint {
  const eligible = input.payableMinor - input.heldMinor;
  return eligible >= input.minPayoutMinor && eligible > 0n ? eligible : 0n;
}
