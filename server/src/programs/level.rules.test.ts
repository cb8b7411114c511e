import { programDate } from '../payouts/payout.rules';
import {
  addMonths,
  completeMonths,
  effectiveModel,
  levelOn,
  reviewLevels,
  rewardChoice,
  type KeepRules,
  type LevelReviewInput,
} from './level.rules';
import type { PartnerModel } from './program';

const KEEP: KeepRules = {
  level: 'professional',
  demoteTo: 'basic',
  graceMonths: 6,
  examKeeps: true,
  perkPaidAfterMonths: 6,
};
const MIN = 3_000_000n;

/** Revenue in roubles per month, as the seed writes it. */
function months(rub: Record<string, number>): Map<string, { measureMinor: bigint; minMinor: bigint }> {
  return new Map(
    Object.entries(rub).map(([month, r]) => [month, { measureMinor: BigInt(r * 100), minMinor: MIN }]),
  );
}

function review(over: Partial<LevelReviewInput>) {
  return reviewLevels({
    keep: KEEP,
    contractDate: '2026-02-10',
    examDates: [],
    months: new Map(),
    defaultMinMinor: MIN,
    asOf: '2026-12-31',
    ...over,
  });
}

// The seed's worked example: contract 10 February, no exam, six months under 30 000 ₽.
const WORKED = months({
  '2026-02': 5_000,
  '2026-03': 12_000,
  '2026-04': 18_000,
  '2026-05': 25_000,
  '2026-06': 29_900,
  '2026-07': 22_000,
});

describe('the monthly level review (seed 004)', () => {
  test('the worked example: contract 10 February, no exam, Feb–Jul under 30 000 ₽ → Basic from 1 August', () => {
    const r = review({ months: WORKED, asOf: '2026-07-31' });
    expect(r.events).toEqual([
      { level: 'professional', fromDate: '2026-02-10', reason: 'contract' },
      { level: 'basic', fromDate: '2026-08-01', reason: 'demotion' },
    ]);
    // On 31 July the partner is still Professional, and Basic from tomorrow: no month left.
    expect(r).toMatchObject({ level: 'professional', since: '2026-02-10', missedMonths: 6, monthsLeft: 0 });
    expect(review({ months: WORKED, asOf: '2026-08-01' })).toMatchObject({
      level: 'basic',
      since: '2026-08-01',
      monthsLeft: null,
    });
  });

  test('month by month: on 30 July nothing is decided yet, July is the last month to reach the minimum', () => {
    expect(review({ months: WORKED, asOf: '2026-07-30' })).toMatchObject({
      events: [{ level: 'professional', fromDate: '2026-02-10', reason: 'contract' }],
      level: 'professional',
      missedMonths: 5,
      monthsLeft: 1,
    });
    expect(review({ months: WORKED, asOf: '2026-02-27' }).monthsLeft).toBe(6);
    expect(review({ months: WORKED, asOf: '2026-02-09' })).toMatchObject({ events: [], level: null });
  });

  test('30 000 ₽ in one month starts the count again; 29 999,99 ₽ does not', () => {
    const at = (jun: number) =>
      review({ months: new Map([...WORKED, ['2026-06', { measureMinor: BigInt(jun), minMinor: MIN }]]) });
    expect(at(3_000_000).events).toEqual([
      { level: 'professional', fromDate: '2026-02-10', reason: 'contract' },
      // July–December: six months under the minimum after June's 30 000 ₽ → Basic from 1 January.
      { level: 'basic', fromDate: '2027-01-01', reason: 'demotion' },
    ]);
    expect(at(2_999_999).events.at(-1)).toEqual({
      level: 'basic',
      fromDate: '2026-08-01',
      reason: 'demotion',
    });
  });

  test('an exam keeps the level for good; one passed in the sixth month still counts', () => {
    expect(review({ months: WORKED, examDates: ['2026-07-31'] }).events).toHaveLength(1);
    const r = review({ examDates: ['2026-03-15'], asOf: '2027-12-31' });
    expect(r.events).toHaveLength(1);
    expect(r).toMatchObject({ level: 'professional', monthsLeft: null });
    // An exam on 1 August is too late for July: Basic from 1 August, and back on the day of the exam.
    expect(review({ months: WORKED, examDates: ['2026-08-01'] }).events.slice(1)).toEqual([
      { level: 'basic', fromDate: '2026-08-01', reason: 'demotion' },
      { level: 'professional', fromDate: '2026-08-01', reason: 'exam' },
    ]);
    // Without examKeeps an exam changes nothing.
    const noExams = reviewLevels({
      keep: { ...KEEP, examKeeps: false },
      contractDate: '2026-02-10',
      examDates: ['2026-03-15'],
      months: WORKED,
      defaultMinMinor: MIN,
      asOf: '2026-08-01',
    });
    expect(noExams.level).toBe('basic');
  });

  test('a Basic partner returns from the month after a month at the minimum', () => {
    const r = review({ months: new Map([...WORKED, ...months({ '2026-09': 30_000 })]) });
    expect(r.events.slice(1)).toEqual([
      { level: 'basic', fromDate: '2026-08-01', reason: 'demotion' },
      { level: 'professional', fromDate: '2026-10-01', reason: 'revenue' },
    ]);
    // Back at Professional from October, the count starts again: October–December are three months missed.
    expect(r).toMatchObject({ level: 'professional', since: '2026-10-01', missedMonths: 3, monthsLeft: 3 });
    // On 30 September the month is not over yet: still Basic.
    const september = new Map([...WORKED, ...months({ '2026-09': 30_000 })]);
    expect(review({ months: september, asOf: '2026-09-30' })).toMatchObject({ level: 'basic' });
    expect(review({ months: september, asOf: '2026-10-01' })).toMatchObject({ level: 'professional' });
  });

  test('a Basic partner returns on the day of its exam, even in the month under way', () => {
    const r = review({ months: WORKED, examDates: ['2026-10-14'], asOf: '2026-10-20' });
    expect(r.events.slice(1)).toEqual([
      { level: 'basic', fromDate: '2026-08-01', reason: 'demotion' },
      { level: 'professional', fromDate: '2026-10-14', reason: 'exam' },
    ]);
    expect(r).toMatchObject({
      level: 'professional',
      since: '2026-10-14',
      monthsLeft: null,
      perkPaidFrom: null,
    });
    expect(review({ months: WORKED, examDates: ['2026-10-14'], asOf: '2026-10-13' }).level).toBe('basic');
  });

  test('demoted again after a return: six more months without either', () => {
    const r = review({
      months: new Map([...WORKED, ...months({ '2026-08': 31_000 })]),
      asOf: '2027-03-31',
    });
    expect(r.events.slice(1)).toEqual([
      { level: 'basic', fromDate: '2026-08-01', reason: 'demotion' },
      { level: 'professional', fromDate: '2026-09-01', reason: 'revenue' },
      { level: 'basic', fromDate: '2027-03-01', reason: 'demotion' },
    ]);
  });

  test('Cloudовка is paid six months after the demotion, unless the partner returned by then', () => {
    expect(review({ months: WORKED }).perkPaidFrom).toBe('2027-02-01');
    expect(review({ months: WORKED, asOf: '2026-07-31' }).perkPaidFrom).toBe('2027-02-01');
    expect(review({ months: WORKED, examDates: ['2026-11-02'] }).perkPaidFrom).toBeNull();
    expect(review({ months: WORKED, asOf: '2026-07-30' }).perkPaidFrom).toBeNull();
  });

  test('a rerun of the same past gives the same history; a later review only adds to it', () => {
    const first = review({ months: WORKED, asOf: '2026-09-30' });
    expect(review({ months: WORKED, asOf: '2026-09-30' })).toEqual(first);
    const later = review({ months: WORKED, asOf: '2027-06-30' });
    expect(later.events.slice(0, first.events.length)).toEqual(first.events);
  });

  test('the contract month counts whole, signed on its first or last day alike', () => {
    for (const contractDate of ['2026-02-01', '2026-02-28'])
      expect(review({ contractDate, months: WORKED }).events[1]).toEqual({
        level: 'basic',
        fromDate: '2026-08-01',
        reason: 'demotion',
      });
  });
});

