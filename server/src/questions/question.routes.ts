import { z } from 'zod';
import { AppError } from '../errors';
import { decodeCursor, ListQuery, page } from '../http/pagination';
import { defineRoute } from '../http/route';
import { createId, idOf } from '../ids';
import { enqueue } from '../outbox/outbox.repository';
import { findPartnerById } from '../partners/partner.repository';
import { getPartnerOrThrow } from '../partners/partner.service';
import { AccountIdParam } from '../pins/pin';
import { findHoldingPin } from '../pins/pin.repository';
import { staffView } from '../pins/pin.rules';
import { QuestionView } from './question';

const QuestionIdParams = z.strictObject({
  id: idOf('qst'),
});

type QuestionRow = {
  id: string;
  client_account_id: bigint;
  pin_id: string;
  text: string;
  created_at: Date;
  answered_at: Date | null;
};
const toView = (q: QuestionRow) => ({
  id: q.id,
  clientAccountId: Number(q.client_account_id),
  pinId: q.pin_id,
  text: q.text,
  createdAt: q.created_at.toISOString(),
  answeredAt: q.answered_at?.toISOString() ?? null,
});

/** Rule 13: support routes a pinned client's setup questions to its partner. */
export const questionRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/staff/clients/:accountId/questions',
    summary: "Route a client's question to its partner (widget inbox, and an amoCRM task when connected)",
    tag: 'staff',
    auth: 'staff',
    params: z.strictObject({ accountId: AccountIdParam }),
    body: z.strictObject({ text: z.string().trim().min(3).max(5000) }),
    responses: {
      201: { description: 'Routed', schema: QuestionView.extend({ partnerId: z.string() }) },
      422: { description: 'no_partner_for_client' },
    },
    async handler({ db, params, body, caller, audit }) {
      const pin = await findHoldingPin(db, params.accountId);
      if (!pin || !staffView(pin).routeToPartner)
        throw new AppError(
          'no_partner_for_client',
          'This client is not pinned to a partner; support helps it directly',
        );
      const partner = (await findPartnerById(db, pin.partner_id))!;
      const row = await db
        .insertInto('questions')
        .values({
          id: createId('qst'),
          client_account_id: BigInt(params.accountId),
          pin_id: pin.id,
          partner_id: partner.id,
          text: body.text,
          asked_by_user_id: BigInt(caller.userId),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The task in the partner's amoCRM is delivered after commit; without a connection it stays in the inbox only.
      await enqueue(db, {
        kind: 'partner_task.question',
        targetAccountId: Number(partner.account_id),
        dedupeKey: `question:${row.id}`,
        payload: { questionId: row.id, clientAccountId: params.accountId },
      });
      await audit(
        'question.routed',
        { type: 'question', id: row.id },
        { clientAccountId: params.accountId, partnerId: partner.id },
      );
      return { status: 201, body: { ...toView(row), partnerId: partner.id } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/questions',
    summary: 'Partner: client questions routed to this partner, newest first',
    tag: 'questions',
    auth: 'account',
    query: ListQuery.extend({ answered: z.enum(['true', 'false']).optional() }),
    responses: {
      200: {
        description: 'Questions',
        schema: z.object({ items: z.array(QuestionView), nextCursor: z.string().nullable() }),
      },
    },
    async handler({ db, caller, query }) {
      const partner = await getPartnerOrThrow(db, caller.accountId);
      const after = decodeCursor(query.cursor, z.object({ id: z.string() }));
      let q = db
        .selectFrom('questions')
        .selectAll()
        .where('partner_id', '=', partner.id)
        .orderBy('id', 'desc')
        .limit(query.limit + 1);
      if (after) q = q.where('id', '<', after.id);
      if (query.answered === 'true') q = q.where('answered_at', 'is not', null);
      if (query.answered === 'false') q = q.where('answered_at', 'is', null);
      return { status: 200, body: page(await q.execute(), query.limit, toView, (r) => ({ id: r.id })) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/questions/:id/answered',
    summary: 'Partner: mark a routed question answered',
    tag: 'questions',
    auth: 'account',
    params: QuestionIdParams,
    responses: { 200: { description: 'Question', schema: QuestionView } },
    async handler({ db, caller, params, audit }) {
      const partner = await getPartnerOrThrow(db, caller.accountId);
      const current = await db
        .selectFrom('questions')
        .selectAll()
        .where('id', '=', params.id)
        .where('partner_id', '=', partner.id)
        .executeTakeFirst();
      if (!current) throw new AppError('not_found', 'No such question');
      if (current.answered_at) return { status: 200, body: toView(current) };
      const row = await db
        .updateTable('questions')
        .set({ answered_at: new Date(), answered_by_user_id: BigInt(caller.userId) })
        .where('id', '=', params.id)
        .where('answered_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        // A concurrent request marked it answered between our read and our update: the outcome the
        // caller asked for holds, so it gets the same idempotent 200 as a repeated call.
        const answered = await db
          .selectFrom('questions')
          .selectAll()
          .where('id', '=', params.id)
          .executeTakeFirst();
        if (!answered?.answered_at) throw new AppError('conflict', 'The question changed meanwhile; retry');
        return { status: 200, body: toView(answered) };
      }
      await audit('question.answered', { type: 'question', id: row.id });
      return { status: 200, body: toView(row) };
    },
  }),
];
