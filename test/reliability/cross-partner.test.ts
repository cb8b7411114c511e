import { sql } from 'kysely';
import { allRoutes } from '../../server/src/http/routes';
import { startTestApp, type TestApp } from '../support/app';
import { TEST_BANK } from '../support/fixtures';

/**
 * Every partner-facing route, called with a second partner's token against the first partner's data:
 * nothing of A's is ever shown to B or changed by B. The route list is the app's own, so a new partner
 * route fails this test until it is covered here.
 */
let t: TestApp;
const A = 78000001;
const B = 78000002;
const a: Record<string, string> = {};
const b: Record<string, string> = {};

/** The partner pins the client; returns the pin's id. */
async function pinClient(partner: number, clientAccountId: number): Promise<string> {
  const res = await t.call('POST', '/api/v1/pins', {
    token: t.partnerToken(partner),
    body: { clientAccountId },
  });
  return res.body.id;
}

/** The vendor's staff route a question about the client; returns the question's id. */
async function askAboutClient(clientAccountId: number, text: string): Promise<string> {
  const path = `/api/v1/staff/clients/${clientAccountId}/questions`;
  const res = await t.call('POST', path, { token: t.staffToken(), body: { text } });
  return res.body.id;
}

beforeAll(async () => {
  t = await startTestApp();
  const regA = await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(A),
    body: {
      kind: 'sole_proprietor',
      name: 'Партнёр А',
      inn: '500100732259',
      ogrn: '304500116000157',
      bank: TEST_BANK,
      contacts: { email: 'a@example.ru' },
    },
  });
  a.partner = regA.body.id;
  await t.call('POST', `/api/v1/admin/partners/${regA.body.id}/contract`, {
    token: t.adminToken(),
    body: { contractNumber: 'A-1', signedAt: '2026-01-01T00:00:00Z' },
  });
  await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(B),
    body: { kind: 'individual', name: 'Партнёр Б', contacts: {} },
  });
  // B has data of its own, so a list probe can tell "B's items only" from an empty or failed answer.
  b.pin = await pinClient(B, 78100003);
  b.question = await askAboutClient(78100003, 'Вопрос клиента Б');
  b.dispute = (
    await t.call('POST', '/api/v1/disputes', {
      token: t.partnerToken(B),
      body: {
        kind: 'missing_commission',
        paymentExternalId: 'x-b-9',
        text: 'Не вижу комиссию за своего клиента',
      },
    })
  ).body.id;
  a.pin = await pinClient(A, 78100001);
  await t.call('POST', '/api/v1/known-accounts', { billing: true, body: { accountIds: [78100002] } });
  a.waitingPin = await pinClient(A, 78100002);
  a.code = (
    await t.call('POST', `/api/v1/pins/${a.waitingPin}/confirmation-link`, {
      token: t.partnerToken(A),
      body: {},
    })
  ).body.code;
  a.question = await askAboutClient(78100001, 'Вопрос клиента А');
  await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: {
      externalId: 'x-a-1',
      clientAccountId: 78100001,
      grossMinor: 1_000_000,
      currency: 'RUB',
      channel: 'vendor_direct',
      paidAt: new Date().toISOString(),
    },
  });
  a.invoice = (
    await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(A),
      body: { clientAccountId: 78100001, productCode: 'amo-widget-pro' },
    })
  ).body.invoice.id;
  a.link = (
    await t.call('POST', '/api/v1/links', {
      token: t.partnerToken(A),
      body: { productCode: 'amo-widget-pro' },
    })
  ).body.code;
  a.dispute = (
    await t.call('POST', '/api/v1/disputes', {
      token: t.partnerToken(A),
      body: { kind: 'missing_commission', paymentExternalId: 'x-a-9', text: 'Не вижу комиссию за клиента' },
    })
  ).body.id;
});
afterAll(() => t.close());

const asB = (method: string, path: string, body?: unknown) =>
  t.call(method, path, { token: t.partnerToken(B), body });
const month = new Date().toISOString().slice(0, 7);

/**
 * The answer must be the expected status, so a route that throws (500) or refuses everyone fails its probe:
 * absence of A's data in an error page proves nothing (issue 17, item 7).
 */
async function expectStatus(res: Awaited<ReturnType<typeof asB>>, status: number) {
  expect({ status: res.status, body: res.status === status ? 'as expected' : res.body }).toEqual({
    status,
    body: 'as expected',
  });
  return res;
}
const ok = async (method: string, path: string, body?: unknown) =>
  (await expectStatus(await asB(method, path, body), 200)).body;
const notFound = async (method: string, path: string, body?: unknown) => {
  const res = await expectStatus(await asB(method, path, body), 404);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
};
const ids = (items: { id: string }[]) => items.map((i) => i.id);

