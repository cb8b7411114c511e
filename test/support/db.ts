import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type DbHandle } from '../../server/src/db/pool';
import { TEMPLATE_DB, withDatabase } from './pg-names';

export interface TestDb extends DbHandle {
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through Jest (globalSetup)');
  return url;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database for one test file (a clone of the run's template database). */
export async function createTestDb(
  options: { max?: number; warn?: (message: string) => void } = {},
): Promise<TestDb> {
  const name = 'amop_t_' + randomBytes(6).toString('hex');
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  const url = withDatabase(adminUrl(), name);
  const handle = createDb(url, options);
  return {
    ...handle,
    url,
    async drop() {
      await handle.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
