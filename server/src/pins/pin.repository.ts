import { sql, type RawBuilder, type Selectable } from 'kysely';
import { executePrepared, type Db, type Tx } from '../db/pool';
import type { Database, PartnerContacts, PinsTable, PinStatus } from '../db/schema';
import { EARNING_PERIOD_STATUSES, HOLDING_STATUSES } from './pin.rules';

export type PinRow = Selectable<PinsTable>;

const holdingPin = (db: Db, clientAccountId: number) =>
  db
    .selectFrom('pins')
    .selectAll()
    .where('client_account_id', '=', BigInt(clientAccountId))
    .where('status', 'in', HOLDING_STATUSES);

export async function findHoldingPin(db: Db, clientAccountId: number): Promise<PinRow | undefined> {
  return holdingPin(db, clientAccountId).executeTakeFirst();
}

export async function lockHoldingPin(trx: Tx, clientAccountId: number): Promise<PinRow | undefined> {
  return holdingPin(trx, clientAccountId).forUpdate().executeTakeFirst();
}

/**
 * The holding pin of a client account with its partner's public fields, in one query: the sales check, run on
 * every client card a vendor's user opens. A prepared statement (`executePrepared`): PostgreSQL keeps its plan,
 * and the text is built once instead of through the query builder on every call.
 */
export async function findHoldingPinWithPartner(db: Db, clientAccountId: number) {
  const [row] = await executePrepared(
    db,
    sql<{
      id: string;
      status: PinStatus;
      exclusive: boolean;
      valid_from: Date | null;
      partner_id: string;
      partner_name: string;
      partner_contacts: PartnerContacts;
    }>`
      SELECT p.id, p.status, p.exclusive, p.valid_from,
             t.id AS partner_id, t.name AS partner_name, t.contacts AS partner_contacts
        FROM pins p JOIN partners t ON t.id = p.partner_id
       WHERE p.client_account_id = ${BigInt(clientAccountId)} AND p.status = ANY(${HOLDING_STATUSES})`,
  );
  if (!row) return undefined;
  return {
    pin: { id: row.id, status: row.status, exclusive: row.exclusive, valid_from: row.valid_from },
    partner: { id: row.partner_id, name: row.partner_name, contacts: row.partner_contacts },
  };
}