describe('Moscow month boundaries', () => {
  test('an exam at 23:30 UTC on 31 July is passed on 1 August in Moscow: too late for July', () => {
    const passedOn = programDate(new Date('2026-07-31T23:30:00Z'));
    expect(passedOn).toBe('2026-08-01');
    expect(review({ months: WORKED, examDates: [passedOn] }).events[1]?.reason).toBe('demotion');
    const inJuly = programDate(new Date('2026-07-31T20:59:00Z'));
    expect(inJuly).toBe('2026-07-31');
    expect(review({ months: WORKED, examDates: [inJuly] }).events).toHaveLength(1);
  });

  test('complete months, the last day of each, and months added on the calendar', () => {
    expect(completeMonths('2026-02-10', '2026-04-29')).toEqual(['2026-02', '2026-03']);
    expect(completeMonths('2026-11-10', '2027-01-31')).toEqual(['2026-11', '2026-12', '2027-01']);
    expect(completeMonths('2024-02-10', '2024-02-29')).toEqual(['2024-02']);
    expect(completeMonths('2026-02-10', '2026-02-27')).toEqual([]);
    expect(addMonths('2026-08-01', 6)).toBe('2027-02-01');
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
  });

  test('the level on a day is the latest change on or before it', () => {
    const events = review({ months: WORKED, examDates: ['2026-10-14'] }).events;
    expect(levelOn(events, '2026-02-09')).toBeNull();
    expect(levelOn(events, '2026-07-31')).toBe('professional');
    expect(levelOn(events, '2026-08-01')).toBe('basic');
    expect(levelOn(events, '2026-10-14')).toBe('professional');
  });
});

describe('models and their levels', () => {
  const MODELS: PartnerModel[] = [
    { code: 'referral', title: { ru: 'Referral' }, choices: ['monthly', 'first_month'], trialDays: 14 },
    { code: 'reseller', title: { ru: 'Reseller' }, trialDays: 14 },
    { code: 'agent', title: { ru: 'Agent' }, level: 'professional', belowLevel: 'referral' },
    { code: 'white_label', title: { ru: 'White Label' }, level: 'professional', belowLevel: 'reseller' },
  ];
  test.each([
    ['agent', 'professional', 'agent'],
    ['agent', 'basic', 'referral'],
    ['white_label', 'professional', 'white_label'],
    ['white_label', 'basic', 'reseller'],
    ['white_label', null, 'reseller'],
    ['referral', 'professional', 'referral'],
    ['reseller', 'basic', 'reseller'],
    [null, 'professional', null],
    ['franchise', 'professional', null],
  ])('model %s at level %s earns as %s', (model, level, expected) => {
    expect(effectiveModel(MODELS, model, level)).toBe(expected);
  });

  test("a Referral client's choice: the partner's, else the first; other models have none", () => {
    expect(rewardChoice(MODELS, 'referral', null)).toBe('monthly');
    expect(rewardChoice(MODELS, 'referral', 'first_month')).toBe('first_month');
    expect(rewardChoice(MODELS, 'referral', 'bogus')).toBe('monthly');
    expect(rewardChoice(MODELS, 'agent', 'first_month')).toBeNull();
  });
});
