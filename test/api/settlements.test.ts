/**
 * Seed 004's rebates and bounties through the API (issue 14 items 3–4): the partner's own payments back-dated
 * through 2026, `POST /api/v1/admin/program/settle` run for a day after the periods, and the seed's worked
 * example: Q1 200 000 ₽ → Q2 260 000 ₽ gives an 18 000 ₽ growth rebate, Q3 240 000 ₽ gives nothing; the KVM
 * rebate is 10 % of the half-year. A rerun changes nothing; a back-dated refund revises the half-year by the
 * difference only. Bounties: a case study 40 000 ₽, a Telegram comment within 10 000–30 000 ₽.
 */
import { sql } from 'kysely';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { settlementPosted } from '../../server/src/ledger/postings';
import { asWritten, writtenPostings } from '../support/ledger';
import { settlementAmount } from '../../server/src/settlements/settlement.rules';
import type { Settlement } from '../../server/src/programs/program';
import { loadPreset } from '../../server/src/programs/program.presets';
import { appendVersion } from '../../server/src/programs/program.repository';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

let t: TestApp;
const PARTNER = 91800001;
// The preset's KVM and growth rebates, for every partner (no models here) and with the growth over one category.
const [kvm, , growth] = loadPreset('oblakoteka').settlements!;
const forEveryone = ({ models: _models, formByModel: _forms, ...settlement }: Settlement) => settlement;
const settlements: Settlement[] = [
  forEveryone(kvm!),
  { ...forEveryone(growth!), measure: { ...growth!.measure, productCategories: ['main'] } },
];
let partnerId = '';

beforeAll(async () => {
  t = await startTestApp();
  // Payments and settlements here are back-dated through 2026, and the API never lets a version start in the
  // past: the fixture appends, through the repository, a version in force since 2000 with seed 004's settlements.
  const document = structuredClone(loadPreset('leadsender'));
  document.settlements = settlements;
  document.bounties = [
    { id: 'case', title: { ru: 'Бонус за кейс' }, minMinor: 4_000_000, maxMinor: 4_000_000 },
    {
      id: 'telegram',
      title: { ru: 'Бонус за комментарий в Telegram' },
      minMinor: 1_000_000,
      maxMinor: 3_000_000,
    },
  ];
  await t.db.db.transaction().execute((trx) =>
    appendVersion(trx, {
      document,
      effectiveFrom: new Date('2000-01-02T00:00:00Z'),
      createdBy: 'test:oblakoteka',
    }),
  );
  partnerId = await registerPartner(t, PARTNER);
  await signContract(t, partnerId, 'О-1');
  // The partner pays for itself (White Label, Agent's own use): clientAccountId is its own account.
  const payments: Array<[string, number, string, string]> = [
    ['q1-main', 20_000_000, '2026-02-15', 'main'],
    ['q2-main', 26_000_000, '2026-05-15', 'main'],
    ['q3-main', 24_000_000, '2026-08-15', 'main'],
    ['h1-kvm-a', 10_000_000, '2026-03-10', 'kvm'],
    ['h1-kvm-b', 5_000_000, '2026-05-10', 'kvm'],
  ];
  await payForOwnUse(PARTNER, payments);
});

/** A refund billing reports with a past date, recorded (201). */
async function refundBackdated(
  externalId: string,
  paymentExternalId: string,
  amountMinor: number,
  at: string,
) {
  const refund = await t.call('POST', '/api/v1/refunds', {
    billing: true,
    body: refundBody(externalId, paymentExternalId, amountMinor, at),
  });
  expect(refund.status).toBe(201);
}

/** A partner's payments for its own account, each `[externalId, grossMinor, Moscow date, product category]`. */
async function payForOwnUse(account: number, payments: Array<[string, number, string, string]>) {
  for (const [externalId, grossMinor, date, productCategory] of payments) {
    const res = await t.call('POST', '/api/v1/payments', {
      billing: true,
      body: paymentBody(externalId, account, grossMinor, new Date(`${date}T12:00:00+03:00`), {
        productCategory,
      }),
    });
    expect(res.status).toBe(201);
  }
}
afterAll(() => t.close());

const settle = (asOf: string) =>
  t.call('POST', '/api/v1/admin/program/settle', { token: t.adminToken(), body: { asOf } });
/** The settlement lines (`GET /api/v1/settlements`) of the partner of this amoCRM account. */
const settlementsOf = async (accountId: number) =>
  (await t.call('GET', '/api/v1/settlements', { token: t.partnerToken(accountId) })).body.items as Array<{
    kind: string;
    ruleId: string;
    period: { fromDate: string } | null;
    amountMinor: number;
    calculation: string | null;
  }>;
const extras = () => settlementsOf(PARTNER);
const payable = async () =>
  (await t.call('GET', '/api/v1/balance', { token: t.partnerToken(PARTNER) })).body.payableMinor as number;
