/**
 * The SQL of levels and models (seed 004): exams, the level history the review records, model history and a
 * Referral partner's reward choice per client. Dates are Moscow dates (`YYYY-MM-DD`), read back as text.
 */
import { sql } from 'kysely';
import type { Db, Tx } from '../db/pool';
import { PROGRAM_TIME_ZONE } from '../instants';
import type { LevelEvent, LevelReason } from './level.rules';

/** Partners with a contract signed by the end of `asOf` (Moscow), with the Moscow date of it. */
export async function contractedPartners(
  db: Db,
  asOf: string,
  partnerIds?: readonly string[],
): Promise<Array<{ id: string; contractDate: string }>> {
  const { rows } = await sql<{ id: string; contract_date: string }>`
    SELECT id, (contract_signed_at AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)})::date::text AS contract_date
      FROM partners
     WHERE contract_signed_at IS NOT NULL
       AND (contract_signed_at AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)})::date <= ${asOf}::date
       AND (${partnerIds ?? null}::text[] IS NULL OR id = ANY(${partnerIds ?? null}))`.execute(db);
  return rows.map((r) => ({ id: r.id, contractDate: r.contract_date }));
}

/** The exam days of partners up to `asOf`, per partner. */
export async function examDatesUpTo(
  db: Db,
  asOf: string,
  partnerIds?: readonly string[],
): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ partner_id: string; passed_on: string }>`
    SELECT partner_id, passed_on::text AS passed_on FROM partner_exams
     WHERE passed_on <= ${asOf}::date
       AND (${partnerIds ?? null}::text[] IS NULL OR partner_id = ANY(${partnerIds ?? null}))
     ORDER BY partner_id, passed_on`.execute(db);
  const byPartner = new Map<string, string[]>();
  for (const r of rows) byPartner.set(r.partner_id, [...(byPartner.get(r.partner_id) ?? []), r.passed_on]);
  return byPartner;
}

/** Records an exam day; false when that day was recorded already. */
export async function insertExam(trx: Tx, partnerId: string, passedOn: string): Promise<boolean> {
  const result = await sql`
    INSERT INTO partner_exams (partner_id, passed_on) VALUES (${partnerId}, ${passedOn}::date)
    ON CONFLICT (partner_id, passed_on) DO NOTHING`.execute(trx);
  return Number(result.numAffectedRows ?? 0n) === 1;
}

export async function examDatesOf(db: Db, partnerId: string): Promise<string[]> {
  return [...((await examDatesUpTo(db, '9999-12-31', [partnerId])).get(partnerId) ?? [])];
}

/**
 * Makes the recorded level history of the reviewed partners what the review found up to `asOf`, in one statement:
 * rows on or before `asOf` the review no longer finds are removed (a back-dated exam or payment changed the past),
 * and each row found is written unless it is there already, so a review of a past that was right changes nothing.
 * Rows after `asOf` (a later review's) are left alone, but for the 1st after a month that ended on `asOf`, which
 * this review decides. `partnerIds` null: every partner was reviewed. Returns the rows written or removed.
 */
export async function replaceLevelHistory(
  trx: Tx,
  q: {
    asOf: string;
    programVersion: number;
    partnerIds: readonly string[] | null;
    rows: Array<{ partnerId: string } & LevelEvent>;
  },
): Promise<number> {
  const { rows } = await sql<{ changed: string }>`
    WITH computed AS (
      SELECT * FROM unnest(${q.rows.map((r) => r.partnerId)}::text[], ${q.rows.map((r) => r.fromDate)}::date[],
                           ${q.rows.map((r) => r.level)}::text[], ${q.rows.map((r) => r.reason)}::text[])
             AS c(partner_id, from_date, level_code, reason)
    ), removed AS (
      DELETE FROM partner_levels l
       WHERE (${q.partnerIds}::text[] IS NULL OR l.partner_id = ANY(${q.partnerIds}))
         AND l.from_date <= ${q.asOf}::date
         AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.partner_id = l.partner_id AND c.from_date = l.from_date)
      RETURNING 1
    ), written AS (
      INSERT INTO partner_levels AS l (partner_id, from_date, level_code, reason, program_version)
      SELECT partner_id, from_date, level_code, reason, ${q.programVersion} FROM computed
      ON CONFLICT (partner_id, from_date) DO UPDATE
         SET level_code = EXCLUDED.level_code, reason = EXCLUDED.reason,
             program_version = EXCLUDED.program_version, recorded_at = now()
       WHERE (l.level_code, l.reason) IS DISTINCT FROM (EXCLUDED.level_code, EXCLUDED.reason)
      RETURNING 1
    )
    SELECT ((SELECT count(*) FROM removed) + (SELECT count(*) FROM written))::text AS changed`.execute(trx);
  return Number(rows[0]?.changed ?? 0);
}

