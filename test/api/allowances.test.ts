/**
 * Allowances (seed 004, issue 14 item 3): a partner grants its own clients bonus codes and free months within the
 * quotas of the program in force, over real HTTP on a real PostgreSQL. The program is the leadsender preset with
 * seed 004's allowances block (ALLOWANCES below), starting a second from now: the tests wait it out.
 */
import { addMonths, monthOf, quarterOf } from '../../server/src/allowances/allowance.rules';
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type CallResult, type TestApp } from '../support/app';
import { pinClient, registerPartner } from '../support/steps';

/** The allowance block of the oblakoteka preset (seed 004 items 12 and 13). */
const ALLOWANCES = [
  {
    id: 'bonus_codes',
    title: { ru: 'Бонусные коды пополнения баланса', en: 'Balance top-up bonus codes' },
    kind: 'bonus_codes',
    perPartnerPerQuarter: { count: 10, amountMinor: 3_000_000 },
    perClient: { count: 1 },
  },
  {
    id: 'free_months',
    title: { ru: 'Бесплатные месяцы использования сервисов', en: 'Free months of service' },
    kind: 'free_months',
    perClient: { count: 2 },
    notAfterTrialMonth: true,
    notConsecutive: true,
  },
];

let t: TestApp;
const EFFECTIVE = Date.now() + 1000;
/** Each partner of the tests, with its own clients (account ids base + 1, base + 2, …). */
const P = { account: 91400001, clients: 91410000 }; // the worked example and the free months
const Q = { account: 91400002, clients: 91420000 }; // the eleventh code
const R = { account: 91400003, clients: 91430000 }; // parallel codes, count-limited
const S = { account: 91400004, clients: 91440000 }; // parallel codes, amount-limited
const U = { account: 91400005, clients: 91450000 }; // parallel grants to one client
const OTHER = { account: 91400009, clients: 91490000 }; // another partner, whose clients P may not touch
let beforeTheProgram: CallResult;

const client = (partner: { clients: number }, n: number) => partner.clients + n;
const thisMonth = () => monthOf(new Date());

function bonusCode(partner: { account: number }, clientAccountId: number, amountMinor: number, headers = {}) {
  return t.call('POST', '/api/v1/bonus-codes', {
    token: t.partnerToken(partner.account),
    body: { clientAccountId, amountMinor },
    headers,
  });
}
function freeMonth(partner: { account: number }, clientAccountId: number, month: string) {
  return t.call('POST', '/api/v1/free-months', {
    token: t.partnerToken(partner.account),
    body: { clientAccountId, month },
  });
}
/** The refusal's field, and its rule as the message begins with it. */
const refusal = (res: CallResult) => ({
  status: res.status,
  code: res.body.code,
  path: res.body.errors?.[0]?.path,
  rule: String(res.body.errors?.[0]?.message ?? '').split(':')[0],
});
const readable = (text: string) => text.replace(/\u00a0/g, ' ');
/** The 422 a rule gives, as `refusal` reads it. */
const unprocessable = (path: string, rule: string) => ({ status: 422, code: 'unprocessable', path, rule });