const byPeriod = (items: Awaited<ReturnType<typeof extras>>) =>
  Object.fromEntries(
    items.filter((i) => i.period).map((i) => [`${i.ruleId} ${i.period!.fromDate}`, i.amountMinor]),
  );

describe('settlements', () => {
  test("settled on 30 September 2026: Q1 is the base, Q2's growth is 18 000 ₽; KVM's first half 15 000 ₽", async () => {
    const res = await settle('2026-09-30');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ asOf: '2026-09-30', settlementsRecorded: 3, settlementsRevised: 0 });
    expect(byPeriod(await extras())).toEqual({
      'growth 2026-01-01': 0,
      'growth 2026-04-01': 1_800_000,
      'kvm 2026-01-01': 1_500_000,
    });
    expect((await extras()).find((i) => i.amountMinor === 1_800_000)!.calculation).toMatch(
      /^Рибейт за рост выручки за основные сервисы за 01\.04\.2026–30\.06\.2026: \(260\s000,00\s₽ − 200\s000,00\s₽\) × 30\s% = 18\s000,00\s₽$/,
    );
    expect(await payable()).toBe(3_300_000);
  });

  test('settling the same day again changes nothing', async () => {
    expect((await settle('2026-09-30')).body).toMatchObject({
      settlementsRecorded: 0,
      settlementsRevised: 0,
    });
    expect(await payable()).toBe(3_300_000);
  });

  test('Q3 240 000 ₽ against Q2 260 000 ₽ gives nothing once October has come', async () => {
    // The October run settles July–September; a settle on any later day looks back and records it too.
    expect((await settle('2026-11-15')).body).toMatchObject({
      settlementsRecorded: 1,
      settlementsRevised: 0,
    });
    expect(byPeriod(await extras())['growth 2026-07-01']).toBe(0);
    expect(await payable()).toBe(3_300_000);
  });

  test('a back-dated refund revises the half-year by the difference only', async () => {
    await refundBackdated('h1-kvm-b-back', 'h1-kvm-b', 5_000_000, '2026-06-01T12:00:00+03:00');
    expect((await settle('2026-11-15')).body).toMatchObject({
      settlementsRecorded: 0,
      settlementsRevised: 1,
    });
    expect(byPeriod(await extras())['kvm 2026-01-01']).toBe(1_000_000);
    expect(await payable()).toBe(2_800_000);
    expect(await checkLedger(t.db.db)).toEqual([]);
  });

  test('the run writes the words settlementAmount gives and the postings settlementPosted makes', async () => {
    const { rows } = await sql<{
      id: string;
      settlement_id: string;
      period_from: string;
      period_to: string;
      measure_minor: bigint;
      previous_minor: bigint | null;
      amount_minor: bigint;
      calculation: string;
      form: 'payout' | 'one_time_discount';
      payable: boolean;
      revision: number;
    }>`
      SELECT id, settlement_id, period_from::text, period_to::text, measure_minor, previous_minor, amount_minor,
             calculation, form, payable, revision
        FROM partner_settlements WHERE partner_id = ${partnerId} ORDER BY settlement_id, period_from`.execute(
      t.db.db,
    );
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      const due = {
        settlement: settlements.find((s) => s.id === r.settlement_id)!,
        period: { fromDate: r.period_from, toDate: r.period_to },
      };
      expect(settlementAmount(due, r.measure_minor, r.previous_minor)).toEqual({
        amountMinor: r.amount_minor,
        calculation: r.calculation,
      });
    }
    const kvm = rows.find((r) => r.settlement_id === 'kvm')!;
    const q2 = rows.find((r) => r.settlement_id === 'growth' && r.period_from === '2026-04-01')!;
    const posted = (row: typeof kvm, revision: number, deltaMinor: bigint) =>
      settlementPosted({
        settlementRowId: row.id,
        revision,
        partnerId,
        form: row.form,
        payable: row.payable,
        deltaMinor,
        currency: 'RUB',
        at: new Date(`${row.period_to}T23:59:59.999+03:00`),
      });
    const expected = [posted(kvm, 1, 1_500_000n), posted(q2, 1, 1_800_000n), posted(kvm, 2, -500_000n)];
    expect(await writtenPostings(t.db.db, 'settlement')).toEqual(asWritten(expected));
  });
});

