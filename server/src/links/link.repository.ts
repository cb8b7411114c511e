import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { DAY_MS } from '../instants';
import type { Attribution } from '../programs/program';
import { chooseClick } from '../programs/program.rules';

export interface LinkRow {
  code: string;
  partner_id: string;
  product_code: string | null;
  created_at: Date;
}

/**
 * The partner's link for a product, created on first request. The unique (partner, product) constraint
 * makes concurrent first requests converge: the loser's insert does nothing and both read the same row.
 */
export async function findOrCreateLink(
  db: Db,
  row: { code: string; partnerId: string; productCode: string | null },
): Promise<{ link: LinkRow; created: boolean }> {
  const inserted = await db
    .insertInto('partner_links')
    .values({ code: row.code, partner_id: row.partnerId, product_code: row.productCode })
    .onConflict((oc) => oc.constraint('partner_links_one_per_product').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { link: inserted, created: true };
  let query = db.selectFrom('partner_links').selectAll().where('partner_id', '=', row.partnerId);
  query =
    row.productCode === null
      ? query.where('product_code', 'is', null)
      : query.where('product_code', '=', row.productCode);
  return { link: await query.executeTakeFirstOrThrow(), created: false };
}

/**
 * The partner's promo code, created with `code` on first request. Unique per partner: concurrent first requests
 * converge on one row. Null only when `code` was taken by another partner (the caller draws another).
 */
export async function findOrCreatePromoCode(
  db: Db,
  row: { code: string; partnerId: string },
): Promise<{ code: string; created: boolean } | null> {
  const inserted = await db
    .insertInto('partner_promo_codes')
    .values({ code: row.code, partner_id: row.partnerId })
    .onConflict((oc) => oc.doNothing())
    .returning('code')
    .executeTakeFirst();
  if (inserted) return { code: inserted.code, created: true };
  const own = await findPromoCodeOf(db, row.partnerId);
  return own === null ? null : { code: own, created: false };
}

export async function findPromoCodeOf(db: Db, partnerId: string): Promise<string | null> {
  const row = await db
    .selectFrom('partner_promo_codes')
    .select('code')
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  return row?.code ?? null;
}

/** The partner a promo code (as stored: normalised by the caller) or a link code belongs to, or null. */
export async function partnerOfCode(
  db: Db,
  kind: 'partner_promo_codes' | 'partner_links',
  code: string,
): Promise<string | null> {
  const row = await db.selectFrom(kind).select('partner_id').where('code', '=', code).executeTakeFirst();
  return row?.partner_id ?? null;
}

/** The partner's links with their click and distinct-visitor counts, newest first. */
export async function listLinksWithCounts(
  db: Db,
  partnerId: string,
): Promise<Array<LinkRow & { clicks: number; visitors: number }>> {
  return db
    .selectFrom('partner_links as l')
    .leftJoin('link_clicks as c', 'c.link_code', 'l.code')
    .where('l.partner_id', '=', partnerId)
    .groupBy('l.code')
    .select([
      'l.code',
      'l.partner_id',
      'l.product_code',
      'l.created_at',
      sql<number>`count(c.id)::int`.as('clicks'),
      sql<number>`count(DISTINCT c.visitor_id)::int`.as('visitors'),
    ])
    .orderBy('l.created_at', 'desc')
    .orderBy('l.code')
    .execute();
}

export interface ClickInput {
  code: string;
  visitorId: string;
  at: Date;
}

/**
 * Records visits through links in one statement (one, or a batch of the click batcher's group commit). Each is
 * decided on its own: the click is inserted only when the program in force at its time attributes by link, the
 * code exists and its partner is not blocked (a blocked partner's clicks must not take an order from an earlier
 * partner's click). Results come back in the input's order; `attribution` is null when no program is stored yet
 * (the caller seeds the preset and retries). The statement is the PL/pgSQL function of migration 017, which
 * keeps its plan per connection.
 */
export async function recordClicks(
  db: Db,
  clicks: ClickInput[],
): Promise<Array<{ attribution: Attribution | null; linkExists: boolean }>> {
  const { rows } = await sql<{ n: string; attribution: Attribution | null; link_exists: boolean }>`
    SELECT * FROM record_link_clicks(${clicks.map((c) => c.code)}::text[], ${clicks.map((c) => c.visitorId)}::text[],
                                     ${clicks.map((c) => c.at.toISOString())}::timestamptz[])
  `.execute(db);
  return rows.map((r) => ({ attribution: r.attribution, linkExists: r.link_exists }));
}

export interface Click {
  id: bigint;
  linkCode: string;
  partnerId: string;
  visitorId: string;
  clickedAt: Date;
}

/**
 * The click a payment at `paidAt` is attributed to: the visitor's clicks in the window before the payment
 * (read through the (visitor_id, clicked_at) index), decided by the pure `chooseClick` with the program's
 * window and first/last-click rule. Null when no click is in the window.
 */
export async function winningClick(
  db: Db,
  q: { visitorId: string; paidAt: Date; windowDays: number; lastClickWins: boolean },
): Promise<Click | null> {
  const earliest = new Date(q.paidAt.getTime() - q.windowDays * DAY_MS);
  const rows = await db
    .selectFrom('link_clicks')
    .select(['id', 'link_code', 'partner_id', 'visitor_id', 'clicked_at'])
    .where('visitor_id', '=', q.visitorId)
    .where('clicked_at', '>=', earliest)
    .where('clicked_at', '<=', q.paidAt)
    .orderBy('clicked_at')
    .orderBy('id')
    .execute();
  const clicks: Click[] = rows.map((r) => ({
    id: r.id,
    linkCode: r.link_code,
    partnerId: r.partner_id,
    visitorId: r.visitor_id,
    clickedAt: r.clicked_at,
  }));
  return chooseClick(clicks, q.paidAt, q.windowDays, q.lastClickWins);
}

/** All the partner's clicks and its distinct visitors over every link (the partner's order statistics). */
export async function partnerClickTotals(
  db: Db,
  partnerId: string,
): Promise<{ clicks: number; visitors: number }> {
  return db
    .selectFrom('link_clicks')
    .where('partner_id', '=', partnerId)
    .select([
      sql<number>`count(*)::int`.as('clicks'),
      sql<number>`count(DISTINCT visitor_id)::int`.as('visitors'),
    ])
    .executeTakeFirstOrThrow();
}
