/**
 * A separate process for the shared-throttle test: sends `count` requests to one amoCRM account as fast as its
 * throttle lets it — `SharedRateLimiter` (the database's window, as the server runs) or, as the control, the
 * per-process `RateLimiter` alone. Settings come as JSON in AMO_TEST_THROTTLE; it prints "ready", waits for
 * "go" on stdin so every process starts at once, and exits when its requests are answered.
 */
import { createDb } from '../../../server/src/db/pool';
import { createLogger } from '../../../server/src/logger';
import { RateLimiter } from '../../../server/src/amo/rate-limiter';
import { SharedRateLimiter } from '../../../server/src/amo/shared-rate-limiter';

interface ThrottleSettings {
  databaseUrl: string;
  apiOrigin: string;
  accessToken: string;
  accountId: number;
  count: number;
  shared: boolean;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.env.AMO_TEST_THROTTLE ?? '{}') as ThrottleSettings;
  const handle = createDb(s.databaseUrl, { max: 3 });
  const rate = { limit: 7, windowMs: 1000, safetyMs: 150 };
  const log = createLogger({ level: 'warn', destination: process.stderr as never });
  const limiter = s.shared ? new SharedRateLimiter(handle.db, rate, log) : new RateLimiter(rate);
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const statuses = await Promise.all(
    Array.from({ length: s.count }, async () => {
      const slot = await limiter.acquire(String(s.accountId));
      try {
        const res = await fetch(`${s.apiOrigin}/api/v4/account`, {
          headers: { authorization: `Bearer ${s.accessToken}` },
        });
        await res.arrayBuffer();
        return res.status;
      } finally {
        slot.done();
      }
    }),
  );
  process.stdout.write(`statuses ${JSON.stringify(statuses)}\n`);
  await handle.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `throttle process failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
