/**
 * Levels Basic / Professional and partner models (issue 14 items 3–4, seed 004 Oblakoteka), driven through a year
 * and more of months in seconds: payments are back-dated and `POST /api/v1/admin/program/settle` is called for the
 * end of each month in turn, as the nightly review would have been. The scenario lies two years back, so every
 * date in it is in the past whenever the test runs.
 */
import { appendVersion } from '../../server/src/programs/program.repository';
import { programJobs } from '../../server/src/programs/program.jobs';
import { programDate } from '../../server/src/payouts/payout.rules';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { oblakotekaDocument } from '../support/oblakoteka';
import { pinClient, registerPartner } from '../support/steps';
import { sql } from 'kysely';

let t: TestApp;
const Y = new Date().getUTCFullYear() - 2;
const RESELLER = 91400001;
const AGENT = 91400002;
const REFERRAL = 91400003;
const AGENT_CLIENT = 93400001;
const FIRST_MONTH_CLIENT = 93400002;
const MONTHLY_CLIENT = 93400003;
const ids: Record<number, string> = {};

const month = (m: number) => `${Y + Math.floor((m - 1) / 12)}-${String(((m - 1) % 12) + 1).padStart(2, '0')}`;
const lastDay = (m: number) => {
  const [y, mm] = month(m).split('-').map(Number) as [number, number];
  return `${month(m)}-${String(new Date(Date.UTC(y, mm, 0)).getUTCDate()).padStart(2, '0')}`;
};
const noon = (date: string) => new Date(`${date}T12:00:00+03:00`);

const admin = () => t.adminToken();
const settle = (asOf: string) =>
  t.call('POST', '/api/v1/admin/program/settle', { token: admin(), body: { asOf } });
const exam = (partnerId: string, passedAt: string, token = admin()) =>
  t.call('POST', `/api/v1/admin/partners/${partnerId}/exam`, { token, body: { passedAt } });
const setModel = (partnerId: string, body: object, token = admin()) =>
  t.call('POST', `/api/v1/admin/partners/${partnerId}/model`, { token, body });
const discounts = (accountId: number, on: string) =>
  t.call('GET', `/api/v1/discounts/${accountId}?on=${on}`, { billing: true });

let seq = 0;
/** The reseller buys for itself: `listMinor` is the price before its 12 % discount (revenue before discount). */
async function resellerBuys(rub: number, on: string) {
  seq += 1;
  const listMinor = rub * 100;
  const res = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(`obl-${seq}`, RESELLER, Math.round(listMinor * 0.88), noon(on), { listMinor }),
  });
  expect(res.status).toBe(201);
  return res;
}

async function clientPays(client: number, rub: number, on: string) {
  seq += 1;
  const res = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(`obl-${seq}`, client, rub * 100, noon(on)),
  });
  expect(res.status).toBe(201);
  return res;
}

const history = (partnerId: string) =>
  sql<{ level_code: string; from_date: string; reason: string }>`
    SELECT level_code, from_date::text AS from_date, reason FROM partner_levels
     WHERE partner_id = ${partnerId} ORDER BY from_date`
    .execute(t.db.db)
    .then((r) => r.rows.map((row) => [row.from_date, row.level_code, row.reason]));

