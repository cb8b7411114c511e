import { VENDOR_ACCOUNT_ID } from '../support/app';
import { allDelivered, companyClientIds, startAmoTest, waitFor, type AmoTestEnv } from './support/harness';

/**
 * amoCRM down for a while: pins and routed questions keep coming; the outbox keeps every side effect and,
 * once amoCRM answers again, delivers each exactly once.
 */
let env: AmoTestEnv;
const PARTNER = 31500001;

beforeAll(async () => {
  // Pins decide locally here, so pinning goes on while amoCRM is down (the look-up's outage case is
  // vendor-directory.test.ts: such pins wait as pending_check).
  env = await startAmoTest({
    directory: false,
    vendor: true,
    partner: { accountId: PARTNER, name: 'Интегратор Гамма', subdomain: 'gamma' },
  });
});
afterAll(() => env.close());

it('keeps everything while amoCRM is down and delivers it exactly once afterwards', async () => {
  env.fake.setDown(true);
  const clients = Array.from({ length: 12 }, (_, i) => 51000000 + i);
  for (const client of clients) expect((await env.pin(PARTNER, client)).body.status).toBe('pinned');
  for (const client of clients.slice(0, 4)) {
    const res = await env.call('POST', `/api/v1/staff/clients/${client}/questions`, {
      token: env.staffToken(),
      body: { text: `Вопрос клиента ${client}` },
    });
    expect(res.status).toBe(201);
  }
  // Deliveries are attempted and fail; nothing is lost or given up on.
  await waitFor(
    async () => env.fake.requests.some((r) => r.status === 503),
    'a delivery attempt during the outage',
  );
  await new Promise((r) => setTimeout(r, 1500));
  const during = await env.db.db.selectFrom('outbox').select(['status', 'attempts']).execute();
  expect(during.every((r) => r.status === 'pending')).toBe(true);
  expect(during.some((r) => r.attempts > 0)).toBe(true);
  expect(env.fake.companies(VENDOR_ACCOUNT_ID)).toHaveLength(0);

  env.fake.setDown(false);
  await waitFor(() => allDelivered(env), 'every delivery after the outage', 60_000);
  expect(companyClientIds(env.fake).sort()).toEqual(clients);
  expect(env.fake.tasks(PARTNER)).toHaveLength(4);
  const statuses = await env.db.db.selectFrom('outbox').select('status').execute();
  expect(statuses.every((r) => r.status === 'done')).toBe(true);
});
