import type { SelectQueryBuilder } from 'kysely';

/**
 * One page of a list newest first (our ids sort by creation time): the rows whose columns in `equal` hold its
 * given values, before the cursor's id, and `limit + 1` of them so the caller knows whether another page follows.
 */
export function newestFirst<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: { equal: Partial<Record<keyof DB[TB] & string, string>>; beforeId?: string; limit: number },
): SelectQueryBuilder<DB, TB, O> {
  // The columns are checked against the table by the signature; the builder cannot follow a generic table.
  let q = query as unknown as SelectQueryBuilder<any, any, O>;
  for (const [column, value] of Object.entries(page.equal)) if (value) q = q.where(column, '=', value);
  if (page.beforeId) q = q.where('id', '<', page.beforeId);
  return q.orderBy('id', 'desc').limit(page.limit + 1) as unknown as SelectQueryBuilder<DB, TB, O>;
}
