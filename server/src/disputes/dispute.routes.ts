import { z } from 'zod';
import type { Db } from '../db/pool';
import { ListQuery, pageById, pageOf } from '../http/pagination';
import { definePartnerRoute } from '../http/partner-route';
import { defineRoute } from '../http/route';
import { idOf } from '../ids';
import { listDisputes, type DisputeRow, type DisputeStatus } from './dispute.repository';
import { decideDispute, openDispute } from './dispute.service';
import { DisputeView } from './dispute';

const DisputeIdParams = z.strictObject({
  id: idOf('dsp'),
});

const OpenDisputeBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('rejected_pin'),
    pinId: idOf('pin'),
    text: z.string().trim().min(10).max(5000),
  }),
  z.strictObject({
    kind: z.literal('missing_commission'),
    paymentExternalId: z.string().trim().min(1).max(200),
    text: z.string().trim().min(10).max(5000),
  }),
]);

const DecisionBody = z
  .strictObject({
    decision: z.enum(['for_partner', 'against_partner']),
    reason: z.string().trim().min(3).max(2000),
    compensationMinor: z.number().int().positive().max(1e13).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('RUB'),
  })
  .refine((b) => b.decision === 'for_partner' || b.compensationMinor === undefined, {
    path: ['compensationMinor'],
    message: 'compensation is only for a decision in the partner’s favour',
  });

const toView = (d: DisputeRow) => ({
  id: d.id,
  partnerId: d.partner_id,
  kind: d.kind,
  pinId: d.pin_id,
  paymentExternalId: d.payment_external_id,
  text: d.text,
  status: d.status,
  decisionReason: d.decision_reason,
  compensationMinor: d.compensation_minor === null ? null : Number(d.compensation_minor),
  currency: d.currency,
  decidedAt: d.decided_at?.toISOString() ?? null,
  createdAt: d.created_at.toISOString(),
});

async function list(
  db: Db,
  filter: { partnerId?: string; status?: DisputeStatus },
  query: { limit: number; cursor?: string },
) {
  return pageById(query, (beforeId) => listDisputes(db, { ...filter, beforeId }, query.limit), toView);
}

const DisputeList = pageOf(DisputeView);

/** Rules 10 and 12: a partner disputes a refused pin or a missing commission; an admin decides, maybe compensates. */
export const disputeRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/disputes',
    summary: 'Partner: dispute a rejected pin or a missing commission',
    tag: 'disputes',
    auth: 'account',
    body: OpenDisputeBody,
    responses: { 201: { description: 'Opened', schema: DisputeView } },
    async handler({ db, caller, body, audit }) {
      const row = await openDispute(db, caller.accountId, body);
      await audit('dispute.opened', { type: 'dispute', id: row.id }, { kind: body.kind });
      return { status: 201, body: toView(row) };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/disputes',
    summary: "Partner: this partner's disputes and their decisions",
    tag: 'disputes',
    query: ListQuery,
    responses: { 200: { description: 'Disputes', schema: DisputeList } },
    async handler({ db, partner, query }) {
      return { status: 200, body: await list(db, { partnerId: partner.id }, query) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/disputes',
    summary: 'Admin: disputes, open ones first by filter',
    tag: 'admin',
    auth: 'admin',
    query: ListQuery.extend({
      status: z.enum(['open', 'decided_for_partner', 'decided_against_partner']).optional(),
    }),
    responses: { 200: { description: 'Disputes', schema: DisputeList } },
    async handler({ db, query }) {
      return { status: 200, body: await list(db, { status: query.status }, query) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/admin/disputes/:id/decision',
    summary:
      "Admin: decide a dispute; in the partner's favour with an optional compensation posted to the ledger",
    tag: 'admin',
    auth: 'admin',
    params: DisputeIdParams,
    body: DecisionBody,
    responses: { 200: { description: 'Decided', schema: DisputeView } },
    async handler({ db, params, body, caller, audit }) {
      const row = await decideDispute(db, params.id, {
        decision: body.decision,
        reason: body.reason,
        compensationMinor: body.compensationMinor === undefined ? undefined : BigInt(body.compensationMinor),
        currency: body.currency,
        decidedByUserId: caller.userId,
      });
      await audit(
        'dispute.decided',
        { type: 'dispute', id: row.id },
        { decision: body.decision, compensationMinor: body.compensationMinor ?? null },
      );
      return { status: 200, body: toView(row) };
    },
  }),
];
