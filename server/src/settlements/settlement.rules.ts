/**
 * Settlements (seed 004) as pure rules: which periods are due on a date, and what a partner's settlement of a
 * period comes to, with its calculation in words. A run decides the same in the database for every partner at
 * once (settlement.repository's `stagePeriod`), with the words of `calculationWords`; the tests hold the two to
 * the same results.
 */
import { divideRounded } from '../../../shared/money';
import { formatDateShort } from '../documents/dates';
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

/**
 * Which words a settlement's calculation takes: a rebate's; the growth rebate's when the period grew, when it did
 * not, or when the period before had no revenue (the first period is the base).
 */
export type CalculationCase = 'rebate' | 'growth' | 'no_growth' | 'no_base';

/** The amounts a calculation names, already written (`formatRub` here, `format_rub` in the database). */
export interface CalculationFigures {
  measure: string;
  before: string;
  amount: string;
}

/** A settlement's calculation in words, for one case, with the amounts it names already written. */
export function calculationWords(
  due: Pick<DuePeriod, 'settlement' | 'period'>,
  kase: CalculationCase,
  figures: CalculationFigures,
): string {
  const { settlement, period } = due;
  const head = `${settlement.title.ru} за ${formatDateShort(period.fromDate)}–${formatDateShort(period.toDate)}`;
  const rate = formatPercent(settlement.rateBps);
  switch (kase) {
    case 'rebate':
      return `${head}: ${figures.measure} × ${rate} = ${figures.amount}`;
    case 'no_base':
      return `${head}: за прошлый период выручки не было — этот период служит базой для следующего, ${figures.amount}`;
    case 'no_growth':
      return `${head}: выручка ${figures.measure} не выросла против ${figures.before} за прошлый период — ${figures.amount}`;
    case 'growth':
      return `${head}: (${figures.measure} − ${figures.before}) × ${rate} = ${figures.amount}`;
  }
}

/**
 * What a settlement of a period comes to: a rebate, `rateBps` of the measure; the growth rebate, `rateBps` of the
 * increase over the period before, or nothing when it did not grow or the period before had no revenue (the
 * first period is the base). Rounded once, half away from zero. A settlement run decides the same in the
 * database for every partner at once (settlement.repository's `stagePeriod`).
 */
export function settlementAmount(
  due: Pick<DuePeriod, 'settlement' | 'period'>,
  measureMinor: bigint,
  previousMinor: bigint | null,
): { amountMinor: bigint; calculation: string } {
  const rate = BigInt(due.settlement.rateBps);
  const before = previousMinor ?? 0n;
  const [kase, amountMinor]: [CalculationCase, bigint] =
    due.settlement.kind === 'rebate'
      ? ['rebate', divideRounded(measureMinor * rate, 10_000n)]
      : // A first quarter with revenue is the base the next one grows from, not growth from nothing: the seed pays
        // for growth «в последующем квартале» over a quarter the partner already sold in.
        before <= 0n
        ? ['no_base', 0n]
        : measureMinor - before <= 0n
          ? ['no_growth', 0n]
          : ['growth', divideRounded((measureMinor - before) * rate, 10_000n)];
  return {
    amountMinor,
    calculation: calculationWords(due, kase, {
      measure: formatRub(measureMinor),
      before: formatRub(before),
      amount: formatRub(amountMinor),
    }),
  };
}
