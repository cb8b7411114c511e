import type { Db } from '../db/pool';
import { AppError } from '../errors';
import { createId } from '../ids';
import { enqueue } from '../outbox/outbox';
import { findPartnerById } from '../partners/partner.service';
import { getPartnerOrThrow } from '../partners/partner.service';
import { findHoldingPin } from '../pins/pin.service';
import { staffView } from '../pins/pin.rules';
import * as repo from './question.repository';

// The door for the amoCRM delivery of a question's partner task.
export { findQuestionForTask } from './question.repository';

/**
 * Rule 13: support routes a pinned client's setup question to its partner — a row in the partner's inbox,
 * and a task in the partner's amoCRM delivered by the outbox after commit (without an amoCRM connection the
 * question stays in the inbox only).
 */
export async function routeQuestion(
  db: Db,
  input: { clientAccountId: number; text: string; askedByUserId: number },
): Promise<{ question: repo.QuestionRow; partnerId: string }> {
  const pin = await findHoldingPin(db, input.clientAccountId);
  if (!pin || !staffView(pin).routeToPartner)
    throw new AppError(
      'no_partner_for_client',
      'This client is not pinned to a partner; support helps it directly',
    );
  const partner = (await findPartnerById(db, pin.partner_id))!;
  const question = await repo.insertQuestion(db, {
    id: createId('qst'),
    client_account_id: BigInt(input.clientAccountId),
    pin_id: pin.id,
    partner_id: partner.id,
    text: input.text,
    asked_by_user_id: BigInt(input.askedByUserId),
  });
  await enqueue(db, {
    kind: 'partner_task.question',
    targetAccountId: Number(partner.account_id),
    dedupeKey: `question:${question.id}`,
    payload: { questionId: question.id, clientAccountId: input.clientAccountId },
  });
  return { question, partnerId: partner.id };
}

/**
 * The partner marks its question answered. Idempotent: a question answered already (by a repeated call or a
 * concurrent one) comes back as it is, with `changed: false`.
 */
export async function answerQuestion(
  db: Db,
  input: { accountId: number; userId: number; questionId: string },
): Promise<{ question: repo.QuestionRow; changed: boolean }> {
  const partner = await getPartnerOrThrow(db, input.accountId);
  const current = await repo.findQuestion(db, input.questionId, { partnerId: partner.id });
  if (!current) throw new AppError('not_found', 'No such question');
  if (current.answered_at) return { question: current, changed: false };
  const row = await repo.markAnswered(db, input.questionId, input.userId);
  if (row) return { question: row, changed: true };
  // A concurrent request marked it answered between our read and our update: the outcome the caller
  // asked for holds, so it gets the same answer as a repeated call.
  const answered = await repo.findQuestion(db, input.questionId);
  if (!answered?.answered_at) throw new AppError('conflict', 'The question changed meanwhile; retry');
  return { question: answered, changed: false };
}
