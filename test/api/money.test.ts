import { sql } from 'kysely';
import { extractPdf } from '../../server/src/documents/pdf-text.testing';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { runPayouts } from '../../server/src/payouts/payout.service';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';
import { backdatePin, pinClient, registerPartner, signContract } from '../support/steps';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const IP = 81000001; // ИП with a contract
const IND = 81000002; // individual, no contract
const NOCONTRACT = 81000003; // ИП without a signed contract yet
const ids: Record<number, string> = {};
let paymentSeq = 0;

async function registerIp(accountId: number, sign: boolean) {
  const id = await registerPartner(t, accountId, soleProprietor(`ИП Партнёр ${accountId}`, 'ip@example.ru'));
  ids[accountId] = id;
  if (sign) await signContract(t, id, `П-${accountId}`);
}

/** A pin that earns from 90 days back (see backdatePin). */
async function pinBackdated(partnerAccountId: number, clientAccountId: number) {
  const pin = await pinClient(t, partnerAccountId, clientAccountId);
  await backdatePin(t, pin.id);
  return pin;
}

/** The partner's commission rows, as its widget lists them. */
async function commissionsOf(accountId: number) {
  return (await t.call('GET', '/api/v1/commissions', { token: t.partnerToken(accountId) })).body.items;
}

/** What a commission recorded but not payable looks like: its amount and the reason it waits. */
function notPayable(commissionMinor: number, reason: string) {
  return { commissionMinor, payable: false, reason };
}

/** Billing reports a refund of part or all of a payment. */
function refund(externalId: string, paymentExternalId: string, amountMinor: number) {
  return t.call('POST', '/api/v1/refunds', {
    billing: true,
    body: refundBody(externalId, paymentExternalId, amountMinor, new Date()),
  });
}

function pay(clientAccountId: number, grossMinor: number, extra: Record<string, unknown> = {}) {
  paymentSeq += 1;
  return t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(`bill-${paymentSeq}`, clientAccountId, grossMinor, new Date(), extra),
  });
}

const balance = async (accountId: number) =>
  (await t.call('GET', '/api/v1/balance', { token: t.partnerToken(accountId) })).body;

beforeAll(async () => {
  await registerIp(IP, true);
  await registerIp(NOCONTRACT, false);
  const ind = await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(IND),
    body: { kind: 'individual', name: 'Иван Физлицо', contacts: { email: 'i@example.ru' } },
  });
  ids[IND] = ind.body.id;
  for (const c of [91000001, 91000003, 91000004, 91000005, 91000006]) await pinBackdated(IP, c);
  await pinBackdated(IND, 91000002);
  await pinBackdated(NOCONTRACT, 91000007);
});

