import { z } from 'zod';
import { AppError } from '../errors';

/** `?limit=` (default 50, max 500) and an opaque `?cursor=` (API.md, "Lists"). */
export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

/** The schema of a list answer: one page of `item`s and the cursor of the next page (API.md, "Lists"). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The cursor's value, or a 400 naming the query parameter (`name`) it came in when it is not one of ours. */
export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string | undefined,
  shape: z.ZodType<T>,
  name = 'cursor',
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('validation_failed', 'Invalid cursor', [
      { path: `query.${name}`, message: 'not a cursor this API returned' },
    ]);
  }
}

/** Builds `{ items, nextCursor }` from rows fetched with `limit + 1`. */
export function page<R, I>(
  rows: R[],
  limit: number,
  toItem: (r: R) => I,
  cursorOf: (r: R) => Record<string, string | number>,
) {
  const hasMore = rows.length > limit;
  const shown = hasMore ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  return {
    items: shown.map(toItem),
    nextCursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

const IdCursor = z.object({ id: z.string() });

/** The cursor of a list keyed by a BIGSERIAL id: its decimal text, checked, so `BigInt` cannot throw on it. */
export const NumericIdCursor = z.object({ id: z.string().regex(/^[1-9][0-9]{0,18}$/) });

/**
 * One page of a list keyed by its rows' ids (the common case): decodes the `{ id }` cursor, lets `load`
 * read up to `query.limit + 1` rows after that id (`undefined` on the first page), and pages them. A bigint id
 * (a BIGSERIAL table's) travels in the cursor as its decimal text; such a list passes `NumericIdCursor`.
 */
export async function pageById<R extends { id: string | bigint }, I>(
  query: { cursor?: string; limit: number },
  load: (afterId: string | undefined) => Promise<R[]>,
  toItem: (r: R) => I,
  cursorShape: z.ZodType<{ id: string }> = IdCursor,
) {
  const after = decodeCursor(query.cursor, cursorShape);
  return page(await load(after?.id), query.limit, toItem, (r) => ({ id: String(r.id) }));
}
