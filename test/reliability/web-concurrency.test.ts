import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../server/src/db/free-port';
import { createTestDb, type TestDb } from '../support/db';

/**
 * `WEB_CONCURRENCY=2 npm start` (issue 16): the real entry point, a primary and two server processes on one
 * database and one port. A server process that dies is replaced, the service stays up, and SIGTERM stops the
 * whole group. Run from the TypeScript sources (no build), as the amoCRM worker-process tests do.
 */
jest.setTimeout(90_000);
const ROOT = path.resolve(__dirname, '../..');

let db: TestDb;
let primary: ChildProcess;
let url: string;
let output = '';

/** The processes whose parent is `pid`, from /proc (no procps needed). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // The command may hold spaces and parentheses: the fields after its closing ")" are fixed.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; the server said: ${output}`);
}

/** `/health` on a new connection each time: a kept-alive socket of a killed process would only say it died. */
const healthy = () =>
  new Promise<boolean>((resolve) => {
    http
      .get(`${url}/health`, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .setTimeout(2_000, function timedOut(this: http.ClientRequest) {
        this.destroy();
      })
      .on('error', () => resolve(false));
  });

beforeAll(async () => {
  db = await createTestDb();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  primary = spawn(
    process.execPath,
    ['-r', path.join(ROOT, 'test/amo/support/register.js'), path.join(ROOT, 'server/src/main.ts')],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        WEB_CONCURRENCY: '2',
        PORT: String(port),
        DATABASE_URL: db.url,
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'amop-cluster-')),
        AMO_CLIENT_ID: randomUUID(),
        AMO_CLIENT_SECRET: randomBytes(32).toString('base64url'),
        AMO_REDIRECT_URI: 'https://partners.example.test/amo/oauth/callback',
        AMO_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
        VENDOR_ACCOUNT_ID: '1000001',
        ADMIN_USER_IDS: '7',
        BILLING_API_KEY: randomBytes(24).toString('base64url'),
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'info',
        NODE_NO_WARNINGS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => output.includes('2 server processes are listening'), 'the server processes');
});

afterAll(async () => {
  if (primary.exitCode === null) primary.kill('SIGKILL');
  for (const pid of childrenOf(primary.pid!)) process.kill(pid, 'SIGKILL');
  await db.drop();
});

test('two server processes serve one port; a dead one is replaced; SIGTERM stops them all', async () => {
  const first = childrenOf(primary.pid!);
  expect(first).toHaveLength(2);
  const answers = await Promise.all(Array.from({ length: 20 }, () => healthy()));
  expect(answers).toEqual(Array(20).fill(true));

  // kill -9 of one server process: the primary starts a replacement, and the service answers again at once
  // (a connection handed to the dead process in the moment before the primary noticed is lost).
  process.kill(first[0]!, 'SIGKILL');
  await until(healthy, 'health after the kill', 5_000);
  await until(() => {
    const now = childrenOf(primary.pid!);
    return now.length === 2 && !now.includes(first[0]!);
  }, 'the replacement process');
  await until(healthy, 'health after the replacement');

  const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
  primary.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(childrenOf(primary.pid!)).toEqual([]);
  expect(await healthy()).toBe(false);
});