/** Sends 20 requests at once: the granted answers, and each refusal as «status path rule» (a 5xx would show too). */
async function twentyAtOnce(request: (i: number) => Promise<CallResult>) {
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => request(i)));
  return {
    granted: answers.filter((a) => a.status === 201),
    refusedBy: new Set(
      answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${refusal(a).path} ${refusal(a).rule}`),
    ),
  };
}

async function pinClients(partner: { account: number; clients: number }, count: number) {
  for (let n = 1; n <= count; n++) await pinClient(t, partner.account, client(partner, n));
}

beforeAll(async () => {
  t = await startTestApp();
  for (const partner of [P, Q, R, S, U, OTHER]) await registerPartner(t, partner.account);
  await pinClients(P, 12);
  await pinClients(OTHER, 1);
  // Before the new version starts, the leadsender program is in force: it grants no allowances.
  beforeTheProgram = await bonusCode(P, client(P, 1), 100_000);
  const document = { ...structuredClone(loadPreset('leadsender')), allowances: ALLOWANCES };
  const saved = await t.call('PUT', '/api/v1/admin/program', {
    token: t.adminToken(),
    body: { ...document, effectiveFrom: new Date(EFFECTIVE).toISOString() },
  });
  expect(saved.status).toBe(201);
  await pinClients(Q, 11);
  await pinClients(R, 20);
  await pinClients(S, 20);
  await pinClients(U, 3);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, EFFECTIVE + 100 - Date.now())));
});
afterAll(() => t.close());

describe('bonus codes', () => {
  test('a program without allowances grants none, and says so', () => {
    expect(refusal(beforeTheProgram)).toEqual(unprocessable('body', 'allowances'));
    expect(beforeTheProgram.body.errors[0]).toMatchObject({
      message: 'allowances: the program in force (version 1) grants no bonus codes',
      messageRu: 'Действующая программа не предусматривает бонусных кодов',
    });
  });

  test('the worked example: five codes of 5 000 ₽, then a sixth of 6 000 ₽ is refused and one of 5 000 ₽ issued', async () => {
    for (let n = 1; n <= 5; n++) {
      const res = await bonusCode(P, client(P, n), 500_000);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        clientAccountId: client(P, n),
        amountMinor: 500_000,
        currency: 'RUB',
        quarter: quarterOf(new Date()),
        programVersion: 2,
      });
      // Twelve symbols a client can type, without the look-alikes 0/O and 1/I/L.
      expect(res.body.code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    }
    const over = await bonusCode(P, client(P, 6), 600_000);
    expect(refusal(over)).toEqual(
      unprocessable('amountMinor', 'allowances.bonus_codes.perPartnerPerQuarter.amountMinor'),
    );
    expect(readable(over.body.errors[0].message)).toContain('30 000,00 ₽ per quarter, 25 000,00 ₽ used');
    expect(readable(over.body.errors[0].messageRu)).toMatch(
      /^Бонусных кодов в квартал — не больше чем на 30 000,00 ₽: .* выдано на 25 000,00 ₽, осталось 5 000,00 ₽$/,
    );
    const fits = await bonusCode(P, client(P, 6), 500_000);
    expect(fits.status).toBe(201);
    // Quota spent: even a kopeck more is refused.
    expect(refusal(await bonusCode(P, client(P, 7), 1)).rule).toBe(
      'allowances.bonus_codes.perPartnerPerQuarter.amountMinor',
    );

    const view = await t.call('GET', '/api/v1/allowances', { token: t.partnerToken(P.account) });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      programVersion: 2,
      quarter: quarterOf(new Date()),
      bonusCodes: {
        allowanceId: 'bonus_codes',
        count: { limit: 10, used: 6, left: 4 },
        amountMinor: { limit: 3_000_000, used: 3_000_000, left: 0 },
        perClient: 1,
      },
    });
    expect(view.body.bonusCodes.codes.map((c: { clientAccountId: number }) => c.clientAccountId)).toEqual(
      [6, 5, 4, 3, 2, 1].map((n) => client(P, n)),
    );
    expect(view.body.bonusCodes.codes[0].code).toBe(fits.body.code);
  });

  test('the eleventh code of a quarter is refused, naming the count', async () => {
    for (let n = 1; n <= 10; n++) expect((await bonusCode(Q, client(Q, n), 100_000)).status).toBe(201);
    const eleventh = await bonusCode(Q, client(Q, 11), 100_000);
    expect(refusal(eleventh)).toEqual(
      unprocessable('body', 'allowances.bonus_codes.perPartnerPerQuarter.count'),
    );
    expect(eleventh.body.errors[0].message).toContain('10 codes per quarter, 10 granted in');
    expect(eleventh.body.errors[0].messageRu).toMatch(/^Не больше 10 бонусных кодов в квартал/);
  });

  test('one code per client: a second is refused, naming the client', async () => {
    const again = await bonusCode(Q, client(Q, 1), 100);
    expect(refusal(again)).toEqual(
      unprocessable('clientAccountId', 'allowances.bonus_codes.perClient.count'),
    );
  });

  test('20 parallel requests never pass the count: exactly 10 codes', async () => {
    const { granted, refusedBy } = await twentyAtOnce((i) => bonusCode(R, client(R, i + 1), 100_000));
    expect(granted).toHaveLength(10);
    expect(refusedBy).toEqual(new Set(['422 body allowances.bonus_codes.perPartnerPerQuarter.count']));
  });

  test('20 parallel requests never pass the amount: four codes of 7 000 ₽ within 30 000 ₽', async () => {
    const { granted, refusedBy } = await twentyAtOnce((i) => bonusCode(S, client(S, i + 1), 700_000));
    expect(granted).toHaveLength(4);
    expect(refusedBy).toEqual(
      new Set(['422 amountMinor allowances.bonus_codes.perPartnerPerQuarter.amountMinor']),
    );
    const rows = await t.db.db
      .selectFrom('allowance_grants')
      .innerJoin('partners', 'partners.id', 'allowance_grants.partner_id')
      .select(['allowance_grants.quarter_total_minor', 'allowance_grants.partner_ordinal'])
      .where('partners.account_id', '=', BigInt(S.account))
      .orderBy('partner_ordinal')
      .execute();
    expect(rows.map((r) => [r.partner_ordinal, r.quarter_total_minor])).toEqual([
      [1, 700_000n],
      [2, 1_400_000n],
      [3, 2_100_000n],
      [4, 2_800_000n],
    ]);
  });

  test('20 parallel requests for one client: one code', async () => {
    const { granted, refusedBy } = await twentyAtOnce(() => bonusCode(U, client(U, 1), 10_000));
    expect(granted).toHaveLength(1);
    expect(refusedBy).toEqual(new Set(['422 clientAccountId allowances.bonus_codes.perClient.count']));
  });

  test('a retried request with its Idempotency-Key grants once and answers the same code', async () => {
    const key = { 'Idempotency-Key': 'grant-code-u2' };
    const first = await bonusCode(U, client(U, 2), 20_000, key);
    const retry = await bonusCode(U, client(U, 2), 20_000, key);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    const other = await bonusCode(U, client(U, 3), 20_000, key);
    expect({ status: other.status, code: other.body.code }).toEqual({
      status: 409,
      code: 'idempotency_key_reused',
    });
  });
});

describe('free months', () => {
  // P's clients were pinned this month: this is their trial month.
  const m = (n: number) => addMonths(thisMonth(), n);

  test('never the month right after the trial month, never two in a row, at most two per client', async () => {
    const c = client(P, 8);
    expect(refusal(await freeMonth(P, c, m(1)))).toEqual(
      unprocessable('month', 'allowances.free_months.notAfterTrialMonth'),
    );
    const granted = await freeMonth(P, c, m(2));
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ clientAccountId: c, month: m(2), programVersion: 2 });
    expect(refusal(await freeMonth(P, c, m(3)))).toEqual(
      unprocessable('month', 'allowances.free_months.notConsecutive'),
    );
    expect(refusal(await freeMonth(P, c, m(2))).rule).toBe('allowances.free_months.month');
    expect((await freeMonth(P, c, m(4))).status).toBe(201);
    const third = await freeMonth(P, c, m(7));
    expect(refusal(third)).toEqual(
      unprocessable('clientAccountId', 'allowances.free_months.perClient.count'),
    );
    expect(third.body.errors[0].messageRu).toBe(
      'Клиенту можно не больше 2 бесплатных месяцев: уже предоставлено 2',
    );

    const view = await t.call('GET', '/api/v1/allowances', { token: t.partnerToken(P.account) });
    expect(view.body.freeMonths).toMatchObject({
      allowanceId: 'free_months',
      perClient: 2,
      notAfterTrialMonth: true,
      notConsecutive: true,
      clients: [{ clientAccountId: c, months: [m(2), m(4)], left: 0 }],
    });
  });

  test('a client pinned months ago may get this month and the next; a month already past is refused', async () => {
    const c = client(P, 9);
    await t.db.db
      .updateTable('pins')
      .set({ valid_from: new Date(Date.now() - 100 * 86_400_000) })
      .where('client_account_id', '=', BigInt(c))
      .execute();
    expect(refusal(await freeMonth(P, c, m(-1)))).toEqual(
      unprocessable('month', 'allowances.free_months.month'),
    );
    expect((await freeMonth(P, c, m(1))).status).toBe(201);
  });

  test('20 parallel requests for one client: exactly two months', async () => {
    const c = client(P, 10);
    const { granted, refusedBy } = await twentyAtOnce((i) => freeMonth(P, c, m(2 + 2 * i)));
    expect(granted).toHaveLength(2);
    expect(refusedBy).toEqual(new Set(['422 clientAccountId allowances.free_months.perClient.count']));
  });

  test('20 parallel requests for adjacent months: never two in a row', async () => {
    const c = client(P, 11);
    const { granted, refusedBy } = await twentyAtOnce((i) => freeMonth(P, c, m(2 + i)));
    const months = granted.map((a) => a.body.month as string).sort();
    expect(months.length).toBeGreaterThanOrEqual(1);
    expect(months.length).toBeLessThanOrEqual(2);
    if (months.length === 2) expect(addMonths(months[0]!, 1)).not.toBe(months[1]);
    for (const refused of refusedBy)
      expect([
        '422 clientAccountId allowances.free_months.perClient.count',
        '422 month allowances.free_months.notConsecutive',
      ]).toContain(refused);
  });
});

describe('who may grant what', () => {
  test("another partner's client, or an account nobody pinned, is the same 404 naming the field", async () => {
    const foreign = await bonusCode(P, client(OTHER, 1), 100);
    const nobodys = await bonusCode(P, 91499999, 100);
    for (const res of [foreign, nobodys, await freeMonth(P, client(OTHER, 1), addMonths(thisMonth(), 2))]) {
      expect({ status: res.status, code: res.body.code, path: res.body.errors?.[0]?.path }).toEqual({
        status: 404,
        code: 'not_found',
        path: 'clientAccountId',
      });
    }
    expect(foreign.body.errors).toEqual(nobodys.body.errors);
  });

  test('an account that is not a partner gets 404, a blocked partner 403', async () => {
    const stranger = await t.call('POST', '/api/v1/bonus-codes', {
      token: t.partnerToken(91400099),
      body: { clientAccountId: client(P, 12), amountMinor: 100 },
    });
    expect({ status: stranger.status, code: stranger.body.code }).toEqual({
      status: 404,
      code: 'partner_not_found',
    });
    const partner = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(OTHER.account) });
    const blocked = await t.call('POST', `/api/v1/admin/partners/${partner.body.id}/status`, {
      token: t.adminToken(),
      body: { status: 'blocked', reason: 'нарушение правил программы' },
    });
    expect(blocked.status).toBe(200);
    const res = await bonusCode(OTHER, client(OTHER, 1), 100);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'partner_blocked' });
  });

  test("an admin grants on a partner's behalf, from that partner's quotas, for that partner's clients only", async () => {
    const partnerU = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(U.account) });
    const path = `/api/v1/admin/partners/${partnerU.body.id}`;
    const res = await t.call('POST', `${path}/bonus-codes`, {
      token: t.adminToken(),
      body: { clientAccountId: client(U, 3), amountMinor: 30_000 },
    });
    expect(res.status).toBe(201);
    const view = await t.call('GET', '/api/v1/allowances', { token: t.partnerToken(U.account) });
    expect(view.body.bonusCodes.count).toEqual({ limit: 10, used: 3, left: 7 });
    expect(view.body.bonusCodes.codes[0].code).toBe(res.body.code);
    const audit = await t.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ action: 'bonus_code.granted', actor_kind: 'admin' });
    expect(JSON.stringify(audit.details)).not.toContain(res.body.code);
    expect(audit.details).toMatchObject({ partnerId: partnerU.body.id, clientAccountId: client(U, 3) });

    const month = await t.call('POST', `${path}/free-months`, {
      token: t.adminToken(),
      body: { clientAccountId: client(U, 3), month: addMonths(thisMonth(), 2) },
    });
    expect(month.status).toBe(201);
    const foreign = await t.call('POST', `${path}/free-months`, {
      token: t.adminToken(),
      body: { clientAccountId: client(P, 12), month: addMonths(thisMonth(), 2) },
    });
    expect({ status: foreign.status, path: foreign.body.errors?.[0]?.path }).toEqual({
      status: 404,
      path: 'clientAccountId',
    });
    const nobody = await t.call('POST', '/api/v1/admin/partners/ptn_0000000000nobody/bonus-codes', {
      token: t.adminToken(),
      body: { clientAccountId: client(U, 3), amountMinor: 100 },
    });
    expect({ status: nobody.status, code: nobody.body.code }).toEqual({ status: 404, code: 'not_found' });
    const staff = await t.call('POST', `${path}/bonus-codes`, {
      token: t.staffToken(),
      body: { clientAccountId: client(U, 3), amountMinor: 100 },
    });
    expect(staff.status).toBe(403);
  });

  test('bad input is a 400 naming each field, and grants nothing', async () => {
    const token = t.partnerToken(P.account);
    const cases: Array<[string, unknown, string[]]> = [
      ['/api/v1/bonus-codes', {}, ['clientAccountId', 'amountMinor']],
      ['/api/v1/bonus-codes', { clientAccountId: client(P, 12), amountMinor: 0 }, ['amountMinor']],
      ['/api/v1/bonus-codes', { clientAccountId: client(P, 12), amountMinor: 10.5 }, ['amountMinor']],
      ['/api/v1/bonus-codes', { clientAccountId: client(P, 12), amountMinor: '100' }, ['amountMinor']],
      ['/api/v1/bonus-codes', { clientAccountId: -1, amountMinor: 100 }, ['clientAccountId']],
      ['/api/v1/bonus-codes', { clientAccountId: client(P, 12), amountMinor: 100, code: 'X' }, ['code']],
      ['/api/v1/free-months', { clientAccountId: client(P, 12), month: '2027-13' }, ['month']],
      ['/api/v1/free-months', { clientAccountId: client(P, 12), month: '2027-1' }, ['month']],
      ['/api/v1/free-months', { clientAccountId: client(P, 12), month: '2027-01-01' }, ['month']],
      ['/api/v1/free-months', { clientAccountId: client(P, 12) }, ['month']],
    ];
    for (const [path, body, fields] of cases) {
      const res = await t.call('POST', path, { token, body });
      expect({
        path,
        body,
        status: res.status,
        fields: res.body.errors?.map((e: { path: string }) => e.path),
      }).toEqual({ path, body, status: 400, fields });
    }
    const month = await t.call('POST', '/api/v1/free-months', {
      token,
      body: { clientAccountId: client(P, 12), month: '2027-13' },
    });
    expect(month.body.errors[0].messageRu).toBe('месяц в виде ГГГГ-ММ (с 2000-01 по 2099-12)');
    const granted = await t.db.db
      .selectFrom('allowance_grants')
      .select('id')
      .where('client_account_id', '=', BigInt(client(P, 12)))
      .execute();
    expect(granted).toEqual([]);
  });
});
