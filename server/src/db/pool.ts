import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type RawBuilder, type Transaction } from 'kysely';
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
 */
export type Tx = Transaction<Database>;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** One pg Pool per process with Kysely on top; every module gets the Kysely handle passed in. */
export function createDb(connectionString: string, options: { max?: number } = {}): DbHandle {
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
  pools.set(db, pool);
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * Runs a statement as a named prepared statement on the pool's connection: PostgreSQL parses it once per
 * connection and, after a few runs, keeps one generic plan instead of planning it again on every call. For a hot
 * statement whose planning costs as much as its execution (the lean payment's write, issue 16). The name is a
 * digest of the text, so each distinct text is its own statement; a statement is sent in one round trip as
 * before. Named statements need a session-mode pool or PgBouncer 1.21+ with `max_prepared_statements` in
 * transaction mode (docs/OPERATIONS.md). Outside `createDb`'s pool (a transaction, say) it runs as usual.
 */
export async function executePrepared<R>(db: Db, query: RawBuilder<R>): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) return (await query.execute(db)).rows;
  const { sql: text, parameters } = query.compile(db);
  const name = `p_${createHash('sha1').update(text).digest('base64url')}`;
  const { rows } = await pool.query({ name, text, values: [...parameters] });
  return rows as R[];
}
