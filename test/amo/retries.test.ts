import {
  allDelivered,
  companyClientIds,
  FAST,
  startAmoTest,
  VENDOR_ACCOUNT_ID,
  type AmoTestEnv,
} from './support/harness';

let env: AmoTestEnv;
const PARTNER = 38000001;
const CLIENTS = [71000001, 71000002, 71000003, 71000004];

beforeAll(async () => {
  env = await startAmoTest({
    workers: false,
    integration: { ...FAST, delivery: { ...FAST.delivery, batchSize: 4 } },
  });
  await env.connect(VENDOR_ACCOUNT_ID, 'vendor');
  await env.registerPartner(PARTNER, 'Партнёр Повтор');
});
afterAll(() => env.close());

it('a gateway timeout (504) on a company batch: checked first, retried in smaller batches, no duplicates', async () => {
  for (const client of CLIENTS) expect((await env.pin(PARTNER, client)).body.status).toBe('pinned');

  env.fake.failNext(1, 504); // the company batch meets a gateway timeout: amoCRM may or may not have it
  await env.amo.deliverOutbox();
  const rows = await env.db.db.selectFrom('outbox').select(['status', 'attempts', 'last_error']).execute();
  expect(
    rows.every((r) => r.status === 'pending' && r.attempts === 1 && /504/.test(r.last_error ?? '')),
  ).toBe(true);
  expect(env.fake.companies(VENDOR_ACCOUNT_ID)).toEqual([]);

  await new Promise((resolve) => setTimeout(resolve, 400)); // the rows' backoff (at most 200 ms here)
  const seen = env.fake.requests.length;
  await env.amo.deliverOutbox();
  expect(await allDelivered(env)).toBe(true);
  const retry = env.fake.requests.slice(seen);
  // Before creating again it asked amoCRM for each client's company (the lost answer might have made them)…
  expect(retry.filter((r) => r.method === 'GET' && r.path === '/api/v4/companies')).toHaveLength(4);
  // …and sent the creates in half-size batches.
  const creates = retry.filter((r) => r.method === 'POST' && r.path === '/api/v4/companies');
  expect(creates.map((r) => (r.body as unknown[]).length)).toEqual([2, 2]);
  expect(companyClientIds(env.fake).sort()).toEqual(CLIENTS);
});
