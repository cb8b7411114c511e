import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from '../db/pool';
import { PROGRAM_TIME_ZONE } from '../instants';
import type { PartnerKind, PartnerStatus } from '../partners/partner';
import type { CalculationCase, CalculationFigures } from './settlement.rules';

/**
 * What decides whether a partner's settlement or bounty may be paid out (DOMAIN.md rules 3–4), and, under a
 * program with models (seed 004), its model and recorded level on the date asked.
 */
export interface PartnerFacts {
  id: string;
  kind: PartnerKind;
  status: PartnerStatus;
  contractSignedAt: Date | null;
  model: string | null;
  level: string | null;
}

export async function partnerFacts(
  db: Db,
  ids: readonly string[],
  onDate: string,
): Promise<Map<string, PartnerFacts>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{
    id: string;
    kind: PartnerKind;
    status: PartnerStatus;
    contract_signed_at: Date | null;
    model: string | null;
    level: string | null;
  }>`
    SELECT p.id, p.kind, p.status, p.contract_signed_at,
           (SELECT m.model FROM partner_models m WHERE m.partner_id = p.id AND m.from_date <= ${onDate}::date
             ORDER BY m.from_date DESC LIMIT 1) AS model,
           (SELECT l.level_code FROM partner_levels l WHERE l.partner_id = p.id AND l.from_date <= ${onDate}::date
             ORDER BY l.from_date DESC LIMIT 1) AS level
      FROM partners p WHERE p.id = ANY(${[...ids]}::text[])`.execute(db);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        kind: r.kind,
        status: r.status,
        contractSignedAt: r.contract_signed_at,
        model: r.model,
        level: r.level,
      },
    ]),
  );
}

/** The statements of each partner's measure in a period: rows of (`partner_id`, `value`), summed by partner. */
export type MeasureParts = ReadonlyArray<RawBuilder<{ partner_id: string; value: bigint }>>;

/** One settlement's period, as a run stages it in the database (`stagePeriod`). */
export interface PeriodToStage {
  settlementId: string;
  kind: 'rebate' | 'growth';
  rateBps: number;
  periodFrom: string;
  /** The Moscow date a new settlement's model, level and payability are taken on: the period's last day. */
  periodTo: string;
  measured: MeasureParts;
  /** The same for the period before, for a growth settlement; empty for a rebate. */
  measuredBefore: MeasureParts;
}

const sumByPartner = (parts: MeasureParts) =>
  parts.length === 0
    ? sql`SELECT NULL::text AS partner_id, NULL::bigint AS value WHERE false`
    : sql`SELECT partner_id, sum(value)::bigint AS value FROM (${sql.join(
        parts.map((part) => sql`(${part})`),
        sql` UNION ALL `,
      )}) u GROUP BY partner_id`;

/**
 * Stages a settlement's period in a temporary table, one row per partner with a measure in the period (or the
 * period before): its measures, its amount and the case of its calculation — `settlementAmount`'s rule, decided
 * here for every partner at once — the settlement already recorded for the period, if any, and the facts a new
 * one is decided on. The period's recorded settlements are locked first, so a concurrent run waits and this one
 * then reads what that one committed.
 */
