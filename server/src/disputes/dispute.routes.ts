import { z } from 'zod';
import type { Db } from '../db/pool';
import { AppError } from '../errors';
import { decodeCursor, ListQuery, page } from '../http/pagination';
import { defineRoute } from '../http/route';
import { createId, idOf } from '../ids';
import { post } from '../ledger/ledger.service';
import { disputeCompensated } from '../ledger/postings';
import { getActivePartnerOrThrow, getPartnerOrThrow } from '../partners/partner.service';
import { findPin } from '../pins/pin.repository';
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

type Row = {
  id: string;
  partner_id: string;
  kind: 'rejected_pin' | 'missing_commission';
  pin_id: string | null;
  payment_external_id: string | null;
  text: string;
  status: 'open' | 'decided_for_partner' | 'decided_against_partner';
  decision_reason: string | null;
  compensation_minor: bigint | null;
  currency: string | null;
  decided_at: Date | null;
  created_at: Date;
};
const toView = (d: Row) => ({
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
  filter: { partnerId?: string; status?: Row['status'] },
  query: { limit: number; cursor?: string },
) {
  const after = decodeCursor(query.cursor, z.object({ id: z.string() }));
  let q = db
    .selectFrom('disputes')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (filter.partnerId) q = q.where('partner_id', '=', filter.partnerId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (after) q = q.where('id', '<', after.id);
  return page(await q.execute(), query.limit, toView, (r) => ({ id: r.id }));
}

const DisputeList = z.object({ items: z.array(DisputeView), nextCursor: z.string().nullable() });

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
      const partner = await getActivePartnerOrThrow(db, caller.accountId);
      if (body.kind === 'rejected_pin') {
        const pin = await findPin(db, body.pinId);
        if (!pin || pin.partner_id !== partner.id) throw new AppError('not_found', 'No such pin');
        if (pin.status !== 'rejected') throw new AppError('conflict', 'Only a rejected pin can be disputed');
      }
      const row = await db
        .insertInto('disputes')
        .values({
          id: createId('dsp'),
          partner_id: partner.id,
          kind: body.kind,
          pin_id: body.kind === 'rejected_pin' ? body.pinId : null,
          payment_external_id: body.kind === 'missing_commission' ? body.paymentExternalId : null,
          text: body.text,
          status: 'open',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await audit('dispute.opened', { type: 'dispute', id: row.id }, { kind: body.kind });
      return { status: 201, body: toView(row) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/disputes',
    summary: "Partner: this partner's disputes and their decisions",
    tag: 'disputes',
    auth: 'account',
    query: ListQuery,
    responses: { 200: { description: 'Disputes', schema: DisputeList } },
    async handler({ db, caller, query }) {
      const partner = await getPartnerOrThrow(db, caller.accountId);
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
      const current = await db
        .selectFrom('disputes')
        .selectAll()
        .where('id', '=', params.id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new AppError('not_found', 'No such dispute');
      if (current.status !== 'open') throw new AppError('conflict', 'This dispute is already decided');
      const compensation = body.compensationMinor === undefined ? null : BigInt(body.compensationMinor);
      const row = await db
        .updateTable('disputes')
        .set({
          status: body.decision === 'for_partner' ? 'decided_for_partner' : 'decided_against_partner',
          decision_reason: body.reason,
          compensation_minor: compensation,
          currency: compensation === null ? null : body.currency,
          decided_at: new Date(),
          decided_by_user_id: BigInt(caller.userId),
        })
        .where('id', '=', params.id)
        .where('status', '=', 'open')
        .returningAll()
        .executeTakeFirstOrThrow();
      if (compensation !== null) {
        // Rule 12: the vendor compensates the partner's loss; the dispute is the posting's reason.
        await post(
          db,
          disputeCompensated({
            disputeId: row.id,
            partnerId: row.partner_id,
            amountMinor: compensation,
            currency: body.currency,
            at: row.decided_at!,
          }),
        );
      }
      await audit(
        'dispute.decided',
        { type: 'dispute', id: row.id },
        { decision: body.decision, compensationMinor: body.compensationMinor ?? null },
      );
      return { status: 200, body: toView(row) };
    },
  }),
];