describe('the worked examples, end to end through HTTP', () => {
  it('direct payment: 12 000.00 ₽ from a pinned client of an ИП with contract → 4 800.00 ₽ payable', async () => {
    const res = await pay(91000001, 1_200_000);
    expect(res.status).toBe(201);
    expect(res.body.commission).toEqual({
      partnerId: ids[IP],
      rateBps: 4000,
      commissionMinor: 480_000,
      payable: true,
      reason: null,
    });
    expect(await balance(IP)).toMatchObject({
      earnedMinor: 480_000,
      payableMinor: 480_000,
      reversedMinor: 0,
      notPayableMinor: 0,
    });
  });

  it('renewal: the same client pays 12 000.00 ₽ again → another 4 800.00 ₽ (lifetime, recurring)', async () => {
    const res = await pay(91000001, 1_200_000, { paidAt: new Date(Date.now() + 1000).toISOString() });
    expect(res.body.commission.commissionMinor).toBe(480_000);
    expect((await balance(IP)).earnedMinor).toBe(960_000);
  });

  it('individual: 5 000.00 ₽ direct → 2 000.00 ₽ recorded not payable, with the reason', async () => {
    const res = await pay(91000002, 500_000);
    expect(res.body.commission).toMatchObject(notPayable(200_000, 'no_contract_individual'));
    expect(await balance(IND)).toMatchObject({
      earnedMinor: 200_000,
      payableMinor: 0,
      notPayableMinor: 200_000,
    });
    const rows = await commissionsOf(IND);
    expect(rows[0]).toMatchObject({
      clientAccountId: 91000002,
      channel: 'vendor_direct',
      grossMinor: 500_000,
      rateBps: 4000,
      commissionMinor: 200_000,
      payable: false,
      reason: 'no_contract_individual',
      status: 'accrued',
    });
  });

  it('no signed contract yet: the reward is recorded not payable with that reason', async () => {
    const res = await pay(91000007, 100_000);
    expect(res.body.commission).toMatchObject(notPayable(40_000, 'contract_not_signed'));
  });

  it('partial refund: 3 000.00 ₽ of a 12 000.00 ₽ direct payment → reversal 1 200.00 ₽', async () => {
    const payment = await pay(91000003, 1_200_000);
    const refunded = await refund('refund-1', `bill-${paymentSeq}`, 300_000);
    expect(refunded.status).toBe(201);
    expect(refunded.body.reversalMinor).toBe(120_000);
    const rows = await commissionsOf(IP);
    expect(rows.find((r: { paymentId: string }) => r.paymentId === payment.body.id)).toMatchObject({
      reversedMinor: 120_000,
      status: 'partially_reversed',
    });
  });

  it('refunding more than was paid → 422 naming amountMinor, and nothing changes', async () => {
    const before = await balance(IP);
    const res = await refund('refund-too-much', `bill-${paymentSeq}`, 900_001);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'unprocessable' });
    expect(res.body.errors[0].path).toBe('amountMinor');
    expect(await balance(IP)).toEqual(before);
  });

  it('odd amount: 333.33 ₽ direct → 133.332 rounds to 133.33 ₽', async () => {
    expect((await pay(91000004, 33_333)).body.commission.commissionMinor).toBe(13_333);
  });

  it('duplicate event: the same payment reported twice → one commission; other data under the same id → 409', async () => {
    const body = paymentBody('dup-1', 91000004, 100_000, new Date());
    const first = await t.call('POST', '/api/v1/payments', { billing: true, body });
    const second = await t.call('POST', '/api/v1/payments', { billing: true, body });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    const conflict = await t.call('POST', '/api/v1/payments', {
      billing: true,
      body: { ...body, grossMinor: 100_001 },
    });
    expect({ status: conflict.status, code: conflict.body.code }).toEqual({
      status: 409,
      code: 'idempotency_key_reused',
    });
    const count = await t.db.db
      .selectFrom('commissions')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('payment_id', '=', first.body.id)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1n);
  });

  it('duplicate payment posts in parallel → exactly one commission', async () => {
    const body = paymentBody('parallel-1', 91000004, 250_000, new Date());
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.call('POST', '/api/v1/payments', { billing: true, body })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await sql<{
      n: bigint;
    }>`SELECT count(*) AS n FROM commissions c JOIN payments p ON p.id = c.payment_id WHERE p.external_id = 'parallel-1'`.execute(
      t.db.db,
    );
    expect(rows[0]!.n).toBe(1n);
  });

  it('no partner for the client: the payment is recorded with no commission, and the account becomes known', async () => {
    const res = await pay(99000001, 700_000);
    expect(res.status).toBe(201);
    expect(res.body.commission).toBeNull();
    const pinLater = await t.call('POST', '/api/v1/pins', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 99000001 },
    });
    expect(pinLater.body).toMatchObject({ status: 'pending_client_request', reason: 'existing_customer' });
  });
});

