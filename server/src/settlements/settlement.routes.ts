import { z } from 'zod';
import { definePartnerRoute } from '../http/partner-route';
import { answerRecorded } from '../http/recorded';
import { defineRoute } from '../http/route';
import { requestHash } from '../idempotency/idempotency';
import { PartnerIdParams } from '../partners/partner';
import { presetOf } from '../programs/program.presets';
import { BountyBody, BountyView, type ExtraReward, ExtraRewardList } from './settlement';
import * as repo from './settlement.repository';
import { recordBounty } from './settlement.service';

/** Seed 004's rebates and bounties: the admin records publications, the partner reads what it got and why. */
export const settlementRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/partners/:id/bounties',
    summary:
      "Admin: a partner's case study or comment was published; the program's bounty is owed (fixed, or an amount within its range)",
    tag: 'program',
    auth: 'admin',
    params: PartnerIdParams,
    body: BountyBody,
    responses: {
      201: { description: 'Recorded and owed to the partner', schema: BountyView },
      200: { description: 'The same publication again: the first record', schema: BountyView },
      409: { description: 'The same publication recorded with another amount' },
      422: { description: 'No such bounty in the program, or an amount outside its range' },
    },
    async handler({ db, params, body, caller, app, audit }) {
      const outcome = await recordBounty(
        db,
        params.id,
        body,
        `amo:${caller.accountId}:${caller.userId}`,
        requestHash('bounty', params.id, body),
        presetOf(app),
      );
      return answerRecorded(outcome, () =>
        audit(
          'bounty.recorded',
          { type: 'partner', id: params.id },
          { bountyId: body.bountyId, amountMinor: outcome.result.amountMinor },
        ),
      );
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/settlements',
    summary: 'Partner: its rebates, growth rebates and bounties, newest first, each with its calculation',
    tag: 'money',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    responses: { 200: { description: 'Extra rewards', schema: ExtraRewardList } },
    async handler({ db, partner, query }) {
      const rows = await repo.listPartnerExtras(db, partner.id, query.limit);
      return { status: 200, body: { items: rows.map(extraRewardView) } };
    },
  }),
];

function extraRewardView(r: repo.ExtraRewardRow): ExtraReward {
  return {
    kind: r.kind,
    id: r.id,
    ruleId: r.rule_id,
    period: r.period_from && r.period_to ? { fromDate: r.period_from, toDate: r.period_to } : null,
    at: r.at.toISOString(),
    amountMinor: Number(r.amount_minor),
    form: r.form,
    payable: r.payable,
    reason: r.reason,
    calculation: r.calculation,
  };
}
