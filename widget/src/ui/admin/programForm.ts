/**
 * The program form's text fields ↔ the program document (pure). Each field is named by its path in the
 * document (`rewards.0.amount.byChannelBps.vendor_direct`), the same path the server's 400 names, so a
 * server error lands on the field that caused it. What a user types is turned into bps, kopecks and
 * fractions on the digit string, never by float arithmetic (as format.ts parseAmountToMinor does).
 */
import { shiftDecimal } from '../../format';
import type { ProgramDoc } from '../../types';

/** How a field's text is read: a percent, roubles, a whole number, days of the month, a multiplier, words. */
export type Kind = 'bps' | 'rub' | 'int' | 'days' | 'mult' | 'text';

const KINDS: Record<string, Kind> = {
  daysOfMonth: 'days',
  minMinor: 'rub',
  holdDays: 'int',
  min: 'int',
  multiplier: 'mult',
  code: 'text',
  ru: 'text',
};

/** The last segment of a path (`…byChannelBps.vendor_direct` → `vendor_direct`), which names the field. */
export const leaf = (path: string) => path.slice(path.lastIndexOf('.') + 1);
/** Rates are the fields not named otherwise: `rateBps`, `defaultBps`, a channel, a product code. */
export const kindOf = (path: string): Kind => KINDS[leaf(path)] ?? 'bps';

/** `4050` with 2 digits → `"40,5"`: the decimal string without trailing zeros, with a comma. */
const decimal = (value: number, digits: number) =>
  shiftDecimal(value, digits)
    .replace(/\.?0+$/, '')
    .replace('.', ',');

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * `"40,5"` with 2 digits → 4050: a decimal typed with a comma or a point, spaces, `%` and `₽` ignored, turned
 * into an integer of `digits` decimals on the digit string; null when it is not one.
 */
export function parseFixed(text: string, digits: number): number | null {
  const [, whole, fraction = ''] = /^(\d{1,12})(?:[.,](\d+))?$/.exec(text.replace(/[\s%₽×]/g, '')) ?? [];
  return whole && fraction.length <= digits ? Number(whole + fraction.padEnd(digits, '0')) : null;
}

type Multiplier = { numerator: number; denominator: number };

/** `6/5` → `"1,2"`; `4/3`, which has no finite decimal, stays `"4/3"`. */
export function formatMultiplier({ numerator, denominator }: Multiplier): string {
  return 1000 % denominator ? `${numerator}/${denominator}` : decimal(numerator * (1000 / denominator), 3);
}

/**
 * A multiplier typed as a fraction (`4/3`), a factor (`1,2`) or a percent (`120 %`) → the reduced fraction
 * the document stores, or null when it is not one (the schema allows 1–1000 in each part).
 */
export function parseMultiplier(text: string): Multiplier | null {
  const fraction = /^(\d{1,4})\/(\d{1,4})$/.exec(text.replace(/\s/g, ''));
  let n = fraction ? Number(fraction[1]) : parseFixed(text, 3);
  let d = fraction ? Number(fraction[2]) : text.includes('%') ? 100_000 : 1000;
  if (!n) return null;
  const g = gcd(n, d);
  [n, d] = [n / g, d / g];
  return n <= 1000 && d <= 1000 ? { numerator: n, denominator: d } : null;
}

/** `"1, 15"` → [1, 15]: payout days, each 1–28 (every month has them), sorted, once each. */
export function parseDays(text: string): number[] | null {
  const days = text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((p) => (/^\d{1,2}$/.test(p) ? Number(p) : 0));
  return days.length && days.every((day) => day >= 1 && day <= 28)
    ? [...new Set(days)].sort((a, b) => a - b)
    : null;
}

