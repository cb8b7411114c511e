import { VENDOR_ACCOUNT_ID } from '../support/app';
import { allDelivered, companyClientIds, waitFor } from './support/harness';
import { startHoldingProxy, startProcessTest, type ProcessTestEnv } from './support/processes';

let env: ProcessTestEnv;
const PARTNER = 33000001;
const CLIENTS = [70000001, 70000002, 70000003];

beforeAll(async () => {
  // No workers in this process: the deliveries run in separate worker processes that the test kills.
  env = await startProcessTest({ accountId: PARTNER, name: 'Партнёр Устойчивый', subdomain: 'steady' });
});
afterAll(() => env.close());

it('a worker killed mid-delivery and restarted leaves each company and each task in amoCRM once', async () => {
  for (const client of CLIENTS) expect((await env.pin(PARTNER, client)).body.status).toBe('pinned');
  const question = await env.call('POST', `/api/v1/staff/clients/${CLIENTS[0]}/questions`, {
    token: env.staffToken(),
    body: { text: 'Клиент спрашивает про интеграцию с телефонией' },
  });
  expect(question.status).toBe(201);
  // The worker process has a throttle of its own (the limit is per process): let this process's look-ups
  // leave the account's one-second window first.
  await new Promise((resolve) => setTimeout(resolve, 1200));

  // amoCRM applies the company batch and the task, but the worker never hears back: then it is killed.
  const proxy = await startHoldingProxy(
    env.fake.url,
    (method, path) => method === 'POST' && (path === '/api/v4/companies' || path === '/api/v4/tasks'),
  );
  const first = await env.startWorker({ apiOrigin: proxy.url, name: 'worker-1', leaseMs: 1_500 });
  await proxy.held(2);
  await first.kill('SIGKILL');
  await proxy.close();
  expect(companyClientIds(env.fake).sort()).toEqual(CLIENTS);
  expect(env.fake.tasks(PARTNER)).toHaveLength(1);
  const stuck = await env.db.db.selectFrom('outbox').select(['status', 'attempts']).execute();
  expect(stuck).toHaveLength(4);
  expect(stuck.every((r) => r.status === 'pending' && r.attempts === 1)).toBe(true);

  // A new process takes over once the dead one's leases run out, and finds what amoCRM already has.
  const second = await env.startWorker({ apiOrigin: env.fake.url, name: 'worker-2', leaseMs: 1_500 });
  await waitFor(
    () => allDelivered(env),
    `deliveries after the restart (worker said: ${second.stderr()})`,
    30_000,
  );
  await second.kill('SIGTERM');

  expect(companyClientIds(env.fake).sort()).toEqual(CLIENTS);
  expect(env.fake.notes(VENDOR_ACCOUNT_ID)).toHaveLength(3);
  const tasks = env.fake.tasks(PARTNER);
  expect(tasks).toHaveLength(1);
  expect(tasks[0]!.text).toContain(question.body.id);
  const rows = await env.db.db.selectFrom('outbox').selectAll().orderBy('id').execute();
  expect(rows.map((r) => [r.status, r.attempts])).toEqual([
    ['done', 2],
    ['done', 2],
    ['done', 2],
    ['done', 2],
  ]);
  const companies = await env.db.db.selectFrom('amo_vendor_companies').selectAll().execute();
  expect(companies.map((c) => [Number(c.client_account_id), c.create_started_at]).sort()).toEqual(
    CLIENTS.map((c) => [c, null]),
  );
  expect(new Set(companies.map((c) => Number(c.company_id))).size).toBe(3);
}, 60_000);
