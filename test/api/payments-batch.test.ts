import { sql } from 'kysely';
import { PaymentBody } from '../../server/src/commissions/commission';
import { recordPayment } from '../../server/src/commissions/payment.service';
import { requestHash } from '../../server/src/idempotency/idempotency';
import { createId } from '../../server/src/ids';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { startTestApp, VENDOR_ACCOUNT_ID, type TestApp } from '../support/app';
import { comparableBooks, queryCounter, rowCounts, seedPayingPartners } from '../support/payments';
import { paymentBody } from '../support/fixtures';

const IP = 82000001; // ИП with a signed contract
const IND = 82000002; // individual: its rewards are recorded, not payable
const PINNED = [92000001, 92000002, 92000003, 92000004];
const IND_CLIENT = 92000010;
const NET_CLIENT = 92000020;
const DAY_MS = 86_400_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedPartners(t);
});
afterAll(() => t.close());

/** The same partners and backdated pins, made through the API, on any app. */
const seedPartners = (app: TestApp) =>
  seedPayingPartners(app, {
    ip: IP,
    ipClients: [...PINNED, NET_CLIENT],
    individual: IND,
    individualClients: [IND_CLIENT],
  });

const batch = (app: TestApp, items: unknown[], billing = true) =>
  app.call('POST', '/api/v1/payments/batch', { billing, body: { items } });

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('POST /api/v1/payments/batch', () => {
  it('answers every item on its own — created, replayed, conflicting, invalid, unknown or settled net invoice — and writes no half of a failed one', async () => {
    const earlier = paymentBody('batch-earlier', PINNED[0]!, 1_200_000, minutesAgo(30));
    expect((await t.call('POST', '/api/v1/payments', { billing: true, body: earlier })).status).toBe(201);
    const invoice = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: NET_CLIENT, productCode: 'amo-widget-pro', grossMinor: 1_000_000 },
    });
    expect(invoice.status).toBe(201);
    const netPayment = (externalId: string) =>
      paymentBody(externalId, NET_CLIENT, 1_000_000, minutesAgo(20), {
        channel: 'partner_net',
        netInvoiceId: invoice.body.invoice.id,
      });
    expect(
      (await t.call('POST', '/api/v1/payments', { billing: true, body: netPayment('batch-net-first') }))
        .status,
    ).toBe(201);
    const before = await rowCounts(t);

    const res = await batch(t, [
      paymentBody('batch-new-1', PINNED[1]!, 1_200_000, minutesAgo(10)),
      earlier,
      { ...earlier, grossMinor: 1_200_001 },
      { ...paymentBody('batch-invalid', PINNED[2]!, 1_000, minutesAgo(10)), grossMinor: -5 },
      netPayment('batch-net-second'),
      paymentBody('batch-unknown-invoice', PINNED[2]!, 1_000, minutesAgo(10), {
        netInvoiceId: createId('inv'),
      }),
      { clientAccountId: 'nope' },
      paymentBody('batch-new-2', PINNED[2]!, 33_333, minutesAgo(5)),
    ]);

    expect(res.status).toBe(200);
    const byIndex = res.body.results.map((r: { status: number; externalId: string | null }) => [
      r.status,
      r.externalId,
    ]);
    expect(byIndex).toEqual([
      [201, 'batch-new-1'],
      [200, 'batch-earlier'],
      [409, 'batch-earlier'],
      [400, 'batch-invalid'],
      [409, 'batch-net-second'],
      [422, 'batch-unknown-invoice'],
      [400, null],
      [201, 'batch-new-2'],
    ]);
    const [created, replayed, reused, invalid, settled, unknownInvoice, shapeless, odd] = res.body.results;
    expect(created.result.commission).toMatchObject({
      rateBps: 4000,
      commissionMinor: 480_000,
      payable: true,
    });
    expect(odd.result.commission.commissionMinor).toBe(13_333);
    const single = await t.call('POST', '/api/v1/payments', { billing: true, body: earlier });
    expect(replayed.result).toEqual(single.body);
    expect(reused.problem).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect(invalid).toMatchObject({
      index: 3,
      problem: { status: 400, code: 'validation_failed', errors: [{ path: 'grossMinor' }] },
    });
    expect(settled.problem).toMatchObject({
      status: 409,
      code: 'conflict',
      errors: [{ path: 'netInvoiceId' }],
    });
    expect(unknownInvoice.problem).toMatchObject({ status: 422, code: 'unprocessable' });
    expect(shapeless.problem.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['externalId', 'clientAccountId', 'grossMinor']),
    );
    expect(res.body.summary).toEqual({ created: 2, replayed: 1, failed: 5 });

    // Exactly the two new payments' rows: each a payment, a commission, a posting of two entries, an audit row.
    const after = await rowCounts(t);
    expect(after).toEqual({
      payments: before.payments! + 2,
      commissions: before.commissions! + 2,
      postings: before.postings! + 2,
      entries: before.entries! + 4,
      audits: before.audits! + 2,
    });
    const { rows } = await sql<{ external_id: string }>`
      SELECT external_id FROM payments
       WHERE external_id IN ('batch-net-second', 'batch-unknown-invoice', 'batch-invalid')`.execute(t.db.db);
    expect(rows).toEqual([]);
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('a payment sent in a batch replays on the single route, and one sent alone replays in a batch', async () => {
    const inBatch = paymentBody('batch-then-single', PINNED[3]!, 500_000, minutesAgo(8));
    const alone = paymentBody('single-then-batch', PINNED[3]!, 600_000, minutesAgo(7));
    const first = await batch(t, [inBatch]);
    expect(first.body.results[0].status).toBe(201);
    const single = await t.call('POST', '/api/v1/payments', { billing: true, body: inBatch });
    expect(single.status).toBe(200);
    expect(single.body).toEqual(first.body.results[0].result);

    const aloneRes = await t.call('POST', '/api/v1/payments', { billing: true, body: alone });
    const again = await batch(t, [alone, inBatch]);
    expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200]);
    expect(again.body.results[0].result).toEqual(aloneRes.body);
    expect(again.body.summary).toEqual({ created: 0, replayed: 2, failed: 0 });
  });

  it('the same externalId twice in one batch: the second is a replay, or a 409 with other data', async () => {
    const body = paymentBody('batch-twice', PINNED[3]!, 700_000, minutesAgo(6));
    const res = await batch(t, [body, body, { ...body, grossMinor: 700_001 }]);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 200, 409]);
    expect(res.body.results[1].result).toEqual(res.body.results[0].result);
  });

  it('concurrent batches touching the same partners in opposite orders all commit (no deadlock)', async () => {
    const round = async (r: number) => {
      const item = (n: number, client: number) =>
        paymentBody(`batch-race-${r}-${n}`, client, 100_000, minutesAgo(4));
      return Promise.all([
        batch(t, [item(1, PINNED[0]!), item(2, IND_CLIENT)]),
        batch(t, [item(3, IND_CLIENT), item(4, PINNED[0]!)]),
      ]);
    };
    for (let r = 0; r < 3; r++) {
      const answers = await round(r);
      expect(answers.map((a) => [a.status, a.body.summary.created])).toEqual([
        [200, 2],
        [200, 2],
      ]);
    }
  });

  it('concurrent set-based batches of the same clients and externalIds in opposite orders all commit once each, beside one that writes alone', async () => {
    for (let r = 0; r < 3; r++) {
      const items = PINNED.flatMap((client, n) => [
        paymentBody(`batch-set-race-${r}-${n}`, client, 150_000, minutesAgo(5)),
        paymentBody(`batch-set-race-${r}-${n}-new`, 93000200 + r * 10 + n, 150_000, minutesAgo(5)),
      ]);
      // An order id sends its item one by one, so that batch takes the batch lock exclusively.
      const alone = paymentBody(`batch-set-race-${r}-order`, PINNED[r]!, 150_000, minutesAgo(5), {
        orderId: `set-race-order-${r}`,
      });
      const answers = await Promise.all([
        batch(t, items),
        batch(t, [...items].reverse()),
        batch(t, [alone, ...items.slice(2)]),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      const created = answers.reduce((n, a) => n + a.body.summary.created, 0);
      const replayed = answers.reduce((n, a) => n + a.body.summary.replayed, 0);
      expect([created, replayed]).toEqual([items.length + 1, 2 * items.length - 2]);
    }
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('a batch and a single report of the same externalId at once record one payment, and both answer it', async () => {
    for (let r = 0; r < 4; r++) {
      const body = paymentBody(`race-single-${r}`, PINNED[r % PINNED.length]!, 200_000, minutesAgo(3));
      const others = [1, 2, 3].map((n) =>
        paymentBody(`race-single-${r}-${n}`, 93000100 + r * 10 + n, 200_000, minutesAgo(3)),
      );
      const [batched, single] = await Promise.all([
        batch(t, r % 2 ? [...others, body] : [body, ...others]),
        t.call('POST', '/api/v1/payments', { billing: true, body }),
      ]);
      const inBatch = batched.body.results.find(
        (x: { externalId: string }) => x.externalId === body.externalId,
      );
      expect([inBatch.status, single.status].sort()).toEqual([200, 201]);
      expect(inBatch.result).toEqual(single.body);
      const { rows } = await sql<{ n: bigint }>`
        SELECT count(*) AS n FROM payments WHERE external_id = ${body.externalId}`.execute(t.db.db);
      expect(Number(rows[0]!.n)).toBe(1);
    }
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('a batch whose payment a single report is still writing waits for it and answers its replay', async () => {
    const body = PaymentBody.parse(paymentBody('race-held', PINNED[1]!, 210_000, minutesAgo(3)));
    let inserted!: () => void;
    const written = new Promise<void>((resolve) => (inserted = resolve));
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    const single = t.db.db.transaction().execute(async (trx) => {
      const r = await recordPayment(trx, body, requestHash('payment', '', body), {
        vendorAccountId: VENDOR_ACCOUNT_ID,
      });
      inserted();
      await held;
      return r;
    });
    await written;
    const answer = batch(t, [paymentBody('race-held-other', 93000201, 1_000, minutesAgo(3)), body]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    commit();
    const [{ result }, res] = await Promise.all([single, answer]);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 200]);
    expect(res.body.results[1].result).toEqual(result);
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('refuses an empty batch, one over 1 000 items and a body without items with a 400 naming items', async () => {
    const item = paymentBody('batch-too-many', PINNED[0]!, 1_000, minutesAgo(1));
    for (const items of [[], Array.from({ length: 1001 }, () => item)]) {
      const res = await batch(t, items);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['items']);
    }
    const missing = await t.call('POST', '/api/v1/payments/batch', { billing: true, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('items');
    const { rows } = await sql`SELECT 1 FROM payments WHERE external_id = 'batch-too-many'`.execute(t.db.db);
    expect(rows).toEqual([]);
  });

  it('requires the billing key (401 without it or with a wrong one)', async () => {
    const items = [paymentBody('batch-no-key', PINNED[0]!, 1_000, minutesAgo(1))];
    const without = await batch(t, items, false);
    expect({ status: without.status, code: without.body.code }).toEqual({
      status: 401,
      code: 'billing_key_invalid',
    });
    const wrong = await t.call('POST', '/api/v1/payments/batch', {
      body: { items },
      headers: { Authorization: 'Bearer not-the-billing-key-at-all' },
    });
    expect(wrong.status).toBe(401);
  });
});

describe('a batch books exactly what the same payments one by one book', () => {
  let one: TestApp;
  let other: TestApp;
  beforeAll(async () => {
    [one, other] = await Promise.all([startTestApp(), startTestApp()]);
    await seedPartners(one);
    await seedPartners(other);
  });
  afterAll(() => Promise.all([one?.close(), other?.close()]));

  it('the ledger after one batch of N payments is the ledger after posting them one by one', async () => {
    const clients = [...PINNED, IND_CLIENT, 93000001 /* nobody's client */];
    const start = Date.now() - 40 * DAY_MS;
    const items = Array.from({ length: 60 }, (_, i) =>
      paymentBody(
        `eq-${String(i).padStart(3, '0')}`,
        clients[i % clients.length]!,
        10_000 + ((i * 7919) % 2_000_000),
        new Date(start + i * 3_600_000),
      ),
    );
    // A duplicate and a conflict inside the batch: both sides see them in the same order.
    items.push(items[3]!, { ...items[4]!, grossMinor: items[4]!.grossMinor + 1 });

    const batched = await batch(one, items);
    expect(batched.status).toBe(200);
    const oneByOne = [];
    for (const body of items)
      oneByOne.push(await other.call('POST', '/api/v1/payments', { billing: true, body }));

    expect(batched.body.results.map((r: { status: number }) => r.status)).toEqual(
      oneByOne.map((r) => r.status),
    );
    expect(batched.body.summary).toEqual({ created: 60, replayed: 1, failed: 1 });
    const books = await comparableBooks(one);
    expect(books.entries.length).toBeGreaterThan(60);
    expect(books).toEqual(await comparableBooks(other));
    expect(await checkLedger(one.db.db)).toEqual([]);
  });

  // Mixed batches: items decided together (set-based) beside items recorded one by one (recordPaymentBatch).

  const base = Date.now() - 60 * 60_000;
  /** The same items on either app; only the net invoice's id is the app's own. */
  async function itemsFor(app: TestApp) {
    const invoice = await app.call('POST', '/api/v1/net-invoices', {
      token: app.partnerToken(IP),
      body: { clientAccountId: NET_CLIENT, productCode: 'amo-widget-pro', grossMinor: 1_000_000 },
    });
    expect(invoice.status).toBe(201);
    const earlier = paymentBody('mix-earlier', PINNED[0]!, 1_200_000, new Date(base));
    expect((await app.call('POST', '/api/v1/payments', { billing: true, body: earlier })).status).toBe(201);
    const at = (n: number) => new Date(base + n * 60_000);
    const twice = paymentBody('mix-twice', PINNED[2]!, 250_000, at(4));
    return [
      paymentBody('mix-a', PINNED[1]!, 1_200_000, at(1)),
      earlier, // a replay
      { ...earlier, grossMinor: 1_200_001 }, // its externalId with other data: 409
      paymentBody('mix-nobody', 93000002, 500_000, at(2)), // nobody's client: no commission
      { ...paymentBody('mix-invalid', PINNED[1]!, 1_000, at(2)), grossMinor: -1 },
      paymentBody('mix-net', NET_CLIENT, 1_000_000, at(3), {
        channel: 'partner_net',
        netInvoiceId: invoice.body.invoice.id,
      }),
      paymentBody('mix-net-client-again', NET_CLIENT, 300_000, at(3)), // its client has an item one by one
      twice,
      paymentBody('mix-ind-1', IND_CLIENT, 400_000, at(5)), // an individual's: recorded, not payable
      paymentBody('mix-ind-2', IND_CLIENT, 410_000, at(6)), // two payments of one client
      twice, // the same externalId again in the batch: a replay of the first
      paymentBody('mix-order', PINNED[3]!, 700_000, at(7), { orderId: 'order-1' }),
      paymentBody('mix-order-again', PINNED[3]!, 700_000, at(8), { orderId: 'order-1' }), // paid twice
      paymentBody('mix-z', PINNED[1]!, 123_457, at(9)),
    ];
  }

  it('answers, books and audits exactly what the same payments one by one do, in few round trips', async () => {
    const auditsBefore = async (app: TestApp) =>
      Number(
        (
          await sql<{ n: bigint }>`
            SELECT count(*) AS n FROM audit_log WHERE action = 'payment.recorded'`.execute(app.db.db)
        ).rows[0]!.n,
      );
    const items = await itemsFor(one);
    const audits = await auditsBefore(one);
    const batched = await batch(one, items);
    expect(batched.status).toBe(200);

    const otherItems = await itemsFor(other);
    const otherAudits = await auditsBefore(other);
    const oneByOne = [];
    for (const body of otherItems) {
      const res = await other.call('POST', '/api/v1/payments', { billing: true, body });
      oneByOne.push(res);
    }
    const answer = (status: number, body: any) =>
      status < 300
        ? { status, commission: body.commission && { ...body.commission, partnerId: 'partner' } }
        : { status, code: body.code };
    expect(batched.body.results.map((r: any) => answer(r.status, r.result ?? r.problem))).toEqual(
      oneByOne.map((r) => answer(r.status, r.body)),
    );
    expect(batched.body.results.map((r: { status: number }) => r.status)).toEqual([
      201, 200, 409, 201, 400, 201, 201, 201, 201, 201, 200, 201, 201, 201,
    ]);
    expect(await auditsBefore(one)).toBe(audits + 10);
    expect(await auditsBefore(other)).toBe(otherAudits + 10);
    // The net invoice was issued at each app's own moment: its posting's date is the one thing that differs.
    const issuedAnyTime = <B extends { entries: Array<{ kind: string; effective_at?: string }> }>(
      books: B,
    ) => ({
      ...books,
      entries: books.entries.map((e) =>
        e.kind === 'net_invoice_issued' ? { ...e, effective_at: 'when issued' } : e,
      ),
    });
    const books = issuedAnyTime(await comparableBooks(one));
    expect(books.commissions.map((c: { external_id: string }) => c.external_id)).toContain('mix-net');
    expect(books).toEqual(issuedAnyTime(await comparableBooks(other)));
    expect(await checkLedger(one.db.db)).toEqual([]);
  });

  it('a batch of payments of pinned clients takes the same handful of round trips for 20 items as for 300', async () => {
    const counted = queryCounter(one);
    const clients = [...PINNED, IND_CLIENT, 93000003];
    const paidAt = minutesAgo(30);
    const items = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        paymentBody(`${prefix}-${i}`, clients[i % clients.length]!, 100_000 + i, paidAt),
      );
    const small = await counted(() => batch(one, items('trips-small', 20)));
    const large = await counted(() => batch(one, items('trips-large', 300)));
    expect(small.value.body.summary).toEqual({ created: 20, replayed: 0, failed: 0 });
    expect(large.value.body.summary).toEqual({ created: 300, replayed: 0, failed: 0 });
    expect(large.queries).toBe(small.queries);
    expect(large.queries).toBeLessThanOrEqual(20);
    // A rerun: every item a replay, answered from one read.
    const rerun = await counted(() => batch(one, items('trips-large', 300)));
    expect(rerun.value.body.summary).toEqual({ created: 0, replayed: 300, failed: 0 });
    expect(rerun.queries).toBeLessThanOrEqual(12);
    expect(await checkLedger(one.db.db)).toEqual([]);
  });
});
