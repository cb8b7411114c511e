import { z } from 'zod';
import { definePartnerRoute } from '../http/partner-route';
import { answerRecorded, recordedResponses } from '../http/recorded';
import { problemResponses } from '../http/errors';
import { defineRoute } from '../http/route';
import { PartnerIdParams } from '../partners/partner';
import { programDate } from '../payouts/payout.rules';
import { AccountIdParam } from '../pins/pin';
import { chooseReward, recordExam, setModel } from './level.service';
import {
  ExamBody,
  ExamResult,
  ModelBody,
  ModelResult,
  RewardChoiceBody,
  RewardChoiceResult,
} from './program';
import { presetOf } from './program.presets';

/** A body's date or instant as the Moscow date it falls on. */
const dayOf = (value: string) => (value.length === 10 ? value : programDate(new Date(value)));

/** Exams, models and reward choices of exam-or-revenue levels and partner models (seed 004). */
export const levelRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/partners/:id/exam',
    summary:
      'Admin: record an exam the partner passed (once per day); a demoted partner is back at the kept level from its day',
    tag: 'program',
    auth: 'admin',
    params: PartnerIdParams,
    body: ExamBody,
    responses: recordedResponses(ExamResult, {
      created: 'Recorded',
      existing: 'That day was recorded already',
    }),
    async handler({ db, params, body, app, audit }) {
      const passedOn = dayOf(body.passedAt);
      const result = await recordExam(db, params.id, passedOn, programDate(new Date()), presetOf(app));
      return answerRecorded(
        {
          result: { partnerId: params.id, passedOn, exams: result.exams, levelChanges: result.levelChanges },
          replayed: !result.created,
        },
        () => audit('partner.exam_recorded', { type: 'partner', id: params.id }, { passedOn }),
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/partners/:id/model',
    summary:
      "Admin: set the partner's model (referral, reseller, agent, white_label in the oblakoteka program) from a day on",
    tag: 'program',
    auth: 'admin',
    params: PartnerIdParams,
    body: ModelBody,
    responses: { 200: { description: 'The model and its history', schema: ModelResult } },
    async handler({ db, params, body, app, audit }) {
      const fromDate = body.from ? dayOf(body.from) : programDate(new Date());
      const result = await setModel(db, params.id, body.model, fromDate, presetOf(app));
      await audit('partner.model_set', { type: 'partner', id: params.id }, { model: body.model, fromDate });
      return { status: 200, body: { partnerId: params.id, ...result } };
    },
  }),

  definePartnerRoute({
    method: 'put',
    path: '/api/v1/clients/:accountId/reward-choice',
    summary:
      "Partner: choose its reward for a client before the client's first payment (Referral: monthly, or the first month once)",
    tag: 'program',
    params: z.strictObject({ accountId: AccountIdParam }),
    body: RewardChoiceBody,
    responses: {
      200: { description: 'The choice', schema: RewardChoiceResult },
      ...problemResponses({
        conflict: 'The client has paid already: the choice is fixed',
        unprocessable: "The partner's model has no choice per client",
      }),
    },
    async handler({ db, partner, params, body, app }) {
      const result = await chooseReward(
        db,
        partner.id,
        params.accountId,
        body.choice,
        new Date(),
        presetOf(app),
      );
      return { status: 200, body: result };
    },
  }),
];
