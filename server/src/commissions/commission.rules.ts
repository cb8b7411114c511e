/**
 * The money rules (DOMAIN.md rules 14–18) as pure functions over bigint kopecks and integer basis points.
 * Rounding happens in exactly one place, `divideRounded` (shared/money.ts), half away from zero to the kopeck.
 */
import { divideRounded } from '../../../shared/money';
import { formatPercent, formatRub } from '../documents/money-words';
import { DAY_MS } from '../instants';

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
 * a full refund reverses exactly the whole commission. `inFull`: the program reverses the whole reward on any
 * refund within its guarantee period (seed 000's 30 days, `policies.fullReversalWithinDays`).
 */
export function reversalFor(input: {
  commissionMinor: bigint;
  grossMinor: bigint;
  refundedBeforeMinor: bigint;
  refundMinor: bigint;
  reversedBeforeMinor: bigint;
  inFull?: boolean;
}): bigint {
  const refundedTotal = input.refundedBeforeMinor + input.refundMinor;
  if (input.refundMinor <= 0n) throw new RangeError('refund must be positive');
  if (refundedTotal > input.grossMinor) throw new RangeError('refund exceeds the payment');
  const totalReversal =
    input.inFull || refundedTotal === input.grossMinor
      ? input.commissionMinor
      : divideRounded(input.commissionMinor * refundedTotal, input.grossMinor);
  return totalReversal - input.reversedBeforeMinor;
}

/**
 * A statement line's calculation in words. A payment: the rule's title (from its program version) and the
 * engine's calculation; a reward made before the engine stored one is worked out from its rate. A refund: what
 * it took back and from what, and a full reversal of a partial refund is said to be the guarantee's.
 */
export function calculationInWords(
  line:
    | {
        kind: 'payment';
        grossMinor: bigint;
        rateBps: number;
        commissionMinor: bigint;
        calculation: string | null;
      }
    | {
        kind: 'refund';
        refundMinor: bigint;
        paymentGrossMinor: bigint;
        commissionMinor: bigint;
        reversalMinor: bigint;
      },
  ruleTitle?: string,
): string {
  if (line.kind === 'refund') {
    const base =
      `Возврат ${formatRub(line.refundMinor)} из ${formatRub(line.paymentGrossMinor)}: вознаграждение ` +
      `${formatRub(line.commissionMinor)} уменьшено на ${formatRub(line.reversalMinor)}`;
    const inFull = line.reversalMinor === line.commissionMinor && line.refundMinor < line.paymentGrossMinor;
    return inFull ? `${base} — полностью, возврат в гарантийный срок` : base;
  }
  const calculation =
    line.calculation ??
    `${formatRub(line.grossMinor)} × ${formatPercent(line.rateBps)} = ${formatRub(line.commissionMinor)}`;
  return ruleTitle && !calculation.startsWith(ruleTitle) ? `${ruleTitle}: ${calculation}` : calculation;
}

/**
 * Whether a refund falls within the program's guarantee period, counted from the payment: `days` × 24 h after
 * `paidAt`, inclusive. No period (`undefined`): never.
 */
export function withinGuarantee(paidAt: Date, refundedAt: Date, days: number | undefined): boolean {
  if (days === undefined) return false;
  return refundedAt.getTime() - paidAt.getTime() <= days * DAY_MS;
}

/**
 * The vendor's net invoice for a partner_net sale (rule 15): the client's price minus the partner's reward,
 * the reward being the sum of the lines the program gives that sale (none: the partner pays the full price).
 */
export function netInvoiceFor(
  grossMinor: bigint,
  rewards: readonly Pick<PartnerRewardLine, 'amountMinor'>[],
): { rewardMinor: bigint; amountMinor: bigint } {
  const rewardMinor = rewards.reduce((sum, line) => sum + line.amountMinor, 0n);
  return { rewardMinor, amountMinor: grossMinor - rewardMinor };
}

/**
 * How much of a partner's payable balance a payout run may invoice: the balance minus rewards still in their
 * hold period, and nothing below the minimum. A negative balance (clawback) yields nothing. The rule as it is
 * read: a payout run decides it in the database (`payouts/payout.repository.ts` › `payoutAmountSql`), which
 * test/db/payout-run.test.ts holds to this function.
 */
export function payoutAmount(input: {
  payableMinor: bigint;
  heldMinor: bigint;
  minPayoutMinor: bigint;
}): bigint {
  const eligible = input.payableMinor - input.heldMinor;
  return eligible >= input.minPayoutMinor && eligible > 0n ? eligible : 0n;
}

/** What the reward engine gives the payment's partner, line by line (`programs/program.rules.ts`). */
export interface PartnerRewardLine {
  ruleId: string;
  rateBps: number;
  amountMinor: bigint;
  payable: boolean;
  reason: string | null;
  calculation: string;
}

/**
 * The payment's one commission from the partner's reward lines. The two shipped presets give one line, kept
 * as it is. Several lines (a welcome bonus beside the recurring rate) are added up: the rate shown is the
 * total over the gross, the calculation lists each line, and the commission is payable only if every line
 * is (otherwise it carries the first line's reason), so nothing not payable is ever paid out.
 */
export function oneCommission(
  lines: readonly PartnerRewardLine[],
  grossMinor: bigint,
): {
  ruleId: string;
  rateBps: number;
  commissionMinor: bigint;
  payable: boolean;
  reason: string | null;
  calculation: string;
} {
  const [first, ...rest] = lines;
  if (!first) throw new RangeError('a commission needs at least one reward line');
  if (rest.length === 0) {
    const { ruleId, rateBps, amountMinor, payable, reason, calculation } = first;
    return { ruleId, rateBps, commissionMinor: amountMinor, payable, reason, calculation };
  }
  const commissionMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0n);
  const payable = lines.every((line) => line.payable);
  return {
    ruleId: lines.map((line) => line.ruleId).join('+'),
    rateBps: grossMinor > 0n ? Number(divideRounded(commissionMinor * BPS_DENOMINATOR, grossMinor)) : 0,
    commissionMinor,
    payable,
    reason: payable ? null : (lines.find((line) => !line.payable)!.reason ?? 'not_payable'),
    calculation: lines.map((line) => line.calculation).join('; '),
  };
}