async function signOn(partnerId: string, date: string) {
  const res = await t.call('POST', `/api/v1/admin/partners/${partnerId}/contract`, {
    token: admin(),
    body: { contractNumber: `О-${partnerId.slice(-4)}`, signedAt: `${date}T10:00:00+03:00` },
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  t = await startTestApp();
  // Payments here are years back, and the API never lets a version start in the past: the fixture appends,
  // through the repository, the seed 004 blocks in force since 2000 (see test/support/oblakoteka.ts).
  await t.db.db.transaction().execute((trx) =>
    appendVersion(trx, {
      document: oblakotekaDocument(),
      effectiveFrom: new Date('2000-01-02T00:00:00Z'),
      createdBy: 'test:oblakoteka',
    }),
  );
  for (const account of [RESELLER, AGENT, REFERRAL]) ids[account] = await registerPartner(t, account);
});
afterAll(() => t.close());

describe('a reseller through a year of months (the seed worked example, then a return, a second demotion, an exam)', () => {
  test('contract 10 February, no exam, Feb 5 000 … Jul 22 000 ₽ → Basic from 1 August; a rerun changes nothing', async () => {
    const id = ids[RESELLER]!;
    await signOn(id, `${Y}-02-10`);
    expect((await setModel(id, { model: 'reseller', from: `${Y}-02-10` })).status).toBe(200);
    // Revenue before discount (listMinor) counts, not the 12 % less the reseller paid.
    const revenue = [5_000, 12_000, 18_000, 25_000, 29_900, 22_000];
    for (const [i, rub] of revenue.entries()) {
      const m = i + 2;
      await resellerBuys(rub, `${month(m)}-15`);
      const res = await settle(lastDay(m));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        asOf: lastDay(m),
        tiersRecorded: 0,
        levelChanges: m === 2 || m === 7 ? 1 : 0,
        settlementsRecorded: 0,
        settlementsRevised: 0,
      });
    }
    expect(await history(id)).toEqual([
      [`${Y}-02-10`, 'professional', 'contract'],
      [`${Y}-08-01`, 'basic', 'demotion'],
    ]);
    const again = await settle(lastDay(7));
    expect(again.body.levelChanges).toBe(0);
    // A review of an earlier month, already right, changes nothing either.
    expect((await settle(lastDay(4))).body.levelChanges).toBe(0);
    expect(await history(id)).toHaveLength(2);
  });

  test('a month of 31 000 ₽ in August returns it from 1 September; six empty months demote it again from 1 March', async () => {
    const id = ids[RESELLER]!;
    await resellerBuys(31_000, `${Y}-08-20`);
    expect((await settle(lastDay(8))).body.levelChanges).toBe(1);
    // September … February: nothing. The review of February's end finds the second demotion.
    expect((await settle(lastDay(14))).body.levelChanges).toBe(1);
    expect(await history(id)).toEqual([
      [`${Y}-02-10`, 'professional', 'contract'],
      [`${Y}-08-01`, 'basic', 'demotion'],
      [`${Y}-09-01`, 'professional', 'revenue'],
      [`${Y + 1}-03-01`, 'basic', 'demotion'],
    ]);
  });

  test('an exam returns a Basic partner on its day; recording it again changes nothing', async () => {
    const id = ids[RESELLER]!;
    const first = await exam(id, `${Y + 1}-04-14T15:00:00+03:00`);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      partnerId: id,
      passedOn: `${Y + 1}-04-14`,
      exams: [`${Y + 1}-04-14`],
      levelChanges: 1,
    });
    const replay = await exam(id, `${Y + 1}-04-14`);
    expect(replay.status).toBe(200);
    expect(replay.body.levelChanges).toBe(0);
    expect((await history(id)).at(-1)).toEqual([`${Y + 1}-04-14`, 'professional', 'exam']);
    // Settling any day up to today agrees with what the exam recorded.
    expect((await settle(programDate(new Date()))).body.levelChanges).toBe(0);
  });

  test('billing gets the reseller 12 % on every category; its White Label model 27 % while Professional, 12 % at Basic', async () => {
    const id = ids[RESELLER]!;
    const basic = await discounts(RESELLER, `${Y}-08-15`);
    expect(basic.status).toBe(200);
    expect(basic.body).toMatchObject({
      discounts: [{ category: '*', discountBps: 1200 }],
      reason: { kind: 'model', partnerId: id, model: 'reseller', level: 'basic', ruleId: 'reseller' },
      excludesOtherPromotions: true,
    });
    expect((await setModel(id, { model: 'white_label', from: `${Y}-06-01` })).body.history).toEqual([
      { model: 'reseller', fromDate: `${Y}-02-10` },
      { model: 'white_label', fromDate: `${Y}-06-01` },
    ]);
    const professional = await discounts(RESELLER, `${Y}-06-15`);
    expect(professional.body.discounts).toEqual([{ category: '*', discountBps: 2700 }]);
    expect(professional.body.reason).toMatchObject({ model: 'white_label', level: 'professional' });
    const demoted = await discounts(RESELLER, `${Y}-08-15`);
    expect(demoted.body.discounts).toEqual([{ category: '*', discountBps: 1200 }]);
    expect(demoted.body.reason).toMatchObject({ model: 'reseller', level: 'basic' });
    // Before its model was set, the partner has no discount; an account that is no partner has none.
    expect((await discounts(RESELLER, `${Y}-02-01`)).body.discounts).toEqual([]);
    expect((await discounts(93999998, `${Y}-06-15`)).body.reason).toBeNull();
  });

  test('the reseller sees its level, history, this month against 30 000 ₽, the months left and its model', async () => {
    const terms = await t.call('GET', '/api/v1/program', { token: t.partnerToken(RESELLER) });
    expect(terms.status).toBe(200);
    expect(terms.body.level).toBeNull();
    const today = programDate(new Date());
    expect(terms.body.levelKeep).toMatchObject({
      code: 'professional',
      title: { ru: 'Professional' },
      since: `${Y + 1}-04-14`,
      month: { toDate: today, revenueMinor: 0, minMinor: 3_000_000, remainingMinor: 3_000_000 },
      examsPassedOn: [`${Y + 1}-04-14`],
      // An exam passed keeps the level for good: no demotion to count down to.
      monthsLeft: null,
      freePerk: { title: { ru: 'Cloudовка' }, paidFrom: null },
    });
    expect(terms.body.levelKeep.history.map((h: { fromDate: string; reason: string }) => h.reason)).toEqual([
      'contract',
      'demotion',
      'revenue',
      'demotion',
      'exam',
    ]);
    expect(terms.body.model).toMatchObject({
      code: 'white_label',
      earnsAs: 'white_label',
      since: `${Y}-06-01`,
    });
  });
});

