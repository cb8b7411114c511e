/**
 * Promo codes as attribution (issue 15 item 1, seed 002): a partner's personal code comes with its links
 * (`POST /api/v1/links`), the client types it at checkout, billing passes it as `referral.code`, and under a
 * program that attributes by code the payment earns for the code's partner. A code nobody owns is recorded
 * with the reason; a partner paying with its own code is a self-purchase. The program here is the cloudlessons
 * preset attributing by code instead of by link: first paid order, 30 %.
 */
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, soleProprietor } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const PARTNER = 91100041;
const OTHER = 91100042;
let promoCode: string;

/**
 * A version cannot start in the past and a payment cannot be dated in the future: the code program starts a
 * second from now, the tests wait it out, and `at(n)` dates payments in order just after it.
 */
const EFFECTIVE = Date.now() + 1000;
const at = (n: number) => new Date(EFFECTIVE + 100 + n * 10);

beforeAll(async () => {
  t = await startTestApp();
  const document = structuredClone(loadPreset('cloudlessons')) as Record<string, unknown>;
  document.attribution = { via: 'code' };
  const saved = await t.call('PUT', '/api/v1/admin/program', {
    token: t.adminToken(),
    body: { ...document, effectiveFrom: new Date(EFFECTIVE).toISOString() },
  });
  expect(saved.status).toBe(201);
  for (const [account, name] of [
    [PARTNER, 'ИП Промо'],
    [OTHER, 'ИП Другой'],
  ] as const) {
    const id = await registerPartner(t, account, soleProprietor(name, `${account}@partner.ru`));
    await signContract(t, id, `П-${account}`);
  }
});
beforeAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, EFFECTIVE + 300 - Date.now())));
});
afterAll(() => t.close());

function pay(externalId: string, clientAccountId: number, referral: object | undefined, paidAt: Date) {
  const body = paymentBody(externalId, clientAccountId, 1_000_000, paidAt, referral ? { referral } : {});
  return t.call('POST', '/api/v1/payments', { billing: true, body });
}

describe('a partner promo code', () => {
  test('comes with the first link, stays the same, and is listed with the links', async () => {
    const first = await t.call('POST', '/api/v1/links', { token: t.partnerToken(PARTNER), body: {} });
    expect(first.status).toBe(201);
    promoCode = first.body.promoCode;
    // Eight characters without the look-alikes 0/O and 1/I/L, so a client can type it from a page.
    expect(promoCode).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    const again = await t.call('POST', '/api/v1/links', {
      token: t.partnerToken(PARTNER),
      body: { productCode: 'course' },
    });
    expect(again.body.promoCode).toBe(promoCode);
    const listed = await t.call('GET', '/api/v1/links', { token: t.partnerToken(PARTNER) });
    expect(listed.body.promoCode).toBe(promoCode);
    const other = await t.call('POST', '/api/v1/links', { token: t.partnerToken(OTHER), body: {} });
    expect(other.body.promoCode).not.toBe(promoCode);
    // A partner that has not asked for a link has no code yet.
    const none = await t.call('GET', '/api/v1/links', { token: t.partnerToken(91100049) });
    expect(none.status).toBe(404);
  });

  test("the client's first order with the code earns its partner 30 %, the code typed in any case and with dashes", async () => {
    const typed = `${promoCode.slice(0, 4).toLowerCase()}-${promoCode.slice(4)}`;
    const res = await pay('promo-1', 93000001, { code: typed }, at(1));
    expect(res.status).toBe(201);
    expect(res.body.commission).toMatchObject({ commissionMinor: 300_000, rateBps: 3000, payable: true });
    const orders = await t.call('GET', '/api/v1/orders', { token: t.partnerToken(PARTNER) });
    expect(orders.body.items[0]).toMatchObject({
      orderId: 'promo-1',
      reward: { amountMinor: 300_000 },
    });
    // The same client's next order with the code: the program pays the first order only.
    const second = await pay('promo-2', 93000001, { code: promoCode }, at(2));
    expect(second.body.commission).toBeNull();
  });

  test('a code nobody owns earns nothing and the payment says why; without a code nobody earns', async () => {
    const unknown = await pay('promo-3', 93000002, { code: 'ZZZZ2222' }, at(3));
    expect(unknown.status).toBe(201);
    expect(unknown.body.commission).toBeNull();
    const row = await t.db.db
      .selectFrom('payments')
      .select(['no_reward_reason', 'no_reward_partner_id'])
      .where('external_id', '=', 'promo-3')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ no_reward_reason: 'unknown_code', no_reward_partner_id: null });
    const plain = await pay('promo-4', 93000003, undefined, at(4));
    expect(plain.body.commission).toBeNull();
  });

  test("a partner's own code on its own account is a self-purchase, listed in the fraud queue", async () => {
    const res = await pay('promo-5', PARTNER, { code: promoCode }, at(5));
    expect(res.status).toBe(201);
    expect(res.body.commission).toBeNull();
    const queue = await t.call('GET', '/api/v1/admin/fraud-queue', { token: t.adminToken() });
    expect(queue.body.items.map((i: { externalPaymentId: string }) => i.externalPaymentId)).toContain(
      'promo-5',
    );
  });

  test('a referral with neither visitor id nor code, or an over-long code, is refused naming the field', async () => {
    const empty = await pay('promo-6', 93000004, {}, at(6));
    expect(empty.status).toBe(400);
    expect(empty.body.errors.map((e: { path: string }) => e.path)).toEqual(['referral']);
    const long = await pay('promo-7', 93000004, { code: 'X'.repeat(41) }, at(6));
    expect(long.status).toBe(400);
    expect(long.body.errors.map((e: { path: string }) => e.path)).toEqual(['referral.code']);
  });
});
