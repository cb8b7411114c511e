import { sql } from 'kysely';
import { createId } from '../../server/src/ids';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { backdatePin, pinClient, registerPartner, signContract } from '../support/steps';

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
async function seedPartners(app: TestApp): Promise<void> {
  const ip = await registerPartner(app, IP);
  await signContract(app, ip, `П-${IP}`);
  const ind = await app.call('POST', '/api/v1/partner', {
    token: app.partnerToken(IND),
    body: { kind: 'individual', name: 'Иван Физлицо', contacts: { email: 'i@example.ru' } },
  });
  expect(ind.status).toBe(201);
  for (const client of [...PINNED, NET_CLIENT]) await backdatePin(app, (await pinClient(app, IP, client)).id);
  await backdatePin(app, (await pinClient(app, IND, IND_CLIENT)).id);
}

const batch = (app: TestApp, items: unknown[], billing = true) =>
  app.call('POST', '/api/v1/payments/batch', { billing, body: { items } });

/** Rows the payment write path adds, counted; a half-written item would show in one of them. */
async function rowCounts(app: TestApp) {
  const { rows } = await sql<Record<string, bigint>>`
    SELECT (SELECT count(*) FROM payments) AS payments,
           (SELECT count(*) FROM commissions) AS commissions,
           (SELECT count(*) FROM ledger_postings) AS postings,
           (SELECT count(*) FROM ledger_entries) AS entries,
           (SELECT count(*) FROM audit_log WHERE action = 'payment.recorded') AS audits`.execute(app.db.db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

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

/**
 * The ledger of an app as ids-free rows: generated ids (payments, commissions, postings, partners) become what
 * identifies them across databases — billing's externalId and the partner's amoCRM account id.
 */
async function comparableBooks(app: TestApp) {
  const partners = await app.db.db.selectFrom('partners').select(['id', 'account_id']).execute();
  const byPartnerId = new Map(partners.map((p) => [p.id, `partner#${p.account_id}`]));
  const withoutIds = (s: string) => s.replace(/ptn_[0-9a-z]+/g, (id) => byPartnerId.get(id) ?? id);
  const commissions = await app.db.db
    .selectFrom('commissions as c')
    .innerJoin('payments as p', 'p.id', 'c.payment_id')
    .select([
      'p.external_id',
      'c.partner_id',
      'c.channel',
      'c.gross_minor',
      'c.rate_bps',
      'c.commission_minor',
      'c.currency',
      'c.payable',
      'c.reason',
      'c.accrued_at',
      'c.program_version',
      'c.rule_id',
      'c.calculation',
    ])
    .orderBy('p.external_id')
    .execute();
  const payments = await app.db.db
    .selectFrom('payments')
    .select(['external_id', 'gross_minor', 'paid_at', 'no_reward_partner_id', 'no_reward_reason'])
    .orderBy('external_id')
    .execute();
  const { rows: entries } = await sql<Record<string, unknown>>`
    SELECT p.external_id, lp.kind, lp.effective_at, la.code, la.currency, e.side, e.amount_minor
      FROM ledger_entries e
      JOIN ledger_postings lp ON lp.id = e.posting_id
      JOIN ledger_accounts la ON la.id = e.account_id
      LEFT JOIN payments p ON p.id = lp.reason->>'paymentId'
     ORDER BY p.external_id, lp.kind, e.side, la.code`.execute(app.db.db);
  const { rows: accounts } = await sql<Record<string, unknown>>`
    SELECT code, currency, debits_minor, credits_minor FROM ledger_accounts ORDER BY code`.execute(app.db.db);
  return JSON.parse(
    withoutIds(
      JSON.stringify({ commissions, payments, entries, accounts }, (_k, v) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    ),
  );
}

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
});