describe('an agent earning on its clients, and a referral partner choosing per client', () => {
  test("an agent's clients' revenue keeps it Professional at 27 %; without it, it earns as a Referral from its demotion", async () => {
    const id = ids[AGENT]!;
    await signOn(id, `${Y}-02-10`);
    await setModel(id, { model: 'agent', from: `${Y}-02-01` });
    const pin = await pinClient(t, AGENT, AGENT_CLIENT);
    // The pin is made now; the fixture dates it back to before the scenario.
    await sql`UPDATE pins SET valid_from = ${`${Y}-01-01T00:00:00+03:00`}::timestamptz WHERE id = ${pin.id}`.execute(
      t.db.db,
    );
    const feb = await clientPays(AGENT_CLIENT, 40_000, `${Y}-02-20`);
    expect(feb.body.commission).toMatchObject({ partnerId: id, commissionMinor: 1_080_000 });
    for (let m = 2; m <= 8; m += 1) await settle(lastDay(m));
    // February's 40 000 ₽ counted; March–August without → Basic from 1 September.
    expect(await history(id)).toEqual([
      [`${Y}-02-10`, 'professional', 'contract'],
      [`${Y}-09-01`, 'basic', 'demotion'],
    ]);
    // At Basic an Agent earns on the Referral's terms: 10 % monthly by default.
    const sep = await clientPays(AGENT_CLIENT, 10_000, `${Y}-09-10`);
    expect(sep.body.commission).toMatchObject({ partnerId: id, commissionMinor: 100_000 });
    // It sees itself at Basic, earning as a Referral, its Cloudовка paid six months after the demotion.
    const terms = await t.call('GET', '/api/v1/program', { token: t.partnerToken(AGENT) });
    expect(terms.body.levelKeep).toMatchObject({
      code: 'basic',
      since: `${Y}-09-01`,
      monthsLeft: null,
      freePerk: { paidFrom: `${Y + 1}-03-01` },
    });
    expect(terms.body.model).toMatchObject({
      code: 'agent',
      earnsAs: 'referral',
      earnsAsTitle: { ru: 'Referral' },
    });
  });

  test('a referral partner chooses 100 % of the first month for one client; the other gets 10 % monthly', async () => {
    const id = ids[REFERRAL]!;
    await signOn(id, `${Y}-02-10`);
    await setModel(id, { model: 'referral', from: `${Y}-02-10` });
    for (const client of [FIRST_MONTH_CLIENT, MONTHLY_CLIENT]) {
      const pin = await pinClient(t, REFERRAL, client);
      await sql`UPDATE pins SET valid_from = ${`${Y}-01-01T00:00:00+03:00`}::timestamptz WHERE id = ${pin.id}`.execute(
        t.db.db,
      );
    }
    const choose = (client: number, choice: string) =>
      t.call('PUT', `/api/v1/clients/${client}/reward-choice`, {
        token: t.partnerToken(REFERRAL),
        body: { choice },
      });
    const chosen = await choose(FIRST_MONTH_CLIENT, 'first_month');
    expect(chosen.status).toBe(200);
    expect(chosen.body).toEqual({
      clientAccountId: FIRST_MONTH_CLIENT,
      choice: 'first_month',
      model: 'referral',
    });
    const bad = await choose(FIRST_MONTH_CLIENT, 'forever');
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['choice']);

    const first = await clientPays(FIRST_MONTH_CLIENT, 7_000, `${Y}-03-05`);
    expect(first.body.commission).toMatchObject({ partnerId: id, commissionMinor: 700_000 });
    const second = await clientPays(FIRST_MONTH_CLIENT, 7_000, `${Y}-04-05`);
    expect(second.body.commission).toBeNull();
    const monthly = await clientPays(MONTHLY_CLIENT, 7_000, `${Y}-03-05`);
    expect(monthly.body.commission).toMatchObject({ partnerId: id, commissionMinor: 70_000 });
    // Once the client has paid, the choice is fixed.
    expect((await choose(FIRST_MONTH_CLIENT, 'monthly')).status).toBe(409);
    // An agent (Professional) has no per-client choice.
    const agentChoice = await t.call('PUT', `/api/v1/clients/${AGENT_CLIENT}/reward-choice`, {
      token: t.partnerToken(RESELLER),
      body: { choice: 'monthly' },
    });
    expect(agentChoice.status).toBe(422);
  });
});

