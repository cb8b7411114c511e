import { scheduledPayoutDate } from './payout.rules';

describe('the payout schedule', () => {
  it.each([
    ['the 1st in Moscow is a payout day', '2026-12-01T03:00:00Z', [1, 15], '2026-12-01'],
    ['the 15th is a payout day', '2026-12-15T03:00:00Z', [1, 15], '2026-12-15'],
    ['the 2nd is not', '2026-12-02T03:00:00Z', [1, 15], null],
    ['late on the 14th UTC is already the 15th in Moscow', '2026-12-14T22:30:00Z', [1, 15], '2026-12-15'],
    ['a custom schedule', '2026-12-10T09:00:00Z', [10], '2026-12-10'],
  ])('%s', (_name, now, days, expected) => {
    expect(scheduledPayoutDate(new Date(now), days)).toBe(expected);
  });
});
