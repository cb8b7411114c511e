/**
 * The edge check every request passes before its own schema: text PostgreSQL can store. (Instants are
 * range-checked by the schemas of `../instants.ts`.) A value that gets past these and still upsets the
 * database is answered 400 by the error handler (SQLSTATE class 22), but these say which field was wrong.
 */

/**
 * The path of the first string (a value or an object key) that is not well-formed UTF-16 — a lone
 * surrogate such as "\ud800", which JSON may carry as an escape but PostgreSQL text and jsonb cannot hold.
 */
/** In `u` mode a surrogate pair is one code point, so `\p{Cs}` matches only a lone surrogate. */
const LONE_SURROGATE = /\p{Cs}/u;

export function illFormedStringPath(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path.join('.') || '(value)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = illFormedStringPath(value[i], [...path, String(i)]);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (LONE_SURROGATE.test(key)) return [...path, key.replace(/\p{Cs}/gu, '\ufffd')].join('.');
      const found = illFormedStringPath((value as Record<string, unknown>)[key], [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}
