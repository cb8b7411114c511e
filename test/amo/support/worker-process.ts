/**
 * A separate worker process for the crash test: the amoCRM integration's background jobs (agenda and the
 * LISTEN wake-ups) on the test database, talking to the fake amoCRM (or a proxy in front of it). Settings
 * come as JSON in AMO_TEST_WORKER; "ready" on stdout means the jobs are running. SIGTERM stops it cleanly;
 * the test's SIGKILL does not.
 */
import { createAmoIntegration, startAmoWorkers } from '../../../server/src/amo';
import type { Config } from '../../../server/src/config';
import { createDb } from '../../../server/src/db/pool';
import { createLogger } from '../../../server/src/logger';

interface WorkerSettings {
  databaseUrl: string;
  apiOrigin: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  vendorAccountId: number;
  encryptionKey: string;
  leaseMs: number;
  name: string;
  /** The throttle shared through PostgreSQL, as the server runs it (default: per process). */
  sharedThrottle?: boolean;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.env.AMO_TEST_WORKER ?? '{}') as WorkerSettings;
  const config: Config = {
    env: 'test',
    port: 0,
    databaseUrl: s.databaseUrl,
    dataDir: '/tmp/amop-test-data',
    amo: {
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      redirectUri: s.redirectUri,
      tokenAudience: new URL(s.redirectUri).origin,
      apiOrigin: s.apiOrigin,
    },
    vendorAccountId: s.vendorAccountId,
    adminUserIds: [],
    billingApiKey: 'unused-in-the-worker-process',
    encryptionKey: Buffer.from(s.encryptionKey, 'base64'),
    publicUrl: 'http://localhost',
    logLevel: 'warn',
  };
  const log = createLogger({ level: 'warn', destination: process.stderr as never });
  const handle = createDb(s.databaseUrl, { max: 5 });
  const amo = createAmoIntegration(
    { config, db: handle.db, log },
    {
      workerName: s.name,
      sharedThrottle: s.sharedThrottle ?? false,
      leaseMs: s.leaseMs,
      api: { serverBackoff: { baseMs: 20, capMs: 100 }, requestTimeoutMs: 5_000 },
      delivery: { leaseMs: s.leaseMs, backoff: { baseMs: 200, capMs: 1_000 } },
    },
  );
  const workers = await startAmoWorkers(amo, {
    databaseUrl: s.databaseUrl,
    log,
    jobs: { name: s.name, processEveryMs: 200, lockLifetimeMs: 2_000, drainTimeoutMs: 2_000 },
    intervals: { deliver: 500, installs: 500, webhooks: 500, pendingChecks: 500 },
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    workers
      .stop()
      .then(() => handle.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
