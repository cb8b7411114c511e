import type { AppContext } from '../context';
import type { JobDefinition } from '../jobs/scheduler';
import { programDate } from '../payouts/payout.rules';
import { DEFAULT_PRESET } from './program';
import { settleDue } from '../settlements/settlement.service';
import { recordTiers } from './program.service';

export const TIERS_JOB = 'programs.daily-tiers';

/**
 * The daily computations of a program (seed 003: the tier "recomputed daily"; seed 004: the rebates of the
 * periods that ended): at 00:30 Moscow time, each partner's tier of the day that just ended is recorded, then the
 * settlements whose run date is in this month. Idempotent per date, so agenda's at-least-once runs and
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
        const preset = context.config.programPreset ?? DEFAULT_PRESET;
        const today = programDate(now());
        const yesterday = programDate(new Date(now().getTime() - 24 * 3600 * 1000));
        const recorded = await context.db.transaction().execute((trx) => recordTiers(trx, yesterday, preset));
        if (recorded > 0) context.log.info({ on: yesterday, partners: recorded }, 'daily tiers recorded');
        // Settlements run in their run month (the 1st of January and July for a half-year rebate); looking at this
        // month's runs only, a back-dated payment in the month still revises them, and a missed month is an
        // admin's settle away.
        const settled = await context.db.transaction().execute((trx) => settleDue(trx, today, preset, 1));
        if (settled.recorded + settled.revised > 0)
          context.log.info({ on: today, ...settled }, 'settlements recorded');
      },
    },
  ];
}
