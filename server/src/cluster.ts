import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config';
import { openDatabase } from './db/open';
import { startServer, type RunningServer } from './server';

/**
 * `WEB_CONCURRENCY=N npm start` (issue 16): N server processes on one PostgreSQL, so a busy server uses every
 * core. The primary opens the database (starting the embedded PostgreSQL when there is no DATABASE_URL) and
 * applies migrations once, then forks the workers; each worker is a whole server (HTTP on the shared port,
 * the background jobs) on that database. Background work runs once across them all the same: agenda locks
 * each job, outbox and install rows are claimed with leases, and the amoCRM throttle is shared through
 * PostgreSQL. Several machines behind a load balancer work the same way with DATABASE_URL (docs/OPERATIONS.md).
 */

const DATABASE_URL_FOR_WORKERS = 'AMOP_CLUSTER_DATABASE_URL';
/** A worker that dies is started again, but not in a tight loop when it cannot start at all. */
const RESTART_DELAY_MS = 1_000;
/** How long the primary waits for its workers to finish their requests and jobs before it kills them. */
const STOP_TIMEOUT_MS = 30_000;

export interface RunningCluster {
  url: string;
  stop(): Promise<void>;
}

export async function startPrimary(config: Config, log: Logger, workers: number): Promise<RunningCluster> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  let stopping = false;
  let url = '';
  const fork = (): Worker => cluster.fork({ [DATABASE_URL_FOR_WORKERS]: database.url });
  const listening = new Promise<void>((resolve, reject) => {
    let ready = 0;
    cluster.on('message', (_worker, message: { listening?: string }) => {
      if (typeof message?.listening !== 'string') return;
      url = message.listening;
      ready += 1;
      if (ready === workers) resolve();
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      if (ready < workers) {
        reject(new Error(`a server process exited while starting (code ${code ?? signal})`));
        return;
      }
      log.error({ pid: worker.process.pid, code, signal }, 'a server process died; starting another');
      setTimeout(() => {
        if (!stopping) fork();
      }, RESTART_DELAY_MS);
    });
  });
  for (let i = 0; i < workers; i += 1) fork();
  try {
    await listening;
  } catch (error) {
    stopping = true;
    await stopWorkers();
    await database.close();
    throw error;
  }
  log.info({ processes: workers }, `${workers} server processes are listening`);

  async function stopWorkers(): Promise<void> {
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      alive.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  }

  return {
    url,
    async stop() {
      stopping = true;
      await stopWorkers();
      await database.close();
    },
  };
}

/** A forked worker: the whole server on the primary's database, reporting to the primary once it listens. */
export async function startWorker(config: Config, log: Logger): Promise<RunningServer> {
  const running = await startServer(config, log, { databaseUrl: process.env[DATABASE_URL_FOR_WORKERS] });
  process.send?.({ listening: running.url });
  return running;
}
