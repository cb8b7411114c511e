/**
 * The one rounding function of the program (DOMAIN.md rule 18): `numerator / denominator` rounded half away
 * from zero to a whole minor unit. Commissions, reversals and the VAT printed on invoices all round here.
 */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const quotient = (abs * 2n + denominator) / (2n * denominator);
  return negative ? -quotient : quotient;
}