describe('net sales (partner_net)', () => {
  it('tells the card warning before the choice, invoices gross − reward, and settles with the billing payment', async () => {
    const options = await t.call('GET', '/api/v1/net-invoices/payment-options', {
      token: t.partnerToken(IP),
    });
    expect(options.body.items.find((o: { method: string }) => o.method === 'card')).toMatchObject({
      closingDocuments: false,
      note: { ru: expect.stringContaining('закрывающих документов') },
    });

    const requested = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 91000005, productCode: 'amo-widget-pro', grossMinor: 1_200_000 },
    });
    expect(requested.status).toBe(201);
    expect(requested.body.invoice).toMatchObject({
      kind: 'net',
      status: 'issued',
      amountMinor: 600_000,
      grossMinor: 1_200_000,
      rewardMinor: 600_000,
    });
    expect(requested.body.invoice.number).toMatch(/^НС-\d{4}-\d{6}$/);

    const before = await balance(IP);
    const paid = await pay(91000005, 1_200_000, {
      channel: 'partner_net',
      netInvoiceId: requested.body.invoice.id,
    });
    expect(paid.body.commission).toMatchObject({
      rateBps: 5000,
      commissionMinor: 600_000,
      payable: false,
      reason: 'kept_by_partner',
    });
    const after = await balance(IP);
    expect(after.keptMinor - before.keptMinor).toBe(600_000);
    expect(after.payableMinor).toBe(before.payableMinor);
    const invoices = (await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(IP) })).body.items;
    expect(invoices.find((i: { id: string }) => i.id === requested.body.invoice.id)).toMatchObject({
      status: 'paid',
    });
  });

  it('settles a net invoice once: a second payment naming it is a 409 and earns nothing, in sequence and in parallel', async () => {
    const client = 91000060;
    await pinBackdated(IP, client);
    const requested = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: client, productCode: 'amo-widget-pro' },
    });
    const invoiceId = requested.body.invoice.id;
    const before = await balance(IP);
    const firstBody = {
      externalId: 'net-once-1',
      clientAccountId: client,
      grossMinor: 1_200_000,
      channel: 'partner_net',
      paidAt: new Date().toISOString(),
      netInvoiceId: invoiceId,
    };
    const first = await t.call('POST', '/api/v1/payments', { billing: true, body: firstBody });
    expect(first.status).toBe(201);
    // Replaying the same report is still the idempotent 200.
    const replay = await t.call('POST', '/api/v1/payments', { billing: true, body: firstBody });
    expect(replay.status).toBe(200);
    const second = await pay(client, 1_200_000, { channel: 'partner_net', netInvoiceId: invoiceId });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'conflict' });
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        pay(client, 1_200_000, { channel: 'partner_net', netInvoiceId: invoiceId }),
      ),
    );
    expect(racing.map((r) => r.status)).toEqual([409, 409, 409, 409, 409]);
    const after = await balance(IP);
    expect(after.keptMinor - before.keptMinor).toBe(first.body.commission.commissionMinor);
    const { rows } = await sql<{ n: bigint }>`
      SELECT count(*) AS n FROM payments WHERE net_invoice_id = ${invoiceId}`.execute(t.db.db);
    expect(rows[0]!.n).toBe(1n);
  });

  it('attributes a waiting client to the partner that pays its net invoice, from the payment date', async () => {
    await t.call('POST', '/api/v1/known-accounts', { billing: true, body: { accountIds: [91000050] } });
    const waiting = await t.call('POST', '/api/v1/pins', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 91000050 },
    });
    expect(waiting.body.status).toBe('pending_client_request');
    const invoice = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 91000050, productCode: 'amo-widget-pro', grossMinor: 1_000_000 },
    });
    expect(invoice.status).toBe(201);
    const paid = await pay(91000050, 1_000_000, {
      channel: 'partner_net',
      netInvoiceId: invoice.body.invoice.id,
    });
    expect(paid.body.commission).toMatchObject({
      partnerId: ids[IP],
      rateBps: 5000,
      commissionMinor: 500_000,
      payable: false,
    });
    const pin = await t.call('GET', `/api/v1/pins/${waiting.body.id}`, { token: t.partnerToken(IP) });
    expect(pin.body).toMatchObject({ status: 'attributed', exclusive: false });
    expect(pin.body.history.map((e: { event: string }) => e.event)).toEqual([
      'pending_client_request',
      'attributed',
    ]);
    const staff = await t.call('GET', '/api/v1/staff/clients/91000050', { token: t.staffToken() });
    expect(staff.body).toMatchObject({ salesMayContact: true, supportRouteTo: { id: ids[IP] } });
  });

  it('takes the price from the price list, and refuses a client that is not the partner’s', async () => {
    const listed = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 91000005, productCode: 'amo-widget-lite' },
    });
    expect(listed.body.invoice).toMatchObject({ grossMinor: 500_000, amountMinor: 250_000 });
    const foreign = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 91000002, productCode: 'amo-widget-lite' },
    });
    expect(foreign.status).toBe(422);
    const unknown = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(IP),
      body: { clientAccountId: 91000005, productCode: 'nope' },
    });
    expect(unknown.status).toBe(400);
  });

  it('renders the net invoice PDF in Russian with the card notice', async () => {
    const invoice = (await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(IP) })).body.items.find(
      (i: { kind: string }) => i.kind === 'net',
    );
    const res = await t.call('GET', `/api/v1/invoices/${invoice.id}/pdf`, { token: t.partnerToken(IP) });
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const { text } = await extractPdf(res.buffer);
    expect(text).toContain(invoice.number);
    expect(text).toContain('онлайн-чек');
    expect(
      (await t.call('GET', `/api/v1/invoices/${invoice.id}/pdf`, { token: t.partnerToken(IND) })).status,
    ).toBe(404);
  });
});

