import { convert } from 'number-to-words-ru';

/**
 * Money and rate formatting for Russian documents. All functions take integer kopecks as `bigint`
 * and never pass an amount through a float, so any amount prints exactly.
 */

/** The no-break space used between digit groups and before units, so an amount never wraps. */
export const NBSP = '\u00a0';

function splitKopecks(minor: bigint): { negative: boolean; rubles: bigint; kopecks: bigint } {
  const negative = minor < 0n;
  const magnitude = negative ? -minor : minor;
  return { negative, rubles: magnitude / 100n, kopecks: magnitude % 100n };
}

function groupThousands(digits: string, separator: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** The amount as a decimal string with a dot and two decimals, `1200000n` → `"12000.00"`. */
export function toDecimalString(minor: bigint): string {
  const { negative, rubles, kopecks } = splitKopecks(minor);
  return `${negative ? '-' : ''}${rubles}.${kopecks.toString().padStart(2, '0')}`;
}

/**
 * The amount in words as printed under an invoice total:
 * `1200000n` → «Двенадцать тысяч рублей 00 копеек».
 */
export function amountInWords(minor: bigint): string {
  return convert(toDecimalString(minor), { currency: 'rub' });
}

/** `1200000n` → «12 000,00» (digit groups separated by no-break spaces), for tables. */
export function formatAmount(minor: bigint): string {
  const { negative, rubles, kopecks } = splitKopecks(minor);
  const grouped = groupThousands(rubles.toString(), NBSP);
  return `${negative ? '-' : ''}${grouped},${kopecks.toString().padStart(2, '0')}`;
}

/** `1200000n` → «12 000,00 ₽» (no-break spaces), the way ru-RU writes a ruble amount. */
export function formatRub(minor: bigint): string {
  return `${formatAmount(minor)}${NBSP}₽`;
}

/**
 * `1200000n` → «12000,00»: no digit grouping and a decimal comma, which Russian Excel reads as a
 * number (a grouped amount would be read as text).
 */
export function formatAmountForSpreadsheet(minor: bigint): string {
  return formatAmount(minor).split(NBSP).join('');
}

/** Basis points as a percentage number: `4000` → «40», `3750` → «37,5», `3333` → «33,33». */
export function formatRateBps(rateBps: number): string {
  if (!Number.isSafeInteger(rateBps)) {
    throw new RangeError(`rateBps must be an integer, got ${rateBps}`);
  }
  const negative = rateBps < 0;
  const magnitude = Math.abs(rateBps);
  const whole = Math.trunc(magnitude / 100);
  const fraction = (magnitude % 100).toString().padStart(2, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `,${fraction}` : ''}`;
}

/** `4000` → «40 %» with a no-break space, as Russian typography writes percentages. */
export function formatPercent(rateBps: number): string {
  return `${formatRateBps(rateBps)}${NBSP}%`;
}
