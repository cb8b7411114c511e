import { sql, type RawBuilder } from 'kysely';
import type { Channel } from '../db/schema';
import type { PartnerKind, PartnerStatus } from '../partners/partner';
import { EARNING_PERIOD_STATUSES } from '../pins/pin.rules';
import type { EvaluationPartner, PayablePartner } from './program.rules';
import type { Db, Tx } from '../db/pool';

export interface ProgramVersionRow {
  version: number;
  document: unknown;
  effective_from: Date;
  created_by: string;
  created_at: Date;
}

/** Every version, newest effective date first (a program has a handful; the list is the history). */
export async function listVersions(db: Db): Promise<ProgramVersionRow[]> {
  return db
    .selectFrom('program_versions')
    .selectAll()
    .orderBy('effective_from', 'desc')
    .orderBy('version', 'desc')
    .execute();
}

/**
 * The version in force at `at` without its document (undefined when no program is stored yet): its number,
 * date and the document's digest. A payment needs the version on every call, and the document (kilobytes of
 * JSON to send, parse and validate) only when this process has not seen that digest yet; versions are
 * append-only and never edited, so a digest names one document for good.
 */
export async function findVersionHeadInForce(db: Db, at: Date): Promise<VersionHead | undefined> {
  const { rows } = await sql<VersionHead>`
    SELECT version, effective_from, md5(document::text) AS digest
      FROM program_versions
     WHERE effective_from <= ${at}
     ORDER BY effective_from DESC, version DESC
     LIMIT 1`.execute(db);
  return rows[0];
}

/** The head of a program version: its number, date and the digest of its document. */
export interface VersionHead {
  version: number;
  effective_from: Date;
  digest: string;
}

export async function findVersion(db: Db, version: number): Promise<ProgramVersionRow | undefined> {
  return db.selectFrom('program_versions').selectAll().where('version', '=', version).executeTakeFirst();
}

/**
 * Appends a version numbered one past the newest. The transaction-scoped advisory lock serialises concurrent
 * saves, so two admins saving at once get versions n and n+1 instead of a key conflict.
 */