describe('payouts, clawback and rates', () => {
  const PAYOUT = 81000010;
  beforeAll(async () => {
    await registerIp(PAYOUT, true);
    await pinBackdated(PAYOUT, 92000001);
    await pinBackdated(PAYOUT, 92000002);
  });

  it('holds rewards for the hold period, then a run makes one reward invoice whose PDF reads right', async () => {
    const paidAt = new Date(Date.now() - 20 * 24 * 3600 * 1000).toISOString();
    await pay(92000001, 1_200_000, { externalId: 'payout-old', paidAt });
    // This one is fresh: inside the 14-day hold, so not invoiced yet.
    await pay(92000002, 500_000, { externalId: 'payout-fresh' });
    const today = new Date().toISOString().slice(0, 10);
    const run = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf: today },
    });
    expect(run.body).toMatchObject({ created: true });
    const invoices = (
      await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(PAYOUT) })
    ).body.items.filter((i: { kind: string }) => i.kind === 'reward');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ amountMinor: 480_000, status: 'issued' });
    expect(await balance(PAYOUT)).toMatchObject({
      payableMinor: 200_000,
      invoicedMinor: 480_000,
      paidOutMinor: 0,
    });

    const pdf = await t.call('GET', `/api/v1/invoices/${invoices[0].id}/pdf`, { token: t.adminToken() });
    const { text } = await extractPdf(pdf.buffer);
    expect(text).toContain('Оплата вознаграждения по договору привлечения новых пользователей');
    expect(text).toContain('Четыре тысячи восемьсот рублей 00 копеек');
    expect(text).toContain('Без НДС');
    expect(text).toContain('500100732259');
    expect(text).toContain('044525225');
    expect(text).toContain(invoices[0].number);

    const again = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf: today },
    });
    expect(again.body).toMatchObject({ created: false, runId: run.body.runId });
    expect(
      (
        await t.call('GET', '/api/v1/admin/invoices?kind=reward', { token: t.adminToken() })
      ).body.items.filter((i: { partnerId: string }) => i.partnerId === ids[PAYOUT]),
    ).toHaveLength(1);
  });

  it('marking the reward invoice paid settles the ledger; paying it twice is refused', async () => {
    const invoice = (
      await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(PAYOUT) })
    ).body.items.find((i: { kind: string }) => i.kind === 'reward');
    const paid = await t.call('POST', `/api/v1/admin/invoices/${invoice.id}/paid`, {
      token: t.adminToken(),
      body: { paidAt: new Date().toISOString(), method: 'bank' },
    });
    expect(paid.body).toMatchObject({ status: 'paid', paymentMethod: 'bank' });
    expect(await balance(PAYOUT)).toMatchObject({ paidOutMinor: 480_000, invoicedMinor: 0 });
    const twice = await t.call('POST', `/api/v1/admin/invoices/${invoice.id}/paid`, {
      token: t.adminToken(),
      body: { paidAt: new Date().toISOString(), method: 'bank' },
    });
    expect(twice.status).toBe(409);
  });

  it('refund after payout: 4 800.00 ₽ paid out, then a full refund → the balance goes negative and nets against later rewards', async () => {
    await refund('payout-old-refund', 'payout-old', 1_200_000);
    // 2 000.00 ₽ fresh reward minus the 4 800.00 ₽ clawback.
    expect(await balance(PAYOUT)).toMatchObject({
      payableMinor: 200_000 - 480_000,
      reversedMinor: 480_000,
      paidOutMinor: 480_000,
    });
    await pay(92000001, 1_200_000, {
      externalId: 'payout-later',
      paidAt: new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString(),
    });
    expect((await balance(PAYOUT)).payableMinor).toBe(200_000);
    // A date not run yet (runs are unique per date, and a date after today is refused).
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10);
    const run = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf: yesterday },
    });
    expect(run.body).toMatchObject({ created: true, invoicesCreated: 0 });
    // 2 000.00 ₽ is above the 1 000.00 ₽ minimum but the fresh 2 000.00 ₽ is still on hold: nothing to invoice.
    const rewards = (
      await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(PAYOUT) })
    ).body.items.filter((i: { kind: string }) => i.kind === 'reward');
    expect(rewards).toHaveLength(1);
  });

  it('a rate change with an effective date applies from that date and never rewrites past commissions', async () => {
    const before = await commissionsOf(PAYOUT);
    const effectiveFrom = new Date(Date.now() + 3600 * 1000);
    const res = await t.call('POST', '/api/v1/admin/rates', {
      token: t.adminToken(),
      body: {
        partnerId: ids[PAYOUT],
        channel: 'vendor_direct',
        rateBps: 3000,
        effectiveFrom: effectiveFrom.toISOString(),
      },
    });
    expect(res.status).toBe(201);
    const oldDate = await pay(92000002, 100_000, {
      paidAt: new Date(effectiveFrom.getTime() - 60_000).toISOString(),
    });
    const newDate = await pay(92000002, 100_000, {
      paidAt: new Date(effectiveFrom.getTime() + 60_000).toISOString(),
    });
    expect(oldDate.body.commission).toMatchObject({ rateBps: 4000, commissionMinor: 40_000 });
    expect(newDate.body.commission).toMatchObject({ rateBps: 3000, commissionMinor: 30_000 });
    const after = await commissionsOf(PAYOUT);
    for (const row of before) expect(after.find((r: { id: string }) => r.id === row.id)).toEqual(row);
    // Another partner keeps the program rate.
    expect(
      (await pay(91000006, 100_000, { paidAt: new Date(effectiveFrom.getTime() + 60_000).toISOString() }))
        .body.commission.rateBps,
    ).toBe(4000);
  });

  it('a run that crashes half-way leaves nothing, and the rerun is exact', async () => {
    const CRASH_A = 81000020;
    const CRASH_B = 81000021;
    for (const [partner, client] of [
      [CRASH_A, 93000001],
      [CRASH_B, 93000002],
    ] as const) {
      await registerIp(partner, true);
      await pinBackdated(partner, client);
      await pay(client, 1_000_000, { paidAt: new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString() });
    }
    const invoicesBefore = await t.db.db.selectFrom('invoices').select('id').execute();
    // The second reward invoice insert fails, as if the process died mid-run.
    await sql`
      CREATE FUNCTION crash_second_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.kind = 'reward' AND (SELECT count(*) FROM invoices WHERE payout_run_id = NEW.payout_run_id) >= 1 THEN
          RAISE EXCEPTION 'simulated crash';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER crash_second_invoice BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION crash_second_invoice();`.execute(
      t.db.db,
    );
    // Three days ago: not used by the other runs here, and the 40-day-old payments are past the hold then.
    const asOf = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const crashed = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf },
    });
    expect(crashed.status).toBe(500);
    expect(await t.db.db.selectFrom('invoices').select('id').execute()).toHaveLength(invoicesBefore.length);
    expect(
      await t.db.db.selectFrom('payout_runs').select('id').where('as_of', '=', asOf).execute(),
    ).toHaveLength(0);
    await sql`DROP TRIGGER crash_second_invoice ON invoices; DROP FUNCTION crash_second_invoice();`.execute(
      t.db.db,
    );

    const rerun = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf },
    });
    expect(rerun.body).toMatchObject({ created: true });
    for (const partner of [CRASH_A, CRASH_B]) {
      const rewards = (
        await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(partner) })
      ).body.items.filter((i: { kind: string }) => i.kind === 'reward');
      expect(rewards.map((i: { amountMinor: number }) => i.amountMinor)).toEqual([400_000]);
    }
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  it('refuses a run for a date that has not come (Moscow time) without using the date up; a past date pays only what was past the hold on it', async () => {
    const HOLD = 81000030;
    await registerIp(HOLD, true);
    await pinBackdated(HOLD, 93000030);
    // 20 days ago: past the 14-day hold today, but not yet on a date 10 days ago.
    await pay(93000030, 1_000_000, { paidAt: new Date(Date.now() - 20 * 24 * 3600 * 1000).toISOString() });
    const moscowDay = (offsetDays: number) =>
      new Date(Date.now() + 3 * 3600 * 1000 + offsetDays * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const rewardsOf = async () =>
      (await t.call('GET', '/api/v1/invoices', { token: t.partnerToken(HOLD) })).body.items.filter(
        (i: { kind: string }) => i.kind === 'reward',
      );

    for (const asOf of [moscowDay(1), moscowDay(30)]) {
      const future = await t.call('POST', '/api/v1/admin/payouts/run', {
        token: t.adminToken(),
        body: { asOf },
      });
      expect({
        status: future.status,
        paths: future.body.errors?.map((e: { path: string }) => e.path),
      }).toEqual({
        status: 400,
        paths: ['asOf'],
      });
      expect(
        await t.db.db.selectFrom('payout_runs').select('id').where('as_of', '=', asOf).execute(),
      ).toHaveLength(0);
    }
    // The service refuses it too, whoever calls it (the scheduled job passes its own clock).
    await expect(t.db.db.transaction().execute((trx) => runPayouts(trx, moscowDay(1)))).rejects.toMatchObject(
      { code: 'validation_failed' },
    );

    const past = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf: moscowDay(-10) },
    });
    expect(past.body).toMatchObject({ created: true });
    expect(await rewardsOf()).toEqual([]);
    // Five days ago (a date no other test here runs): the payment was 15 days old then, past the hold.
    const later = await t.call('POST', '/api/v1/admin/payouts/run', {
      token: t.adminToken(),
      body: { asOf: moscowDay(-5) },
    });
    expect(later.body).toMatchObject({ created: true });
    expect((await rewardsOf()).map((i: { amountMinor: number }) => i.amountMinor)).toEqual([400_000]);
  });
});

