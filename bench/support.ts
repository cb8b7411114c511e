/**
 * Shared pieces of `npm run bench`: one embedded PostgreSQL in a temp folder for the whole run, fresh
 * migrated databases cloned from a template, the real Express app in this process, a load generator in a
 * child process (so autocannon's own CPU is not charged to the server's event loop), CPU accounting per
 * process group, percentiles and the results table.
 *
 * Benchmarks print figures; nothing here fails a build. Every figure that matters is a ratio against a
 * baseline measured in the same run, because the machine (2 cores) is shared and noisy.
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pg from 'pg';
import { mintAmoToken } from '../server/src/auth/amo-token';
import type { Config } from '../server/src/config';
import { startEmbeddedPostgres } from '../server/src/db/embedded';
import { freePort } from '../server/src/db/free-port';
import { migrateToLatest } from '../server/src/db/migrate';
import { createDb, type DbHandle } from '../server/src/db/pool';
import { createApp } from '../server/src/http/app';
import type { AppContext } from '../server/src/context';
import { asyncDestination, createLogger } from '../server/src/logger';
import { allRoutes } from '../server/src/http/routes';
import { ADMIN_USER_ID, testConfig, VENDOR_ACCOUNT_ID } from '../test/support/config';

/** `BENCH_SCALE=small`: a quick run (fewer rows, shorter phases) to check the benchmarks work. */
export const SMALL = process.env.BENCH_SCALE === 'small';

/** The repository root, from both bench/ (sources) and dist/bench/ (compiled). */
export const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

export { ADMIN_USER_ID, VENDOR_ACCOUNT_ID };
/** A vendor user who is staff but not admin: the staff look-up reads staff_roles for it, as in production. */
export const STAFF_USER_ID = 50;

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------- PostgreSQL