export async function appendVersion(
  trx: Tx,
  row: { document: unknown; effectiveFrom: Date; createdBy: string },
): Promise<ProgramVersionRow> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('program_versions'))`.execute(trx);
  return trx
    .insertInto('program_versions')
    .values(({ selectFrom }) => ({
      version: selectFrom('program_versions').select(sql<number>`coalesce(max(version), 0) + 1`.as('v')),
      document: JSON.stringify(row.document),
      effective_from: row.effectiveFrom,
      created_by: row.createdBy,
    }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Stores version 1 unless a program exists; safe to race (the loser's insert does nothing). */
export async function insertFirstVersion(
  db: Db,
  row: { document: unknown; effectiveFrom: Date; createdBy: string },
): Promise<void> {
  await db
    .insertInto('program_versions')
    .values({
      version: 1,
      document: JSON.stringify(row.document),
      effective_from: row.effectiveFrom,
      created_by: row.createdBy,
    })
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
}

/** The partner's columns of the engine's read model, as the pure engine takes them. */
interface PartnerFactsRow {
  partner_id: string | null;
  kind: PartnerKind | null;
  status: PartnerStatus | null;
  contract_signed_at: Date | null;
  account_id: bigint | null;
  email: string | null;
  phone: string | null;
  override_bps: number | null;
  level_measure: number;
}

/**
 * Everything the evaluation of one payment needs from the rest of the books, in one round trip: the partner
 * (the one named, or the one whose pin earns on that date), its rate override in force, its level measure
 * (paid, not fully refunded orders it earned on before), and how many payments the client made before.
 * This is the engine's read model; it only reads the tables other domains write. The query is the PL/pgSQL
 * function of migration 016, which keeps its plan per connection (planning cost more than running it).
 */
export async function evaluationFacts(
  db: Db,
  q: {
    clientAccountId: number;
    partnerId?: string;
    channel: Channel;
    at: Date;
    /** Counting the partner's orders and the client's payments costs a scan each: only when the program asks. */
    need?: { level: boolean; clientHistory: boolean };
  },
): Promise<{
  partner: EvaluationPartner | null;
  attributedSince: Date | null;
  clientPaidOrdersBefore: number;
}> {
  const need = q.need ?? { level: true, clientHistory: true };
  const { rows } = await sql<PartnerFactsRow & { since: Date | null; client_paid_before: number }>`
    SELECT * FROM program_evaluation_facts(${q.clientAccountId}, ${q.partnerId ?? null}::text, ${q.channel},
                                           ${q.at}, ${need.level}, ${need.clientHistory})
  `.execute(db);
  const r = rows[0]!;
  return {
    partner: evaluationPartnerOf(r, q.channel),
    attributedSince: r.since,
    clientPaidOrdersBefore: r.client_paid_before,
  };
}

function evaluationPartnerOf(r: PartnerFactsRow, channel: Channel): EvaluationPartner | null {
  return r.partner_id && r.kind && r.status
    ? {
        id: r.partner_id,
        kind: r.kind,
        status: r.status,
        contractSignedAt: r.contract_signed_at,
        rateOverridesBps: r.override_bps === null ? {} : { [channel]: r.override_bps },
        identity: {
          accountId: r.account_id === null ? undefined : Number(r.account_id),
          email: r.email ?? undefined,
          phone: r.phone ?? undefined,
        },
        levelMeasureBefore: r.level_measure,
      }
    : null;
}

/** What `batchEvaluationFacts` answers for one payment: the pin earning on its date, and the facts. */
export interface PinEvaluationFacts {
  pin: { id: string; partnerId: string; validFrom: Date | null } | null;
  partner: EvaluationPartner | null;
  clientPaidOrdersBefore: number;
}

/**
 * `evaluationFacts` for many payments of pin programs in one statement (a batch of billing's history): for each,
 * the client's pin earning on the payment date (as `findEarningPinOn` picks it) and its partner's facts — kind,
 * status, contract, identity, the rate override in force for the channel — and, when asked, how many payments
 * the client made before. The same sub-queries as the function of migration 016, joined laterally to the arrays
 * of the batch; the level measure is not read (a batch falls back to one payment at a time for programs whose
 * rules use it).
 */
export async function batchEvaluationFacts(db: Db, queries: PinFactsQuery[]): Promise<PinEvaluationFacts[]> {
  if (queries.length === 0) return [];
  const { rows } = await pinEvaluationFactsQuery(queries).execute(db);
  return rows.map((r, index) => pinEvaluationFactsOf(r, queries[index]!.channel));
}

/** One payment `batchEvaluationFacts` answers for. */
export interface PinFactsQuery {
  clientAccountId: number;
  channel: Channel;
  at: Date;
  clientHistory: boolean;
}

/**
 * A row of `pinEvaluationFactsQuery` (one per query, in order) and of the database function `single_payment_read`
 * (migration 028): the pin's columns and the partner's.
 */
export type PinFactsRow = PartnerFactsRow & {
  pin_id: string | null;
  pin_partner_id: string | null;
  valid_from: Date | null;
  client_paid_before: number;
};

/** `batchEvaluationFacts`' query. */
function pinEvaluationFactsQuery(queries: PinFactsQuery[]): RawBuilder<PinFactsRow> {
  return sql<PinFactsRow>`
    SELECT q.i, pin.id AS pin_id, pin.partner_id AS pin_partner_id, pin.valid_from,
           p.id AS partner_id, p.kind::text, p.status::text, p.contract_signed_at, p.account_id,
           p.contacts->>'email' AS email, p.contacts->>'phone' AS phone,
           (SELECT r.rate_bps FROM rate_schedules r
             WHERE r.partner_id = p.id AND r.channel = q.channel AND r.effective_from <= q.at
             ORDER BY r.effective_from DESC LIMIT 1)::integer AS override_bps,
           0 AS level_measure,
           CASE WHEN q.history THEN (SELECT count(*)::int FROM payments pay
             WHERE pay.client_account_id = q.client AND pay.paid_at < q.at) ELSE 0 END AS client_paid_before
      FROM unnest(${queries.map((q) => String(q.clientAccountId))}::bigint[],
                  ${queries.map((q) => q.channel)}::text[],
                  ${queries.map((q) => q.at.toISOString())}::timestamptz[],
                  ${queries.map((q) => q.clientHistory)}::boolean[]) WITH ORDINALITY AS q(client, channel, at, history, i)
      LEFT JOIN LATERAL (
        SELECT pn.id, pn.partner_id, pn.valid_from FROM pins pn
         WHERE pn.client_account_id = q.client AND pn.status = ANY(${EARNING_PERIOD_STATUSES}::text[])
           AND pn.valid_from <= q.at AND (pn.valid_to IS NULL OR pn.valid_to > q.at)
         ORDER BY pn.valid_from DESC LIMIT 1
      ) pin ON true
      LEFT JOIN partners p ON p.id = pin.partner_id
     ORDER BY q.i`;
}

/** The facts of one row of `pinEvaluationFactsQuery`, as the engine takes them. */
export function pinEvaluationFactsOf(r: PinFactsRow, channel: Channel): PinEvaluationFacts {
  return {
    pin: r.pin_id ? { id: r.pin_id, partnerId: r.pin_partner_id!, validFrom: r.valid_from } : null,
    partner: evaluationPartnerOf(r, channel),
    clientPaidOrdersBefore: r.client_paid_before,
  };
}

/**
 * The referrers above a partner (multi-level programs, seed 002), nearest first, at most `reach` of them: who
 * each is and what decides whether its share may be paid. One recursive look-up by primary key per level; the
 * depth bound also stops a chain that an operator's hand-edit might have closed on itself.
 */
export async function uplinesOf(db: Db, partnerId: string, reach: number): Promise<PayablePartner[]> {
  if (reach < 1) return [];
  const { rows } = await sql<{
    id: string;
    kind: PartnerKind;
    status: PartnerStatus;
    contract_signed_at: Date | null;
    account_id: bigint;
  }>`
    WITH RECURSIVE up (id, depth) AS (
      SELECT referred_by, 1 FROM partners WHERE id = ${partnerId} AND referred_by IS NOT NULL
      UNION ALL
      SELECT p.referred_by, up.depth + 1 FROM up JOIN partners p ON p.id = up.id
       WHERE p.referred_by IS NOT NULL AND up.depth < ${reach}
    )
    SELECT p.id, p.kind, p.status, p.contract_signed_at, p.account_id FROM up JOIN partners p ON p.id = up.id
     ORDER BY up.depth`.execute(db);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    contractSignedAt: r.contract_signed_at,
    accountId: Number(r.account_id),
  }));
}

/**
 * Records each partner's tier of one day, replacing what an earlier run of the same day recorded: a day's
 * measure never changes once the day is over, so a rerun writes the same values, and a day computed while it
 * was still going is brought up to date. One statement for every partner.
 */
export async function upsertTierDays(
  trx: Tx,
  onDate: string,
  programVersion: number,
  measured: RawBuilder<{ partner_id: string; value: bigint }>,
  bands: ReadonlyArray<{ minMinor: number; discounts: unknown }>,
): Promise<number> {
  // Each partner's band is the one with the highest lower bound its measure reaches (`tierFor`); below the lowest,
  // none and no discounts. Computed and written in the database: no row per partner comes into Node.
  const result = await sql`
    INSERT INTO partner_tier_days (partner_id, on_date, program_version, measure_minor, band_min_minor, discounts)
    SELECT m.partner_id, ${onDate}::date, ${programVersion}, m.value, b.min_minor, coalesce(b.discounts, '[]'::jsonb)
      FROM (${measured}) m
      LEFT JOIN LATERAL (
        SELECT bb.min_minor, bb.discounts
          FROM unnest(${bands.map((b) => String(b.minMinor))}::bigint[],
                      ${bands.map((b) => JSON.stringify(b.discounts))}::jsonb[]) AS bb(min_minor, discounts)
         WHERE bb.min_minor <= m.value ORDER BY bb.min_minor DESC LIMIT 1) b ON true
    ON CONFLICT (partner_id, on_date) DO UPDATE
       SET program_version = EXCLUDED.program_version, measure_minor = EXCLUDED.measure_minor,
           band_min_minor = EXCLUDED.band_min_minor, discounts = EXCLUDED.discounts, recorded_at = now()`.execute(
    trx,
  );
  return Number(result.numAffectedRows ?? 0n);
}
