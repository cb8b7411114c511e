/**
 * Settlements (seed 004) as pure rules: which periods are due on a date, and what a partner's settlement of a
 * period comes to, with its calculation in words. The service measures the periods in SQL for every partner
 * at once and records what these functions decide.
 */
import { divideRounded } from '../../../shared/money';
import { formatPercent, formatRub } from '../documents/money-words';
import { measureWindow, previousPeriod, type DateWindow } from '../programs/measure.rules';
import type { Settlement } from '../programs/program';

export interface DuePeriod {
  settlement: Settlement;
  /** The Moscow date the settlement runs for this period: the 1st of one of its `runMonths`. */
  runDate: string;
  period: DateWindow;
  /** The period before, for a growth settlement. */
  previous: DateWindow | null;
}

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The periods due by the Moscow date `asOf`: for each run date (the 1st of a run month) in the `lookbackMonths`
 * months up to `asOf`, the calendar period that ended the day before — KVM's January run settles July–December,
 * its July run January–June; the growth rebate's quarterly runs settle the quarter just ended against the one
 * before. Looking back lets a rerun (or a first run after downtime) settle what it missed; recording is
 * idempotent, so looking again at a settled period changes nothing unless its payments changed.
 */
export function periodsDue(
  settlements: readonly Settlement[],
  asOf: string,
  lookbackMonths = 12,
): DuePeriod[] {
  const [y, m] = asOf.split('-').map(Number) as [number, number];
  const due: DuePeriod[] = [];
  for (let back = lookbackMonths - 1; back >= 0; back--) {
    const index = y * 12 + (m - 1) - back;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    const runDate = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;
    if (runDate > asOf) continue;
    for (const settlement of settlements) {
      if (!settlement.runMonths.includes(month)) continue;
      const window = settlement.measure.window as 'month' | 'quarter' | 'half';
      const lastDay = dayBefore(runDate);
      due.push({
        settlement,
        runDate,
        period: measureWindow(window, lastDay)!,
        previous: settlement.kind === 'growth' ? previousPeriod(window, lastDay) : null,
      });
    }
  }
  return due;
}

const ruDate = (date: string) => date.split('-').reverse().join('.');

/**
 * What a settlement of a period comes to: a rebate, `rateBps` of the measure; the growth rebate, `rateBps` of the
 * increase over the period before, or nothing when it did not grow or the period before had no revenue (the
 * first period is the base). Rounded once, half away from zero.
 */
export function settlementAmount(
  due: Pick<DuePeriod, 'settlement' | 'period'>,
  measureMinor: bigint,
  previousMinor: bigint | null,
): { amountMinor: bigint; calculation: string } {
  const { settlement, period } = due;
  const rate = BigInt(settlement.rateBps);
  const span = `${ruDate(period.fromDate)}–${ruDate(period.toDate)}`;
  if (settlement.kind === 'rebate') {
    const amountMinor = divideRounded(measureMinor * rate, 10_000n);
    return {
      amountMinor,
      calculation: `${settlement.title.ru} за ${span}: ${formatRub(measureMinor)} × ${formatPercent(settlement.rateBps)} = ${formatRub(amountMinor)}`,
    };
  }
  const before = previousMinor ?? 0n;
  // A first quarter with revenue is the base the next one grows from, not growth from nothing: the seed pays
  // for growth «в последующем квартале» over a quarter the partner already sold in.
  if (before <= 0n)
    return {
      amountMinor: 0n,
      calculation: `${settlement.title.ru} за ${span}: за прошлый период выручки не было — этот период служит базой для следующего, ${formatRub(0n)}`,
    };
  const growth = measureMinor - before;
  if (growth <= 0n)
    return {
      amountMinor: 0n,
      calculation: `${settlement.title.ru} за ${span}: выручка ${formatRub(measureMinor)} не выросла против ${formatRub(before)} за прошлый период — ${formatRub(0n)}`,
    };
  const amountMinor = divideRounded(growth * rate, 10_000n);
  return {
    amountMinor,
    calculation: `${settlement.title.ru} за ${span}: (${formatRub(measureMinor)} − ${formatRub(before)}) × ${formatPercent(settlement.rateBps)} = ${formatRub(amountMinor)}`,
  };
}
