import { z } from 'zod';
import { defineRoute } from '../http/route';
import { getProgramSettings, updateProgramSettings } from '../settings/settings.repository';
import { ProgramSettings, RateBody } from '../settings/settings';
import { AppError } from '../errors';
import { findPartnerById } from '../partners/partner.repository';
import { PayoutRunListView, PayoutRunView } from './payout';
import { programDate, runPayouts } from './payout.service';

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
      asOf: z.iso.date().refine((d) => d >= '2000-01-01' && d <= programDate(new Date()), {
        message: 'must be a date from 2000-01-01 up to today (Moscow time)',
        params: { ru: 'дата не раньше 2000-01-01 и не позже сегодняшней (по Москве)' },
      }),
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
      const rows = await db
        .selectFrom('payout_runs')
        .selectAll()
        .orderBy('as_of', 'desc')
        .limit(100)
        .execute();
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

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/settings',
    summary: 'Admin: program settings (hold, minimum, payout days, reminder days)',
    tag: 'admin',
    auth: 'admin',
    responses: { 200: { description: 'Settings', schema: ProgramSettings } },
    async handler({ db }) {
      return { status: 200, body: await getProgramSettings(db) };
    },
  }),

  defineRoute({
    method: 'put',
    path: '/api/v1/admin/settings',
    summary: 'Admin: change program settings',
    tag: 'admin',
    auth: 'admin',
    body: ProgramSettings.partial().strict(),
    responses: { 200: { description: 'Settings', schema: ProgramSettings } },
    async handler({ db, body, audit }) {
      const settings = await updateProgramSettings(db, body);
      await audit('settings.changed', { type: 'program', id: 'settings' }, body);
      return { status: 200, body: settings };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/rates',
    summary: 'Admin: a program or per-partner rate from a date on; past commissions keep their rate',
    tag: 'admin',
    auth: 'admin',
    body: RateBody,
    responses: { 201: { description: 'Scheduled', schema: RateBody } },
    async handler({ db, body, audit }) {
      if (body.partnerId && !(await findPartnerById(db, body.partnerId)))
        throw new AppError('not_found', 'No such partner');
      await db
        .insertInto('rate_schedules')
        .values({
          partner_id: body.partnerId ?? null,
          channel: body.channel,
          rate_bps: body.rateBps,
          effective_from: new Date(body.effectiveFrom),
        })
        .execute();
      await audit('rate.scheduled', { type: 'rate', id: body.partnerId ?? 'program' }, body);
      return { status: 201, body };
    },
  }),
];