describe('documents and entitlements', () => {
  it('issues the certificate PDF with a public verification page', async () => {
    const res = await t.call('GET', '/api/v1/certificate', { token: t.partnerToken(IP) });
    expect(res.status).toBe(200);
    const { text } = await extractPdf(res.buffer);
    expect(text).toContain(`ИП Партнёр ${IP}`);
    const code = /verify\/([A-Za-z0-9_-]+)/.exec(text)?.[1];
    expect(code).toBeDefined();
    expect(res.headers.get('x-verify-url')).toBe(`${t.config.publicUrl}/verify/${code}`);
    const page = await t.call('GET', `/verify/${code}`);
    expect(page.text).toContain('Сертификат действителен');
    expect(page.text).toContain(`ИП Партнёр ${IP}`);
    expect((await t.call('GET', '/verify/NOSUCHCODE1')).text).toContain('недействителен');
    expect((await t.call('GET', '/api/v1/certificate', { token: t.partnerToken(NOCONTRACT) })).status).toBe(
      409,
    );
  });

  it('gives the monthly statement as PDF and CSV with every payment and its commission', async () => {
    const month = new Date(Date.now() + 3 * 3600 * 1000).toISOString().slice(0, 7);
    const csv = await t.call('GET', `/api/v1/statements/${month}?format=csv`, { token: t.partnerToken(IND) });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain('91000002');
    expect(csv.text).toContain('2000,00');
    const pdf = await t.call('GET', `/api/v1/statements/${month}`, { token: t.partnerToken(IND) });
    expect((await extractPdf(pdf.buffer)).text).toContain('91000002');
    expect((await t.call('GET', '/api/v1/statements/2026-13', { token: t.partnerToken(IND) })).status).toBe(
      400,
    );
  });

  it('lets billing know whether a partner account may use the widgets free (active paying clients)', async () => {
    const ok = await t.call('GET', `/api/v1/entitlements/${IP}`, { billing: true });
    expect(ok.body).toMatchObject({ accountId: IP, partnerId: ids[IP], freeUse: true });
    expect(ok.body.activePayingClients).toBeGreaterThan(0);
    const stranger = await t.call('GET', '/api/v1/entitlements/12345', { billing: true });
    expect(stranger.body).toEqual({
      accountId: 12345,
      partnerId: null,
      activePayingClients: 0,
      freeUse: false,
    });
    expect((await t.call('GET', `/api/v1/entitlements/${IP}`, { token: t.partnerToken(IP) })).status).toBe(
      401,
    );
  });

  it('keeps the books consistent after all of the above', async () => {
    expect(await checkLedger(t.db.db)).toEqual([]);
  });
});

