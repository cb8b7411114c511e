import { Kysely, PostgresDialect, type Transaction } from 'kysely';
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
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}
