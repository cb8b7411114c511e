import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { measureWindow, windowInstants } from './measure.rules';
import type { Measure } from './program';

/**
 * Whose payments a partner's measure sums: its own, where the partner is the paying customer (resellers and
 * white label, seed 003: `clientAccountId` is the partner's account), or its clients', those that earned it a
 * commission (seed 004: the revenue of the partner's clients).
 */
export type MeasureSubject = 'own_payments' | 'attributed_payments';

/**
 * A measure per partner as of a Moscow date, for many partners in one statement (the daily tier recompute of ten
 * thousand partners is one query, not ten thousand): payments paid in the window, each net of its refunds made
 * before the window's end — so a measure as of a past day is the same whenever it is computed, and a refund
 * lowers it from the day it is made. Partners with nothing in the window are absent (their measure is 0).
 * - `paid_orders`: payments not refunded in full;
 * - `gross`, `revenue_after_discount`: what was paid, net of refunds;
 * - `list_before_discount`: the price before the partner's discount (`list_minor`, else what was paid),
 *   reduced by refunds in proportion.
 */
export async function measureByPartner(db: Db, q: MeasureQuery): Promise<Map<string, bigint>> {
  const { rows } = await measureQuery(q).execute(db);
  return new Map(rows.map((r) => [r.partner_id, BigInt(r.value)]));
}

export interface MeasureQuery {
  measure: Measure;
  subject: MeasureSubject;
  asOf: string;
  partnerIds?: readonly string[];
}

/**
 * The statement of `measureByPartner` (`partner_id`, `value`), for a caller that writes from it in the database
 * without bringing a row per partner into Node (the daily tiers of ten thousand partners).
 */
export function measureQuery(q: MeasureQuery) {
  const window = measureWindow(q.measure.window, q.asOf);
  const { until } = windowInstants({ fromDate: q.asOf, toDate: q.asOf });
  const from = window ? windowInstants(window).from : null;
  const net = sql`(p.gross_minor - coalesce(r.refunded, 0))`;
  const value =
    q.measure.of === 'paid_orders'
      ? sql`count(*) FILTER (WHERE ${net} > 0)`
      : q.measure.of === 'list_before_discount'
        ? sql`sum(round(coalesce(p.list_minor, p.gross_minor)::numeric * ${net} / p.gross_minor))`
        : sql`sum(${net})`;
  const payments =
    q.subject === 'own_payments'
      ? sql`JOIN payments p ON p.client_account_id = pt.account_id`
      : sql`JOIN commissions c ON c.partner_id = pt.id AND c.upline_depth IS NULL JOIN payments p ON p.id = c.payment_id`;
  return sql<{ partner_id: string; value: bigint }>`
    SELECT pt.id AS partner_id, coalesce(${value}, 0)::bigint AS value
      FROM partners pt
      ${payments}
      LEFT JOIN LATERAL (SELECT sum(amount_minor) AS refunded FROM refunds
                          WHERE payment_id = p.id AND refunded_at < ${until}) r ON true
     WHERE p.paid_at < ${until}
       AND (${from}::timestamptz IS NULL OR p.paid_at >= ${from})
       AND (${q.measure.productCodes ?? null}::text[] IS NULL OR p.product_code = ANY(${q.measure.productCodes ?? null}))
       AND (${q.measure.productCategories ?? null}::text[] IS NULL
            OR p.product_category = ANY(${q.measure.productCategories ?? null}))
       AND (${q.partnerIds ?? null}::text[] IS NULL OR pt.id = ANY(${q.partnerIds ?? null}))
     GROUP BY pt.id`;
}
