/**
 * Exam-or-revenue levels with a grace period (seed 004, Oblakoteka's Basic and Professional), as pure month-by-month
 * arithmetic on Moscow dates: the inputs are the partner's contract date, its exam dates and its revenue per
 * calendar month; the output is its level history, each change with its date and reason. No database, no clock:
 * `level.service.ts` measures the months (one statement per month for every partner) and records the history.
 *
 * The rules, from the seed and ../shared/design/PROGRAMS.md:
 * - the kept level (Professional) is entered on the contract's date;
 * - a month "meets" the requirements when an exam has been passed by its last day, or its revenue reaches the
 *   minimum (30 000 ₽ before discount); after `graceMonths` (6) complete months in a row that do not, the partner
 *   is at the lower level (Basic) from the 1st of the next month. The contract's month counts, whole: contract
 *   10 February and six short months February–July → Basic from 1 August. A month that meets starts the count
 *   again («первым считается месяц, в котором выручка была менее 30 000 рублей»);
 * - a demoted partner returns from the 1st of the month after a month that reaches the minimum, or on the day of
 *   an exam it passes;
 * - the free perk of the kept level (Cloudовка) becomes paid `paidAfterMonths` (6) after the demotion, unless the
 *   partner has returned by then.
 */
import type { Levels, PartnerModel, RewardRule } from './program';

export type LevelReason = 'contract' | 'demotion' | 'exam' | 'revenue';
export const LEVEL_REASONS: readonly LevelReason[] = ['contract', 'demotion', 'exam', 'revenue'];

/** A change of level: the partner is at `level` from `fromDate` (a Moscow date) on, for `reason`. */
export interface LevelEvent {
  level: string;
  fromDate: string;
  reason: LevelReason;
}

export type KeepRules = Pick<
  NonNullable<Levels['keep']>,
  'level' | 'demoteTo' | 'graceMonths' | 'examKeeps'
> & { perkPaidAfterMonths?: number };

/** One calendar month's revenue (kopecks) and the minimum in force for it. */
export interface MonthMeasure {
  measureMinor: bigint;
  minMinor: bigint;
}

export interface LevelReviewInput {
  keep: KeepRules;
  /** The Moscow date the contract was signed; null: no contract, no level. */
  contractDate: string | null;
  /** Moscow dates of passed exams, any order. */
  examDates: readonly string[];
  /** Revenue per month `YYYY-MM`; a month absent had none (0 against the minimum of `defaultMinMinor`). */
  months: ReadonlyMap<string, MonthMeasure>;
  /** The minimum of a month the map does not have. */
  defaultMinMinor: bigint;
  /** The day the review is made on: complete months up to it are reviewed, exams up to it count. */
  asOf: string;
}

