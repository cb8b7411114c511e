import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/pool';
import { AppError } from '../errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** JSON with sorted keys, so the same body always hashes the same whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    // Built by hand rather than with entries/filter/map arrays: a batch hashes a thousand bodies per request.
    // `sort()` compares UTF-16 code units, as `<` does on strings.
    const record = value as Record<string, unknown>;
    let out = '';
    for (const key of Object.keys(record).sort()) {
      const inner = record[key];
      if (inner === undefined) continue;
      out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(inner)}`;
    }
    return `{${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/**
 * Runs `work` at most once per (scope, key) — API.md's `Idempotency-Key`. Must be called inside the
 * transaction that makes the change, so the stored response commits together with it. A transaction-level
 * advisory lock makes a concurrent request with the same key wait for the first one and then replay it.
 * A request that fails (throws) stores nothing, so the client may retry it.
 */
export async function withIdempotency(
  trx: Db,
  ids: { scope: string; key: string; hash: string },
  work: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${ids.scope + '\n' + ids.key}, 0))`.execute(trx);
  const existing = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('scope', '=', ids.scope)
    .where('key', '=', ids.key)
    .executeTakeFirst();
  if (existing) {
    if (existing.request_hash !== ids.hash) {
      throw new AppError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request',
      );
    }
    return { status: existing.status_code, body: existing.response, replayed: true };
  }
  const result = await work();
  await trx
    .insertInto('idempotency_keys')
    .values({
      scope: ids.scope,
      key: ids.key,
      request_hash: ids.hash,
      status_code: result.status,
      response: JSON.stringify(result.body ?? null),
    })
    .execute();
  return { ...result, replayed: false };
}
