/**
 * A friend's first purchase at a discount through a partner's promo code (issue 15 item 3, seed 002's MIF: 500
 * bonuses to the referrer, the friend's first purchase 30 % off): billing asks `GET /api/v1/discounts/:accountId`
 * with the code the client typed, applies the discount, and reports the payment with `listMinor` beside
 * `grossMinor`; the discount is recorded as the client's side of the reward, in the ledger as revenue given up.
 */
import { sql } from 'kysely';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const PARTNER = 91600001;
const FRIEND = 93600001;
let code = '';

/** The MIF document starts a second from now (a version never starts in the past); payments come after it. */
const EFFECTIVE = Date.now() + 1000;

beforeAll(async () => {
  t = await startTestApp({ programPreset: 'referral' });
  const document = structuredClone(loadPreset('referral'));
  document.name = 'mif';
  document.rewards = [
    { ...document.rewards[0]!, amount: { kind: 'fixed', amountMinor: 50_000 }, when: undefined },
    {
      id: 'friend-discount',
      title: { ru: 'Скидка другу на первую покупку' },
      on: 'first_payment',
      beneficiary: 'client',
      amount: { kind: 'percent', rateBps: 3000 },
      form: 'discount',
      levelMultiplier: false,
    },
  ];
  const saved = await t.call('PUT', '/api/v1/admin/program', {
    token: t.adminToken(),
    body: { ...document, effectiveFrom: new Date(EFFECTIVE).toISOString() },
  });
  expect(saved.status).toBe(201);
  const id = await registerPartner(t, PARTNER);
  await signContract(t, id, 'М-1');
  code = (await t.call('POST', '/api/v1/links', { token: t.partnerToken(PARTNER), body: {} })).body.promoCode;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, EFFECTIVE + 300 - Date.now())));
});
afterAll(() => t.close());

const discounts = (account: number, query: string) =>
  t.call('GET', `/api/v1/discounts/${account}?${query}`, { billing: true });

describe("a friend's first-purchase discount", () => {
  test("billing asks with the friend's code and gets 30 % on everything; a code nobody has, or the partner's own account, gets none", async () => {
    const res = await discounts(FRIEND, `code=${code.toLowerCase()}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      discounts: [{ category: '*', discountBps: 3000 }],
      reason: { kind: 'referral', ruleId: 'friend-discount', minPurchaseMinor: null },
      excludesOtherPromotions: false,
    });
    expect((await discounts(FRIEND, 'code=ZZZZZZZZ')).body).toMatchObject({ discounts: [], reason: null });
    expect((await discounts(PARTNER, `code=${code}`)).body.discounts).toEqual([]);
  });

  test('the discounted purchase records 30 % of the list price as the friend’s side; the next purchase gets no discount', async () => {
    const pay = await t.call('POST', '/api/v1/payments', {
      billing: true,
      body: paymentBody('mif-1', FRIEND, 140_000, new Date(), { listMinor: 200_000, referral: { code } }),
    });
    expect(pay.status).toBe(201);
    expect(pay.body.commission).toMatchObject({ commissionMinor: 50_000, reason: 'paid_in_points' });
    const { rows } = await sql<{ form: string; amount_minor: string; calculation: string }>`
      SELECT form, amount_minor::text, calculation FROM client_rewards WHERE client_account_id = ${FRIEND}`.execute(
      t.db.db,
    );
    expect(rows).toEqual([
      {
        form: 'discount',
        amount_minor: '60000',
        calculation: expect.stringMatching(/^2\s000,00\s₽ × 30\s% = 600,00\s₽$/),
      },
    ]);
    const given = await sql<{ credits: string }>`
      SELECT credits_minor::text AS credits FROM ledger_accounts WHERE code = 'vendor:referral_discounts_given'`.execute(
      t.db.db,
    );
    expect(given.rows[0]?.credits).toBe('60000');
    expect(await checkLedger(t.db.db)).toEqual([]);
    expect((await discounts(FRIEND, `code=${code}`)).body.discounts).toEqual([]);
  });

  test('a code longer than any code is a 400 naming it', async () => {
    const res = await discounts(FRIEND, `code=${'A'.repeat(65)}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('query.code');
  });
});
