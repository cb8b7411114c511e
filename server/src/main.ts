import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { startPrimary, startWorker } from './cluster';
import { ConfigError, loadConfig } from './config';
import path from 'node:path';
import { startBanner } from './banner';
import { EmbeddedPostgresError } from './db/embedded';
import { createLogger } from './logger';
import { repoRoot, startServer } from './server';

/**
 * `npm start`: validate configuration, start the server — one process, or with WEB_CONCURRENCY above 1 a
 * primary and that many server processes (cluster.ts) — and stop cleanly on SIGINT/SIGTERM.
 */
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
  const workers = config.webConcurrency ?? 1;
  if (cluster.isWorker) {
    // The primary said everything once: a worker serves, and stops when told (or with the terminal's Ctrl+C).
    const running = await startWorker(config, log);
    stopOnSignal(log, () => running.stop());
    return;
  }
  for (const warning of warnings) log.warn(warning);

  const running = workers > 1 ? await startPrimary(config, log, workers) : await startServer(config, log);
  if (process.stdout.isTTY) {
    process.stdout.write(startBanner(config, running.url, widgetBuiltFor()).join('\n') + '\n');
  } else {
    log.info(
      {
        url: running.url,
        health: `${running.url}/health`,
        openapi: `${running.url}/api/v1/openapi.json`,
        devHost: config.devHostPage
          ? `${running.url.replace('localhost', '127.0.0.1')}/dev/host/`
          : undefined,
      },
      `amo-partners is listening on ${running.url} (database: ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`})`,
    );
  }

  // The orderly stop: HTTP first, then background jobs, then the pool, then PostgreSQL. If the process dies any
  // other way, startEmbeddedPostgres's exit hook stops PostgreSQL, and after kill -9 the next start does.
  stopOnSignal(log, () => running.stop());
}

function stopOnSignal(log: ReturnType<typeof createLogger>, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

/** The PUBLIC_URL the widget archive was built with (webpack.config.js writes it next to dist/widget). */
function widgetBuiltFor(): string | undefined {
  try {
    const info = JSON.parse(readFileSync(path.join(repoRoot(), 'dist', 'widget-build.json'), 'utf8')) as {
      publicUrl?: unknown;
    };
    return typeof info.publicUrl === 'string' ? info.publicUrl : undefined;
  } catch {
    return undefined;
  }
}

main().catch((error: unknown) => {
  // A start that cannot work here says so in one sentence; anything else is a bug and keeps its stack.
  const said =
    error instanceof EmbeddedPostgresError
      ? error.message
      : error instanceof Error
        ? error.stack
        : String(error);
  process.stderr.write(`amo-partners failed to start: ${said}\n`);
  process.exit(1);
});
