/**
 * The money rules of seed 000 that come after the reward (PROGRAMS.md §000, items 4–5), over real HTTP on the
 * cloudlessons preset: payouts follow the program document's policy (no hold, 1 000 ₽ minimum), a refund within
 * the 30-day guarantee reverses the whole reward and nets against later rewards after a payout, and a partner
 * blocked for a violation is blocked without payout — its balance forfeited by a posting with the reason, its
 * unpaid reward invoice cancelled, and nothing restored by unblocking.
 */
import { sql } from 'kysely';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ programPreset: 'cloudlessons' });
});
afterAll(() => t.close());

const DAY = 24 * 3600 * 1000;
const admin = () => t.adminToken();
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
const isoDate = (at: Date) => new Date(at.getTime() + 3 * 3600 * 1000).toISOString().slice(0, 10);
let seq = 0;
let client = 94_600_000;

async function registerPartner(accountId: number): Promise<string> {
  const res = await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(accountId),
    body: soleProprietor(`ИП Выплатной ${accountId}`, `${accountId}@partner.ru`),
  });
  expect(res.status).toBe(201);
  await t.call('POST', `/api/v1/admin/partners/${res.body.id}/contract`, {
    token: admin(),
    body: { contractNumber: `В-${accountId}`, signedAt: '2026-01-01T00:00:00+03:00' },
  });
  return res.body.id;
}

/** A visitor of the partner's link (a real click), back-dated to `at`. */
async function visitorOf(accountId: number, at: Date): Promise<string> {
  const link = await t.call('POST', '/api/v1/links', { token: t.partnerToken(accountId), body: {} });
  const res = await fetch(`${t.url}/r/${link.body.code}`, { redirect: 'manual' });
  const visitorId = res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
  await sql`UPDATE link_clicks SET clicked_at = ${at} WHERE visitor_id = ${visitorId}`.execute(t.db.db);
  return visitorId;
}

/** A new client's first order of 10 000 ₽ through the partner's link, paid at `paidAt`: 3 000 ₽ at 30 %. */
async function firstOrder(accountId: number, paidAt: Date) {
  client += 1;
  seq += 1;
  const visitorId = await visitorOf(accountId, new Date(paidAt.getTime() - 3600 * 1000));
  const res = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(`pp-${seq}`, client, 1_000_000, paidAt, { referral: { visitorId } }),
  });
  expect(res.status).toBe(201);
  expect(res.body.commission).toMatchObject({ commissionMinor: 300_000, payable: true });
  return { externalId: `pp-${seq}`, paidAt };
}

function refund(paymentExternalId: string, amountMinor: number, refundedAt: Date) {
  seq += 1;
  return t.call('POST', '/api/v1/refunds', {
    billing: true,
    body: refundBody(`pp-r-${seq}`, paymentExternalId, amountMinor, refundedAt),
  });
}

const balance = async (accountId: number) =>
  (await t.call('GET', '/api/v1/balance', { token: t.partnerToken(accountId) })).body;

const runPayouts = (asOf: Date) =>
  t.call('POST', '/api/v1/admin/payouts/run', { token: admin(), body: { asOf: isoDate(asOf) } });

const rewardInvoicesOf = (partnerId: string) =>
  t.db.db
    .selectFrom('invoices')
    .select(['id', 'status', 'amount_minor'])
    .where('partner_id', '=', partnerId)
    .where('kind', '=', 'reward')
    .orderBy('id')
    .execute();