export async function stagePeriod(trx: Tx, q: PeriodToStage): Promise<void> {
  await sql`
    SELECT count(*) FROM (SELECT 1 FROM partner_settlements
                           WHERE settlement_id = ${q.settlementId} AND period_from = ${q.periodFrom}::date
                             FOR UPDATE) locked`.execute(trx);
  const rate = sql`${q.rateBps}::numeric`;
  await sql`
    CREATE TEMP TABLE settle_period ON COMMIT DROP AS
    WITH now_m AS (${sumByPartner(q.measured)}), before_m AS (${sumByPartner(q.measuredBefore)}),
    partner AS (
      SELECT p.id AS partner_id, coalesce(n.value, 0)::bigint AS measure_minor,
             CASE WHEN ${q.kind} = 'growth' THEN coalesce(b.value, 0)::bigint END AS previous_minor,
             s.id AS existing_id, s.amount_minor AS existing_minor, s.revision AS existing_revision,
             s.measure_minor AS existing_measure, s.previous_minor AS existing_previous,
             s.form AS existing_form, s.payable AS existing_payable,
             p.kind, p.status, p.contract_signed_at,
             (SELECT m.model FROM partner_models m WHERE m.partner_id = p.id AND m.from_date <= ${q.periodTo}::date
               ORDER BY m.from_date DESC LIMIT 1) AS model,
             (SELECT l.level_code FROM partner_levels l WHERE l.partner_id = p.id AND l.from_date <= ${q.periodTo}::date
               ORDER BY l.from_date DESC LIMIT 1) AS level
        FROM (SELECT partner_id FROM now_m UNION SELECT partner_id FROM before_m) ids
        JOIN partners p ON p.id = ids.partner_id
        LEFT JOIN now_m n ON n.partner_id = p.id
        LEFT JOIN before_m b ON b.partner_id = p.id
        LEFT JOIN partner_settlements s
               ON s.partner_id = p.id AND s.settlement_id = ${q.settlementId} AND s.period_from = ${q.periodFrom}::date
    ), decided AS (
      SELECT partner.*,
             CASE WHEN ${q.kind} = 'rebate' THEN 'rebate'
                  WHEN previous_minor <= 0 THEN 'no_base'
                  WHEN measure_minor - previous_minor <= 0 THEN 'no_growth'
                  ELSE 'growth' END AS calculation_case
        FROM partner
    )
    SELECT decided.*,
           CASE calculation_case
             WHEN 'rebate' THEN divide_rounded(measure_minor * ${rate}, 10000)
             WHEN 'growth' THEN divide_rounded((measure_minor - previous_minor) * ${rate}, 10000)
             ELSE 0 END AS amount_minor,
           coalesce(existing_id, create_id('stl')) AS row_id,
           coalesce(existing_revision + 1, 1) AS revision,
           existing_form AS form, existing_payable AS payable, NULL::text AS reason,
           existing_id IS NOT NULL AS included
      FROM decided`.execute(trx);
}

/** The facts new settlements of the staged period are decided on, once per distinct combination of them. */
export interface PartnerProfile {
  model: string | null;
  level: string | null;
  kind: PartnerKind;
  status: PartnerStatus;
  /** The earliest signing date among the partners with this profile; null when none of them signed. */
  contract_signed_at: Date | null;
}

/** The distinct profiles among the staged partners without a settlement yet: a handful, whatever their number. */
export async function stagedProfiles(trx: Tx): Promise<PartnerProfile[]> {
  const { rows } = await sql<PartnerProfile>`
    SELECT model, level, kind, status, min(contract_signed_at) AS contract_signed_at
      FROM settle_period WHERE existing_id IS NULL
     GROUP BY model, level, kind, status, contract_signed_at IS NULL`.execute(trx);
  return rows;
}

/** What a profile's new settlement is: whether it has one at all, and its form and payability. */
export interface ProfileDecision {
  profile: PartnerProfile;
  included: boolean;
  form: 'payout' | 'one_time_discount';
  payable: boolean;
  reason: string | null;
}

/** Applies each profile's decision to the staged partners of that profile without a settlement yet. */
export async function decideStaged(trx: Tx, decisions: readonly ProfileDecision[]): Promise<void> {
  if (decisions.length === 0) return;
  const column = <T>(pick: (d: ProfileDecision) => T) => decisions.map(pick);
  await sql`
    UPDATE settle_period r
       SET included = d.included, form = d.form, payable = d.payable, reason = d.reason
      FROM unnest(${column((d) => d.profile.model)}::text[], ${column((d) => d.profile.level)}::text[],
                  ${column((d) => d.profile.kind)}::text[], ${column((d) => d.profile.status)}::text[],
                  ${column((d) => d.profile.contract_signed_at === null)}::boolean[],
                  ${column((d) => d.included)}::boolean[], ${column((d) => d.form)}::text[],
                  ${column((d) => d.payable)}::boolean[], ${column((d) => d.reason)}::text[])
        AS d(model, level, kind, status, unsigned, included, form, payable, reason)
     WHERE r.existing_id IS NULL
       AND r.model IS NOT DISTINCT FROM d.model AND r.level IS NOT DISTINCT FROM d.level
       AND r.kind = d.kind AND r.status = d.status AND (r.contract_signed_at IS NULL) = d.unsigned`.execute(
    trx,
  );
}

