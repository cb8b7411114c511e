import { randomBytes } from 'node:crypto';
import http from 'node:http';
import {
  AMO_JOBS,
  createAmoIntegration,
  startAmoWorkers,
  type AmoIntegration,
  type AmoIntegrationOptions,
  type AmoWorkers,
} from '../../../server/src/amo';
import type { Config } from '../../../server/src/config';
import { createApp } from '../../../server/src/http/app';
import type { AppContext } from '../../../server/src/context';
import { allRoutes } from '../../../server/src/http/routes';
import { startFakeAmo, type FakeAmo } from '../../fakes/amocrm/fake-amocrm';
import {
  ADMIN_USER_ID,
  callApi,
  closeServer,
  listenOnLoopback,
  testConfig,
  testContext,
  tokenMinter,
  VENDOR_ACCOUNT_ID,
  type CallOptions,
  type CallResult,
} from '../../support/app';
import { createTestDb, type TestDb } from '../../support/db';

export { VENDOR_ACCOUNT_ID };

/** Fast settings for tests: the throttle and amoCRM's rules stay real, only our own waits get shorter. */
export const FAST: AmoIntegrationOptions = {
  api: { serverBackoff: { baseMs: 20, capMs: 100 }, requestTimeoutMs: 5_000 },
  delivery: { backoff: { baseMs: 200, capMs: 1_000 }, leaseMs: 5_000 },
  leaseMs: 5_000,
};

