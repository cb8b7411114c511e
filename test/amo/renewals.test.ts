import { randomUUID } from 'node:crypto';
import { AMO_JOBS } from '../../server/src/amo';
import { createId } from '../../server/src/ids';
import { allDelivered, startAmoTest, waitFor, type AmoTestEnv } from './support/harness';

let env: AmoTestEnv;
const P = 35000001; // connected partner
const Q = 35000002; // partner without an amoCRM connection
const DAY = 24 * 3600 * 1000;
const now = new Date();
const inDays = (days: number) => new Date(now.getTime() + days * DAY);

async function pay(client: number, periodEnd: Date, options: { refunded?: boolean; product?: string } = {}) {
  await env.db.db
    .insertInto('payments')
    .values({
      id: createId('pay'),
      external_id: `ext-${randomUUID()}`, // billing's own id, not one we mint
      request_hash: 'test',
      client_account_id: BigInt(client),
      gross_minor: 1_200_000n,
      currency: 'RUB',
      channel: 'vendor_direct',
      paid_at: new Date(periodEnd.getTime() - 365 * DAY),
      product_code: options.product ?? 'amo-widget-pro',
      period_end: periodEnd,
      refunded_minor: options.refunded ? 1_200_000n : 0n,
    })
    .execute();
}

const renewalRows = () =>
  env.db.db
    .selectFrom('outbox')
    .selectAll()
    .where('kind', '=', 'partner_task.renewal')
    .orderBy('id')
    .execute();

const TASKS = ['partner_task.renewal', 'partner_task.question'];

beforeAll(async () => {
  // Only the partners' accounts matter here: the vendor's amoCRM (known-customer look-ups, client
  // companies) stays out of it, so the pins are decided locally and their company rows simply wait.
  env = await startAmoTest({ directory: false });
  await env.registerPartner(P, 'Партнёр Продлений');
  await env.registerPartner(Q, 'Партнёр Без CRM');
  await env.connect(P, 'renewals');
  for (const client of [81000001, 81000002, 81000003, 81000004, 81000005]) await env.pin(P, client);
  await env.pin(Q, 81000007);
  await pay(81000001, inDays(10)); // due: ends within 14 days
  await pay(81000002, inDays(20)); // not yet
  await pay(81000003, inDays(-1)); // already over
  await pay(81000004, inDays(5));
  await pay(81000004, inDays(370)); // …but renewed: the paid period now ends next year
  await pay(81000005, inDays(7), { refunded: true }); // refunded in full: nothing to renew
  await pay(81000006, inDays(3)); // nobody's client
  await pay(81000007, inDays(12)); // due, but its partner has no amoCRM connection
});
afterAll(() => env.close());

describe('renewal reminders', () => {
  it('is a daily job at 06:00 Moscow time', () => {
    expect(env.amo.jobs().find((j) => j.name === AMO_JOBS.renewals)).toMatchObject({
      every: '0 6 * * *',
      timezone: 'Europe/Moscow',
    });
  });

  it('creates one task per client and paid period in the partner’s amoCRM, N days before the period ends', async () => {
    await env.workers!.scheduler.now(AMO_JOBS.renewals);
    await waitFor(
      async () => (await renewalRows()).length === 2 && (await allDelivered(env, TASKS)),
      'renewal deliveries',
    );

    const rows = await renewalRows();
    rows.sort((a, b) => Number(a.payload.clientAccountId) - Number(b.payload.clientAccountId));
    expect(rows.map((r) => [r.payload.clientAccountId, Number(r.target_account_id), r.status])).toEqual([
      [81000001, P, 'done'],
      [81000007, Q, 'skipped'],
    ]);
    const tasks = env.fake.tasks(P);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.text).toContain('81000001');
    expect(tasks[0]!.text).toContain(inDays(10).toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' }));
    expect(tasks[0]!.text).toContain('amo-widget-pro');
    expect(tasks[0]!.complete_till).toBeLessThan(inDays(10).getTime() / 1000);

    // The job runs every day: the same period never gets a second reminder.
    expect(await env.amo.enqueueRenewals(now)).toBe(0);
    expect(await env.amo.enqueueRenewals(inDays(1))).toBe(0);
    expect(await env.amo.enqueueRenewals(inDays(5))).toBe(0);
    await waitFor(() => allDelivered(env, TASKS), 'nothing more');
    expect(env.fake.tasks(P)).toHaveLength(1);
  });

  it('follows the program setting for how many days ahead, and reminds again for the next period', async () => {
    await env.db.db
      .updateTable('program_settings')
      .set({ value: JSON.stringify(30) })
      .where('key', '=', 'renewal_reminder_days')
      .execute();
    expect(await env.amo.enqueueRenewals(now)).toBe(1); // 81000002, 20 days ahead
    await pay(81000001, inDays(375)); // the client renewed: its next period gets its own reminder next year
    expect(await env.amo.enqueueRenewals(inDays(350))).toBe(2); // 81000001 (375) and 81000004 (370)
    await waitFor(() => allDelivered(env, TASKS), 'deliveries');
    expect(env.fake.tasks(P)).toHaveLength(4);
    const keys = (await renewalRows()).map((r) => r.dedupe_key);
    expect(keys.filter((k) => k.startsWith('renewal:81000001:'))).toHaveLength(2);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