describe('exams and models: who may, and what is refused', () => {
  test('a future exam date, a malformed one, an unknown model: 400 naming the field', async () => {
    const id = ids[AGENT]!;
    const tomorrow = programDate(new Date(Date.now() + 2 * 24 * 3600 * 1000));
    for (const passedAt of [tomorrow, `${tomorrow}T10:00:00+03:00`, '14.04.2025', '2025-02-30']) {
      const res = await exam(id, passedAt);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['passedAt']);
    }
    const missing = await t.call('POST', `/api/v1/admin/partners/${id}/exam`, { token: admin(), body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['passedAt']);
    // A well-formed model the program in force does not have: 422, like any request the program refuses.
    const franchise = await setModel(id, { model: 'franchise' });
    expect(franchise.status).toBe(422);
    expect(franchise.body.errors.map((e: { path: string }) => e.path)).toEqual(['model']);
    const future = await setModel(id, { model: 'agent', from: tomorrow });
    expect(future.status).toBe(400);
    expect(future.body.errors.map((e: { path: string }) => e.path)).toEqual(['from']);
  });

  test('an unknown partner is 404; a partner or staff member is 403', async () => {
    const nobody = 'ptn_0000000000nobody';
    expect((await exam(nobody, `${Y}-03-01`)).status).toBe(404);
    expect((await setModel(nobody, { model: 'agent' })).status).toBe(404);
    const id = ids[AGENT]!;
    expect((await exam(id, `${Y}-03-01`, t.partnerToken(AGENT))).status).toBe(403);
    expect((await exam(id, `${Y}-03-01`, t.staffToken())).status).toBe(403);
    expect((await setModel(id, { model: 'agent' }, t.partnerToken(AGENT))).status).toBe(403);
    const settleAsPartner = await t.call('POST', '/api/v1/admin/program/settle', {
      token: t.partnerToken(AGENT),
      body: { asOf: `${Y}-03-31` },
    });
    expect(settleAsPartner.status).toBe(403);
  });

  test('a program naming a model or level it does not have is refused, naming the field', async () => {
    const document = oblakotekaDocument();
    document.rewards[3]!.models = ['franchise'];
    document.levels!.keep!.demoteTo = 'starter';
    const res = await t.call('PUT', '/api/v1/admin/program', {
      token: admin(),
      body: { ...document, effectiveFrom: new Date(Date.now() + 24 * 3600 * 1000).toISOString() },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'levels.keep.demoteTo',
      'rewards.3.models.0',
    ]);
  });

  test('the nightly job reviews up to the day that ended, and finds nothing new on a rerun', async () => {
    const job = programJobs(t.context, () => new Date())[1]!;
    await t.db.db.deleteFrom('partner_levels').execute();
    await job.run({ data: {}, signal: new AbortController().signal });
    const recorded = await history(ids[RESELLER]!);
    expect(recorded.at(-1)).toEqual([`${Y + 1}-04-14`, 'professional', 'exam']);
    const before = await sql`SELECT count(*)::int AS n FROM partner_levels`.execute(t.db.db);
    await job.run({ data: {}, signal: new AbortController().signal });
    expect((await sql`SELECT count(*)::int AS n FROM partner_levels`.execute(t.db.db)).rows).toEqual(
      before.rows,
    );
  });
});
