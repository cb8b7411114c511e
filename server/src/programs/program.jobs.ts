import type { AppContext } from '../context';
import type { JobDefinition } from '../jobs/scheduler';
import { programDate } from '../payouts/payout.rules';
import { DEFAULT_PRESET } from './program';
import { recordTiers } from './program.service';

export const TIERS_JOB = 'programs.daily-tiers';

/**
 * The daily computations of a program (seed 003: the tier "recomputed daily"): at 00:30 Moscow time, each
 * partner's tier of the day that just ended is recorded. Idempotent per date, so agenda's at-least-once runs and
 * several processes record nothing twice; a missed day is recorded by an admin's settle for that date.
 */
export function programJobs(
  context: Pick<AppContext, 'db' | 'log' | 'config'>,
  now: () => Date = () => new Date(),
): JobDefinition[] {
  return [
    {
      name: TIERS_JOB,
      every: '30 0 * * *',
      timezone: 'Europe/Moscow',
      async run() {
        const yesterday = programDate(new Date(now().getTime() - 24 * 3600 * 1000));
        const recorded = await context.db
          .transaction()
          .execute((trx) => recordTiers(trx, yesterday, context.config.programPreset ?? DEFAULT_PRESET));
        if (recorded > 0) context.log.info({ on: yesterday, partners: recorded }, 'daily tiers recorded');
      },
    },
  ];
}
