import { loadConfig } from '../config';
import { createLogger } from '../http/logger';
import { ensureDatabase, startEmbeddedPostgres } from './embedded';
import { migrateToLatest } from './migrate';
import { createDb } from './pool';

/** `npm run migrate`: apply pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
async function main(): Promise<void> {
  const { config } = loadConfig();
  const log = createLogger({ level: config.logLevel });
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const url = config.databaseUrl ?? (await ensureDatabase(embedded!.adminUrl, 'amo_partners'));
  const handle = createDb(url);
  try {
    const applied = await migrateToLatest(handle.db);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  } finally {
    await handle.close();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
