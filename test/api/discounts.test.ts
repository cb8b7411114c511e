import { sql } from 'kysely';
/**
 * Reseller tiers through billing's API (issue 14 item 2, seed 003): the vendor runs the `reseller-tiers` preset,
 * billing reports the reseller's own payments (`clientAccountId` = the partner's account) and asks for the
 * discount in force on a day. The figures are the seed's worked example: 52 000 ₽ in the window → 19 % VPS,
 * 7 % Dedic, 3 % SSL; the next day, with 3 000 ₽ out of the window, 49 000 ₽ → 17 % / 6 % / 3 %.
 */
import { measureWindow } from '../../server/src/programs/measure.rules';
import { programDate } from '../../server/src/payouts/payout.rules';
import { programJobs } from '../../server/src/programs/program.jobs';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const RESELLER = 91100051;
let partnerId = '';

const DAY = 24 * 3600 * 1000;
/** The first day asked: five days ago; its rolling month starts a month before it. */
const asOf = programDate(new Date(Date.now() - 5 * DAY));
const nextDay = programDate(new Date(Date.now() - 4 * DAY));
const window = measureWindow('rolling_month', asOf)!;
const noon = (date: string, plusDays = 0) =>
  new Date(new Date(`${date}T12:00:00+03:00`).getTime() + plusDays * DAY);

let seq = 0;
function pay(grossMinor: number, paidAt: Date, productCategory = 'vps') {
  seq += 1;
  return t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(`tier-${seq}`, RESELLER, grossMinor, paidAt, { productCategory }),
  });
}

const discounts = (accountId: number, on?: string) =>
  t.call('GET', `/api/v1/discounts/${accountId}${on ? `?on=${on}` : ''}`, { billing: true });

const percents = (body: { discounts: { category: string; discountBps: number }[] }) =>
  Object.fromEntries(body.discounts.map((d) => [d.category, d.discountBps / 100]));

beforeAll(async () => {
  t = await startTestApp({ programPreset: 'reseller-tiers' });
  partnerId = await registerPartner(t, RESELLER, soleProprietor('ИП Реселлер', 'reseller@partner.ru'));
  await signContract(t, partnerId, 'Р-1');
  // 3 000 ₽ on the window's first day, 20 000 ₽ three days later, 29 000 ₽ on the day asked.
  for (const [grossMinor, at] of [
    [300_000, noon(window.fromDate)],
    [2_000_000, noon(window.fromDate, 3)],
    [2_900_000, noon(asOf)],
  ] as const)
    expect((await pay(grossMinor, at)).status).toBe(201);
});
afterAll(() => t.close());

