import { sql } from 'kysely';
import { chunksOf } from '../chunks';
import type { Db, Tx } from '../db/pool';
import type { PartnerKind, PartnerStatus } from '../partners/partner';

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

export interface SettlementRow {
  id: string;
  partner_id: string;
  amount_minor: bigint;
  revision: number;
  form: 'payout' | 'one_time_discount';
  payable: boolean;
}

/** The settlements already recorded for one settlement's period, locked while a run revises them. */
export async function lockSettlementsOfPeriod(
  trx: Tx,
  settlementId: string,
  periodFrom: string,
  partnerIds: readonly string[],
): Promise<Map<string, SettlementRow>> {
  const { rows } = await sql<SettlementRow>`
    SELECT id, partner_id, amount_minor, revision, form, payable FROM partner_settlements
     WHERE settlement_id = ${settlementId} AND period_from = ${periodFrom}::date
       AND partner_id = ANY(${[...partnerIds]}::text[])
     FOR UPDATE`.execute(trx);
  return new Map(rows.map((r) => [r.partner_id, r]));
}

export interface NewSettlement {
  id: string;
  partnerId: string;
  settlementId: string;
  kind: 'rebate' | 'growth';
  periodFrom: string;
  periodTo: string;
  measureMinor: bigint;
  previousMinor: bigint | null;
  amountMinor: bigint;
  form: 'payout' | 'one_time_discount';
  payable: boolean;
  reason: string | null;
  calculation: string;
  programVersion: number;
}

/** Records new settlements, a thousand rows a statement (PostgreSQL's parameter limit). */
export async function insertSettlements(trx: Tx, rows: readonly NewSettlement[]): Promise<void> {
  for (const chunk of chunksOf(rows, 1000)) {
    await trx
      .insertInto('partner_settlements')
      .values(
        chunk.map((r) => ({
          id: r.id,
          partner_id: r.partnerId,
          settlement_id: r.settlementId,
          kind: r.kind,
          period_from: r.periodFrom,
          period_to: r.periodTo,
          measure_minor: r.measureMinor,
          previous_minor: r.previousMinor,
          amount_minor: r.amountMinor,
          form: r.form,
          payable: r.payable,
          reason: r.reason,
          calculation: r.calculation,
          program_version: r.programVersion,
        })),
      )
      .execute();
  }
}

/** A recompute found another amount: the row takes it, with its measures and words, as its next revision. */
export async function reviseSettlement(
  trx: Tx,
  id: string,
  next: Pick<
    NewSettlement,
    'measureMinor' | 'previousMinor' | 'amountMinor' | 'calculation' | 'programVersion'
  > & {
    revision: number;
  },
): Promise<void> {
  await trx
    .updateTable('partner_settlements')
    .set({
      measure_minor: next.measureMinor,
      previous_minor: next.previousMinor,
      amount_minor: next.amountMinor,
      calculation: next.calculation,
      program_version: next.programVersion,
      revision: next.revision,
      settled_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** A partner's settlements and bounties, newest first, for its statement of extra rewards. */
export async function listPartnerExtras(db: Db, partnerId: string, limit: number) {
  const { rows } = await sql<{
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
  }>`
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
    SELECT 'rebate' AS kind, id, (period_to + 1)::timestamp AT TIME ZONE 'Europe/Moscow' - interval '1 millisecond' AS at,
           amount_minor, payable, reason, form, calculation, revision, settlement_id AS rule_id
      FROM partner_settlements
     WHERE partner_id = ${partnerId}
       AND (period_to + 1)::timestamp AT TIME ZONE 'Europe/Moscow' > ${period.from}
       AND (period_to + 1)::timestamp AT TIME ZONE 'Europe/Moscow' <= ${period.to}
    UNION ALL
    SELECT 'bounty', id, published_at, amount_minor, payable, reason, 'payout', NULL, 1, bounty_id
      FROM partner_bounties
     WHERE partner_id = ${partnerId} AND published_at >= ${period.from} AND published_at < ${period.to}
     ORDER BY 3, 2`.execute(db);
  return rows;
}