export interface BenchPostgres {
  adminUrl: string;
  /** The cluster's data folder: postmaster.pid there names the server process for CPU accounting. */
  clusterDir: string;
  version: string;
  /** A fresh database with every migration applied (a clone of a migrated template). */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const TEMPLATE = 'bench_template';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

async function adminQuery(adminUrl: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** One embedded PostgreSQL (the product's default server, default settings) in a temp folder. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'amop-bench-pg-'));
  // A crash must not leave a cluster's worth of files in /tmp (startEmbeddedPostgres stops the server on exit).
  const removeOnExit = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  const server = await startEmbeddedPostgres({ dataDir });
  const adminUrl = server.adminUrl;
  await adminQuery(adminUrl, `CREATE DATABASE ${TEMPLATE}`);
  const handle = createDb(withDatabase(adminUrl, TEMPLATE));
  await migrateToLatest(handle.db);
  await handle.close();
  const version = String((await adminQuery(adminUrl, 'SHOW server_version')).rows[0].server_version);
  return {
    adminUrl,
    clusterDir: server.clusterDir,
    version,
    async createDatabase(name) {
      await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
      return withDatabase(adminUrl, name);
    },
    async dropDatabase(name) {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
    async stop() {
      await server.stop();
      process.off('exit', removeOnExit);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- the app

export interface BenchApp {
  url: string;
  config: Config;
  handle: DbHandle;
  context: AppContext;
  staffToken(): string;
  close(): Promise<void>;
}

/** The tests' config (fresh secrets, the same vendor and admin ids) in development mode, with its own data folder. */
export function benchConfig(): Config {
  return testConfig({ env: 'development', dataDir: path.join(os.tmpdir(), 'amop-bench-data') });
}

/** Listens on loopback with the same keep-alive as `startServer`. */
export async function listen(handler: http.RequestListener | Express): Promise<{
  url: string;
  server: http.Server;
  close(): Promise<void>;
}> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The real app as `startServer` wires it (the same `createApp`, routes, pool size and info-level access log),
 * on a given database. The log goes to /dev/null so its serialisation cost stays in the measurement.
 */
export async function startBenchApp(
  databaseUrl: string,
  options: { config?: Config; extra?: (server: Express) => void } = {},
): Promise<BenchApp> {
  const config = options.config ?? benchConfig();
  const logger = createLogger({ level: config.logLevel, destination: asyncDestination('/dev/null') });
  const handle = createDb(databaseUrl);
  const context: AppContext = { config, db: handle.db, log: logger };
  const listening = await listen(createApp(context, allRoutes, options.extra));
  return {
    url: listening.url,
    config,
    handle,
    context,
    staffToken: () => staffToken(config.amo.clientId, config.amo.clientSecret, config.amo.tokenAudience),
    async close() {
      await listening.close();
      await handle.close();
    },
  };
}

/** A widget token of the vendor's staff user (not admin) for a server with these amoCRM integration secrets. */
function staffToken(clientId: string, clientSecret: string, audience: string): string {
  return mintAmoToken(
    { clientId, clientSecret, audience },
    { accountId: VENDOR_ACCOUNT_ID, userId: STAFF_USER_ID, subdomain: 'vendor' },
  );
}

export interface ServerProcesses {
  url: string;
  /** The entry point's process (the cluster primary with WEB_CONCURRENCY > 1), for `startCpuMeter`. */
  pid: number;
  staffToken(): string;
  stop(): Promise<void>;
}

/**
 * The real server as `npm start` runs it — `node dist/server/src/main.js` with WEB_CONCURRENCY server
 * processes — on a bench database, as a child process; resolves once every process can answer.
 */
export async function startServerProcesses(databaseUrl: string, processes: number): Promise<ServerProcesses> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const secrets = { clientId: randomUUID(), clientSecret: randomBytes(32).toString('base64url') };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'amop-bench-cluster-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/server/src/main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      WEB_CONCURRENCY: String(processes),
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      AMO_CLIENT_ID: secrets.clientId,
      AMO_CLIENT_SECRET: secrets.clientSecret,
      AMO_REDIRECT_URI: `${url}/amo/oauth/callback`,
      AMO_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
      VENDOR_ACCOUNT_ID: String(VENDOR_ACCOUNT_ID),
      BILLING_API_KEY: randomBytes(24).toString('base64url'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
    },
    // The access log goes nowhere, as the in-process app's goes to /dev/null: its cost stays in the figures.
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 60_000) {
      child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error('the server processes did not come up');
    }
    await sleep(200);
  }
  // The first process answers health before the others listen: give them the few seconds a start takes.
  if (processes > 1) await sleep(5_000);
  return {
    url,
    pid: child.pid!,
    // The token audience is the origin of AMO_REDIRECT_URI (config.ts).
    staffToken: () => staffToken(secrets.clientId, secrets.clientSecret, url),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- CPU accounting

const CLOCK_TICKS_PER_SECOND = 100;

function procTimes(pid: number): { ppid: number; own: number; children: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      children: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by a process and its children: its own, its reaped children's, and its live direct
 * children's (PostgreSQL's backends; a cluster primary's server processes).
 */
function treeCpuSeconds(root: number): number {
  const main = procTimes(root);
  if (!main) return 0;
  let ticks = main.own + main.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const t = procTimes(Number(entry));
    if (t && t.ppid === root) ticks += t.own;
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds used so far by the PostgreSQL server: the postmaster, its live children and reaped ones. */
function postgresCpuSeconds(clusterDir: string): number {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return 0;
  return treeCpuSeconds(Number(readFileSync(pidFile, 'utf8').split('\n')[0]));
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!;
  return busy / CLOCK_TICKS_PER_SECOND;
}

export interface CpuSplit {
  wallSeconds: number;
  /** Each figure is CPU seconds per wall second, i.e. cores busy on average (the machine has os.cpus()). */
  nodeServer: number;
  loadGenerator: number;
  postgres: number;
  /** Everything else on the machine in the same interval (other sessions' tests, builds …). */
  other: number;
}

/**
 * Measures who used the CPU during one phase; `loadGeneratorSeconds` is reported by the load child. With
 * `serverPid` (server processes started by `startServerProcesses`), that process tree counts as "node" too.
 */
export function startCpuMeter(
  clusterDir: string,
  serverPid?: number,
): { stop(loadGeneratorSeconds?: number): CpuSplit } {
  const t0 = process.hrtime.bigint();
  const self0 = process.cpuUsage();
  const servers0 = serverPid ? treeCpuSeconds(serverPid) : 0;
  const pg0 = postgresCpuSeconds(clusterDir);
  const all0 = machineBusySeconds();
  return {
    stop(loadGeneratorSeconds = 0) {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const self = process.cpuUsage(self0);
      const servers = serverPid ? treeCpuSeconds(serverPid) - servers0 : 0;
      const node = (self.user + self.system) / 1e6 + servers;
      const pgs = postgresCpuSeconds(clusterDir) - pg0;
      const all = machineBusySeconds() - all0;
      const other = Math.max(0, all - node - pgs - loadGeneratorSeconds);
      return {
        wallSeconds: wall,
        nodeServer: node / wall,
        loadGenerator: loadGeneratorSeconds / wall,
        postgres: pgs / wall,
        other: other / wall,
      };
    },
  };
}

export function formatCpu(c: CpuSplit): string {
  return `CPU (cores busy): node ${c.nodeServer.toFixed(2)}, postgres ${c.postgres.toFixed(2)}, load generator ${c.loadGenerator.toFixed(2)}, other ${c.other.toFixed(2)}`;
}

// ---------------------------------------------------------------- what the database sessions wait for

/**
 * Samples pg_stat_activity every 50 ms on its own connection: for the sessions of one database that are in a
 * transaction, what they are doing (on CPU, or the wait event). The result is the average number of sessions
 * per state — e.g. "Lock:transactionid 11.2" means on average 11 sessions queued behind another's row lock.
 */
export async function startWaitSampler(
  adminUrl: string,
  database: string,
): Promise<{ stop(): Promise<Array<[string, number]>> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ state: string; n: number }>(
        `SELECT CASE WHEN wait_event IS NULL THEN 'on CPU' ELSE wait_event_type || ':' || wait_event END AS state,
                count(*)::int AS n
           FROM pg_stat_activity
          WHERE datname = $1 AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()
          GROUP BY 1`,
        [database],
      );
      samples += 1;
      for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + r.n);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return [...counts.entries()]
        .map(([state, n]) => [state, n / Math.max(1, samples)] as [string, number])
        .sort((a, b) => b[1] - a[1]);
    },
  };
}

export function formatWaits(waits: Array<[string, number]>): string {
  return waits.length
    ? waits
        .filter(([, n]) => n >= 0.05)
        .map(([state, n]) => `${state} ${n.toFixed(1)}`)
        .join(', ')
    : 'none';
}

// ---------------------------------------------------------------- load generator (child process)

export type LoadSpec = {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Fixed offered load (requests per second over all connections); unset = as fast as possible. */
  overallRate?: number;
  /** With overallRate: pace requests evenly (open loop, load.ts) instead of autocannon's per-second quota. */
  paced?: boolean;
} & (
  | {
      kind: 'payments';
      billingKey: string;
      /** Pinned client account ids to pay for, `first` … `first + count - 1`. */
      clients: { first: number; count: number };
      /** Makes every externalId of this run unique. */
      idPrefix: string;
      paidAt: string;
    }
  | { kind: 'staff'; token: string; clients: { first: number; count: number } }
  /** `GET /r/:code` over these link codes, each request a new visitor (no cookie); a 302 is the success. */
  | { kind: 'clicks'; codes: string[] }
);

export interface LoadResult {
  /** 2xx responses per second over the phase. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Milliseconds, from each 2xx response's own timing (sub-millisecond resolution). */
  p50: number;
  p99: number;
  /** autocannon's own p99 (integer milliseconds, corrected for coordinated omission at a fixed rate). */
  autocannonP99?: number;
  /** Paced runs: how late the generator sent against its schedule, p99, milliseconds. */
  lagP99?: number;
  durationSeconds: number;
  /** CPU seconds the load generator itself used. */
  cpuSeconds: number;
}

/** Runs autocannon in a child process (compiled `load.js` next to this file) and waits for its summary. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return forkForResult<LoadResult>(
    path.join(__dirname, 'load.js'),
    spec,
    (code) => `load generator exited with ${code} and no result`,
  );
}

/**
 * Forks a compiled script, sends it `input` over IPC and resolves with the first message it sends back;
 * rejects if it exits without one (`failure` words the error from the exit code).
 */
export function forkForResult<T>(
  script: string,
  input: unknown,
  failure: (code: number | null) => string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: T | undefined;
    child.once('message', (message) => {
      result = message as T;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(failure(code)));
    });
    child.send(input as Parameters<typeof child.send>[0]);
  });
}

