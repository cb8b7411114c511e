import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../server/src/db/embedded';
import { createDb } from '../../server/src/db/pool';
import { migrateToLatest } from '../../server/src/db/migrate';

import { TEMPLATE_DB, withDatabase } from './pg-names';

/**
 * One PostgreSQL server per test run: the embedded one, or TEST_DATABASE_URL's when set. Migrations run
 * once into a template database; every test file then clones it (CREATE DATABASE … TEMPLATE), which
 * gives each file a fresh, fully migrated database in a few milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let server: EmbeddedServer | undefined;
  if (!adminUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'amop-test-pg-'));
    server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.adminUrl;
  }
  (globalThis as { __AMOP_PG__?: EmbeddedServer }).__AMOP_PG__ = server;
  process.env.TEST_PG_ADMIN_URL = adminUrl;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();

  const handle = createDb(withDatabase(adminUrl, TEMPLATE_DB));
  await migrateToLatest(handle.db);
  await handle.close();
}
