import { formatDateLong, formatDateShort, formatPeriod, toCalendarDate, toInstant } from './dates';

const nbsp = (text: string): string => text.replace(/ г\./g, '\u00a0г.');

describe('Russian dates', () => {
  test.each([
    ['2026-12-01', '1 декабря 2026 г.', '01.12.2026'],
    ['2026-01-31', '31 января 2026 г.', '31.01.2026'],
    ['2026-05-09', '9 мая 2026 г.', '09.05.2026'],
    // An instant is read in Moscow time: 21:30 UTC on 30 November is already 1 December there.
    [new Date('2026-11-30T21:30:00Z'), '1 декабря 2026 г.', '01.12.2026'],
    ['2026-11-30T20:59:59Z', '30 ноября 2026 г.', '30.11.2026'],
    ['2026-12-01T10:00:00+03:00', '1 декабря 2026 г.', '01.12.2026'],
  ])('%p → «%s», %s', (input, long, short) => {
    expect(formatDateLong(input)).toBe(nbsp(long));
    expect(formatDateShort(input)).toBe(short);
  });

  test('rejects impossible and malformed dates', () => {
    expect(() => toCalendarDate('2026-02-30')).toThrow(RangeError);
    expect(() => toCalendarDate('вчера')).toThrow(RangeError);
    expect(() => toInstant(new Date(Number.NaN))).toThrow(RangeError);
  });

  test('a calendar date becomes Moscow midnight for PDF metadata', () => {
    expect(toInstant('2026-12-01').toISOString()).toBe('2026-11-30T21:00:00.000Z');
  });

  test.each([
    ['2026-11-01', '2026-11-30', 'ноябрь 2026 г.'],
    ['2028-02-01', '2028-02-29', 'февраль 2028 г.'],
    ['2026-11-01', '2026-11-15', 'с 01.11.2026 по 15.11.2026'],
    ['2026-11-01', '2026-12-31', 'с 01.11.2026 по 31.12.2026'],
  ])('period %s – %s is «%s»', (from, to, text) => {
    expect(formatPeriod(from, to)).toBe(nbsp(text));
  });
});
