/**
 * The windows a measure sums over (PROGRAMS.md "Measure"; issue 14 item 1), as pure date arithmetic on the
 * program's calendar: Moscow dates, UTC+3 all year (no DST since 2014). A window is a closed range of dates
 * `[fromDate, toDate]` ending on the day it is asked for, so a measure "as of" a past day is the same whenever
 * it is computed, and a settlement of a period that ended asks as of the period's last day.
 */
import type { Measure } from './program';

/** A closed range of Moscow dates (`YYYY-MM-DD`), both ends included. */
export interface DateWindow {
  fromDate: string;
  toDate: string;
}

const MOSCOW_OFFSET = '+03:00';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parts(date: string): [number, number, number] {
  if (!DATE.test(date)) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return [y, m, d];
}

function format(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The window of `window` that ends on `asOf`, or null for `lifetime` (everything up to `asOf`):
 * - `month`, `quarter`, `half`: from the first day of the calendar period that holds `asOf`;
 * - `rolling_month`: from the same day of the previous month, clamped to that month's last day — seed 003's
 *   «с 20 декабря по 20 января»; on 31 March it starts on 28 (or 29) February.
 */
export function measureWindow(window: Measure['window'], asOf: string): DateWindow | null {
  const [y, m, d] = parts(asOf);
  switch (window) {
    case 'lifetime':
      return null;
    case 'month':
      return { fromDate: format(y, m, 1), toDate: asOf };
    case 'quarter':
      return { fromDate: format(y, m - ((m - 1) % 3), 1), toDate: asOf };
    case 'half':
      return { fromDate: format(y, m <= 6 ? 1 : 7, 1), toDate: asOf };
    case 'rolling_month': {
      const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1];
      return { fromDate: format(py, pm, Math.min(d, daysInMonth(py, pm))), toDate: asOf };
    }
  }
}

/** The calendar period before the one holding `asOf` (for growth: this quarter against the last), whole. */
export function previousPeriod(window: 'month' | 'quarter' | 'half', asOf: string): DateWindow {
  const current = measureWindow(window, asOf)!;
  const [y, m] = parts(current.fromDate);
  const length = window === 'month' ? 1 : window === 'quarter' ? 3 : 6;
  const startMonth = m - length;
  const [sy, sm] = startMonth >= 1 ? [y, startMonth] : [y - 1, startMonth + 12];
  const [ey, em] = m === 1 ? [y - 1, 12] : [y, m - 1];
  return { fromDate: format(sy, sm, 1), toDate: format(ey, em, daysInMonth(ey, em)) };
}

/** The instants a window covers: from its first day's midnight in Moscow to the midnight after its last day. */
export function windowInstants(window: DateWindow): { from: Date; until: Date } {
  const [y, m, d] = parts(window.toDate);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    from: new Date(`${window.fromDate}T00:00:00${MOSCOW_OFFSET}`),
    until: new Date(`${next.toISOString().slice(0, 10)}T00:00:00${MOSCOW_OFFSET}`),
  };
}

/** The last instant of a Moscow date: what is "in force that day" is what is in force at its end. */
export function endOfDay(date: string): Date {
  return new Date(windowInstants({ fromDate: date, toDate: date }).until.getTime() - 1);
}
