import { sql } from 'kysely';
import { recordAudit } from '../../server/src/audit/audit';
import { PaymentBody } from '../../server/src/commissions/commission';
import { recordPayment } from '../../server/src/commissions/payment.service';
import { requestHash } from '../../server/src/idempotency/idempotency';
import { singlePaymentRead, findRecordedPayments } from '../../server/src/commissions/commission.repository';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { batchEvaluationFacts, findVersionHeadInForce } from '../../server/src/programs/program.repository';
import { startTestApp, VENDOR_ACCOUNT_ID, type TestApp } from '../support/app';
import { comparableBooks, queryCounter, rowCounts, seedPayingPartners } from '../support/payments';
import { paymentBody } from '../support/fixtures';

// Issue 16 item 2: billing's common payment (a pinned client's, nothing else to settle) in one read and one
// statement, without a transaction around them; every other payment keeps the transactional path.
const IP = 83000001; // ИП with a signed contract: payable rewards
const IND = 83000002; // individual: rewards recorded, not payable
const PINNED = [93000001, 93000002, 93000003];
const IND_CLIENT = 93000010;
const UNPINNED = 93000099;

const seed = (app: TestApp) =>
  seedPayingPartners(app, { ip: IP, ipClients: PINNED, individual: IND, individualClients: [IND_CLIENT] });

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
const pay = (app: TestApp, body: unknown) => app.call('POST', '/api/v1/payments', { billing: true, body });

/** The accounts the vendor knows (a payment adds its client) and the ledger's accounts. */
async function accountCounts(app: TestApp) {
  const { rows } = await sql<{ known: bigint; accounts: bigint }>`
    SELECT (SELECT count(*) FROM known_accounts) AS known,
           (SELECT count(*) FROM ledger_accounts) AS accounts`.execute(app.db.db);
  return { known: Number(rows[0]!.known), accounts: Number(rows[0]!.accounts) };
}