export interface AmoTestEnv {
  url: string;
  db: TestDb;
  config: Config;
  context: AppContext;
  fake: FakeAmo;
  amo: AmoIntegration;
  workers: AmoWorkers | undefined;
  /** Every log line the server wrote. */
  logs: string[];
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<CallResult<T>>;
  partnerToken(accountId: number): string;
  adminToken(): string;
  staffToken(): string;
  /** Registers a partner (individual: active at once) for this amoCRM account; returns its partner id. */
  registerPartner(accountId: number, name: string): Promise<string>;
  pin(
    partnerAccountId: number,
    clientAccountId: number,
    extra?: Record<string, unknown>,
  ): Promise<CallResult>;
  /** Installs the widget in a fake account (creating it) and waits until the connection is active. */
  connect(
    accountId: number,
    subdomain: string,
    domain?: 'amocrm.ru' | 'kommo.com' | 'amocrm.com',
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real app over real HTTP on a fresh database, with the amoCRM routes, the integration (its vendor
 * directory set as `vendorCrm`) and — unless `workers: false` — the background workers (agenda + LISTEN),
 * all talking to a fake amoCRM through AMO_API_ORIGIN.
 */
export async function startAmoTest(
  options: {
    workers?: boolean;
    integration?: AmoIntegrationOptions;
    intervals?: Partial<Record<keyof typeof AMO_JOBS, number | string>>;
    config?: Partial<Config>;
    /** false: no known-customer look-ups in the vendor's amoCRM (`vendorCrm` unset), pins are decided locally. */
    directory?: boolean;
    /** true: the vendor's own amoCRM account (VENDOR_ACCOUNT_ID) is connected before the env is returned. */
    vendor?: boolean;
    /** A partner registered after the vendor; with `subdomain`, its own amoCRM account is connected too. */
    partner?: { accountId: number; name: string; subdomain?: string };
  } = {},
): Promise<AmoTestEnv> {
  const db = await createTestDb();
  const server = http.createServer();
  const url = await listenOnLoopback(server);

  const base = testConfig();
  const config: Config = {
    ...base,
    ...options.config,
    amo: {
      ...base.amo,
      redirectUri: `${url}/amo/oauth/callback`,
      tokenAudience: url,
      webhookSecret: randomBytes(24).toString('base64url'),
      ...options.config?.amo,
    },
  };
  const fake = await startFakeAmo({
    clientId: config.amo.clientId,
    clientSecret: config.amo.clientSecret,
    redirectUri: config.amo.redirectUri,
  });
  config.amo.apiOrigin = fake.url;

  const { context, logs } = testContext(config, db);
  const amo = createAmoIntegration(context, { ...FAST, ...options.integration });
  if (options.directory !== false) context.vendorCrm = amo.vendorDirectory;
  server.on('request', createApp(context, allRoutes));

  const workers =
    options.workers === false
      ? undefined
      : await startAmoWorkers(amo, {
          databaseUrl: db.url,
          log: context.log,
          jobs: { processEveryMs: 200, lockLifetimeMs: 2_000, drainTimeoutMs: 5_000 },
          intervals: {
            deliver: 1_000,
            installs: 1_000,
            webhooks: 1_000,
            pendingChecks: 1_000,
            ...options.intervals,
          },
        });

  const mint = tokenMinter(config);
  const tokenFor = (accountId: number, userId: number, subdomain: string) =>
    mint({ accountId, userId, subdomain });

  const env: AmoTestEnv = {
    url,
    db,
    config,
    context,
    fake,
    amo,
    workers,
    logs,
    partnerToken: (accountId) => tokenFor(accountId, 1, `acc${accountId}`),
    adminToken: () => tokenFor(VENDOR_ACCOUNT_ID, ADMIN_USER_ID, 'vendor'),
    staffToken: () => tokenFor(VENDOR_ACCOUNT_ID, 50, 'vendor'),
    call: (method, path, callOptions) => callApi(url, config.billingApiKey, method, path, callOptions),
    async registerPartner(accountId, name) {
      const res = await env.call('POST', '/api/v1/partner', {
        token: env.partnerToken(accountId),
        body: { kind: 'individual', name, contacts: { email: `p${accountId}@example.ru` } },
      });
      if (res.status !== 201) throw new Error(`partner registration failed: ${res.status} ${res.text}`);
      return res.body.id as string;
    },
    pin(partnerAccountId, clientAccountId, extra = {}) {
      return env.call('POST', '/api/v1/pins', {
        token: env.partnerToken(partnerAccountId),
        body: { clientAccountId, ...extra },
      });
    },
    async connect(accountId, subdomain, domain = 'amocrm.ru') {
      if (!fakeHas(fake, accountId)) fake.addAccount({ id: accountId, subdomain, domain });
      const install = await fake.installWidget(accountId);
      if (install.status !== 200)
        throw new Error(`install redirect answered ${install.status} ${install.error ?? ''}`);
      if (!workers) await amo.processInstalls();
      await waitForStatus(db, 'amo_connections', accountId, 'active', `connection of ${accountId}`);
    },
    async close() {
      await workers?.stop();
      await closeServer(server);
      await fake.close();
      await db.drop();
    },
  };
  if (options.vendor) await env.connect(VENDOR_ACCOUNT_ID, 'vendor');
  const partner = options.partner;
  if (partner) {
    await env.registerPartner(partner.accountId, partner.name);
    if (partner.subdomain !== undefined) await env.connect(partner.accountId, partner.subdomain);
  }
  return env;
}

function fakeHas(fake: FakeAmo, accountId: number): boolean {
  try {
    fake.account(accountId);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `check` holds (background jobs finish on their own time); fails the test after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls until the account's install or connection row has `status`: the install job and the deliveries change
 * them in the background.
 */
export async function waitForStatus(
  db: TestDb,
  table: 'amo_installs' | 'amo_connections',
  accountId: number,
  status: string,
  what: string,
): Promise<void> {
  await waitFor(async () => {
    const row = await db.db
      .selectFrom(table)
      .select('status')
      .where('account_id', '=', BigInt(accountId))
      .executeTakeFirst();
    return row?.status === status;
  }, what);
}

/** The outbox rows, by status, for assertions. */
export async function outboxStatuses(env: AmoTestEnv): Promise<Record<string, number>> {
  const rows = await env.db.db.selectFrom('outbox').select('status').execute();
  const out: Record<string, number> = {};
  for (const row of rows) out[row.status] = (out[row.status] ?? 0) + 1;
  return out;
}

/** No outbox row (of these kinds, or of any) is still waiting. */
export async function allDelivered(env: AmoTestEnv, kinds?: string[]): Promise<boolean> {
  let q = env.db.db.selectFrom('outbox').select('id').where('status', '=', 'pending');
  if (kinds) q = q.where('kind', 'in', kinds);
  return (await q.executeTakeFirst()) === undefined;
}

/** The client account ids held in the vendor companies' account-id field, one entry per company. */
export function companyClientIds(fake: FakeAmo, vendorAccountId = VENDOR_ACCOUNT_ID): number[] {
  return fake
    .companies(vendorAccountId)
    .flatMap((c) =>
      (c.custom_fields_values ?? [])
        .filter((f) => f.field_code === 'AMOP_CLIENT_ACCOUNT_ID')
        .flatMap((f) => f.values.map((v) => Number(v.value))),
    );
}
