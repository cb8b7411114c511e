import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintAmoToken } from '../../server/src/auth/amo-token';
import { freePort } from '../../server/src/db/free-port';
import { integrationEnv } from './server-process';

/**
 * kill -9 of the real `npm start` on the embedded database (no DATABASE_URL): the node process dies, the
 * PostgreSQL it started lives on as an orphan holding `postmaster.pid`, and `npm start` must still start
 * again on the same data folder, with the data written before the kill.
 */
const ROOT = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amop-npm-start-'));
let port: number;
let env: Record<string, string>;
const started: ChildProcess[] = [];

beforeAll(async () => {
  port = await freePort();
  env = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    PORT: String(port),
    DATA_DIR: dataDir,
    ...integrationEnv(),
  };
  delete env.DATABASE_URL;
});

afterAll(async () => {
  for (const npm of started) {
    if (npm.exitCode === null && npm.signalCode === null) {
      const node = serverNodeOf(npm.pid!);
      if (node) process.kill(node, 'SIGTERM'); // the orderly stop, which stops PostgreSQL too
      await exited(npm, 30_000);
    }
  }
  const pid = postmasterPid();
  if (pid && alive(pid)) {
    process.kill(pid, 'SIGINT');
    // A fast shutdown still writes its checkpoint: removing the folder under it fails with ENOTEMPTY.
    for (const until = Date.now() + 20_000; alive(pid) && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}, 60_000);

function npmStart(): ChildProcess {
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  npm.stderr!.on('data', (chunk) => process.stderr.write(chunk));
  started.push(npm);
  return npm;
}

async function healthy(npm: ChildProcess): Promise<void> {
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('npm start did not come up in 180 s');
}

/** The node process running dist/server/src/main.js under `npm start` (npm → sh → node). */
function serverNodeOf(root: number): number | undefined {
  const parent = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  for (const pid of parent.keys()) {
    if (!descends(pid)) continue;
    try {
      // The node process itself, not the `sh -c "node …"` npm runs it through.
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '') === 'node' && argv[1] === 'dist/server/src/main.js') return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function postmasterPid(): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const token = () =>
  mintAmoToken(
    {
      clientId: env.AMO_CLIENT_ID!,
      clientSecret: env.AMO_CLIENT_SECRET!,
      audience: 'https://partners.example.test',
    },
    { accountId: 64000001, userId: 1, subdomain: 'a64000001' },
  );

test('kill -9 of npm start’s node leaves PostgreSQL orphaned; npm start recovers it with the data', async () => {
  const first = npmStart();
  await healthy(first);
  const created = await fetch(`http://127.0.0.1:${port}/api/v1/partner`, {
    method: 'POST',
    headers: { 'X-Auth-Token': token(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'individual', name: 'Иван Иванов', contacts: {} }),
  });
  expect(created.status).toBe(201);

  const node = serverNodeOf(first.pid!);
  expect(node).toBeDefined();
  const orphan = postmasterPid()!;
  expect(alive(orphan)).toBe(true);
  process.kill(node!, 'SIGKILL');
  await exited(first, 30_000);
  // The scenario of the report: the PostgreSQL the dead node started still runs on the data folder.
  expect(alive(orphan)).toBe(true);

  const second = npmStart();
  await healthy(second);
  const again = await fetch(`http://127.0.0.1:${port}/api/v1/partner`, {
    headers: { 'X-Auth-Token': token() },
  });
  expect(again.status).toBe(200);
  expect((await again.json()).name).toBe('Иван Иванов');
  expect(alive(orphan)).toBe(false);
  expect(postmasterPid()).not.toBe(orphan);
}, 400_000);