/** For each partner route: how B tries to reach A's data, and what must hold. */
const probes: Record<string, () => Promise<void>> = {
  'GET /api/v1/partner': async () => expect((await ok('GET', '/api/v1/partner')).name).toBe('Партнёр Б'),
  'POST /api/v1/partner': async () => {
    const res = await asB('POST', '/api/v1/partner', { kind: 'individual', name: 'Захват', contacts: {} });
    await expectStatus(res, 409);
  },
  'POST /api/v1/pins': async () => {
    const res = await expectStatus(await asB('POST', '/api/v1/pins', { clientAccountId: 78100001 }), 201);
    expect(res.body).toMatchObject({ status: 'rejected', reason: 'already_pinned' });
  },
  'GET /api/v1/pins': async () => {
    const body = await ok('GET', '/api/v1/pins');
    // B's own pins: the one it holds and the rejected attempt on A's client; never A's.
    expect(ids(body.items)).toContain(b.pin);
    expect(ids(body.items)).not.toContain(a.pin);
    expect(ids(body.items)).not.toContain(a.waitingPin);
  },
  'GET /api/v1/pins/:id': async () => {
    await notFound('GET', `/api/v1/pins/${a.pin}`);
    expect((await ok('GET', `/api/v1/pins/${b.pin}`)).id).toBe(b.pin);
  },
  'POST /api/v1/pins/:id/confirmation-link': async () =>
    notFound('POST', `/api/v1/pins/${a.waitingPin}/confirmation-link`, {}),
  'GET /api/v1/client-requests/:code': async () => {
    // Reading a link is allowed to whoever holds the code (the client it was sent to); it reveals only the partner's name.
    const body = await ok('GET', `/api/v1/client-requests/${a.code}`);
    expect(JSON.stringify(body)).not.toContain('a@example.ru');
  },
  'POST /api/v1/client-requests/:code/confirm': async () => {
    const res = await asB('POST', `/api/v1/client-requests/${a.code}/confirm`, {});
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'not_client_account' });
  },
  'GET /api/v1/questions': async () =>
    expect(ids((await ok('GET', '/api/v1/questions')).items)).toEqual([b.question]),
  'POST /api/v1/questions/:id/answered': async () =>
    notFound('POST', `/api/v1/questions/${a.question}/answered`, {}),
  'POST /api/v1/disputes': async () =>
    notFound('POST', '/api/v1/disputes', {
      kind: 'rejected_pin',
      pinId: a.pin,
      text: 'Пытаюсь оспорить чужой пин',
    }),
  'GET /api/v1/disputes': async () =>
    expect(ids((await ok('GET', '/api/v1/disputes')).items)).toEqual([b.dispute]),
  'GET /api/v1/commissions': async () => expect((await ok('GET', '/api/v1/commissions')).items).toEqual([]),
  'GET /api/v1/commissions/monthly': async () =>
    expect((await ok('GET', '/api/v1/commissions/monthly')).items).toEqual([]),
  'GET /api/v1/balance': async () => expect((await ok('GET', '/api/v1/balance')).earnedMinor).toBe(0),
  'POST /api/v1/net-invoices': async () => {
    const res = await asB('POST', '/api/v1/net-invoices', {
      clientAccountId: 78100001,
      productCode: 'amo-widget-pro',
    });
    await expectStatus(res, 422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  },
  'GET /api/v1/net-invoices/payment-options': async () => {
    await ok('GET', '/api/v1/net-invoices/payment-options');
  },
  'GET /api/v1/invoices': async () => expect((await ok('GET', '/api/v1/invoices')).items).toEqual([]),
  'GET /api/v1/invoices/:id/pdf': async () => notFound('GET', `/api/v1/invoices/${a.invoice}/pdf`),
  'GET /api/v1/certificate': async () => {
    const res = await expectStatus(await asB('GET', '/api/v1/certificate'), 200);
    expect(res.headers.get('content-type')).toContain('application/pdf');
    const certs = await t.db.db
      .selectFrom('certificates')
      .innerJoin('partners', 'partners.id', 'certificates.partner_id')
      .select('partners.account_id')
      .execute();
    expect(certs.map((c) => Number(c.account_id))).toEqual([B]);
  },
  'GET /api/v1/statements/:month': async () => {
    const res = await expectStatus(await asB('GET', `/api/v1/statements/${month}?format=csv`), 200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.text).not.toContain('78100001');
  },
  'GET /api/v1/whoami': async () => expect((await ok('GET', '/api/v1/whoami')).accountId).toBe(B),
  'POST /api/v1/links': async () => {
    // The same product gives B its own link, never A's code; A's link stays A's.
    const res = await asB('POST', '/api/v1/links', { productCode: 'amo-widget-pro' });
    expect(res.status).toBe(201);
    expect(res.body.code).not.toBe(a.link);
    const owner = await t.db.db
      .selectFrom('partner_links')
      .innerJoin('partners', 'partners.id', 'partner_links.partner_id')
      .select('partners.account_id')
      .where('code', '=', a.link!)
      .executeTakeFirstOrThrow();
    expect(Number(owner.account_id)).toBe(A);
  },
  'GET /api/v1/links': async () => {
    const res = await asB('GET', '/api/v1/links');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(a.link);
  },
  'GET /api/v1/program': async () => {
    // The terms are the program's, the level B's own: nothing of A's appears.
    const res = await asB('GET', '/api/v1/program');
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('leadsender');
    expect(res.text).not.toContain(String(A));
  },
  'GET /api/v1/referrals': async () => {
    // B's own level shows nothing of A's, and A's level is not B's to open: 404, as for an id that does not exist.
    const own = await expectStatus(await asB('GET', '/api/v1/referrals'), 200);
    expect(own.text).not.toContain(a.partner);
    expect(own.text).not.toContain('Партнёр А');
    await notFound('GET', `/api/v1/referrals?of=${a.partner}`);
  },
  'GET /api/v1/orders': async () => expect((await ok('GET', '/api/v1/orders')).items).toEqual([]),
  'GET /api/v1/orders/summary': async () =>
    expect(await ok('GET', '/api/v1/orders/summary')).toMatchObject({ orders: 0, rewardMinor: 0 }),
  // A's client is not B's to give anything: the same 404 as an account nobody pinned, and nothing granted.
  'POST /api/v1/bonus-codes': async () => {
    await notFound('POST', '/api/v1/bonus-codes', { clientAccountId: 78100001, amountMinor: 100_000 });
    expect(await t.db.db.selectFrom('allowance_grants').select('id').execute()).toEqual([]);
  },
  'POST /api/v1/free-months': async () => {
    await notFound('POST', '/api/v1/free-months', { clientAccountId: 78100001, month: '2030-01' });
    expect(await t.db.db.selectFrom('allowance_grants').select('id').execute()).toEqual([]);
  },
  // A's client: B's choice for it is refused (the default program has no models) and nothing is recorded.
  'PUT /api/v1/clients/:accountId/reward-choice': async () => {
    const res = await asB('PUT', '/api/v1/clients/78100001/reward-choice', { choice: 'monthly' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await t.db.db.selectFrom('partner_reward_choices').select('partner_id').execute()).toEqual([]);
  },
  // A settlement of A's (a fixture row, as a settlement run would write it) is not in B's list.
  'GET /api/v1/settlements': async () => {
    await t.db.db
      .insertInto('partner_settlements')
      .values({
        id: 'stl_crosspartner0001',
        partner_id: a.partner!,
        settlement_id: 'kvm',
        kind: 'rebate',
        period_from: '2026-01-01',
        period_to: '2026-06-30',
        measure_minor: 1_000_000n,
        previous_minor: null,
        amount_minor: 100_000n,
        form: 'payout',
        payable: true,
        reason: null,
        calculation: 'Рибейт партнёра А',
        program_version: 1,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const res = await asB('GET', '/api/v1/settlements');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(res.text).not.toContain('stl_crosspartner0001');
  },
  'GET /api/v1/allowances': async () => {
    const res = await asB('GET', '/api/v1/allowances');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('78100001');
  },
};

describe("a partner never reads or changes another partner's data", () => {
  const partnerRoutes = allRoutes
    .filter((r) => r.auth === 'account' || r.auth === 'widget')
    .map((r) => `${r.method.toUpperCase()} ${r.path}`);

  it('has a probe for every partner route', () => {
    expect(partnerRoutes.filter((r) => !(r in probes))).toEqual([]);
  });

  it.each(partnerRoutes)('%s', async (route) => {
    const before = await sql<{
      n: string;
    }>`SELECT md5(string_agg(id || status, ',' ORDER BY id)) AS n FROM pins WHERE partner_id IN (SELECT id FROM partners WHERE account_id = ${A})`.execute(
      t.db.db,
    );
    await probes[route]!();
    const after = await sql<{
      n: string;
    }>`SELECT md5(string_agg(id || status, ',' ORDER BY id)) AS n FROM pins WHERE partner_id IN (SELECT id FROM partners WHERE account_id = ${A})`.execute(
      t.db.db,
    );
    expect(after.rows).toEqual(before.rows);
  });

  it("leaves A's question unanswered and A's dispute open", async () => {
    const q = await t.db.db
      .selectFrom('questions')
      .select('answered_at')
      .where('id', '=', a.question!)
      .executeTakeFirstOrThrow();
    expect(q.answered_at).toBeNull();
    const d = await t.db.db
      .selectFrom('disputes')
      .select('status')
      .where('id', '=', a.dispute!)
      .executeTakeFirstOrThrow();
    expect(d.status).toBe('open');
  });

  it('refuses tokens of another integration, forged or expired, on every partner route', async () => {
    const forged = t.tokenFor({ accountId: A }).split('.');
    forged[1] = Buffer.from(JSON.stringify({ account_id: B })).toString('base64url');
    for (const route of partnerRoutes) {
      const [method, path] = route.split(' ') as [string, string];
      const concrete = path.replace(':id', a.pin!).replace(':code', a.code!).replace(':month', month);
      const res = await t.call(method, concrete, {
        token: forged.join('.'),
        body: method === 'GET' ? undefined : {},
      });
      expect(res.status).toBe(401);
    }
  });
});
