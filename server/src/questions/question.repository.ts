import type { Selectable } from 'kysely';
import type { Db } from '../db/pool';
import type { Database } from '../db/schema';

export type QuestionRow = Selectable<Database['questions']>;

export async function insertQuestion(
  db: Db,
  row: Pick<QuestionRow, 'id' | 'client_account_id' | 'pin_id' | 'partner_id' | 'text' | 'asked_by_user_id'>,
): Promise<QuestionRow> {
  return db.insertInto('questions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A partner's questions, newest first, `limit + 1` rows so the caller knows whether another page follows. */
export async function listQuestions(
  db: Db,
  filter: { partnerId: string; answered?: boolean; beforeId?: string },
  limit: number,
): Promise<QuestionRow[]> {
  let q = db
    .selectFrom('questions')
    .selectAll()
    .where('partner_id', '=', filter.partnerId)
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (filter.beforeId) q = q.where('id', '<', filter.beforeId);
  if (filter.answered === true) q = q.where('answered_at', 'is not', null);
  if (filter.answered === false) q = q.where('answered_at', 'is', null);
  return q.execute();
}

export async function findQuestion(
  db: Db,
  id: string,
  options: { partnerId?: string } = {},
): Promise<QuestionRow | undefined> {
  let q = db.selectFrom('questions').selectAll().where('id', '=', id);
  if (options.partnerId) q = q.where('partner_id', '=', options.partnerId);
  return q.executeTakeFirst();
}

/** Marks an unanswered question answered; undefined when it was answered already (by anyone). */
export async function markAnswered(db: Db, id: string, userId: number): Promise<QuestionRow | undefined> {
  return db
    .updateTable('questions')
    .set({ answered_at: new Date(), answered_by_user_id: BigInt(userId) })
    .where('id', '=', id)
    .where('answered_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** A question as its partner task shows it: the text, the client, whether it was answered, the subdomain. */
export async function findQuestionForTask(db: Db, id: string) {
  return db
    .selectFrom('questions')
    .innerJoin('pins', 'pins.id', 'questions.pin_id')
    .select([
      'questions.id',
      'questions.text',
      'questions.client_account_id',
      'questions.answered_at',
      'pins.client_subdomain',
    ])
    .where('questions.id', '=', id)
    .executeTakeFirst();
}
