import { VENDOR_ACCOUNT_ID } from '../support/app';
import { allDelivered, companyClientIds, waitFor } from './support/harness';
import { startProcessTest, type ProcessTestEnv } from './support/processes';

/**
 * Three server processes' background work on one database (issue 16, WEB_CONCURRENCY): every outbox effect
 * reaches amoCRM exactly once (the delivery leases), and together they keep amoCRM's 7 requests per second per
 * account (the throttle shared through PostgreSQL).
 */
let env: ProcessTestEnv;
const PARTNER = 33100001;
const CLIENTS = Array.from({ length: 12 }, (_, i) => 71000001 + i);

beforeAll(async () => {
  env = await startProcessTest({ accountId: PARTNER, name: 'Партнёр Многопроцессный', subdomain: 'many' });
});
afterAll(() => env.close());

it('three worker processes deliver each company and each task once, within 7 requests per second', async () => {
  for (const client of CLIENTS) expect((await env.pin(PARTNER, client)).body.status).toBe('pinned');
  for (const client of CLIENTS) {
    const question = await env.call('POST', `/api/v1/staff/clients/${client}/questions`, {
      token: env.staffToken(),
      body: { text: `Вопрос клиента ${client} про настройку виджета` },
    });
    expect(question.status).toBe(201);
  }
  for (const name of ['web-1', 'web-2', 'web-3']) {
    await env.startWorker({ apiOrigin: env.fake.url, name, leaseMs: 5_000, sharedThrottle: true });
  }
  await waitFor(() => allDelivered(env), 'every delivery', 60_000);

  expect(companyClientIds(env.fake).sort()).toEqual(CLIENTS);
  const tasks = env.fake.tasks(PARTNER);
  expect(tasks).toHaveLength(CLIENTS.length);
  expect(new Set(tasks.map((t) => t.text)).size).toBe(CLIENTS.length);
  const rows = await env.db.db.selectFrom('outbox').select(['status']).execute();
  expect(rows.every((r) => r.status === 'done')).toBe(true);
  for (const account of [VENDOR_ACCOUNT_ID, PARTNER]) {
    expect(env.fake.stats.maxRequestsPerSecond[account] ?? 0).toBeLessThanOrEqual(7);
    expect(env.fake.stats.tooManyRequestsByAccount[account] ?? 0).toBe(0);
  }
}, 90_000);
