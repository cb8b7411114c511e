import { defineRoute } from '../http/route';
import { AppError } from '../errors';
import { findPartnerById } from '../partners/partner.service';
import { ProgramSettings, RateBody } from './settings';
import { presetOf } from '../programs/program.presets';
import { getProgramSettings, insertRateSchedule, updateProgramSettings } from './settings.service';

/** The program's settings (hold, minimum, payout days, reminders) and partners' personal rates, for admins. */
export const settingsRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/settings',
    summary: 'Admin: program settings (hold, minimum, payout days, reminder days)',
    tag: 'admin',
    auth: 'admin',
    responses: { 200: { description: 'Settings', schema: ProgramSettings } },
    async handler({ db, app }) {
      return { status: 200, body: await getProgramSettings(db, presetOf(app)) };
    },
  }),

  defineRoute({
    method: 'put',
    path: '/api/v1/admin/settings',
    summary:
      'Admin: change program settings; a change of hold, minimum or payout days is a new program version from now',
    tag: 'admin',
    auth: 'admin',
    body: ProgramSettings.partial().strict(),
    responses: { 200: { description: 'Settings', schema: ProgramSettings } },
    async handler({ db, body, audit, app }) {
      const settings = await updateProgramSettings(db, body, 'admin', presetOf(app));
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
