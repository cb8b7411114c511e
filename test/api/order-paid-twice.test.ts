/**
 * An order paid twice by mistake earns once (seed 000: «Это же правило справедливо для заказов, которые ошибочно
 * были оплачены дважды»). Billing names the order (`orderId`); a second payment of an order that another
 * payment already paid, and that is not refunded in full, earns nothing and says why. Under leadsender every
 * payment of a pinned client earns, so without the order id the duplicate would earn a second 40 %.
 */
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';
import { backdatePin, pinClient, registerPartner, signContract } from '../support/steps';

let t: TestApp;
const PARTNER = 91100031;
const CLIENT = 91600031;

beforeAll(async () => {
  t = await startTestApp();
  const partnerId = await registerPartner(t, PARTNER, soleProprietor('ИП Двойная', 'double@partner.ru'));
  await signContract(t, partnerId, 'П-31');
  // Earning from 90 days back, so payments dated in the last hour fall inside the pin.
  await backdatePin(t, (await pinClient(t, PARTNER, CLIENT)).id);
});
afterAll(() => t.close());

/** Payments are dated in the past, in order: `at(n)` is n seconds after an hour ago. */
const HOUR_AGO = Date.now() - 3600 * 1000;
const at = (seconds: number) => new Date(HOUR_AGO + seconds * 1000);

function pay(externalId: string, orderId: string | undefined, paidAt = at(1)) {
  const body = paymentBody(externalId, CLIENT, 1_200_000, paidAt, orderId ? { orderId } : {});
  return t.call('POST', '/api/v1/payments', { billing: true, body });
}

async function orders() {
  const res = await t.call('GET', '/api/v1/orders', { token: t.partnerToken(PARTNER) });
  expect(res.status).toBe(200);
  return res.body.items as {
    orderId: string;
    reward: { amountMinor: number } | null;
    noReward: { reason: string; text: string } | null;
  }[];
}

describe('an order paid twice', () => {
  test('the second payment of the order earns nothing and the order list says why', async () => {
    const first = await pay('dbl-1', 'ORD-1001');
    expect(first.status).toBe(201);
    expect(first.body.commission).toMatchObject({ commissionMinor: 480_000, payable: true });
    const second = await pay('dbl-2', 'ORD-1001', at(2));
    expect(second.status).toBe(201);
    expect(second.body.commission).toBeNull();

    const listed = await orders();
    const refused = listed.filter((o) => o.noReward?.reason === 'order_paid_twice');
    expect(refused).toEqual([
      expect.objectContaining({
        orderId: 'ORD-1001',
        reward: null,
        noReward: { reason: 'order_paid_twice', text: 'повторная оплата уже оплаченного заказа' },
      }),
    ]);
    // Another order of the same client is a repeat order, which leadsender rewards.
    expect((await pay('dbl-3', 'ORD-1002', at(3))).body.commission).toMatchObject({
      commissionMinor: 480_000,
    });
  });

  test('refunding the duplicate takes nothing back; once the first is refunded in full the order may be paid again', async () => {
    const balance = async () =>
      (await t.call('GET', '/api/v1/balance', { token: t.partnerToken(PARTNER) })).body.earnedMinor as number;
    const before = await balance();
    const refund = (externalId: string, paymentExternalId: string) =>
      t.call('POST', '/api/v1/refunds', {
        billing: true,
        body: refundBody(externalId, paymentExternalId, 1_200_000, at(4)),
      });
    const duplicate = await refund('dbl-r2', 'dbl-2');
    expect(duplicate.status).toBe(201);
    expect(duplicate.body.reversalMinor).toBe(0);
    expect(await balance()).toBe(before);

    expect((await refund('dbl-r1', 'dbl-1')).body.reversalMinor).toBe(480_000);
    // Both payments of ORD-1001 are back with the client: paying the order now is paying it once.
    const again = await pay('dbl-4', 'ORD-1001', at(5));
    expect(again.body.commission).toMatchObject({ commissionMinor: 480_000 });
  });

  test('payments of one order that arrive together earn once', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => pay(`dbl-together-${i}`, 'ORD-2001', at(6))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(results.filter((r) => r.body.commission !== null)).toHaveLength(1);
  });

  test('an order id is 1 to 200 characters; a longer one is refused naming the field, and nothing is written', async () => {
    const res = await pay('dbl-8', 'x'.repeat(201));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['orderId']);
    const replay = await pay('dbl-8', 'ORD-3001', at(7));
    expect(replay.status).toBe(201);
  });
});
