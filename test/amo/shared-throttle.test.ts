import { spawn } from 'node:child_process';
import path from 'node:path';
import { startAmoTest, type AmoTestEnv } from './support/harness';

/**
 * amoCRM allows 7 requests per second per account, whoever sends them (AMOCRM.md). With more than one server
 * process (WEB_CONCURRENCY, or several machines) each process's own throttle is not enough: the throttle is
 * shared through PostgreSQL (`SharedRateLimiter`, migration 018). Three real processes send to one account
 * of the fake amoCRM at once, which counts requests per second as amoCRM does and answers 429 past the limit.
 */
let env: AmoTestEnv;
beforeAll(async () => {
  env = await startAmoTest({ workers: false });
});
afterAll(() => env.close());

const PER_PROCESS = 12;

/** Runs three throttle processes against `accountId` together; their answers' statuses. */
async function threeProcesses(accountId: number, shared: boolean): Promise<number[]> {
  env.fake.addAccount({ id: accountId, subdomain: `throttle${accountId}` });
  const { access_token: accessToken } = env.fake.grantTokens(accountId);
  const settings = {
    databaseUrl: env.db.url,
    apiOrigin: env.fake.url,
    accessToken,
    accountId,
    count: PER_PROCESS,
    shared,
  };
  const children = Array.from({ length: 3 }, () => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'support/register.js'),
        path.join(__dirname, 'support/throttle-process.ts'),
      ],
      { env: { ...process.env, AMO_TEST_THROTTLE: JSON.stringify(settings), NODE_NO_WARNINGS: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready')) resolve();
      }),
    );
    const done = new Promise<number[]>((resolve, reject) =>
      child.once('exit', (code) => {
        const line = /statuses (\[.*\])/.exec(stdout);
        if (code !== 0 || !line) reject(new Error(`throttle process exited ${code}: ${stderr}`));
        else resolve(JSON.parse(line[1]!) as number[]);
      }),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  return (await Promise.all(children.map((c) => c.done))).flat();
}

test('three processes sharing the throttle send at most 7 requests per second to an account, and no 429', async () => {
  const ACCOUNT = 39100001;
  const started = Date.now();
  const statuses = await threeProcesses(ACCOUNT, true);
  expect(statuses).toEqual(Array(3 * PER_PROCESS).fill(200));
  expect(env.fake.stats.tooManyRequestsByAccount[ACCOUNT] ?? 0).toBe(0);
  expect(env.fake.stats.maxRequestsPerSecond[ACCOUNT]).toBeLessThanOrEqual(7);
  expect(env.fake.stats.maxRequestsPerSecond[ACCOUNT]).toBeGreaterThanOrEqual(6);
  // 36 requests at 7 per 1.15 s cannot take less than four full windows.
  expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 1150);
}, 60_000);

test('the control: each process with its own throttle only, together they go past the limit', async () => {
  const ACCOUNT = 39100002;
  await threeProcesses(ACCOUNT, false);
  expect(env.fake.stats.maxRequestsPerSecond[ACCOUNT]).toBeGreaterThan(7);
}, 60_000);
