/** The payout calendar: pure dates in the program's time zone (Moscow, UTC+3 all year, no DST). */

/** Today's date (YYYY-MM-DD) in the program's time zone, Moscow (UTC+3 all year). */
export function programDate(now: Date): string {
  return new Date(now.getTime() + 3 * 3600 * 1000).toISOString().slice(0, 10);
}

/** The date a scheduled run uses: today in Moscow, if today is one of the program's payout days. */
export function scheduledPayoutDate(now: Date, payoutDaysOfMonth: number[]): string | null {
  const today = programDate(now);
  return payoutDaysOfMonth.includes(Number(today.slice(8, 10))) ? today : null;
}
