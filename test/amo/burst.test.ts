import { VENDOR_ACCOUNT_ID } from '../support/app';
import {
  allDelivered,
  companyClientIds,
  outboxStatuses,
  startAmoTest,
  waitFor,
  type AmoTestEnv,
} from './support/harness';

let env: AmoTestEnv;
const PARTNER = 32000001;

beforeAll(async () => {
  env = await startAmoTest({ vendor: true, partner: { accountId: PARTNER, name: 'Партнёр Залп' } });
});
afterAll(() => env.close());

it('a burst of 100 pins: never more than 7 requests a second to the vendor account, 100 companies exactly once', async () => {
  const clients = Array.from({ length: 100 }, (_, i) => 60000001 + i);
  const answers: string[] = [];
  // Five partners' browsers pinning at once, as fast as the API answers.
  const queue = [...clients];
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let client = queue.shift(); client !== undefined; client = queue.shift()) {
        const res = await env.pin(PARTNER, client);
        expect(res.status).toBe(201);
        answers.push(res.body.status);
      }
    }),
  );
  // Every pin is answered at once; one whose known-customer check did not fit its time waits as
  // pending_check and is decided by the job: none is pinned without the check.
  expect(answers.every((s) => s === 'pinned' || s === 'pending_check')).toBe(true);

  await waitFor(
    async () => {
      const waiting = await env.db.db
        .selectFrom('pins')
        .select('id')
        .where('status', '!=', 'pinned')
        .execute();
      return waiting.length === 0 && (await allDelivered(env));
    },
    'all pins decided and delivered',
    90_000,
  );

  const stats = env.fake.stats;
  expect(stats.maxRequestsPerSecond[VENDOR_ACCOUNT_ID]).toBeLessThanOrEqual(7);
  expect(stats.tooManyRequestsByAccount[VENDOR_ACCOUNT_ID]).toBe(0);
  expect(companyClientIds(env.fake).sort((a, b) => a - b)).toEqual(clients);
  expect(env.fake.notes(VENDOR_ACCOUNT_ID)).toHaveLength(100);
  expect(await outboxStatuses(env)).toEqual({ done: 100 });
  // Companies and notes go in batches (request_id maps the answers back), so the look-ups dominate.
  const writes = env.fake.requests.filter(
    (r) => r.method === 'POST' && r.path.startsWith('/api/v4/companies'),
  );
  expect(writes.length).toBeLessThanOrEqual(30);
}, 120_000);