describe('payouts follow the program document', () => {
  test('the settings form shows the payout policy of the version in force (cloudlessons: no hold)', async () => {
    const res = await t.call('GET', '/api/v1/admin/settings', { token: admin() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ holdDays: 0, minPayoutMinor: 100_000, payoutDaysOfMonth: [1, 15] });
  });

  test('with no hold, a reward earned on a day is paid by that day’s run', async () => {
    const P = 94_100_001;
    const partnerId = await registerPartner(P);
    const paidAt = daysAgo(40);
    await firstOrder(P, paidAt);
    // Leadsender would hold this reward 14 days; the cloudlessons document holds none.
    const run = await runPayouts(paidAt);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ created: true, invoicesCreated: 1, totalMinor: 300_000 });
    expect(await rewardInvoicesOf(partnerId)).toMatchObject([{ status: 'issued', amount_minor: 300_000n }]);
    expect(await balance(P)).toMatchObject({ payableMinor: 0, invoicedMinor: 300_000 });
  });

  test('changing the minimum on the settings form saves a program version that the next run follows', async () => {
    const P = 94_100_002;
    const partnerId = await registerPartner(P);
    const paidAt = daysAgo(38);
    await firstOrder(P, paidAt);
    const before = (await t.call('GET', '/api/v1/admin/program', { token: admin() })).body;
    const changed = await t.call('PUT', '/api/v1/admin/settings', {
      token: admin(),
      body: { minPayoutMinor: 400_000 },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ holdDays: 0, minPayoutMinor: 400_000 });
    const after = (await t.call('GET', '/api/v1/admin/program', { token: admin() })).body;
    expect(after.inForce.version).toBe(before.inForce.version + 1);
    expect(after.inForce.document.policies.payout.minMinor).toBe(400_000);
    // Nothing else in the document changed.
    expect({ ...after.inForce.document, policies: null }).toEqual({
      ...before.inForce.document,
      policies: null,
    });

    expect((await runPayouts(paidAt)).body).toMatchObject({ created: true, invoicesCreated: 0 });
    expect(await rewardInvoicesOf(partnerId)).toEqual([]);
    await t.call('PUT', '/api/v1/admin/settings', { token: admin(), body: { minPayoutMinor: 100_000 } });
    expect((await runPayouts(new Date(paidAt.getTime() + DAY))).body).toMatchObject({ invoicesCreated: 1 });
  });
});

describe('the 30-day guarantee (seed 000 item 4)', () => {
  test('a partial refund within 30 days reverses the whole reward; after 30 days, in proportion', async () => {
    const P = 94_100_003;
    await registerPartner(P);
    const early = await firstOrder(P, daysAgo(60));
    const late = await firstOrder(P, daysAgo(59));
    const inGuarantee = await refund(early.externalId, 100_000, new Date(early.paidAt.getTime() + 29 * DAY));
    expect(inGuarantee.status).toBe(201);
    expect(inGuarantee.body.reversalMinor).toBe(300_000);
    const pastGuarantee = await refund(late.externalId, 100_000, new Date(late.paidAt.getTime() + 31 * DAY));
    expect(pastGuarantee.body.reversalMinor).toBe(30_000);
    expect(await balance(P)).toMatchObject({
      earnedMinor: 600_000,
      reversedMinor: 330_000,
      payableMinor: 270_000,
    });
  });

  test('a guarantee refund after the payout nets against the next reward', async () => {
    const P = 94_100_004;
    const partnerId = await registerPartner(P);
    const order = await firstOrder(P, daysAgo(30));
    expect((await runPayouts(daysAgo(30))).body).toMatchObject({ created: true });
    expect(await rewardInvoicesOf(partnerId)).toMatchObject([{ amount_minor: 300_000n }]);
    expect((await refund(order.externalId, 1_000_000, daysAgo(20))).body.reversalMinor).toBe(300_000);
    expect(await balance(P)).toMatchObject({ payableMinor: -300_000 });
    // The next client's first order only pays the clawback back: nothing is due at the next run.
    await firstOrder(P, daysAgo(10));
    expect(await balance(P)).toMatchObject({ payableMinor: 0 });
    await runPayouts(daysAgo(9));
    expect(await rewardInvoicesOf(partnerId)).toHaveLength(1);
  });
});