// ---------------------------------------------------------------- statistics and the table

/** The p-th percentile (0–100) of an ascending array, nearest rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface ResultRow {
  benchmark: string;
  figure: string;
  baseline: string;
  /** figure / baseline, as printed (e.g. "0.72" or "72 %"); "—" when a row has no baseline. */
  ratio: string;
  goal: string;
  /** "yes", "no", or "—" for an informational row. */
  met: string;
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : 'n/a';
}

export function yesNo(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

/** A Markdown table (readable in a terminal too), pasted as is into docs/BENCHMARKS.md. */
export function formatTable(rows: ResultRow[]): string {
  const header: ResultRow = {
    benchmark: 'benchmark',
    figure: 'figure',
    baseline: 'baseline',
    ratio: 'ratio',
    goal: 'goal',
    met: 'met?',
  };
  const keys = Object.keys(header) as (keyof ResultRow)[];
  const all = [header, ...rows];
  const width = (k: keyof ResultRow) => Math.max(...all.map((r) => r[k].length));
  const line = (r: ResultRow) => `| ${keys.map((k) => r[k].padEnd(width(k))).join(' | ')} |`;
  const rule = `| ${keys.map((k) => '-'.repeat(width(k))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Runs two sides of a comparison in the order A, B, B, A, so that drift on the shared machine (and growth of
 * the tables) falls on both equally; `report` sees every phase as it finishes.
 */
export async function abba<S extends string, T>(
  sides: readonly [S, S],
  run: (side: S) => Promise<T>,
  report: (side: S, phase: number, result: T) => void,
): Promise<Record<S, T[]>> {
  const out = { [sides[0]]: [], [sides[1]]: [] } as unknown as Record<S, T[]>;
  for (const [i, side] of [sides[0], sides[1], sides[1], sides[0]].entries()) {
    const result = await run(side);
    out[side].push(result);
    report(side, i + 1, result);
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