/**
 * A calculation's words for each case (`calculationWords`), with `placeholders` where the database writes the
 * amounts (`format_rub`).
 */
export interface StagedWords {
  byCase: Record<CalculationCase, string>;
  placeholders: CalculationFigures;
}

const wordsOf = (w: StagedWords) => sql`
  replace(replace(replace(CASE r.calculation_case WHEN 'rebate' THEN ${w.byCase.rebate}::text
                                                  WHEN 'growth' THEN ${w.byCase.growth}::text
                                                  WHEN 'no_growth' THEN ${w.byCase.no_growth}::text
                                                  ELSE ${w.byCase.no_base}::text END,
                          ${w.placeholders.measure}::text, format_rub(r.measure_minor)),
                  ${w.placeholders.before}::text, format_rub(coalesce(r.previous_minor, 0))),
          ${w.placeholders.amount}::text, format_rub(r.amount_minor))`;

/** Records the staged period's new settlements; returns how many. */
export async function insertStaged(
  trx: Tx,
  s: {
    settlementId: string;
    kind: 'rebate' | 'growth';
    periodFrom: string;
    periodTo: string;
    programVersion: number;
  },
  words: StagedWords,
): Promise<number> {
  const result = await sql`
    INSERT INTO partner_settlements (id, partner_id, settlement_id, kind, period_from, period_to, measure_minor,
                                     previous_minor, amount_minor, form, payable, reason, calculation, program_version)
    SELECT r.row_id, r.partner_id, ${s.settlementId}, ${s.kind}, ${s.periodFrom}::date, ${s.periodTo}::date,
           r.measure_minor, r.previous_minor, r.amount_minor, r.form, r.payable, r.reason, ${wordsOf(words)},
           ${s.programVersion}::int
      FROM settle_period r
     WHERE r.existing_id IS NULL AND r.included
     ORDER BY r.partner_id COLLATE "C"`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * A recompute found other figures: each recorded settlement whose amount or measures changed takes its new
 * measures, amount and words as its next revision. A change of measures alone moves no money but is recorded
 * too, so that the statement never shows a stale base (a back-dated refund in Q2 restates Q3's «against Q2»
 * even when Q3 earns nothing either way). Returns how many.
 */
export async function reviseStaged(
  trx: Tx,
  s: { programVersion: number; settledAt: Date },
  words: StagedWords,
): Promise<number> {
  const result = await sql`
    UPDATE partner_settlements s
       SET measure_minor = r.measure_minor, previous_minor = r.previous_minor, amount_minor = r.amount_minor,
           calculation = ${wordsOf(words)}, program_version = ${s.programVersion}::int, revision = r.revision,
           settled_at = ${s.settledAt}
      FROM settle_period r
     WHERE s.id = r.existing_id
       AND (r.amount_minor <> r.existing_minor OR r.measure_minor <> r.existing_measure
            OR r.previous_minor IS DISTINCT FROM r.existing_previous)`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * The staged period's settlements that move money: a new one with an amount, or a revision by its difference —
 * each with its partner, form, payability and `delta_minor` (below zero when a revision takes some back).
 */
export function stagedDeltas() {
  return sql<{
    row_id: string;
    revision: number;
    partner_id: string;
    form: 'payout' | 'one_time_discount';
    payable: boolean;
    delta_minor: bigint;
  }>`
    SELECT row_id, revision, partner_id, form, payable, amount_minor - coalesce(existing_minor, 0) AS delta_minor
      FROM settle_period
     WHERE included AND amount_minor <> coalesce(existing_minor, 0)`;
}

export async function dropStaged(trx: Tx): Promise<void> {
  await sql`DROP TABLE settle_period`.execute(trx);
}

/** One of a partner's extra rewards as `listPartnerExtras` reads it: a settlement (rebate) or a bounty. */
export interface ExtraRewardRow {
  kind: 'rebate' | 'growth' | 'bounty';
  id: string;
  rule_id: string;
  period_from: string | null;
  period_to: string | null;
  at: Date;
  amount_minor: bigint;
  form: string;
  payable: boolean;
  reason: string | null;
  calculation: string | null;
}

/** A partner's settlements and bounties, newest first, for its statement of extra rewards. */
export async function listPartnerExtras(db: Db, partnerId: string, limit: number): Promise<ExtraRewardRow[]> {
  const { rows } = await sql<ExtraRewardRow>`
    SELECT kind, id, settlement_id AS rule_id, period_from::text, period_to::text, settled_at AS at, amount_minor,
           form, payable, reason, calculation
      FROM partner_settlements WHERE partner_id = ${partnerId}
    UNION ALL
    SELECT 'bounty', id, bounty_id, NULL, NULL, published_at, amount_minor, 'payout', payable, reason, NULL
      FROM partner_bounties WHERE partner_id = ${partnerId}
     ORDER BY at DESC, id DESC LIMIT ${limit}`.execute(db);
  return rows;
}

export async function findBounty(db: Db, partnerId: string, bountyId: string, publishedAt: Date) {
  return db
    .selectFrom('partner_bounties')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('bounty_id', '=', bountyId)
    .where('published_at', '=', publishedAt)
    .executeTakeFirst();
}

export async function insertBounty(
  trx: Tx,
  row: {
    id: string;
    partner_id: string;
    bounty_id: string;
    amount_minor: bigint;
    published_at: Date;
    payable: boolean;
    reason: string | null;
    recorded_by: string;
    request_hash: string;
    program_version: number;
  },
): Promise<boolean> {
  const inserted = await trx
    .insertInto('partner_bounties')
    .values(row)
    .onConflict((oc) => oc.columns(['partner_id', 'bounty_id', 'published_at']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

type BountyRow = NonNullable<Awaited<ReturnType<typeof findBounty>>>;
export interface BountyView {
  id: string;
  partnerId: string;
  bountyId: string;
  amountMinor: number;
  publishedAt: string;
  payable: boolean;
  reason: string | null;
}

export function bountyView(row: BountyRow): BountyView {
  return {
    id: row.id,
    partnerId: row.partner_id,
    bountyId: row.bounty_id,
    amountMinor: Number(row.amount_minor),
    publishedAt: row.published_at.toISOString(),
    payable: row.payable,
    reason: row.reason,
  };
}

/**
 * A partner's settlements whose period ends in [from, to) — a half-year rebate belongs to the month its half ends
 * in, at its amount now (a revision replaces it) — and its bounties published in [from, to), for the statement.
 */
export async function statementExtras(db: Db, partnerId: string, period: { from: Date; to: Date }) {
  const { rows } = await sql<{
    kind: 'rebate' | 'bounty';
    id: string;
    at: Date;
    amount_minor: bigint;
    payable: boolean;
    reason: string | null;
    form: string;
    calculation: string | null;
    revision: number;
    rule_id: string;
  }>`
    SELECT 'rebate' AS kind, id, (period_to + 1)::timestamp AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)} - interval '1 millisecond' AS at,
           amount_minor, payable, reason, form, calculation, revision, settlement_id AS rule_id
      FROM partner_settlements
     WHERE partner_id = ${partnerId}
       AND (period_to + 1)::timestamp AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)} > ${period.from}
       AND (period_to + 1)::timestamp AT TIME ZONE ${sql.lit(PROGRAM_TIME_ZONE)} <= ${period.to}
    UNION ALL
    SELECT 'bounty', id, published_at, amount_minor, payable, reason, 'payout', NULL, 1, bounty_id
      FROM partner_bounties
     WHERE partner_id = ${partnerId} AND published_at >= ${period.from} AND published_at < ${period.to}
     ORDER BY 3, 2`.execute(db);
  return rows;
}
