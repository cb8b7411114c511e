import { z } from 'zod';
import { ListQuery, pageById, pageOf } from '../http/pagination';
import { definePartnerRoute } from '../http/partner-route';
import { defineRoute } from '../http/route';
import { idOf } from '../ids';
import { AccountIdParam } from '../pins/pin';
import { listQuestions, type QuestionRow } from './question.repository';
import { answerQuestion, routeQuestion } from './question.service';
import { QuestionView } from './question';

const QuestionIdParams = z.strictObject({
  id: idOf('qst'),
});

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
      const { question: row, partnerId } = await routeQuestion(db, {
        clientAccountId: params.accountId,
        text: body.text,
        askedByUserId: caller.userId,
      });
      await audit(
        'question.routed',
        { type: 'question', id: row.id },
        { clientAccountId: params.accountId, partnerId },
      );
      return { status: 201, body: { ...toView(row), partnerId } };
    },
  }),

  definePartnerRoute({
    method: 'get',
    path: '/api/v1/questions',
    summary: 'Partner: client questions routed to this partner, newest first',
    tag: 'questions',
    query: ListQuery.extend({ answered: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Questions', schema: pageOf(QuestionView) } },
    async handler({ db, partner, query }) {
      const answered = query.answered === undefined ? undefined : query.answered === 'true';
      const load = (beforeId?: string) =>
        listQuestions(db, { partnerId: partner.id, beforeId, answered }, query.limit);
      return { status: 200, body: await pageById(query, load, toView) };
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
      const { question, changed } = await answerQuestion(db, {
        accountId: caller.accountId,
        userId: caller.userId,
        questionId: params.id,
      });
      if (changed) await audit('question.answered', { type: 'question', id: question.id });
      return { status: 200, body: toView(question) };
    },
  }),
];