describe('the client list', () => {
  it('shows products and the paid-until date from the payments', async () => {
    await pay(91000006, 100_000, { productCode: 'amo-widget-lite', periodEnd: '2027-11-30T00:00:00+03:00' });
    const list = (await t.call('GET', '/api/v1/pins', { token: t.partnerToken(IP) })).body.items;
    const client = list.find((p: { clientAccountId: number }) => p.clientAccountId === 91000006);
    expect(client.products).toEqual(expect.arrayContaining(['amo-widget-lite']));
    expect(client.paidUntil).toBe('2027-11-29T21:00:00.000Z');
  });
});

describe('what measures read from a payment (issue 14): the category and the price before the discount', () => {
  it('stores both; a list price below what was paid is refused naming listMinor, and nothing is written', async () => {
    const client = 82000901;
    const ok = await pay(client, 2_000_000, {
      externalId: 'measure-1',
      productCategory: 'vps',
      listMinor: 2_500_000,
    });
    expect(ok.status).toBe(201);
    const row = await t.db.db
      .selectFrom('payments')
      .select(['product_category', 'list_minor', 'gross_minor'])
      .where('external_id', '=', 'measure-1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ product_category: 'vps', list_minor: 2_500_000n, gross_minor: 2_000_000n });

    const below = await pay(client, 2_000_000, { externalId: 'measure-2', listMinor: 1_999_999 });
    expect(below.status).toBe(400);
    expect(below.body.errors.map((e: { path: string }) => e.path)).toEqual(['listMinor']);
    const badCategory = await pay(client, 2_000_000, {
      externalId: 'measure-3',
      productCategory: 'VPS серверы',
    });
    expect(badCategory.status).toBe(400);
    expect(badCategory.body.errors.map((e: { path: string }) => e.path)).toEqual(['productCategory']);
    const written = await t.db.db
      .selectFrom('payments')
      .select('external_id')
      .where('external_id', 'in', ['measure-2', 'measure-3'])
      .execute();
    expect(written).toEqual([]);
  });
});