export interface LevelReview {
  /** The level history up to `asOf` (and the 1st after it, for a month that ended on it), oldest first. */
  events: LevelEvent[];
  /** The level on `asOf` (null before a contract) and since when. */
  level: string | null;
  since: string | null;
  /** Complete months in a row, up to the last one, without an exam or the minimum (while at the kept level). */
  missedMonths: number;
  /**
   * At the kept level with no exam passed: how many months, counting the current one, may still go without the
   * minimum before the demotion (1: this month is the last). Null when no demotion can come (an exam is passed,
   * or the partner is already demoted, or has no contract).
   */
  monthsLeft: number | null;
  /** Since when the kept level's free perk is paid: the demotion's date plus `perkPaidAfterMonths`, else null. */
  perkPaidFrom: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function ym(date: string): [number, number] {
  if (!DATE.test(date)) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM` of a month `offset` months after the month of (y, m). */
function monthKey(y: number, m: number, offset = 0): string {
  const index = y * 12 + (m - 1) + offset;
  return `${pad(Math.floor(index / 12), 4)}-${pad((index % 12) + 1)}`;
}

/** The first and last Moscow dates of the month `YYYY-MM`. */
export function monthBounds(month: string): { firstDate: string; lastDate: string } {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { firstDate: `${month}-01`, lastDate: `${month}-${pad(days)}` };
}

/** The months `YYYY-MM` from the one holding `fromDate` through the last that is complete on `asOf`. */
export function completeMonths(fromDate: string, asOf: string): string[] {
  const [y, m] = ym(fromDate);
  const months: string[] = [];
  for (let offset = 0; ; offset += 1) {
    const month = monthKey(y, m, offset);
    if (monthBounds(month).lastDate > asOf) return months;
    months.push(month);
  }
}

/** The same day `months` months later, clamped to that month's last day. */
export function addMonths(date: string, months: number): string {
  const [y, m] = ym(date);
  const month = monthKey(y, m, months);
  const { lastDate } = monthBounds(month);
  const day = `${month}-${date.slice(8, 10)}`;
  return day > lastDate ? lastDate : day;
}

/**
 * The partner's level history as of `asOf` from its contract, exams and monthly revenue (see the module's rules).
 * A pure function of its input: reviewing the same past again gives the same history.
 */
export function reviewLevels(input: LevelReviewInput): LevelReview {
  const { keep, contractDate, asOf } = input;
  const none: LevelReview = {
    events: [],
    level: null,
    since: null,
    missedMonths: 0,
    monthsLeft: null,
    perkPaidFrom: null,
  };
  if (contractDate === null || contractDate > asOf) return none;
  const exams = keep.examKeeps ? [...input.examDates].sort() : [];
  const examBy = (date: string) => exams.length > 0 && exams[0]! <= date;
  const examWithin = (from: string, to: string) => exams.find((d) => d >= from && d <= to) ?? null;
  const measure = (month: string) => {
    const got = input.months.get(month);
    return got ?? { measureMinor: 0n, minMinor: input.defaultMinMinor };
  };

  const events: LevelEvent[] = [{ level: keep.level, fromDate: contractDate, reason: 'contract' }];
  let demotedOn: string | null = null;
  let missed = 0;
  const months = completeMonths(contractDate, asOf);
  for (const month of months) {
    const { firstDate, lastDate } = monthBounds(month);
    const { measureMinor, minMinor } = measure(month);
    const nextFirst = `${monthKey(...ym(firstDate), 1)}-01`;
    if (demotedOn === null) {
      missed = examBy(lastDate) || measureMinor >= minMinor ? 0 : missed + 1;
      if (missed >= keep.graceMonths) {
        demotedOn = nextFirst;
        missed = 0;
        events.push({ level: keep.demoteTo, fromDate: nextFirst, reason: 'demotion' });
      }
      continue;
    }
    // Demoted: an exam within the month returns the partner on its day; else a month at the minimum returns it
    // from the next month. A month demoted from its 1st is reviewed from that day on.
    const exam = examWithin(demotedOn > firstDate ? demotedOn : firstDate, lastDate);
    if (exam) {
      events.push({ level: keep.level, fromDate: exam, reason: 'exam' });
      demotedOn = null;
    } else if (measureMinor >= minMinor) {
      events.push({ level: keep.level, fromDate: nextFirst, reason: 'revenue' });
      demotedOn = null;
    }
  }
  // The month under way: an exam already passed returns a demoted partner on its day; its revenue waits for the
  // month's end.
  if (demotedOn !== null && demotedOn <= asOf) {
    const exam = examWithin(demotedOn, asOf);
    if (exam) {
      events.push({ level: keep.level, fromDate: exam, reason: 'exam' });
      demotedOn = null;
    }
  }
  const current = [...events].reverse().find((e) => e.fromDate <= asOf) ?? events[0]!;
  const examPassed = examBy(asOf);
  const kept = current.level === keep.level;
  // The last day of a month that completed the grace months: still at the kept level, Basic from tomorrow.
  const demotedTomorrow = demotedOn !== null && demotedOn > asOf;
  return {
    events,
    level: current.level,
    since: current.fromDate,
    missedMonths: kept ? (demotedTomorrow ? keep.graceMonths : missed) : 0,
    monthsLeft: kept && !examPassed ? (demotedTomorrow ? 0 : keep.graceMonths - missed) : null,
    perkPaidFrom:
      demotedOn !== null && keep.perkPaidAfterMonths !== undefined
        ? addMonths(demotedOn, keep.perkPaidAfterMonths)
        : null,
  };
}

/** The level a history gives on a Moscow date: the latest change on or before it; null before the first. */
export function levelOn(events: readonly LevelEvent[], date: string): string | null {
  let level: string | null = null;
  for (const e of [...events].sort((a, b) => (a.fromDate < b.fromDate ? -1 : 1)))
    if (e.fromDate <= date) level = e.level;
  return level;
}

/**
 * The model whose terms a partner earns on (seed 004): its model, when the model needs no level or the partner is
 * at it; else the model's `belowLevel` (an Agent demoted to Basic earns as a Referral, a White Label as a
 * Reseller); null when the partner has no model, or the program does not have it.
 */
export function effectiveModel(
  models: readonly PartnerModel[],
  model: string | null,
  level: string | null,
): string | null {
  const found = models.find((m) => m.code === model);
  if (!found) return null;
  if (found.level === undefined || found.level === level) return found.code;
  return found.belowLevel !== undefined && models.some((m) => m.code === found.belowLevel)
    ? found.belowLevel
    : null;
}

/** The per-client choice a payment earns under: the partner's choice for the client, else the model's default. */
export function rewardChoice(
  models: readonly PartnerModel[],
  model: string | null,
  chosen: string | null,
): string | null {
  const choices = models.find((m) => m.code === model)?.choices;
  if (!choices) return null;
  return chosen !== null && choices.includes(chosen) ? chosen : choices[0]!;
}

/**
 * The price discount a model gives the partner on its own purchases (seed 004: Reseller 12 %, White Label 27 %, as
 * a discount): the first partner rule for that model in the `discount` form with a single percent rate.
 */
export function modelDiscount(
  rewards: readonly RewardRule[],
  model: string | null,
): { ruleId: string; discountBps: number } | null {
  if (model === null) return null;
  for (const rule of rewards) {
    if (rule.beneficiary !== 'partner' || rule.form !== 'discount' || !rule.models?.includes(model)) continue;
    if (rule.amount.kind === 'percent' && rule.amount.rateBps !== undefined)
      return { ruleId: rule.id, discountBps: rule.amount.rateBps };
  }
  return null;
}
