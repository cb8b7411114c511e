import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db, Tx } from '../db/pool';
import type { AllowanceGrantsTable } from '../db/schema';
import type { AllowanceKind } from './allowance.rules';

export type GrantRow = Omit<Selectable<AllowanceGrantsTable>, 'month'> & { month: string | null };

/**
 * Serialises the grants of one partner, then of one client: two requests racing for the same quarter's quota or
 * the same client's months decide one after the other, each on the other's committed grant. Always the partner
 * first, so two partners granting to the same client cannot wait on each other in a cycle.
 */
export async function lockGrantsOf(trx: Tx, partnerId: string, clientAccountId: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`allowances:partner:${partnerId}`}, 0)),
                   pg_advisory_xact_lock(hashtextextended(${`allowances:client:${clientAccountId}`}, 0))`.execute(
    trx,
  );
}

const grantColumns = (db: Db) =>
  db
    .selectFrom('allowance_grants')
    .select([
      'id',
      'kind',
      'allowance_id',
      'program_version',
      'partner_id',
      'client_account_id',
      'granted_at',
      'quarter',
      'partner_ordinal',
      'partner_quota',
      'client_ordinal',
      'client_quota',
      'code',
      'amount_minor',
      'currency',
      'quarter_total_minor',
      'quarter_quota_minor',
      sql<string | null>`to_char(month, 'YYYY-MM')`.as('month'),
      'not_consecutive',
    ]);

/** What the partner granted of this kind in the quarter: how many, and the codes' total in kopecks. */
export async function quarterUse(
  db: Db,
  partnerId: string,
  kind: AllowanceKind,
  quarter: string,
): Promise<{ count: number; amountMinor: bigint }> {
  // One statement, so the count and the total are of the same moment.
  const row = await db
    .selectFrom('allowance_grants')
    .select((eb) => [
      eb.fn.countAll<bigint>().as('count'),
      sql<bigint>`coalesce(sum(amount_minor), 0)::bigint`.as('amount_minor'),
    ])
    .where('partner_id', '=', partnerId)
    .where('kind', '=', kind)
    .where('quarter', '=', quarter)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), amountMinor: row.amount_minor };
}

/** The client's grants of this kind, whoever made them, oldest first. */
export async function clientGrants(
  db: Db,
  clientAccountIds: number[],
  kind: AllowanceKind,
): Promise<GrantRow[]> {
  if (clientAccountIds.length === 0) return [];
  return grantColumns(db)
    .where('client_account_id', 'in', clientAccountIds.map(BigInt))
    .where('kind', '=', kind)
    .orderBy('granted_at')
    .orderBy('id')
    .execute();
}

/** The partner's grants of this kind, newest first. */
export async function partnerGrants(db: Db, partnerId: string, kind: AllowanceKind): Promise<GrantRow[]> {
  return grantColumns(db)
    .where('partner_id', '=', partnerId)
    .where('kind', '=', kind)
    .orderBy('granted_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/**
 * Inserts a grant; for a bonus code, undefined when its code is already another's (the caller draws again). Any
 * other constraint (a quota's ordinal or CHECK, the months' exclusion) raises: the locks taken first make that a
 * bug, never a race the caller should answer.
 */
export async function insertGrant(
  trx: Tx,
  row: Insertable<AllowanceGrantsTable>,
): Promise<GrantRow | undefined> {
  const inserted = await trx
    .insertInto('allowance_grants')
    .values(row)
    .onConflict((oc) => oc.column('code').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return undefined;
  return grantColumns(trx).where('id', '=', inserted.id).executeTakeFirstOrThrow();
}
