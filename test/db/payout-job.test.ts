import { Writable } from 'node:stream';
import { startJobs, type Scheduler } from '../../server/src/jobs/scheduler';
import { createLogger } from '../../server/src/logger';
import { markContractSigned } from '../../server/src/partners/partner.repository';
import { PAYOUT_JOB, payoutJobs } from '../../server/src/payouts/payout.jobs';
import { createTestDb, type TestDb } from '../support/db';
import { insertBarePartner, insertOldPin, recordPaymentDaysAgo } from '../support/seed';

/** The scheduled payout run as a real agenda job on PostgreSQL: it runs on payout days only, once per date. */
let t: TestDb;
let scheduler: Scheduler | undefined;
const log = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

beforeAll(async () => {
  t = await createTestDb();
  await insertBarePartner(t.db, {
    id: 'ptn_jobtest000001',
    accountId: 5,
    kind: 'legal_entity',
    status: 'pending_contract',
    name: 'ООО Джоб',
  });
  await markContractSigned(t.db, 'ptn_jobtest000001', { number: 'J-1', signedAt: new Date('2026-01-01') });
  await insertOldPin(t.db, { id: 'pin_jobtest000001', clientAccountId: 500, partnerId: 'ptn_jobtest000001' });
  const payment = { externalId: 'job-1', clientAccountId: 500, grossMinor: 1_200_000, daysAgo: 40 };
  await recordPaymentDaysAgo(t.db, payment, 'h1');
});
afterAll(async () => {
  await scheduler?.stop();
  await t.drop();
});

const rewardInvoices = () => t.db.selectFrom('invoices').selectAll().where('kind', '=', 'reward').execute();

/** Starts agenda with the payout job (its clock fixed at `now`), triggers it, and waits until it has run. */
async function runJob(now: Date) {
  await scheduler?.stop();
  let runs = 0;
  const definitions = payoutJobs({ db: t.db, log }, () => now).map((d) => ({
    ...d,
    run: async (ctx: Parameters<typeof d.run>[0]) => {
      await d.run(ctx);
      runs += 1;
    },
  }));
  scheduler = await startJobs({ databaseUrl: t.url, log }, definitions, {
    lockLifetimeMs: 2_000,
    processEveryMs: 200,
  });
  scheduler.trigger(PAYOUT_JOB);
  const started = Date.now();
  while (runs === 0) {
    if (Date.now() - started > 20_000) throw new Error('the payout job did not run');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the scheduled payout job', () => {
  it('does nothing on a day that is not a payout day', async () => {
    await runJob(new Date('2026-12-02T06:00:00+03:00'));
    expect(await rewardInvoices()).toEqual([]);
  });

  it('on a payout day makes the reward invoice, once, even when the job runs again', async () => {
    const payoutDay = new Date(Date.now() + 40 * 86400_000);
    payoutDay.setUTCDate(1);
    payoutDay.setUTCHours(5, 0, 0, 0);
    await runJob(payoutDay);
    const invoices = await rewardInvoices();
    expect(invoices.map((i) => Number(i.amount_minor))).toEqual([480_000]);
    await runJob(payoutDay);
    expect(await rewardInvoices()).toHaveLength(1);
  });
});
