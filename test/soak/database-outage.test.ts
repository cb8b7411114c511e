import { sql } from 'kysely';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from './server-process';
import { startPgProcess, type PgProcess } from './pg-process';
import pgLib from 'pg';
import { migrateToLatest } from '../../server/src/db/migrate';
import { createDb, type DbHandle } from '../../server/src/db/pool';
import { createApp } from '../../server/src/http/app';
import { createLogger } from '../../server/src/logger';
import { allRoutes } from '../../server/src/http/routes';
import { mintAmoToken } from '../../server/src/auth/amo-token';
import { testConfig } from '../support/app';

/**
 * PostgreSQL stopped for a few seconds under load: /health fails, requests fail fast with 503 (they do not
 * hang), and the service recovers by itself when the database is back — no restart of the app.
 */
let pg: PgProcess;
let dataDir: string;
let handle: DbHandle;
let server: http.Server;
let url: string;
const config = testConfig();
const token = (accountId: number) =>
  mintAmoToken(
    {
      clientId: config.amo.clientId,
      clientSecret: config.amo.clientSecret,
      audience: config.amo.tokenAudience,
    },
    { accountId, userId: 1, subdomain: 'x' },
  );

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'amop-outage-'));
  buildServer();
  pg = await startPgProcess(dataDir);
  const admin = new pgLib.Client({ connectionString: pg.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE outage');
  await admin.end();
  const dbUrl = new URL(pg.adminUrl);
  dbUrl.pathname = '/outage';
  handle = createDb(dbUrl.toString());
  await migrateToLatest(handle.db);
  const log = createLogger({ level: 'silent' });
  server = http.createServer(createApp({ config, db: handle.db, log }, allRoutes));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await handle?.close();
  await pg?.stop();
});

async function timed(p: string, init?: RequestInit) {
  const started = Date.now();
  const res = await fetch(url + p, { ...init, signal: AbortSignal.timeout(20_000) });
  const body = await res.text();
  return { status: res.status, ms: Date.now() - started, body };
}

const register = (accountId: number) =>
  timed('/api/v1/partner', {
    method: 'POST',
    headers: { 'X-Auth-Token': token(accountId), 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'individual', name: `Партнёр ${accountId}`, contacts: {} }),
  });

describe('a database outage', () => {
  it('fails fast with 503 while PostgreSQL is down and recovers by itself', async () => {
    expect((await timed('/health')).status).toBe(200);
    expect((await register(1)).status).toBe(201);

    // Load continues while the database goes away.
    let stop = false;
    const statuses: number[] = [];
    let n = 100;
    const load = (async () => {
      while (!stop) {
        const res = await register(n++).catch(() => ({ status: 0, ms: 0, body: '' }));
        statuses.push(res.status);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const port = pg.port;
    // A transaction holding a connection between two statements when the server goes away: its client emits
    // 'error' outside any query, which would crash the process if nobody listened (see createDb).
    let stopped!: () => void;
    const serverGone = new Promise<void>((resolve) => (stopped = resolve));
    const openTransaction = handle.db
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        await serverGone;
        await new Promise((r) => setTimeout(r, 200));
        await sql`SELECT 1`.execute(trx);
      })
      .then(
        () => 'committed',
        () => 'failed',
      );
    await new Promise((r) => setTimeout(r, 50));
    await pg.stop();
    stopped();
    expect(await openTransaction).toBe('failed');

    const health = await timed('/health');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body).code).toBe('database_unavailable');
    const during = await register(2);
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body).code).toBe('database_unavailable');
    // "Fails fast" means well inside the pool's connection timeout plus slack, not hanging until a client gives up.
    expect(during.ms).toBeLessThan(10_000);

    await new Promise((r) => setTimeout(r, 2000));
    pg = await startPgProcess(dataDir, port);
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = (await timed('/health')).status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
    expect((await register(3)).status).toBe(201);
    stop = true;
    await load;
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(statuses).toContain(503);
  });
});
