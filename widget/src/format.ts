/**
 * Display formatting. The widget never does money arithmetic (STYLE.md "Widget"): amounts arrive as
 * integer minor units from the server and are only *shown*. Shifting the decimal point is done on the
 * digit string, and `Intl.NumberFormat` formats that exact decimal string, so no float ever touches an
 * amount. The same string technique turns what a user types ("12 000,50") into minor units.
 */
import type { Lang } from './i18n';

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string): Intl.NumberFormat {
  let nf = moneyFormats.get(currency);
  if (!nf) {
    try {
      nf = new Intl.NumberFormat('ru-RU', { style: 'currency', currency });
    } catch {
      nf = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' });
    }
    moneyFormats.set(currency, nf);
  }
  return nf;
}

/** `480000` with 2 digits → `"4800.00"`; `-5` → `"-0.05"`. Pure string work. */
export function shiftDecimal(value: number | string, digits: number): string {
  let s = String(value).trim();
  const negative = s.startsWith('-');
  if (negative) s = s.slice(1);
  if (!/^\d+$/.test(s)) return '0';
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return (negative ? '-' : '') + s;
}

/** `formatMoney(480000, 'RUB')` → `"4 800,00 ₽"` (Intl ru-RU, from the server's minor units). */
export function formatMoney(minor: number | string | null | undefined, currency = 'RUB'): string {
  if (minor === null || minor === undefined || minor === '') return '—';
  const nf = moneyFormat(currency || 'RUB');
  const digits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  // Intl formats a decimal string exactly (ES2023 Intl.NumberFormat v3); older engines read it as a Number.
  return nf.format(shiftDecimal(minor, digits) as unknown as number);
}

const compact = new Intl.NumberFormat('ru-RU', { notation: 'compact', maximumFractionDigits: 1 });

/** A short label for a chart bar: `480000` → `"4,8 тыс."` (roubles; the exact amount is in the tooltip). */
export function formatMoneyShort(minor: number): string {
  return compact.format(shiftDecimal(minor, 2) as unknown as number);
}

const percent = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 2 });

/** Basis points as a percentage: `4000` → `"40 %"`. */
export function formatBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined) return '—';
  return `${percent.format(shiftDecimal(bps, 2) as unknown as number)} %`;
}

/**
 * What a user typed as an amount in roubles → minor units, or null when it is not a positive amount with
 * at most two decimals. Spaces, a ₽ sign and a comma as the decimal separator are accepted.
 */
export function parseAmountToMinor(input: string): number | null {
  const s = input.replace(/[\s\u00a0\u202f₽]/g, '').replace(',', '.');
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const digits = (m[1]! + (m[2] ?? '').padEnd(2, '0')).replace(/^0+(?=\d)/, '');
  return digits === '0' || digits === '00' ? null : Number(digits);
}

const MSK = 'Europe/Moscow';
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(lang: Lang, kind: 'date' | 'long' | 'time' | 'month'): Intl.DateTimeFormat {
  const key = lang + kind;
  let f = dateFormats.get(key);
  if (!f) {
    const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
    const options: Intl.DateTimeFormatOptions =
      kind === 'long'
        ? { day: 'numeric', month: 'long', year: 'numeric' }
        : kind === 'time'
          ? { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }
          : kind === 'month'
            ? { month: 'short', year: '2-digit' }
            : { day: '2-digit', month: '2-digit', year: 'numeric' };
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: MSK });
    dateFormats.set(key, f);
  }
  return f;
}

function toDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Dates are shown in Moscow time, where the program's documents are issued; a calendar date (`YYYY-MM-DD`,
 * as the program's days arrive) is read at noon, so it shows as that very day.
 */
export function formatDate(
  iso: string | null | undefined,
  lang: Lang,
  kind: 'date' | 'long' | 'time' = 'date',
): string {
  const d = toDate(iso);
  return d ? dateFormat(lang, kind).format(d) : '—';
}

/** A calendar date (`YYYY-MM-DD`, a date input's value) as an instant at noon, Moscow time. */
export const noonMsk = (date: string) => `${date}T12:00:00+03:00`;

/** `"2025-03"` → `"мар. 25"` / `"Mar 25"`. */
export function formatMonth(key: string, lang: Lang): string {
  return dateFormat(lang, 'month').format(new Date(`${key}-15T12:00:00Z`));
}

/** Today in Moscow as `YYYY-MM-DD` (a default for date inputs). */
export function todayIso(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: MSK }).format(new Date());
}