/** The client's newest pin that ever took effect (has a valid_from), whatever its status now. */
export async function findLatestEffectivePin(db: Db, clientAccountId: number): Promise<PinRow | undefined> {
  return db
    .selectFrom('pins')
    .selectAll()
    .where('client_account_id', '=', BigInt(clientAccountId))
    .where('valid_from', 'is not', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function findPin(db: Db, id: string): Promise<PinRow | undefined> {
  return db.selectFrom('pins').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every pin of these clients with its partner's name, oldest first: what the vendor's company shows. */
export async function listClientPinsWithPartner(db: Db, clientAccountIds: number[]) {
  return db
    .selectFrom('pins')
    .innerJoin('partners', 'partners.id', 'pins.partner_id')
    .select([
      'pins.client_account_id',
      'pins.client_subdomain',
      'pins.status',
      'pins.partner_id',
      'pins.valid_from',
      'partners.name as partner_name',
    ])
    .where('pins.client_account_id', 'in', clientAccountIds.map(BigInt))
    .orderBy('pins.created_at')
    .execute();
}

export async function lockPin(trx: Tx, id: string): Promise<PinRow | undefined> {
  return trx.selectFrom('pins').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

type NewPin = {
  id: string;
  clientAccountId: number;
  clientSubdomain: string | null;
  partnerId: string;
  status: PinStatus;
  exclusive: boolean;
  reason: string | null;
  comment: string | null;
  validFrom: Date | null;
  clientRequestAt?: Date | null;
  clientRequestSource?: string | null;
  transferredFromPinId?: string | null;
};

/**
 * Inserts a pin. A holding pin goes through the partial unique index: when another transaction holds the
 * account already, nothing is inserted and undefined comes back (the caller then answers already_pinned).
 */
export async function insertPin(db: Db, pin: NewPin): Promise<PinRow | undefined> {
  return db
    .insertInto('pins')
    .values({
      id: pin.id,
      client_account_id: BigInt(pin.clientAccountId),
      client_subdomain: pin.clientSubdomain,
      partner_id: pin.partnerId,
      status: pin.status,
      exclusive: pin.exclusive,
      reason: pin.reason,
      comment: pin.comment,
      valid_from: pin.validFrom,
      client_request_at: pin.clientRequestAt ?? null,
      client_request_source: pin.clientRequestSource ?? null,
      transferred_from_pin_id: pin.transferredFromPinId ?? null,
      updated_at: new Date(),
    })
    .onConflict((oc) => oc.column('client_account_id').where('status', 'in', HOLDING_STATUSES).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Guarded transition: changes the pin only if it is still in one of `from`; undefined otherwise. */
export async function transitionPin(
  db: Db,
  id: string,
  from: PinStatus[],
  set: Partial<{
    status: PinStatus;
    exclusive: boolean;
    reason: string | null;
    valid_from: Date | null;
    valid_to: Date | null;
    client_request_at: Date;
    client_request_source: string;
  }>,
): Promise<PinRow | undefined> {
  return db
    .updateTable('pins')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

export async function addPinEvent(
  db: Db,
  pinId: string,
  event: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('pin_events')
    .values({ pin_id: pinId, event, details: JSON.stringify(details) })
    .execute();
}

export async function listPinEvents(db: Db, pinId: string) {
  return db
    .selectFrom('pin_events')
    .select(['at', 'event', 'details'])
    .where('pin_id', '=', pinId)
    .orderBy('id')
    .execute();
}

/** A page of pins, newest first, after `afterId`: one partner's (`partnerId`) or all, by status or client if asked. */
export async function listPins(
  db: Db,
  options: {
    limit: number;
    afterId?: string;
    partnerId?: string;
    statuses?: PinStatus[];
    clientAccountId?: number;
  },
): Promise<PinRow[]> {
  let q = db.selectFrom('pins').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.afterId) q = q.where('id', '<', options.afterId);
  if (options.partnerId) q = q.where('partner_id', '=', options.partnerId);
  if (options.statuses?.length) q = q.where('status', 'in', options.statuses);
  if (options.clientAccountId) q = q.where('client_account_id', '=', BigInt(options.clientAccountId));
  return q.execute();
}

/** The pin whose earning period covers `at` (commissions follow the pin valid on the payment date). */
export async function findEarningPinOn(
  db: Db,
  clientAccountId: number,
  at: Date,
): Promise<PinRow | undefined> {
  return db
    .selectFrom('pins')
    .selectAll()
    .where('client_account_id', '=', BigInt(clientAccountId))
    .where('valid_from', '<=', at)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', at)]))
    .where('status', 'in', EARNING_PERIOD_STATUSES)
    .orderBy('valid_from', 'desc')
    .executeTakeFirst();
}

/**
 * Records accounts as known (those already known stay as they were); how many were new. The ids go as one array,
 * in the order given: a batch of payments passes a thousand of them, sorted (see `recordPaymentBatch`).
 */
export async function addKnownAccounts(db: Db, accountIds: number[], source: string): Promise<number> {
  const unique = [...new Set(accountIds)];
  const { rows } = await sql<{ account_id: bigint }>`
    INSERT INTO known_accounts (account_id, source)
    SELECT unnest(${unique.map(String)}::bigint[]), ${source}::text
    ON CONFLICT (account_id) DO NOTHING
    RETURNING account_id`.execute(db);
  return rows.length;
}

/**
 * `addKnownAccounts` as a part of a larger statement (the body of a common table expression) that adds the
 * accounts only when `when` holds: a single payment's statement adds its client only if its payment went in.
 */
export function knownAccountsInsert(
  accountIds: number[],
  source: string,
  when: RawBuilder<boolean>,
): RawBuilder<unknown> {
  return sql`
    INSERT INTO known_accounts (account_id, source)
    SELECT DISTINCT a, ${source} FROM unnest(${accountIds.map(String)}::bigint[]) AS a WHERE ${when}
    ON CONFLICT (account_id) DO NOTHING`;
}

/** Products bought and the paid-until date per client account, from the recorded payments. */
export async function clientPaymentSummary(
  db: Db,
  clientAccountIds: bigint[],
): Promise<Map<string, { products: string[]; paidUntil: Date | null }>> {
  if (clientAccountIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('payments')
    .select((eb) => [
      'client_account_id',
      sql<
        string[]
      >`coalesce(array_agg(DISTINCT product_code) FILTER (WHERE product_code IS NOT NULL), '{}')`.as(
        'products',
      ),
      eb.fn.max('period_end').as('paid_until'),
    ])
    .where('client_account_id', 'in', clientAccountIds)
    .where(sql<boolean>`refunded_minor < gross_minor`)
    .groupBy('client_account_id')
    .execute();
  return new Map(
    rows.map((r) => [String(r.client_account_id), { products: r.products, paidUntil: r.paid_until }]),
  );
}

/** The oldest pins still waiting for the vendor's amoCRM to be asked (rule 9), for the deciding job. */
export async function listPendingChecks(db: Db, limit: number): Promise<PinRow[]> {
  return db
    .selectFrom('pins')
    .selectAll()
    .where('status', '=', 'pending_check')
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** Whether our own records know the account: a recorded payment or a billing report put it in `known_accounts`. */
export async function isKnownAccount(db: Db, accountId: number): Promise<boolean> {
  const row = await db
    .selectFrom('known_accounts')
    .select('account_id')
    .where('account_id', '=', BigInt(accountId))
    .executeTakeFirst();
  return row !== undefined;
}

// --- the client-request links a partner sends its client (rule 9); only the code's hash is stored ------------

export type ClientRequestLinkRow = Selectable<Database['client_request_links']>;

export async function insertClientRequestLink(
  db: Db,
  link: { codeHash: string; pinId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('client_request_links')
    .values({ code_hash: link.codeHash, pin_id: link.pinId, expires_at: link.expiresAt })
    .execute();
}

const clientRequestLink = (db: Db, codeHash: string) =>
  db.selectFrom('client_request_links').selectAll().where('code_hash', '=', codeHash);

export async function findClientRequestLink(
  db: Db,
  codeHash: string,
): Promise<ClientRequestLinkRow | undefined> {
  return clientRequestLink(db, codeHash).executeTakeFirst();
}

export async function lockClientRequestLink(
  trx: Tx,
  codeHash: string,
): Promise<ClientRequestLinkRow | undefined> {
  return clientRequestLink(trx, codeHash).forUpdate().executeTakeFirst();
}

/** Uses the link up; guarded, so a link is used once even if two confirmations raced past the lock. */
export async function markClientRequestLinkUsed(trx: Tx, codeHash: string): Promise<void> {
  await trx
    .updateTable('client_request_links')
    .set({ used_at: new Date() })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .execute();
}
