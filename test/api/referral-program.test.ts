/**
 * The `referral` preset end to end (issue 15, seed 002 as PROGRAMS.md §002 sets it): a personal promo code, a
 * first order of at least 699 ₽ gives 400 ₽ in points to both sides — the partner whose code it was and the new
 * client — the partner's referrer earns 5 % of that as its second-level share (depth 2: nobody above it), and
 * points pay at most 20 % of a purchase. Partner A refers partner B by A's code at registration; B's code brings
 * the clients. Real server, real PostgreSQL, billing's requests as billing sends them.
 */
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const Z = 91500001; // A's referrer: above the depth cap for B's clients
const A = 91500002;
const B = 91500003;
const CLIENT = 93500001;
const SMALL = 93500002;
let codeOf: Record<number, string>;

async function promoCodeOf(account: number): Promise<string> {
  const res = await t.call('POST', '/api/v1/links', { token: t.partnerToken(account), body: {} });
  expect(res.status).toBe(201);
  return res.body.promoCode;
}

async function register(account: number, name: string, referredBy?: string) {
  const body = { ...soleProprietor(name, `${account}@partner.ru`), ...(referredBy ? { referredBy } : {}) };
  const id = await registerPartner(t, account, body);
  await signContract(t, id, `Р-${account}`);
  return id;
}

beforeAll(async () => {
  t = await startTestApp({ programPreset: 'referral' });
  codeOf = {};
  await register(Z, 'ИП Зет');
  codeOf[Z] = await promoCodeOf(Z);
  await register(A, 'ИП Альфа', codeOf[Z]);
  codeOf[A] = await promoCodeOf(A);
  await register(B, 'ИП Бета', codeOf[A]);
  codeOf[B] = await promoCodeOf(B);
});
afterAll(() => t.close());

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
const pay = (externalId: string, client: number, grossMinor: number, code: string | undefined, at: Date) =>
  t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(externalId, client, grossMinor, at, code ? { referral: { code } } : {}),
  });
const points = async (account: number, purchaseMinor?: number) => {
  const res = await t.call(
    'GET',
    `/api/v1/points/${account}${purchaseMinor ? `?purchaseMinor=${purchaseMinor}` : ''}`,
    { billing: true },
  );
  expect(res.status).toBe(200);
  return res.body;
};
const redeem = (body: object) => t.call('POST', '/api/v1/points/redemptions', { billing: true, body });
/** A redemption of the client's points, as billing reports it. */
const redeemOf = (externalId: string, amountMinor: number, purchaseMinor?: number) =>
  redeem({ externalId, clientAccountId: CLIENT, amountMinor, ...(purchaseMinor ? { purchaseMinor } : {}) });

