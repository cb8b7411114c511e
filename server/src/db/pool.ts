import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

// PostgreSQL int8 (BIGINT) arrives as a string by default; money is BIGINT kopecks, so parse it to
// bigint once, for every connection, before any query runs. COUNT(*) is int8 too and becomes bigint.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => BigInt(value));

export type Db = Kysely<Database>;

/**
 * An open transaction. Functions that lock rows (`SELECT … FOR UPDATE`, advisory locks) take this type, not
 * `Db`: a lock taken on the pool is released as soon as its statement ends, so it would protect nothing.
 * Kysely's `Transaction` is nominal, so passing the pool where a transaction is needed does not compile.
 * The one kind of lock taken on `Db` is a claim (`outbox.ts` › `claim`, `claimInstalls`, …): `FOR UPDATE SKIP LOCKED`
 * only picks rows inside its own UPDATE, and the lease that UPDATE writes is what holds them afterwards.
 */
export type Tx = Transaction<Database>;

/** The instant `ms` milliseconds from the database's now: leases and retry times. */
export const msFromNow = (ms: number) => sql<Date>`now() + make_interval(secs => ${ms / 1000})`;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * One pg Pool per process with Kysely on top; every module gets the Kysely handle passed in. `warn` hears what an
 * operator should know about the connection (named statements refused by a pooler, `executePrepared`).
 */
export function createDb(
  connectionString: string,
  options: { max?: number; warn?: (message: string) => void } = {},
): DbHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    // Fail fast instead of hanging when the database is down, so requests answer 503 quickly.
    connectionTimeoutMillis: 3000,
  });
  // An idle client can lose its server (restart, network); pg emits 'error' on the pool, which would
  // crash the process if nobody listened. The next checkout simply gets a fresh connection.
  pool.on('error', () => undefined);
  // A client checked out of the pool (inside a transaction, between two statements) that loses its server
  // emits 'error' too, and with no listener that would crash the process during a database outage. The
  // statement in flight fails on its own and the request answers 503; the broken client is discarded.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, { pool, warn: options.warn ?? (() => undefined), named: true });
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}

/** Each `createDb` pool, and whether named statements still work on it (`executePrepared`). */
const pools = new WeakMap<Db, { pool: pg.Pool; warn(message: string): void; named: boolean }>();

/**
 * What PostgreSQL says to a named statement that a pooler moved between server sessions: "already exists" at
 * Parse, "does not exist" at Bind. Both come before the statement runs, so sending it again unnamed is safe.
 */
const NAME_LOST = new Set(['42P05', '26000']);

/**
 * Runs a statement as a named prepared statement on the pool's connection: PostgreSQL parses it once per
 * connection and, after a few runs, keeps one generic plan instead of planning it again on every call. For a hot
 * statement whose planning costs as much as its execution (the lean payment's write, the staff look-up, issue 16).
 * The name is a digest of the text, so each distinct text is its own statement; a statement is sent in one round
 * trip as before. Outside `createDb`'s pool (a transaction, say) it runs as usual.
 *
 * Named statements need their server session: a direct connection, PgBouncer in session mode, or PgBouncer 1.21+
 * with `max_prepared_statements` in transaction mode. Behind an older pooler in transaction mode the first
 * refusal is sent again unnamed, and so is every statement on this pool from then on, with one warning
 * (docs/OPERATIONS.md, PgBouncer).
 */
export async function executePrepared<R>(db: Db, query: RawBuilder<R>): Promise<R[]> {
  const entry = pools.get(db);
  if (!entry) return (await query.execute(db)).rows;
  const { sql: text, parameters } = query.compile(db);
  const values = [...parameters];
  if (entry.named) {
    const name = `p_${createHash('sha1').update(text).digest('base64url')}`;
    try {
      return (await entry.pool.query({ name, text, values })).rows as R[];
    } catch (error) {
      if (!NAME_LOST.has((error as { code?: string }).code ?? '')) throw error;
      // Concurrent calls may all meet the refusal: the first to come back says it.
      if (entry.named)
        entry.warn(
          'Named prepared statements are refused on this database connection (a pooler in transaction mode, ' +
            'such as PgBouncer before 1.21?): the hot statements run unnamed from now on, planned on every call.',
        );
      entry.named = false;
    }
  }
  return (await entry.pool.query({ text, values })).rows as R[];
}
