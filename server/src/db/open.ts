import type { Logger } from 'pino';
import { ensureDatabase, startEmbeddedPostgres } from './embedded';
import { migrateToLatest } from './migrate';
import { createDb, type DbHandle } from './pool';

/** The application's database on the embedded server. */
const EMBEDDED_DATABASE = 'amo_partners';

export interface OpenDatabase {
  url: string;
  handle: DbHandle;
  /** Migrations applied by this open (empty when the database was up to date). */
  applied: string[];
  /** Closes the pool, then stops the embedded PostgreSQL if this open started it. */
  close(): Promise<void>;
}

/**
 * The one way the app reaches its database, for `npm start` and `npm run migrate` alike: `databaseUrl` when
 * given, else a real PostgreSQL started from `dataDir`; then one pool, and every pending migration applied.
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  log: Logger;
}): Promise<OpenDatabase> {
  const { log } = options;
  const embedded = options.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: options.dataDir,
        onLog: (line) => log.debug({ pg: line }, 'postgres'),
      });
  if (embedded) {
    log.info(
      { dataDir: options.dataDir, clusterDir: embedded.clusterDir, port: embedded.port },
      'embedded PostgreSQL started',
    );
  }
  const url = options.databaseUrl ?? (await ensureDatabase(embedded!.adminUrl, EMBEDDED_DATABASE));
  const handle = createDb(url, { warn: (message) => log.warn(message) });
  try {
    const applied = await migrateToLatest(handle.db);
    if (applied.length) log.info({ migrations: applied }, 'migrations applied');
    return {
      url,
      handle,
      applied,
      async close() {
        await handle.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await handle.close();
    await embedded?.stop();
    throw error;
  }
}