describe('the referral preset', () => {
  test("a first order of 699 ₽ with B's code: 400 points to the client and to B, 5 % of B's to A, nothing to Z", async () => {
    const res = await pay('ref-1', CLIENT, 69_900, codeOf[B], minutesAgo(30));
    expect(res.status).toBe(201);
    expect(res.body.commission).toMatchObject({
      commissionMinor: 40_000,
      payable: false,
      reason: 'paid_in_points',
    });
    expect((await points(CLIENT)).balanceMinor).toBe(40_000);
    expect((await points(B)).balanceMinor).toBe(40_000);
    expect((await points(A)).balanceMinor).toBe(2_000);
    expect((await points(Z)).balanceMinor).toBe(0);
    // Each level's line shows its calculation: A's order list has B's client with the second-level words.
    const orders = await t.call('GET', '/api/v1/orders', { token: t.partnerToken(A) });
    expect(orders.body.items[0]).toMatchObject({ orderId: 'ref-1', reward: { amountMinor: 2_000 } });
    expect(orders.body.items[0].reward.calculation).toMatch(/\(2-й уровень\): 5\s%.*400,00\s₽ = 20,00\s₽/);
    // Points are no money: nothing is payable to B or A.
    for (const account of [A, B]) {
      const balance = await t.call('GET', '/api/v1/balance', { token: t.partnerToken(account) });
      expect(balance.body.payableMinor).toBe(0);
    }
  });

  test('698 ₽ gives nothing, and says why; a second order gives nothing either', async () => {
    const small = await pay('ref-2', SMALL, 69_800, codeOf[B], minutesAgo(29));
    expect(small.body.commission).toBeNull();
    const again = await pay('ref-3', CLIENT, 500_000, codeOf[B], minutesAgo(28));
    expect(again.body.commission).toBeNull();
    const orders = await t.call('GET', '/api/v1/orders', { token: t.partnerToken(B) });
    const reasons = Object.fromEntries(
      orders.body.items.map((o: { orderId: string; noReward: { reason: string } | null }) => [
        o.orderId,
        o.noReward?.reason ?? null,
      ]),
    );
    expect(reasons).toMatchObject({ 'ref-2': 'below_minimum', 'ref-3': 'not_first_order' });
    expect((await points(SMALL)).balanceMinor).toBe(0);
    expect((await points(CLIENT)).balanceMinor).toBe(40_000);
    expect((await points(A)).balanceMinor).toBe(2_000);
  });

  test("the client's points pay at most 20 % of its next purchase", async () => {
    expect(await points(CLIENT, 100_000)).toMatchObject({
      balanceMinor: 40_000,
      redeemableMinor: 20_000,
      maxShareBps: 2000,
    });
    // A purchase of 3 000 ₽: 20 % is 600 ₽, more than the balance, so the balance is the limit.
    expect((await points(CLIENT, 300_000)).redeemableMinor).toBe(40_000);
    const tooMuch = await redeemOf('red-0', 20_001, 100_000);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0].path).toBe('amountMinor');
    const ok = await redeemOf('red-1', 20_000, 100_000);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ amountMinor: 20_000, balanceAfterMinor: 20_000 });
    // The same report again is the first result; other data under the same id is refused.
    const replay = await redeemOf('red-1', 20_000, 100_000);
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(ok.body.id);
    const reused = await redeemOf('red-1', 10_000);
    expect(reused.status).toBe(409);
    expect((await points(CLIENT)).balanceMinor).toBe(20_000);
  });

  test('25 parallel redemptions of 10 ₽ against 200 ₽ of points: exactly 20 go through', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => redeemOf(`red-par-${i}`, 1_000)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 422)).toHaveLength(5);
    expect((await points(CLIENT)).balanceMinor).toBe(0);
  });

  test('a refund of the first order takes back every side: B, A and the spent points of the client', async () => {
    const refund = await t.call('POST', '/api/v1/refunds', {
      billing: true,
      body: refundBody('ref-1-back', 'ref-1', 69_900, minutesAgo(1)),
    });
    expect(refund.status).toBe(201);
    expect(refund.body.reversalMinor).toBe(40_000);
    expect((await points(B)).balanceMinor).toBe(0);
    expect((await points(A)).balanceMinor).toBe(0);
    // The client had spent all 400: the balance goes below zero and nothing more may be redeemed.
    expect(await points(CLIENT, 100_000)).toMatchObject({ balanceMinor: -40_000, redeemableMinor: 0 });
    const refused = await redeemOf('red-after', 100);
    expect(refused.status).toBe(422);
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  test('bad input names the field', async () => {
    const bad = await t.call('GET', `/api/v1/points/${CLIENT}?purchaseMinor=-5`, { billing: true });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('query.purchaseMinor');
    const noAmount = await redeem({ externalId: 'red-x', clientAccountId: CLIENT });
    expect(noAmount.status).toBe(400);
    expect(noAmount.body.errors[0].path).toBe('amountMinor');
    const unauthenticated = await t.call('GET', `/api/v1/points/${CLIENT}`);
    expect(unauthenticated.status).toBe(401);
  });
});