/** The recorded level history of a partner, oldest first. */
export async function levelHistoryOf(db: Db, partnerId: string): Promise<LevelEvent[]> {
  const { rows } = await sql<{ level_code: string; from_date: string; reason: LevelReason }>`
    SELECT level_code, from_date::text AS from_date, reason FROM partner_levels
     WHERE partner_id = ${partnerId} ORDER BY from_date`.execute(db);
  return rows.map((r) => ({ level: r.level_code, fromDate: r.from_date, reason: r.reason }));
}

/** Sets the partner's model from a date on; a second change on the same day replaces the first. */
export async function upsertModel(
  trx: Tx,
  partnerId: string,
  fromDate: string,
  model: string,
): Promise<void> {
  await sql`
    INSERT INTO partner_models (partner_id, from_date, model) VALUES (${partnerId}, ${fromDate}::date, ${model})
    ON CONFLICT (partner_id, from_date) DO UPDATE SET model = EXCLUDED.model, recorded_at = now()
     WHERE partner_models.model <> EXCLUDED.model`.execute(trx);
}

/** The model history of a partner, oldest first. */
export async function modelHistoryOf(
  db: Db,
  partnerId: string,
): Promise<Array<{ model: string; fromDate: string }>> {
  const { rows } = await sql<{ model: string; from_date: string }>`
    SELECT model, from_date::text AS from_date FROM partner_models
     WHERE partner_id = ${partnerId} ORDER BY from_date`.execute(db);
  return rows.map((r) => ({ model: r.model, fromDate: r.from_date }));
}

/**
 * What a partner's rewards depend on, on a Moscow date, in one round trip (only under a program with models): its
 * model in force, its recorded level, whether its contract was signed by then, and its reward choice for a client.
 */
export async function standingOn(
  db: Db,
  partnerId: string,
  date: string,
  clientAccountId: number | null,
): Promise<{ model: string | null; level: string | null; contracted: boolean; choice: string | null }> {
  const { rows } = await sql<{
    model: string | null;
    level: string | null;
    contracted: boolean | null;
    choice: string | null;
  }>`
    SELECT
      (SELECT model FROM partner_models WHERE partner_id = ${partnerId} AND from_date <= ${date}::date
        ORDER BY from_date DESC LIMIT 1) AS model,
      (SELECT level_code FROM partner_levels WHERE partner_id = ${partnerId} AND from_date <= ${date}::date
        ORDER BY from_date DESC LIMIT 1) AS level,
      (SELECT (contract_signed_at AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)})::date <= ${date}::date FROM partners
        WHERE id = ${partnerId}) AS contracted,
      (SELECT choice FROM partner_reward_choices WHERE partner_id = ${partnerId}
          AND client_account_id = ${clientAccountId}) AS choice`.execute(db);
  const r = rows[0]!;
  return { model: r.model, level: r.level, contracted: r.contracted === true, choice: r.choice };
}

/** Records (or changes) a partner's reward choice for a client. */
export async function upsertRewardChoice(
  trx: Tx,
  partnerId: string,
  clientAccountId: number,
  choice: string,
): Promise<void> {
  await sql`
    INSERT INTO partner_reward_choices (partner_id, client_account_id, choice)
    VALUES (${partnerId}, ${clientAccountId}, ${choice})
    ON CONFLICT (partner_id, client_account_id) DO UPDATE SET choice = EXCLUDED.choice, chosen_at = now()
     WHERE partner_reward_choices.choice <> EXCLUDED.choice`.execute(trx);
}

/** Whether the client account has paid at all (its first payment fixes a Referral reward choice). */
export async function clientHasPaid(db: Db, clientAccountId: number): Promise<boolean> {
  const { rows } = await sql<{ paid: boolean }>`
    SELECT EXISTS (SELECT 1 FROM payments WHERE client_account_id = ${clientAccountId}) AS paid`.execute(db);
  return rows[0]!.paid;
}