describe('bounties', () => {
  const record = (body: object, token = t.adminToken()) =>
    t.call('POST', `/api/v1/admin/partners/${partnerId}/bounties`, { token, body });

  test('a published case study earns its 40 000 ₽ once', async () => {
    const body = { bountyId: 'case', publishedAt: '2026-11-02T10:00:00+03:00' };
    const first = await record(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ bountyId: 'case', amountMinor: 4_000_000, payable: true });
    const again = await record(body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await payable()).toBe(6_800_000);
  });

  test('a Telegram comment needs an amount within 10 000–30 000 ₽; an unknown bounty names bountyId', async () => {
    const publishedAt = '2026-11-03T10:00:00+03:00';
    const none = await record({ bountyId: 'telegram', publishedAt });
    expect(none.status).toBe(422);
    expect(none.body.errors[0].path).toBe('amountMinor');
    const tooMuch = await record({ bountyId: 'telegram', publishedAt, amountMinor: 3_500_000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0].path).toBe('amountMinor');
    const ok = await record({ bountyId: 'telegram', publishedAt, amountMinor: 2_000_000 });
    expect(ok.status).toBe(201);
    const changed = await record({ bountyId: 'telegram', publishedAt, amountMinor: 2_500_000 });
    expect(changed.status).toBe(409);
    const unknown = await record({ bountyId: 'podcast', publishedAt });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].path).toBe('bountyId');
    expect((await extras()).filter((i) => i.kind === 'bounty').map((i) => i.amountMinor)).toEqual([
      2_000_000, 4_000_000,
    ]);
    expect(await payable()).toBe(8_800_000);
  });

  test('only an admin records a bounty; a publication in the future is refused', async () => {
    const partner = await record(
      { bountyId: 'case', publishedAt: '2026-11-05T10:00:00+03:00' },
      t.partnerToken(PARTNER),
    );
    expect(partner.status).toBe(403);
    const future = await record({
      bountyId: 'case',
      publishedAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].path).toBe('publishedAt');
    expect(await checkLedger(t.db.db)).toEqual([]);
  });
});

describe('the statement', () => {
  test("June's statement has the half-year's KVM rebate as a line with its calculation; November's the bounties", async () => {
    const csv = async (month: string) => {
      const res = await fetch(`${t.url}/api/v1/statements/${month}?format=csv`, {
        headers: { 'X-Auth-Token': t.partnerToken(PARTNER) },
      });
      expect(res.status).toBe(200);
      return (await res.text()).split('\r\n');
    };
    const june = await csv('2026-06');
    const rebate = june.find((line) => line.includes('Рибейт;'))!;
    expect(rebate).toMatch(/^30\.06\.2026;Рибейт;stl_\w+;;;—;0,00;0;10000,00;Да;К выплате;/);
    expect(rebate).toContain('Рибейт за ElasticCloud на KVM за 01.01.2026–30.06.2026');
    expect(rebate).toContain('(пересчитан)');
    // The growth rebate of Q2 ends in June too.
    expect(june.some((line) => line.includes('Рибейт;') && line.includes('18000,00'))).toBe(true);
    const november = (await csv('2026-11')).filter((line) => line.includes(';Бонус;'));
    expect(november.map((line) => line.split(';').slice(0, 2).concat(line.split(';')[8]!))).toEqual([
      ['02.11.2026', 'Бонус', '40000,00'],
      ['03.11.2026', 'Бонус', '20000,00'],
    ]);
    expect(november[0]).toMatch(/Бонус за кейс: 40\s000,00\s₽$/);
  });
});

describe('a restated base', () => {
  const OTHER = 91800002;
  const settleLines = () => settlementsOf(OTHER);
  const q3 = async () =>
    (await settleLines()).find((i) => i.ruleId === 'growth' && i.period?.fromDate === '2026-07-01')!;

  test("a back-dated refund in Q2 restates Q3's base even when Q3 earns nothing either way", async () => {
    const other = await registerPartner(t, OTHER);
    await signContract(t, other, 'О-2');
    await payForOwnUse(OTHER, [
      ['other-q1', 20_000_000, '2026-02-15', 'main'],
      ['other-q2', 26_000_000, '2026-05-15', 'main'],
      ['other-q3', 24_000_000, '2026-08-15', 'main'],
    ]);
    await settle('2026-11-15');
    expect((await q3()).calculation).toMatch(/240\s000,00\s₽ не выросла против 260\s000,00\s₽/);

    await refundBackdated('other-q2-back', 'other-q2', 1_000_000, '2026-06-20T12:00:00+03:00');
    // Q2's growth falls from 18 000 ₽ to 15 000 ₽; Q3 still earns nothing, but against 250 000 ₽ now.
    expect((await settle('2026-11-15')).body).toMatchObject({
      settlementsRecorded: 0,
      settlementsRevised: 2,
    });
    expect((await q3()).amountMinor).toBe(0);
    expect((await q3()).calculation).toMatch(/240\s000,00\s₽ не выросла против 250\s000,00\s₽/);
    const q2 = (await settleLines()).find(
      (i) => i.ruleId === 'growth' && i.period?.fromDate === '2026-04-01',
    )!;
    expect(q2.amountMinor).toBe(1_500_000);
    // A rerun finds nothing more to restate.
    expect((await settle('2026-11-15')).body).toMatchObject({
      settlementsRecorded: 0,
      settlementsRevised: 0,
    });
    expect(await checkLedger(t.db.db)).toEqual([]);
  });
});
