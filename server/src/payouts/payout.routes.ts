import { z } from 'zod';
import { defineRoute } from '../http/route';
import { PastProgramDay } from '../programs/program';
import { listPayoutRuns, runPayouts } from './payout.service';
import { PayoutRunListView, PayoutRunView } from './payout';

export const payoutRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/payouts/run',
    summary:
      'Admin: run payouts as of a date → one reward invoice per partner (past the hold, above the minimum)',
    tag: 'admin',
    auth: 'admin',
    body: z.strictObject({
      // A run for a date pays what was past the hold on that date, so the date must have come (in the
      // program's time zone); before 2000 nothing was ever accrued.
      asOf: PastProgramDay,
    }),
    responses: {
      200: { description: 'The run (created: false when this date already ran)', schema: PayoutRunView },
    },
    async handler({ db, body, audit }) {
      const run = await runPayouts(db, body.asOf);
      if (run.created)
        await audit(
          'payout.run',
          { type: 'payout_run', id: run.runId },
          { asOf: body.asOf, invoicesCreated: run.invoicesCreated },
        );
      return { status: 200, body: { ...run, totalMinor: Number(run.totalMinor) } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/payouts/runs',
    summary: 'Admin: payout runs, newest first',
    tag: 'admin',
    auth: 'admin',
    responses: {
      200: { description: 'Runs', schema: PayoutRunListView },
    },
    async handler({ db }) {
      const rows = await listPayoutRuns(db, 100);
      return {
        status: 200,
        body: {
          items: rows.map((r) => ({
            runId: r.id,
            asOf: r.as_of,
            invoicesCreated: r.invoices_created,
            totalMinor: Number(r.total_minor),
          })),
        },
      };
    },
  }),
];
