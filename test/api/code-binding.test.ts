/**
 * The first promo code a client pays with binds it to that partner (issue 15 item 2, seed 002's Apteka.ru: a
 * recommendation earns for purchases within a month of it). Later payments need no code; a window counts from
 * the first use; another partner's code later does not take the client over.
 */
import { appendVersion } from '../../server/src/programs/program.repository';
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const FIRST = 91700001;
const SECOND = 91700002;
const CLIENT = 93700001;
const codes: Record<number, string> = {};

beforeAll(async () => {
  t = await startTestApp({ programPreset: 'referral' });
  // Payments here are back-dated by weeks, and the API never lets a version start in the past: the fixture
  // appends, through the repository, an Apteka-like version in force since 2000 — lifetime, 10 % for purchases
  // within 30 days of the code's first use.
  const document = structuredClone(loadPreset('referral'));
  document.binding = { earns: 'lifetime' };
  document.rewards = [
    {
      id: 'recommendation',
      title: { ru: 'За рекомендацию' },
      on: 'payment',
      beneficiary: 'partner',
      amount: { kind: 'percent', rateBps: 1000 },
      form: 'payout',
      when: { withinDaysOfAttribution: 30 },
      levelMultiplier: false,
    },
  ];
  await t.db.db.transaction().execute((trx) =>
    appendVersion(trx, {
      document,
      effectiveFrom: new Date('2000-01-02T00:00:00Z'),
      createdBy: 'test:apteka',
    }),
  );
  for (const account of [FIRST, SECOND]) {
    await signContract(t, await registerPartner(t, account), `А-${account}`);
    codes[account] = (
      await t.call('POST', '/api/v1/links', { token: t.partnerToken(account), body: {} })
    ).body.promoCode;
  }
});
afterAll(() => t.close());

const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000);
const pay = (externalId: string, at: Date, code?: string) =>
  t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(externalId, CLIENT, 100_000, at, code ? { referral: { code } } : {}),
  });

test("the first code binds the client: purchases within 30 days of it earn without the code, later ones don't, and another partner's code changes nothing", async () => {
  const first = await pay('apt-1', daysAgo(40), codes[FIRST]);
  expect(first.body.commission).toMatchObject({ partnerId: expect.any(String), commissionMinor: 10_000 });
  const firstPartner = first.body.commission.partnerId;
  // 20 days after the first use, no code: still the first partner's client, within the month.
  const within = await pay('apt-2', daysAgo(20));
  expect(within.body.commission).toMatchObject({ partnerId: firstPartner, commissionMinor: 10_000 });
  // 40 days after, with the second partner's code: the client stays the first partner's, and the month is over.
  const late = await pay('apt-3', daysAgo(0), codes[SECOND]);
  expect(late.body.commission).toBeNull();
  const row = await t.db.db
    .selectFrom('payments')
    .select(['no_reward_partner_id', 'no_reward_reason', 'promo_code'])
    .where('external_id', '=', 'apt-3')
    .executeTakeFirstOrThrow();
  expect(row).toEqual({
    no_reward_partner_id: firstPartner,
    no_reward_reason: 'conditions_not_met',
    promo_code: codes[SECOND],
  });
});
