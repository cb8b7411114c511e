import type { AppContext } from '../context';
import { definePartnerRoute } from '../http/partner-route';
import { DEFAULT_PRESET } from '../programs/program';
import { AllowancesView, BonusCodeBody, BonusCodeOut, FreeMonthBody, FreeMonthOut } from './allowance';
import { allowancesOf, grantBonusCode, grantFreeMonth } from './allowance.service';

const presetOf = (app: AppContext) => app.config.programPreset ?? DEFAULT_PRESET;

/** What both grants answer besides 201; an `Idempotency-Key` replays a retried grant instead of granting twice. */
const refusals = {
  403: { description: 'The partner is blocked' },
  404: { description: 'Not a client pinned to this partner (or the account is not a registered partner)' },
  422: {
    description:
      'Refused by a rule of the program in force, named in errors[0] (path: the field; message: the rule and its numbers), or the program grants none',
  },
};

/** A partner grants its own clients what the program's `allowances` allow (seed 004). */
export const allowanceRoutes = [
  definePartnerRoute({
    method: 'post',
    path: '/api/v1/bonus-codes',
    summary:
      "Partner: a bonus code topping up its client's balance, within one code per client and the quarter's count and amount",
    tag: 'allowances',
    body: BonusCodeBody,
    responses: {
      201: { description: 'Granted: the code to hand to the client', schema: BonusCodeOut },
      ...refusals,
    },
    async handler({ db, body, partner, app, audit }) {
      const granted = await grantBonusCode(db, partner, body, presetOf(app));
      // The code itself is a bearer value: the audit row names the grant, not the code.
      await audit(
        'bonus_code.granted',
        { type: 'allowance_grant', id: granted.id },
        {
          clientAccountId: granted.clientAccountId,
          amountMinor: granted.amountMinor,
          quarter: granted.quarter,
        },
      );
      return { status: 201, body: granted };
    },
  }),

  definePartnerRoute({
    method: 'post',
    path: '/api/v1/free-months',
    summary:
      'Partner: a free month of service for its client, within the client’s count, never right after its trial month, never two in a row',
    tag: 'allowances',
    body: FreeMonthBody,
    responses: { 201: { description: 'Granted', schema: FreeMonthOut }, ...refusals },
    async handler({ db, body, partner, app, audit }) {
      const granted = await grantFreeMonth(db, partner, body, presetOf(app));
      await audit(
        'free_month.granted',
        { type: 'allowance_grant', id: granted.id },
        { clientAccountId: granted.clientAccountId, month: granted.month },
      );
      return { status: 201, body: granted };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/allowances',
    summary:
      "Partner: bonus codes and free months left this quarter, its codes, and its clients' free months",
    tag: 'allowances',
    responses: { 200: { description: 'The quotas and the grants', schema: AllowancesView } },
    async handler({ db, partner, app }) {
      return { status: 200, body: await allowancesOf(db, partner, presetOf(app)) };
    },
  }),
];