describe('the lean single payment', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seed(t);
    // The program's document is read once per process; this payment warms it.
    expect((await pay(t, paymentBody('lean-warm', PINNED[0]!, 100_000, hoursAgo(50)))).status).toBe(201);
  });
  afterAll(() => t.close());

  it('records a common payment with one read and one statement, no BEGIN or COMMIT, and replays it with one read', async () => {
    const counted = queryCounter(t);
    const body = paymentBody('lean-trips', PINNED[1]!, 1_200_000, hoursAgo(40));
    const first = await counted(() => pay(t, body));
    expect(first.value.status).toBe(201);
    expect(first.value.body.commission).toMatchObject({
      rateBps: 4000,
      commissionMinor: 480_000,
      payable: true,
    });
    expect(first.queries).toBe(2);
    expect(first.texts.join('\n')).not.toMatch(/\b(BEGIN|COMMIT)\b/i);

    const replay = await counted(() => pay(t, body));
    expect(replay.value.status).toBe(200);
    expect(replay.value.body).toEqual(first.value.body);
    expect(replay.queries).toBe(1);

    const conflict = await counted(() => pay(t, { ...body, grossMinor: 1_200_001 }));
    expect(conflict.value.status).toBe(409);
    expect(conflict.queries).toBe(1);
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('leaves every other payment to the transactional path (an order id, say), which still answers it', async () => {
    const counted = queryCounter(t);
    const withOrder = await counted(() =>
      pay(t, paymentBody('lean-order', PINNED[2]!, 700_000, hoursAgo(30), { orderId: 'lean-order-1' })),
    );
    expect(withOrder.value.status).toBe(201);
    expect(withOrder.value.body.commission).toMatchObject({ commissionMinor: 280_000 });
    expect(withOrder.texts.join('\n')).toMatch(/\bBEGIN\b/i);
    // With an Idempotency-Key the key's record needs the transaction: the lean path stands aside.
    const keyed = await counted(() =>
      t.call('POST', '/api/v1/payments', {
        billing: true,
        body: paymentBody('lean-keyed', PINNED[2]!, 700_000, hoursAgo(29)),
        headers: { 'Idempotency-Key': 'lean-keyed-1' },
      }),
    );
    expect(keyed.value.status).toBe(201);
    expect(keyed.texts.join('\n')).toMatch(/\bBEGIN\b/i);
  });

  it('a statement that fails at its last part writes none of the payment', async () => {
    // The audit row is the statement's last part: make PostgreSQL refuse it for one payment.
    await sql`
      CREATE FUNCTION lean_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.details->>'externalId' = 'lean-fails' THEN RAISE EXCEPTION 'refused for the test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER lean_test_refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION lean_test_refuse();
    `.execute(t.db.db);
    const before = await rowCounts(t);
    const accountsBefore = await accountCounts(t);
    // The individual partner's first reward: its ledger accounts are made by this statement too.
    const body = paymentBody('lean-fails', IND_CLIENT, 900_000, hoursAgo(20));
    try {
      expect((await pay(t, body)).status).toBe(500);
      expect(await rowCounts(t)).toEqual(before);
      expect(await accountCounts(t)).toEqual(accountsBefore);
    } finally {
      await sql`DROP TRIGGER lean_test_refuse ON audit_log; DROP FUNCTION lean_test_refuse()`.execute(
        t.db.db,
      );
    }
    // Nothing half-written stands in the way: the same report goes in now.
    expect((await pay(t, body)).status).toBe(201);
    expect(await rowCounts(t)).toEqual({
      payments: before.payments! + 1,
      commissions: before.commissions! + 1,
      postings: before.postings! + 1,
      entries: before.entries! + 2,
      audits: before.audits! + 1,
    });
    const accountsAfter = await accountCounts(t);
    expect(accountsAfter.known).toBe(accountsBefore.known + 1);
    expect(accountsAfter.accounts).toBeGreaterThan(accountsBefore.accounts);
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('twenty concurrent reports of one payment record it once; the others replay it', async () => {
    const body = paymentBody('lean-race', PINNED[0]!, 1_000_000, hoursAgo(10));
    const before = await rowCounts(t);
    const answers = await Promise.all(Array.from({ length: 20 }, () => pay(t, body)));
    expect(answers.map((a) => a.status).sort((a, b) => a - b)).toEqual([...Array<number>(19).fill(200), 201]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await rowCounts(t)).toEqual({
      ...before,
      payments: before.payments! + 1,
      commissions: before.commissions! + 1,
      postings: before.postings! + 1,
      entries: before.entries! + 2,
      audits: before.audits! + 1,
    });
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it("concurrent payments of one partner keep its accounts' totals exact", async () => {
    const bodies = Array.from({ length: 30 }, (_, i) =>
      paymentBody(`lean-many-${i}`, PINNED[i % PINNED.length]!, 100_000 + i, hoursAgo(5)),
    );
    const answers = await Promise.all(bodies.map((body) => pay(t, body)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const earned = answers.reduce((sum, a) => sum + a.body.commission.commissionMinor, 0);
    expect(earned).toBe(bodies.reduce((sum, b) => sum + Math.round(b.grossMinor * 0.4), 0));
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it("its one read (the database function of migration 028) answers what the batch's queries answer", async () => {
    const app = await startTestApp();
    try {
      await seed(app);
      const ip = await app.db.db
        .selectFrom('partners')
        .select('id')
        .where('account_id', '=', BigInt(IP))
        .executeTakeFirstOrThrow();
      const rate = {
        partnerId: ip.id,
        channel: 'vendor_direct',
        rateBps: 4500,
        effectiveFrom: hoursAgo(30).toISOString(),
      };
      expect(
        (await app.call('POST', '/api/v1/admin/rates', { token: app.adminToken(), body: rate })).status,
      ).toBe(201);
      expect((await pay(app, paymentBody('read-1', PINNED[0]!, 100_000, hoursAgo(40)))).status).toBe(201);

      const cases = [
        { externalId: 'read-1', client: PINNED[0]!, channel: 'vendor_direct', at: hoursAgo(20) }, // the rate, a payment before
        { externalId: 'read-2', client: PINNED[0]!, channel: 'vendor_direct', at: hoursAgo(35) }, // before the rate
        { externalId: 'read-3', client: PINNED[0]!, channel: 'partner_net', at: hoursAgo(20) }, // the rate's other channel
        { externalId: 'read-4', client: IND_CLIENT, channel: 'vendor_direct', at: hoursAgo(1) }, // an individual's client
        { externalId: 'read-5', client: UNPINNED, channel: 'vendor_direct', at: hoursAgo(1) }, // nobody's client
        { externalId: 'read-6', client: PINNED[1]!, channel: 'vendor_direct', at: new Date('2001-01-01') }, // before any pin
      ] as const;
      for (const c of cases) {
        for (const clientHistory of [true, false]) {
          const query = { clientAccountId: c.client, channel: c.channel, at: c.at, clientHistory };
          const read = await singlePaymentRead(app.db.db, c.externalId, query);
          expect(read.facts).toEqual((await batchEvaluationFacts(app.db.db, [query]))[0]);
          expect(read.head ?? undefined).toEqual(await findVersionHeadInForce(app.db.db, c.at));
          const recorded = (await findRecordedPayments(app.db.db, [c.externalId])).get(c.externalId);
          expect(read.recorded ?? undefined).toEqual(recorded);
        }
      }
      // The cases reach what they name: the rate in force, the payment before, no pin.
      const first = await singlePaymentRead(app.db.db, 'read-1', {
        clientAccountId: PINNED[0]!,
        channel: 'vendor_direct',
        at: hoursAgo(20),
        clientHistory: true,
      });
      expect(first.facts.partner?.rateOverridesBps).toEqual({ vendor_direct: 4500 });
      expect(first.facts.clientPaidOrdersBefore).toBe(1);
      expect(first.recorded).not.toBeNull();
      const early = await singlePaymentRead(app.db.db, 'read-6', {
        clientAccountId: PINNED[1]!,
        channel: 'vendor_direct',
        at: new Date('2001-01-01'),
        clientHistory: true,
      });
      expect(early.facts.pin).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('books what the transactional path books: the same answers, rows, ledger and audit rows', async () => {
    const [lean, transactional] = await Promise.all([startTestApp(), startTestApp()]);
    try {
      await seed(lean);
      await seed(transactional);
      await recordBothWays(lean, transactional);
    } finally {
      await Promise.all([lean.close(), transactional.close()]);
    }
  });
});

/** The same payments through the lean route on one app, and through `recordPayment` in a transaction on the other. */
async function recordBothWays(lean: TestApp, transactional: TestApp): Promise<void> {
  const bodies = [
    paymentBody('same-1', PINNED[0]!, 1_200_000, hoursAgo(48)), // the partner's first: its accounts made
    paymentBody('same-2', PINNED[1]!, 350_050, hoursAgo(47)),
    paymentBody('same-3', IND_CLIENT, 800_000, hoursAgo(46)), // recorded, not payable
    paymentBody('same-4', UNPINNED, 500_000, hoursAgo(45)), // nobody's client: no commission
    paymentBody('same-5', PINNED[0]!, 999_999, hoursAgo(44), { channel: 'partner_net' }),
    paymentBody('same-6', PINNED[2]!, 1, hoursAgo(43)), // rounds to nothing
  ];
  const leanAnswers = [];
  for (const body of bodies) leanAnswers.push(await pay(lean, body));
  const transactionalAnswers = [];
  for (const body of bodies) {
    const parsed = PaymentBody.parse(body);
    const outcome = await transactional.db.db.transaction().execute(async (trx) => {
      const recorded = await recordPayment(trx, parsed, requestHash('payment', '', parsed), {
        vendorAccountId: VENDOR_ACCOUNT_ID,
      });
      await recordAudit(
        trx,
        { kind: 'billing' },
        'payment.recorded',
        { type: 'payment', id: recorded.result.id },
        {
          externalId: parsed.externalId,
          commissionMinor: recorded.result.commission?.commissionMinor ?? null,
        },
      );
      return recorded;
    });
    transactionalAnswers.push(outcome.result);
  }
  const withoutIds = (result: { commission: unknown }) => ({
    commission: result.commission && { ...result.commission, partnerId: 'partner' },
  });
  expect(leanAnswers.map((a) => a.status)).toEqual(bodies.map(() => 201));
  expect(leanAnswers.map((a) => withoutIds(a.body))).toEqual(transactionalAnswers.map(withoutIds));
  expect(await comparableBooks(lean)).toEqual(await comparableBooks(transactional));
  const audits = async (app: TestApp) =>
    (
      await sql<{ actor_kind: string; details: unknown }>`
          SELECT actor_kind, details FROM audit_log WHERE action = 'payment.recorded' ORDER BY id`.execute(
        app.db.db,
      )
    ).rows;
  expect(await audits(lean)).toEqual(await audits(transactional));
  expect(await checkLedger(lean.db.db)).toEqual([]);
}
