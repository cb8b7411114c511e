import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/logger';
import { startServer, type RunningServer } from '../../server/src/server';
import { testConfig } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';

/**
 * The dev host page hands the integration secret to a browser (issue 12, item 4): it is off unless
 * DEV_HOST_PAGE=1, answers the secret only over a loopback socket without forwarding headers (a reverse
 * proxy connects from loopback too), and a start with real secrets from the environment refuses to enable it.
 */
let db: TestDb;
const quiet = createLogger({
  level: 'warn',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

async function serve(devHostPage: boolean | undefined, run: (s: RunningServer) => Promise<void>) {
  const config = testConfig({ env: 'development', devHostPage, port: 0 });
  const server = await startServer(config, quiet, { databaseUrl: db.url, workers: false });
  try {
    await run(server);
  } finally {
    await server.stop();
  }
}

const configUrl = (s: RunningServer) => `${s.url.replace('localhost', '127.0.0.1')}/dev/host/config.json`;

describe('the dev host page', () => {
  it('is not served by a development server unless enabled', async () => {
    await serve(undefined, async (s) => {
      const res = await fetch(configUrl(s));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(s.context.config.amo.clientSecret);
      expect((await fetch(`${s.url.replace('localhost', '127.0.0.1')}/dev/host/`)).status).toBe(404);
    });
  });

  it('when enabled, gives the secret to a direct loopback client and to nothing that came through a proxy', async () => {
    await serve(true, async (s) => {
      const direct = await fetch(configUrl(s));
      expect(direct.status).toBe(200);
      expect((await direct.json()).clientSecret).toBe(s.context.config.amo.clientSecret);
      for (const header of <Array<Record<string, string>>>[
        { 'X-Forwarded-For': '127.0.0.1' },
        { 'X-Forwarded-For': '203.0.113.7' },
        { Forwarded: 'for=203.0.113.7;proto=https' },
        { 'X-Forwarded-Host': 'partners.example.ru' },
        { 'X-Forwarded-Proto': 'https' },
        { 'X-Real-IP': '203.0.113.7' },
        { Via: '1.1 nginx' },
      ]) {
        const proxied = await fetch(configUrl(s), { headers: header });
        const text = await proxied.text();
        expect([Object.keys(header)[0], proxied.status]).toEqual([Object.keys(header)[0], 403]);
        expect(text).not.toContain(s.context.config.amo.clientSecret);
      }
    });
  });
});

describe('DEV_HOST_PAGE at start', () => {
  const dirs: string[] = [];
  const dir = () => {
    dirs.push(mkdtempSync(path.join(os.tmpdir(), 'amop-devhost-')));
    return dirs.at(-1)!;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('is off by default and on with DEV_HOST_PAGE=1 when the secrets are the generated development ones', () => {
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir() }).config.devHostPage).toBe(false);
    expect(
      loadConfig({ NODE_ENV: 'development', DATA_DIR: dir(), DEV_HOST_PAGE: '1' }).config.devHostPage,
    ).toBe(true);
  });

  it('refuses to enable it with a client secret from the environment, or in production', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'development',
        DATA_DIR: dir(),
        DEV_HOST_PAGE: '1',
        AMO_CLIENT_SECRET: 'a-real-client-secret-from-the-env',
      }),
    ).toThrow(/DEV_HOST_PAGE.*AMO_CLIENT_SECRET/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATA_DIR: dir(),
        DEV_HOST_PAGE: '1',
        AMO_CLIENT_ID: '6a1f3e0c-1111-4222-8333-944445555666',
        AMO_CLIENT_SECRET: 'a-production-secret-value',
        AMO_REDIRECT_URI: 'https://partners.example.ru/amo/oauth/callback',
        AMO_WEBHOOK_SECRET: 'w'.repeat(32),
        VENDOR_ACCOUNT_ID: '1000001',
        BILLING_API_KEY: 'a-production-billing-key',
        ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({ NODE_ENV: 'development', DATA_DIR: dir(), DEV_HOST_PAGE: 'yes please' }),
    ).toThrow(/DEV_HOST_PAGE/);
  });
});
