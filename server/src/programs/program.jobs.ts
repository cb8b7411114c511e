import type { AppContext } from '../context';
import type { Tx } from '../db/pool';
import { DAY_MS, PROGRAM_TIME_ZONE } from '../instants';
import type { JobDefinition } from '../jobs/scheduler';
import { programDate } from '../payouts/payout.rules';
import { DEFAULT_PRESET } from './program';
import { reviewLevels } from './level.service';
import { recordTiers } from './program.service';
import { settleDue } from '../settlements/settlement.service';

export const TIERS_JOB = 'programs.daily-tiers';
export const LEVELS_JOB = 'programs.level-review';
export const SETTLEMENTS_JOB = 'programs.settlements';

/**
 * The daily computations of a program (seed 003: the tier "recomputed daily"; seed 004: level reviews and
 * rebates): at 00:30 Moscow time, each partner's tier of the day that just ended is recorded, then its levels are
 * reviewed and the settlements due are run. Idempotent per date, so agenda's at-least-once runs and
 * several processes record nothing twice; a missed day is recorded by an admin's settle for that date.
 */
export function programJobs(
  context: Pick<AppContext, 'db' | 'log' | 'config'>,
  now: () => Date = () => new Date(),
): JobDefinition[] {
  const preset = context.config.programPreset ?? DEFAULT_PRESET;
  /** A job at `every` (Moscow) that runs `work` in one transaction for the Moscow day that just ended. */
  const nightly = (
    name: string,
    every: string,
    work: (trx: Tx, day: string) => Promise<number>,
    logged: (count: number, day: string) => void,
  ): JobDefinition => ({
    name,
    every,
    timezone: PROGRAM_TIME_ZONE,
    async run() {
      const yesterday = programDate(new Date(now().getTime() - DAY_MS));
      const count = await context.db.transaction().execute((trx) => work(trx, yesterday));
      if (count > 0) logged(count, yesterday);
    },
  });
  return [
    nightly(
      TIERS_JOB,
      '30 0 * * *',
      (trx, day) => recordTiers(trx, day, preset),
      (partners, on) => context.log.info({ on, partners }, 'daily tiers recorded'),
    ),
    // The monthly level review (seed 004), run every night for the day that ended: on the last day of a month it
    // reviews the month just over (a demotion or a return from the 1st), on other days it finds nothing new but
    // exams recorded late. Idempotent, so a rerun or a second process writes nothing twice.
    nightly(
      LEVELS_JOB,
      '40 0 * * *',
      (trx, day) => reviewLevels(trx, day, preset),
      (changes, asOf) => context.log.info({ asOf, changes }, 'levels reviewed'),
    ),
    // Settlements (seed 004's rebates) of the runs in the month of the day that ended: the 1 July run settles
    // January–June in the night after 1 July, and the nights after it revise it if a back-dated payment changed
    // the half-year. A missed month is an admin's settle away (it looks back twelve months).
    nightly(
      SETTLEMENTS_JOB,
      '50 0 * * *',
      async (trx, day) => {
        const settled = await settleDue(trx, day, preset, 1);
        return settled.recorded + settled.revised;
      },
      (settlements, asOf) => context.log.info({ asOf, settlements }, 'settlements recorded'),
    ),
  ];
}
