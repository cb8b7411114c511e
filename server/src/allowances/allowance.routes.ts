import type { ZodType } from 'zod';
import type { Tx } from '../db/pool';
import { definePartnerRoute } from '../http/partner-route';
import { defineRoute, type HandlerContext } from '../http/route';
import { PartnerIdParams } from '../partners/partner';
import type { PartnerRow } from '../partners/partner.service';
import type { PresetName } from '../programs/program';
import {
  AllowancesView,
  BonusCodeBody,
  BonusCodeOut,
  FreeMonthBody,
  FreeMonthOut,
  type BonusCodeOut as BonusCode,
  type FreeMonthOut as FreeMonth,
} from './allowance';
import { allowancesOf, grantBonusCode, grantFreeMonth, partnerToGrantFor } from './allowance.service';
import { presetOf } from '../programs/program.presets';

/** What both grants answer besides 201; an `Idempotency-Key` replays a retried grant instead of granting twice. */
const refusals = {
  403: { description: 'The partner is blocked' },
  404: { description: 'Not a client pinned to this partner, or no such partner' },
  422: {
    description:
      'Refused by a rule of the program in force, named in errors[0] (path: the field; message: the rule and its numbers), or the program grants none',
  },
};

interface Grant<B, O extends { id: string }> {
  segment: string;
  what: string;
  body: ZodType<B>;
  out: ZodType<O>;
  grant(trx: Tx, partner: PartnerRow, body: B, preset: PresetName): Promise<O>;
  /** The audit row: the grant's action and details (never a bonus code itself, a bearer value). */
  action: string;
  details(granted: O): Record<string, unknown>;
}

const bonusCodes: Grant<BonusCodeBody, BonusCode> = {
  segment: 'bonus-codes',
  what: "a bonus code topping up its client's balance, within one code per client and the quarter's count and amount",
  body: BonusCodeBody,
  out: BonusCodeOut,
  grant: grantBonusCode,
  action: 'bonus_code.granted',
  details: (g) => ({ clientAccountId: g.clientAccountId, amountMinor: g.amountMinor, quarter: g.quarter }),
};

const freeMonths: Grant<FreeMonthBody, FreeMonth> = {
  segment: 'free-months',
  what: 'a free month of service for its client, within the client’s count, never right after its trial month, never two in a row',
  body: FreeMonthBody,
  out: FreeMonthOut,
  grant: grantFreeMonth,
  action: 'free_month.granted',
  details: (g) => ({ clientAccountId: g.clientAccountId, month: g.month }),
};

/** Grants, audits and answers 201: the same for the partner's own request and an admin's on its behalf. */
async function grantAndAnswer<B, O extends { id: string }>(
  spec: Grant<B, O>,
  ctx: Pick<HandlerContext<B, unknown, unknown>, 'db' | 'app' | 'audit'> & { body: B; db: Tx },
  partner: PartnerRow,
) {
  const granted = await spec.grant(ctx.db, partner, ctx.body, presetOf(ctx.app));
  await ctx.audit(
    spec.action,
    { type: 'allowance_grant', id: granted.id },
    {
      partnerId: partner.id,
      ...spec.details(granted),
    },
  );
  return { status: 201, body: granted };
}

function partnerGrantRoute<B, O extends { id: string }>(spec: Grant<B, O>) {
  return definePartnerRoute({
    method: 'post',
    path: `/api/v1/${spec.segment}`,
    summary: `Partner: ${spec.what}`,
    tag: 'allowances',
    body: spec.body,
    responses: { 201: { description: 'Granted', schema: spec.out }, ...refusals },
    handler: (ctx) => grantAndAnswer(spec, ctx, ctx.partner),
  });
}

/**
 * The vendor's manager grants on a partner's behalf (seed 004: «пока по запросу через менеджера»): the same rules,
 * the same quotas of that partner, for that partner's own clients; the audit row names the admin.
 */
function adminGrantRoute<B, O extends { id: string }>(spec: Grant<B, O>) {
  return defineRoute({
    method: 'post',
    path: `/api/v1/admin/partners/:id/${spec.segment}`,
    summary: `Admin, on a partner's behalf: ${spec.what}`,
    tag: 'allowances',
    auth: 'admin',
    params: PartnerIdParams,
    body: spec.body,
    responses: { 201: { description: 'Granted', schema: spec.out }, ...refusals },
    async handler(ctx) {
      return grantAndAnswer(spec, ctx, await partnerToGrantFor(ctx.db, ctx.params.id));
    },
  });
}

/** A partner grants its own clients what the program's `allowances` allow (seed 004); an admin may on its behalf. */
export const allowanceRoutes = [
  partnerGrantRoute(bonusCodes),
  partnerGrantRoute(freeMonths),
  adminGrantRoute(bonusCodes),
  adminGrantRoute(freeMonths),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/partners/:id/allowances',
    summary:
      "Admin: a partner's bonus codes and free months left this quarter, its codes and its clients' free months",
    tag: 'allowances',
    auth: 'admin',
    params: PartnerIdParams,
    responses: { 200: { description: 'The quotas and the grants', schema: AllowancesView } },
    async handler({ db, params, app }) {
      return {
        status: 200,
        body: await allowancesOf(db, await partnerToGrantFor(db, params.id), presetOf(app)),
      };
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