describe('blocking for a violation is blocking without payout (seed 000 item 5)', () => {
  const block = (partnerId: string, body: Record<string, unknown>) =>
    t.call('POST', `/api/v1/admin/partners/${partnerId}/status`, { token: admin(), body });

  test('forfeits the balance and the unpaid reward invoice with the reason; unblocking restores nothing', async () => {
    const P = 94_100_005;
    const partnerId = await registerPartner(P);
    await firstOrder(P, daysAgo(50));
    expect((await runPayouts(daysAgo(50))).body).toMatchObject({ created: true });
    await firstOrder(P, daysAgo(45));
    expect(await balance(P)).toMatchObject({ payableMinor: 300_000, invoicedMinor: 300_000 });
    const [invoice] = await rewardInvoicesOf(partnerId);

    const blocked = await block(partnerId, { status: 'blocked', reason: 'Покупка по собственной ссылке' });
    expect(blocked.status).toBe(200);
    expect(blocked.body.status).toBe('blocked');
    expect(await balance(P)).toMatchObject({ payableMinor: 0, invoicedMinor: 0, forfeitedMinor: 600_000 });
    expect(await rewardInvoicesOf(partnerId)).toMatchObject([{ id: invoice!.id, status: 'cancelled' }]);
    const posting = await t.db.db
      .selectFrom('ledger_postings')
      .select(['kind', 'reason'])
      .where('kind', '=', 'balance_forfeited')
      .where(sql<boolean>`reason->>'partnerId' = ${partnerId}`)
      .execute();
    expect(posting).toEqual([
      {
        kind: 'balance_forfeited',
        reason: { partnerId, reason: 'Покупка по собственной ссылке', cancelledInvoiceIds: [invoice!.id] },
      },
    ]);
    const audit = await t.db.db
      .selectFrom('audit_log')
      .select('details')
      .where('entity_id', '=', partnerId)
      .where('action', '=', 'partner.status_changed')
      .execute();
    expect(audit[0]!.details).toMatchObject({ to: 'blocked', forfeitedMinor: 600_000 });

    // Finance cannot pay the cancelled invoice.
    const paid = await t.call('POST', `/api/v1/admin/invoices/${invoice!.id}/paid`, {
      token: admin(),
      body: { paidAt: new Date().toISOString(), method: 'bank' },
    });
    expect(paid.status).toBe(409);
    // Unblocking brings back nothing that was forfeited.
    expect((await block(partnerId, { status: 'active', reason: 'Нарушение устранено' })).body.status).toBe(
      'active',
    );
    expect(await balance(P)).toMatchObject({ payableMinor: 0, invoicedMinor: 0, forfeitedMinor: 600_000 });
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  test('a second block forfeits nothing more; a clawback owed by the partner is not forgiven', async () => {
    const P = 94_100_006;
    const partnerId = await registerPartner(P);
    const order = await firstOrder(P, daysAgo(50));
    await runPayouts(daysAgo(49));
    await t.call('POST', `/api/v1/admin/invoices/${(await rewardInvoicesOf(partnerId))[0]!.id}/paid`, {
      token: admin(),
      body: { paidAt: daysAgo(48).toISOString(), method: 'bank' },
    });
    await refund(order.externalId, 1_000_000, daysAgo(40));
    expect(await balance(P)).toMatchObject({ payableMinor: -300_000 });
    await block(partnerId, { status: 'blocked', reason: 'Спам в чатах' });
    expect(await balance(P)).toMatchObject({ payableMinor: -300_000, forfeitedMinor: 0 });
    await block(partnerId, { status: 'blocked', reason: 'Спам в чатах, повторно' });
    expect(await balance(P)).toMatchObject({ forfeitedMinor: 0 });
  });

  test('`forfeit: false` blocks and keeps the balance (a block that is not for a violation)', async () => {
    const P = 94_100_007;
    const partnerId = await registerPartner(P);
    await firstOrder(P, daysAgo(20));
    const res = await block(partnerId, { status: 'blocked', reason: 'Проверка документов', forfeit: false });
    expect(res.status).toBe(200);
    expect(await balance(P)).toMatchObject({ payableMinor: 300_000, forfeitedMinor: 0 });
    // No run pays a blocked partner; once unblocked, the next run does.
    expect((await runPayouts(daysAgo(19))).body).toMatchObject({ created: true });
    expect(await rewardInvoicesOf(partnerId)).toEqual([]);
    await block(partnerId, { status: 'active', reason: 'Документы в порядке' });
    expect((await runPayouts(daysAgo(18))).body).toMatchObject({ created: true });
    expect(await rewardInvoicesOf(partnerId)).toMatchObject([{ status: 'issued', amount_minor: 300_000n }]);
  });

  test('a `forfeit` that is not a boolean is a 400 naming the field', async () => {
    const res = await block('ptn_0000000000aaaaaaaaaaaa', {
      status: 'blocked',
      reason: 'Спам',
      forfeit: 'yes',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'forfeit' })]));
  });
});
