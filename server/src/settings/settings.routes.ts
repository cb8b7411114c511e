import { defineRoute } from '../http/route';
import { AppError } from '../errors';
import { findPartnerById } from '../partners/partner.service';
import { ProgramSettings, RateBody } from './settings';
import { getProgramSettings, insertRateSchedule, updateProgramSettings } from './settings.repository';

/** The program's settings (hold, minimum, payout days) and its rate schedule (rule 16), for admins. */
export const settingsRoutes = [
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
    summary:
      "Admin: a partner's personal rate from a date on (the program's rates are in its document); past commissions keep their rate",
    tag: 'admin',
    auth: 'admin',
    body: RateBody,
    responses: { 201: { description: 'Scheduled', schema: RateBody } },
    async handler({ db, body, audit }) {
      if (!(await findPartnerById(db, body.partnerId))) throw new AppError('not_found', 'No such partner');
      await insertRateSchedule(db, {
        partnerId: body.partnerId,
        channel: body.channel,
        rateBps: body.rateBps,
        effectiveFrom: new Date(body.effectiveFrom),
      });
      await audit('rate.scheduled', { type: 'rate', id: body.partnerId }, body);
      return { status: 201, body };
    },
  }),
];