describe("billing asks for a reseller's discount on a day", () => {
  test('52 000 ₽ in the window: 19 / 7 / 3 %, replacing every other promotion, with the tier and what the next needs', async () => {
    const res = await discounts(RESELLER, asOf);
    expect(res.status).toBe(200);
    expect(percents(res.body)).toEqual({ vps: 19, dedic: 7, ssl: 3 });
    expect(res.body).toMatchObject({
      accountId: RESELLER,
      on: asOf,
      excludesOtherPromotions: true,
      reason: {
        kind: 'tier',
        partnerId,
        measureMinor: 5_200_000,
        window: { fromDate: window.fromDate, toDate: asOf },
        bandMinMinor: 5_000_000,
        next: { minMinor: 10_000_000, remainingMinor: 4_800_000 },
      },
    });
  });

  test('the next day the 3 000 ₽ of the first day leave the window: 49 000 ₽ → 17 / 6 / 3 %', async () => {
    const res = await discounts(RESELLER, nextDay);
    expect(res.body.reason.measureMinor).toBe(4_900_000);
    expect(percents(res.body)).toEqual({ vps: 17, dedic: 6, ssl: 3 });
  });

  test('a refund lowers the turnover from its day on; the day before still answers as it did', async () => {
    const refunded = await t.call('POST', '/api/v1/refunds', {
      billing: true,
      body: refundBody('tier-refund-1', 'tier-3', 2_000_000, noon(nextDay)),
    });
    expect(refunded.status).toBe(201);
    expect((await discounts(RESELLER, asOf)).body.reason.measureMinor).toBe(5_200_000);
    const after = await discounts(RESELLER, nextDay);
    expect(after.body.reason.measureMinor).toBe(2_900_000);
    expect(percents(after.body)).toEqual({ vps: 13, dedic: 4, ssl: 3 });
  });

  test('an account that is no partner, or a turnover under 500 ₽, has no discount', async () => {
    const stranger = await discounts(93999999, asOf);
    expect(stranger.status).toBe(200);
    expect(stranger.body).toMatchObject({ discounts: [], reason: null, excludesOtherPromotions: false });
    // Long before any payment the window is empty.
    const early = programDate(new Date(Date.now() - 120 * DAY));
    expect((await discounts(RESELLER, early)).body.discounts).toEqual([]);
  });

  test('today by default; a future day or a malformed one is refused naming on; billing only', async () => {
    const today = await discounts(RESELLER);
    expect(today.status).toBe(200);
    expect(today.body.on).toBe(programDate(new Date()));
    const future = await discounts(RESELLER, programDate(new Date(Date.now() + 2 * DAY)));
    expect(future.status).toBe(400);
    expect(future.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.on']);
    const malformed = await discounts(RESELLER, '04.12.2026');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.on']);
    const anonymous = await t.call('GET', `/api/v1/discounts/${RESELLER}`);
    expect(anonymous.status).toBe(401);
  });

  test('the reseller sees its turnover, discount and what the next tier needs today in its program terms', async () => {
    // Today's window has only the 29 000 ₽ of the first day asked, less the 20 000 ₽ refunded: 9 000 ₽.
    const terms = await t.call('GET', '/api/v1/program', { token: t.partnerToken(RESELLER) });
    expect(terms.status).toBe(200);
    expect(terms.body.level).toBeNull();
    expect(terms.body.tier).toEqual({
      measureMinor: 900_000,
      window: measureWindow('rolling_month', programDate(new Date())),
      discounts: [
        { category: 'vps', discountBps: 700 },
        { category: 'dedic', discountBps: 100 },
        { category: 'ssl', discountBps: 100 },
      ],
      next: { minMinor: 1_000_000, remainingMinor: 100_000 },
    });
    // Billing is told the same discount for today.
    expect(percents((await discounts(RESELLER)).body)).toEqual({ vps: 7, dedic: 1, ssl: 1 });
  });

  test('settling a day records every partner’s tier of that day; settling it again changes nothing', async () => {
    const settle = (asOfDate: string, token = t.adminToken()) =>
      t.call('POST', '/api/v1/admin/program/settle', { token, body: { asOf: asOfDate } });
    const first = await settle(asOf);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      asOf,
      tiersRecorded: 1,
      levelChanges: 0,
      settlementsRecorded: 0,
      settlementsRevised: 0,
    });
    const recorded = () =>
      t.db.db
        .selectFrom('partner_tier_days')
        .select(['partner_id', 'measure_minor', 'band_min_minor', 'discounts'])
        .where('partner_id', '=', partnerId)
        .orderBy('recorded_at')
        .execute();
    const once = await recorded();
    expect(once.map((r) => [Number(r.measure_minor), Number(r.band_min_minor), r.discounts])).toEqual([
      [
        5_200_000,
        5_000_000,
        [
          { category: 'vps', discountBps: 1900 },
          { category: 'dedic', discountBps: 700 },
          { category: 'ssl', discountBps: 300 },
        ],
      ],
    ]);
    expect((await settle(asOf)).body.tiersRecorded).toBe(1);
    expect(await recorded()).toEqual(once);
    // The day after, as recorded by the daily job: 49 000 ₽ less the refund made that day.
    await settle(nextDay);
    expect((await recorded()).map((r) => Number(r.measure_minor))).toEqual([5_200_000, 2_900_000]);
    // Only admins, and only a day that has come.
    expect((await settle(asOf, t.partnerToken(RESELLER))).status).toBe(403);
    const future = await settle(programDate(new Date(Date.now() + 2 * DAY)));
    expect(future.status).toBe(400);
    expect(future.body.errors.map((e: { path: string }) => e.path)).toEqual(['asOf']);
  });

  test('the daily job records the day that just ended', async () => {
    const job = programJobs(t.context, () => new Date(noon(nextDay).getTime() + DAY))[0]!;
    await t.db.db.deleteFrom('partner_tier_days').execute();
    await job.run({ data: {}, signal: new AbortController().signal });
    const { rows } = await sql<{ on_date: string; measure_minor: string }>`
      SELECT on_date::text, measure_minor::text FROM partner_tier_days`.execute(t.db.db);
    expect(rows).toEqual([{ on_date: nextDay, measure_minor: '2900000' }]);
  });

  test("the reseller's own payments earn it no commission: the reward is the discount", async () => {
    const commissions = await t.call('GET', '/api/v1/commissions', { token: t.partnerToken(RESELLER) });
    expect(commissions.body.items).toEqual([]);
  });
});
