import { PROGRAM_TIME_ZONE } from '../instants';
import type { JobDefinition } from '../jobs/scheduler';
import type { AppContext } from '../context';
import { recordAudit } from '../audit/audit';
import { DEFAULT_PRESET } from '../programs/program';
import { payoutPolicyInForce } from '../programs/program.service';
import { runPayouts, scheduledPayoutDate } from './payout.service';

export const PAYOUT_JOB = 'payouts.scheduled-run';

/**
 * Payouts on a schedule (rule 14): every day at 06:00 Moscow time the job asks whether today is one of the
 * program document's payout days (the 1st and the 15th in the presets) and, if so, runs payouts as of today. A run is unique
 * per date, so a job that runs twice (agenda is at-least-once, or two processes) creates nothing twice.
 */
export function payoutJobs(
  context: Pick<AppContext, 'db' | 'log'>,
  now: () => Date = () => new Date(),
): JobDefinition[] {
  return [
    {
      name: PAYOUT_JOB,
      every: '0 6 * * *',
      timezone: PROGRAM_TIME_ZONE,
      async run() {
        const policy = await payoutPolicyInForce(context.db, now(), DEFAULT_PRESET);
        const asOf = scheduledPayoutDate(now(), policy.daysOfMonth);
        if (!asOf) return;
        const run = await context.db.transaction().execute(async (trx) => {
          const result = await runPayouts(trx, asOf, now());
          if (result.created)
            await recordAudit(
              trx,
              { kind: 'system' },
              'payout.run',
              { type: 'payout_run', id: result.runId },
              { asOf, invoicesCreated: result.invoicesCreated, scheduled: true },
            );
          return result;
        });
        context.log.info(
          { asOf, created: run.created, invoices: run.invoicesCreated },
          'scheduled payout run',
        );
      },
    },
  ];
}
