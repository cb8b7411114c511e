import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { openDatabase } from './open';

/** `npm run migrate`: apply pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
async function main(): Promise<void> {
  const { config } = loadConfig();
  const log = createLogger({ level: config.logLevel });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  if (!database.applied.length) log.info('database is up to date');
  await database.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
