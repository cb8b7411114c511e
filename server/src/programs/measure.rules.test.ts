import { measureWindow, previousPeriod, windowInstants } from './measure.rules';

describe('measureWindow: the dates a measure sums over, ending on the day asked', () => {
  test.each([
    // Seed 003: «с 20 декабря по 20 января»; the next day the window moves by one day.
    ['rolling_month', '2027-01-20', '2026-12-20'],
    ['rolling_month', '2027-01-21', '2026-12-21'],
    // PROGRAMS.md: on 31 March the rolling month starts on 28 February, or 29 in a leap year.
    ['rolling_month', '2027-03-31', '2027-02-28'],
    ['rolling_month', '2028-03-31', '2028-02-29'],
    ['rolling_month', '2027-03-28', '2027-02-28'],
    ['rolling_month', '2027-05-31', '2027-04-30'],
    ['rolling_month', '2027-03-01', '2027-02-01'],
    ['month', '2027-02-28', '2027-02-01'],
    ['month', '2027-03-01', '2027-03-01'],
    ['quarter', '2027-01-01', '2027-01-01'],
    ['quarter', '2027-03-31', '2027-01-01'],
    ['quarter', '2027-04-01', '2027-04-01'],
    ['quarter', '2027-08-15', '2027-07-01'],
    ['quarter', '2027-12-31', '2027-10-01'],
    ['half', '2027-06-30', '2027-01-01'],
    ['half', '2027-07-01', '2027-07-01'],
    ['half', '2027-12-31', '2027-07-01'],
  ] as const)('%s as of %s starts on %s', (window, asOf, fromDate) => {
    expect(measureWindow(window, asOf)).toEqual({ fromDate, toDate: asOf });
  });

  test('lifetime has no window; a malformed date is refused', () => {
    expect(measureWindow('lifetime', '2027-01-20')).toBeNull();
    expect(() => measureWindow('month', '20.01.2027')).toThrow(RangeError);
  });
});

describe('previousPeriod: the whole calendar period before the one holding the date', () => {
  test.each([
    // Seed 004's growth rebate: Q2 against Q1, Q1 against last year's Q4.
    ['quarter', '2027-06-30', '2027-01-01', '2027-03-31'],
    ['quarter', '2027-02-10', '2026-10-01', '2026-12-31'],
    ['half', '2027-07-01', '2027-01-01', '2027-06-30'],
    ['half', '2027-03-15', '2026-07-01', '2026-12-31'],
    ['month', '2027-03-31', '2027-02-01', '2027-02-28'],
    ['month', '2027-01-05', '2026-12-01', '2026-12-31'],
  ] as const)('%s of %s: %s to %s', (window, asOf, fromDate, toDate) => {
    expect(previousPeriod(window, asOf)).toEqual({ fromDate, toDate });
  });
});

describe('windowInstants: Moscow midnights', () => {
  test('from the first day 00:00 MSK to the midnight after the last day, across a year end', () => {
    expect(windowInstants({ fromDate: '2026-12-20', toDate: '2027-01-20' })).toEqual({
      from: new Date('2026-12-19T21:00:00Z'),
      until: new Date('2027-01-20T21:00:00Z'),
    });
    expect(windowInstants({ fromDate: '2026-12-01', toDate: '2026-12-31' }).until).toEqual(
      new Date('2026-12-31T21:00:00Z'),
    );
  });
});
