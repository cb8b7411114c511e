import { startAmoTest, type AmoTestEnv } from './support/harness';

/**
 * Issue 12.11: ten partners pin one new client at once while the vendor account is not connected (a
 * development server, where that means "no companies"). The winner must be pinned every time — not, once
 * in a while, left `pending_check` because the look-up lost a race for a database connection.
 */
let env: AmoTestEnv;
const PARTNERS = Array.from({ length: 10 }, (_, i) => 37000001 + i);

beforeAll(async () => {
  env = await startAmoTest({ workers: false, integration: { vendorConnectionRequired: false } });
  for (const partner of PARTNERS) await env.registerPartner(partner, `Партнёр ${partner}`);
});
afterAll(() => env.close());

it('pins the winner of ten concurrent pins on a new client, every round', async () => {
  for (let round = 0; round < 5; round++) {
    const client = 97000001 + round;
    const answers = await Promise.all(PARTNERS.map((partner) => env.pin(partner, client)));
    const statuses = answers.map((a) => a.body.status).sort();
    expect(statuses).toEqual(['pinned', ...Array(9).fill('rejected')]);
    expect(answers.filter((a) => a.body.status === 'rejected').map((a) => a.body.reason)).toEqual(
      Array(9).fill('already_pinned'),
    );
  }
});
