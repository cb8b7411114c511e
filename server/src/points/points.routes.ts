import { z } from 'zod';
import { problemResponses } from '../http/errors';
import { defineRoute } from '../http/route';
import { requestHash } from '../idempotency/idempotency';
import { AccountIdParam } from '../pins/pin';

import { PointsQuery, PointsView, RedemptionBody, RedemptionResult } from './points';
import { pointsOf, redeemPoints } from './points.service';
import { presetOf } from '../programs/program.presets';
import { answerRecorded, recordedResponses } from '../http/recorded';

/** Billing's side of the client's points (seed 002's two-sided rewards). */
export const pointsRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/points/:accountId',
    summary:
      "Billing: a client account's points, and the most of a purchase of `purchaseMinor` they may pay under the program",
    tag: 'billing',
    auth: 'billing',
    params: z.strictObject({ accountId: AccountIdParam }),
    query: PointsQuery,
    responses: { 200: { description: 'The balance (0 for an account with none)', schema: PointsView } },
    async handler({ db, params, query, app }) {
      return {
        status: 200,
        body: await pointsOf(db, params.accountId, query.purchaseMinor, presetOf(app)),
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/points/redemptions',
    summary:
      'Billing: a client paid part of a purchase with points; idempotent by externalId, refused beyond the balance or the share cap',
    tag: 'billing',
    auth: 'billing',
    body: RedemptionBody,
    responses: {
      ...recordedResponses(RedemptionResult, {
        created: 'Redeemed',
        existing: 'The same redemption again: the first result',
      }),
      ...problemResponses({
        idempotency_key_reused: 'The same externalId with other data',
        unprocessable: 'More than the balance, or more than the program lets points pay of the purchase',
      }),
    },
    async handler({ db, body, app, audit }) {
      const outcome = await redeemPoints(db, body, requestHash('points_redemption', '', body), presetOf(app));
      return answerRecorded(outcome, () =>
        audit(
          'points.redeemed',
          { type: 'point_redemption', id: outcome.result.id },
          { externalId: body.externalId, amountMinor: body.amountMinor },
        ),
      );
    },
  }),
];