/** The value a field's text stands for, or the i18n key (`prog.err.<…>`) of what is wrong with it. */
export function parseField(path: string, text: string): { value: unknown } | { error: string } {
  const kind = kindOf(path);
  const s = text.trim();
  const value =
    kind === 'bps' || kind === 'rub'
      ? parseFixed(s, 2)
      : kind === 'int'
        ? parseFixed(s, 0)
        : kind === 'days'
          ? parseDays(s)
          : kind === 'mult'
            ? parseMultiplier(s)
            : s || null;
  if (value === null) return { error: `prog.err.${kind}` };
  if (kind === 'bps' && (value as number) > 10_000) return { error: 'prog.err.over' };
  return { value };
}

function get(doc: unknown, path: string): unknown {
  return path.split('.').reduce<any>((node, key) => node?.[key], doc);
}

/** Sets `path` in `doc` (which is a copy the caller owns). */
export function setPath(doc: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  (keys.reduce<any>((node, key) => node[key], doc) as Record<string, unknown>)[last] = value;
}

/** The form's fields for a document: the rates, the levels' bands, the payout policy (in that order). */
export function pathsOf(doc: ProgramDoc): string[] {
  const out: string[] = [];
  doc.rewards.forEach(({ amount }, i) => {
    const base = `rewards.${i}.amount.`;
    if (amount.kind === 'percent_by_product') out.push(`${base}defaultBps`);
    if (amount.kind !== 'percent') return;
    if (amount.rateBps !== undefined) out.push(`${base}rateBps`);
    for (const channel of Object.keys(amount.byChannelBps ?? {})) out.push(`${base}byChannelBps.${channel}`);
  });
  doc.levels?.bands.forEach((_, j) => {
    for (const key of ['code', 'title.ru', 'min', 'multiplier']) out.push(`levels.bands.${j}.${key}`);
  });
  for (const key of ['daysOfMonth', 'minMinor', 'holdDays']) out.push(`policies.payout.${key}`);
  return out;
}

/** A field's text for the value in the document: `4000` → `"40"`, `100000` kopecks → `"1000"` roubles. */
export function textOf(doc: ProgramDoc, path: string): string {
  const value = get(doc, path);
  const kind = kindOf(path);
  if (kind === 'bps' || kind === 'rub') return decimal(value as number, 2);
  if (kind === 'days') return (value as number[]).join(', ');
  if (kind === 'mult') return formatMultiplier(value as Multiplier);
  return String(value);
}

/**
 * The document to save: a copy of the one in force with every field's value set from its text, or the
 * errors by path (i18n keys). Fields the form does not show keep the values of the version in force.
 */
export function buildDocument(
  inForce: ProgramDoc,
  values: Record<string, string>,
  products: Record<number, Array<[code: string, rate: string]>>,
): { doc: ProgramDoc; errors: Record<string, string> } {
  const doc = structuredClone(inForce);
  const errors: Record<string, string> = {};
  const read = (path: string, text: string) => {
    const parsed = parseField(path, text);
    if ('error' in parsed) errors[path] = parsed.error;
    return 'value' in parsed ? parsed.value : undefined;
  };
  for (const [path, text] of Object.entries(values)) setPath(doc, path, read(path, text));
  for (const [i, rows] of Object.entries(products)) {
    const base = `rewards.${i}.amount.productsBps`;
    const rates: Record<string, unknown> = {};
    rows.forEach(([code, rate], k) => {
      const key = code.trim();
      if (!key || key in rates) errors[`${base}.#${k}`] = 'prog.err.code';
      else rates[key] = read(`${base}.${key}`, rate);
    });
    setPath(doc, base, rates);
  }
  return { doc, errors };
}

/** The product rows of the `percent_by_product` rules, by rule index, for the form's list. */
export function productsOf(doc: ProgramDoc): Record<number, Array<[string, string]>> {
  const out: Record<number, Array<[string, string]>> = {};
  doc.rewards.forEach(({ amount }, i) => {
    if (amount.kind === 'percent_by_product')
      out[i] = Object.entries(amount.productsBps).map(([code, bps]) => [code, decimal(bps, 2)]);
  });
  return out;
}
