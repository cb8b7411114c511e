import type { DateInput } from './document';

/**
 * Russian date wording for documents. Documents are issued in Moscow, which has kept UTC+3 all
 * year since 2014, so an instant is read at a fixed offset and no time-zone database is needed.
 */

const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

const MONTHS_GENITIVE = [
  'января',
  'февраля',
  'марта',
  'апреля',
  'мая',
  'июня',
  'июля',
  'августа',
  'сентября',
  'октября',
  'ноября',
  'декабря',
] as const;

const MONTHS_NOMINATIVE = [
  'январь',
  'февраль',
  'март',
  'апрель',
  'май',
  'июнь',
  'июль',
  'август',
  'сентябрь',
  'октябрь',
  'ноябрь',
  'декабрь',
] as const;

export interface CalendarDate {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Reads `YYYY-MM-DD` as is; reads a `Date` or an ISO timestamp as its Moscow calendar date. */
export function toCalendarDate(input: DateInput): CalendarDate {
  if (typeof input === 'string') {
    const match = CALENDAR_DATE.exec(input);
    if (match) {
      const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
      const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
      if (check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) {
        throw new RangeError(`Not a calendar date: ${input}`);
      }
      return date;
    }
  }
  const instant = toInstant(input);
  const moscow = new Date(instant.getTime() + MOSCOW_OFFSET_MS);
  return { year: moscow.getUTCFullYear(), month: moscow.getUTCMonth() + 1, day: moscow.getUTCDate() };
}

/**
 * The instant to stamp into PDF metadata: a calendar date becomes Moscow midnight of that day, so
 * the same input always gives the same bytes.
 */
export function toInstant(input: DateInput): Date {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) throw new RangeError('Invalid Date');
    return input;
  }
  const match = CALENDAR_DATE.exec(input);
  if (match) {
    return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) - MOSCOW_OFFSET_MS);
  }
  const parsed = new Date(input);
  if (Number.isNaN(parsed.getTime())) throw new RangeError(`Not a date: ${input}`);
  return parsed;
}

/** «1 декабря 2026 г.» */
export function formatDateLong(input: DateInput): string {
  const { year, month, day } = toCalendarDate(input);
  return `${day} ${MONTHS_GENITIVE[month - 1]} ${year}\u00a0г.`;
}

/** «01.12.2026» — also the form Russian Excel reads as a date. */
export function formatDateShort(input: DateInput): string {
  const { year, month, day } = toCalendarDate(input);
  return `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.${year}`;
}

/** «ноябрь 2026 г.» when the period is exactly one calendar month, otherwise «с 01.11.2026 по 15.11.2026». */
export function formatPeriod(from: DateInput, to: DateInput): string {
  const start = toCalendarDate(from);
  const end = toCalendarDate(to);
  const lastDay = new Date(Date.UTC(start.year, start.month, 0)).getUTCDate();
  if (start.day === 1 && end.year === start.year && end.month === start.month && end.day === lastDay) {
    return `${MONTHS_NOMINATIVE[start.month - 1]} ${start.year}\u00a0г.`;
  }
  return `с ${formatDateShort(from)} по ${formatDateShort(to)}`;
}
