/**
 * The referral tree over rows the payment path itself writes (no fixtures): under the `referral` preset
 * (seed 002: 400 points to the partner whose code was used and to the friend on a first order from 699 ₽, 5 %
 * of the partner's reward to its referrer, depth 2), a payment with C's code gives C its points, the client its
 * points and B (C's referrer) its share; the trees show them, and a full refund nets every one of them to zero.
 */
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const [A, B, C] = [46300001, 46300002, 46300003];
const CLIENT = 46400001;
const id: Record<string, string> = {};

/** Registers a contracted sole proprietor, referred by `referredBy`'s promo code; returns its promo code. */
async function join(account: number, referredBy?: string): Promise<string> {
  const body = {
    ...soleProprietor(`ИП ${account}`, `${account}@partner.ru`),
    ...(referredBy && { referredBy }),
  };
  id[account] = await registerPartner(t, account, body);
  await signContract(t, id[account]!, `Р-${account}`);
  const link = await t.call('POST', '/api/v1/links', { token: t.partnerToken(account), body: {} });
  return link.body.promoCode;
}

const level = async (account: number, of?: string) => {
  const res = await t.call('GET', `/api/v1/referrals${of ? `?of=${of}` : ''}`, {
    token: t.partnerToken(account),
  });
  expect(res.status).toBe(200);
  return res.body;
};

beforeAll(async () => {
  t = await startTestApp({ programPreset: 'referral' });
  const codeA = await join(A);
  const codeB = await join(B, codeA);
  const codeC = await join(C, codeB);
  const paid = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody('posted-1', CLIENT, 69_900, new Date(), { referral: { code: codeC } }),
  });
  expect(paid.status).toBe(201);
  expect(paid.body.commission).toMatchObject({ partnerId: id[C], commissionMinor: 40_000 });
});
afterAll(() => t.close());

test("the shares and the client's side the payment wrote appear where they were earned", async () => {
  const b = await level(B);
  expect(b.partners.items).toEqual([expect.objectContaining({ partnerId: id[C], rewardMinor: 2_000 })]);
  const c = await level(C);
  expect(c.clients.items).toEqual([
    expect.objectContaining({ clientAccountId: CLIENT, clientRewardMinor: 40_000, myRewardMinor: 40_000 }),
  ]);
  // The program's depth is 2 counting C: A, two levels up, earned nothing, and sees so through B and on C's client.
  expect((await level(A)).partners.items).toEqual([
    expect.objectContaining({ partnerId: id[B], rewardMinor: 0 }),
  ]);
  expect((await level(A, id[C])).clients.items).toEqual([
    expect.objectContaining({ clientAccountId: CLIENT, clientRewardMinor: 40_000, myRewardMinor: 0 }),
  ]);
  expect((await level(B, id[C])).clients.items).toEqual([expect.objectContaining({ myRewardMinor: 2_000 })]);
});

test('a full refund reverses every side, and the trees show them net', async () => {
  const refund = await t.call('POST', '/api/v1/refunds', {
    billing: true,
    body: refundBody('posted-r1', 'posted-1', 69_900, new Date()),
  });
  expect(refund.status).toBe(201);
  expect((await level(B)).partners.items).toEqual([
    expect.objectContaining({ partnerId: id[C], rewardMinor: 0 }),
  ]);
  expect((await level(C)).clients.items).toEqual([
    expect.objectContaining({ clientAccountId: CLIENT, clientRewardMinor: 0, myRewardMinor: 0 }),
  ]);
});
