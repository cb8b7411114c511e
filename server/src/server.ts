import { existsSync } from 'node:fs';
import http from 'node:http';
import type { Logger } from 'pino';
import type { Config } from './config';
import { openDatabase } from './db/open';
import { createApp } from './http/app';
import type { AppContext } from './context';
import { allRoutes } from './http/routes';
import { createAmoIntegration, startAmoWorkers } from './amo';
import { payoutJobs } from './payouts/payout.jobs';
import { programJobs } from './programs/program.jobs';
import { sealPlainPersonInns } from './partners/partner.service';
import { devHostRouter } from './devhost/devhost.routes';
import path from 'node:path';
import { DEFAULT_PRESET } from './programs/program';
import { ensureProgram } from './programs/program.service';

export interface RunningServer {
  url: string;
  databaseUrl: string;
  context: AppContext;
  stop(): Promise<void>;
}

/**
 * Starts everything in order: database (embedded unless DATABASE_URL), migrations, HTTP. `stop` undoes it
 * in reverse: stop accepting requests, close the pool, stop the embedded PostgreSQL.
 */
export async function startServer(
  config: Config,
  log: Logger,
  /** `workers: false` serves HTTP only (no background jobs), e.g. for a second API process. */
  options: { databaseUrl?: string; workers?: boolean } = {},
): Promise<RunningServer> {
  const database = await openDatabase({
    databaseUrl: options.databaseUrl ?? config.databaseUrl,
    dataDir: config.dataDir,
    log,
  });
  const { handle, url: databaseUrl } = database;
  // Rows from before migration 005 hold a person's ИНН in the clear; only the running server has the key.
  const sealed = await sealPlainPersonInns(handle.db, config.encryptionKey);
  if (sealed > 0) log.info({ partners: sealed }, 'sealed the ИНН of person partners registered earlier');
  // A database with no program yet gets the configured preset (PROGRAM_PRESET) as version 1.
  await ensureProgram(handle.db, config.programPreset ?? DEFAULT_PRESET);

  const context: AppContext = { config, db: handle.db, log };
  // The vendor's amoCRM answers "does the vendor already know this client?" for pinning.
  // The throttle is shared through PostgreSQL, so any number of server processes keep amoCRM's limit together.
  const amo = createAmoIntegration(context, {
    vendorConnectionRequired: config.env === 'production',
    sharedThrottle: true,
  });
  context.vendorCrm = amo.vendorDirectory;
  // The widget host page hands the integration secret to a local browser: only when asked for (DEV_HOST_PAGE=1,
  // which loadConfig refuses in production and next to real secrets), and never in production.
  const devHost =
    !config.devHostPage || config.env === 'production'
      ? undefined
      : devHostRouter({
          amoClientId: config.amo.clientId,
          amoClientSecret: config.amo.clientSecret,
          tokenAudience: config.amo.tokenAudience,
          vendorAccountId: config.vendorAccountId,
          adminUserIds: config.adminUserIds,
          widgetDir: path.join(repoRoot(), 'dist', 'widget'),
          hostDir: path.join(repoRoot(), 'widget', 'host'),
        });
  const app = createApp(context, allRoutes, (server) => {
    if (devHost) server.use(devHost);
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '0.0.0.0', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Background work: amoCRM deliveries, token refresh, webhooks, renewal reminders, scheduled payouts.
  const workers =
    options.workers === false
      ? undefined
      : await startAmoWorkers(amo, {
          databaseUrl,
          log,
          extraJobs: [...payoutJobs(context), ...programJobs(context)],
        });

  return {
    url: `http://localhost:${port}`,
    databaseUrl,
    context,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await workers?.stop();
      await database.close();
    },
  };
}

/** The repository root (the folder with package.json), from both server/src and dist/server/src. */
/** The checkout: the nearest folder above this file with a package.json (dist/ or sources alike). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
