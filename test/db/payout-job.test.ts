import { Writable } from 'node:stream';
import { recordPayment } from '../../server/src/commissions/payment.service';
import { startJobs, type Scheduler } from '../../server/src/jobs/scheduler';
import { createLogger } from '../../server/src/logger';
import { insertPartner, markContractSigned } from '../../server/src/partners/partner.repository';
import { insertPin } from '../../server/src/pins/pin.repository';
import { PAYOUT_JOB, payoutJobs } from '../../server/src/payouts/payout.jobs';
import { VENDOR_ACCOUNT_ID } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';

/** The scheduled payout run as a real agenda job on PostgreSQL: it runs on payout days only, once per date. */
let t: TestDb;
let scheduler: Scheduler | undefined;
const log = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

beforeAll(async () => {
  t = await createTestDb();
  await insertPartner(t.db, {
    id: 'ptn_jobtest000001',
    accountId: 5,
    kind: 'legal_entity',
    status: 'pending_contract',
    name: 'ООО Джоб',
    inn: null,
    kpp: null,
    ogrn: null,
    passportEnc: null,
    passportMasked: null,
    bank: null,
    contacts: {},
  });
  await markContractSigned(t.db, 'ptn_jobtest000001', { number: 'J-1', signedAt: new Date('2026-01-01') });
  await insertPin(t.db, {
    id: 'pin_jobtest000001',
    clientAccountId: 500,
    clientSubdomain: null,
    partnerId: 'ptn_jobtest000001',
    status: 'pinned',
    exclusive: true,
    reason: null,
    comment: null,
    validFrom: new Date(Date.now() - 90 * 86400_000),
  });
  await t.db.transaction().execute((trx) =>
    recordPayment(
      trx,
      {
        externalId: 'job-1',
        clientAccountId: 500,
        grossMinor: 1_200_000,
        currency: 'RUB',
        channel: 'vendor_direct',
        paidAt: new Date(Date.now() - 40 * 86400_000).toISOString(),
      },
      'h1',
      { vendorAccountId: VENDOR_ACCOUNT_ID },
    ),
  );
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
