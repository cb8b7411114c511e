/**
 * Referral trees (issue 15 items 4 and 6, seed 002): a new partner names its referrer at registration by the
 * referrer's promo code or link; partners read their tree one level at a time and open any level below them;
 * admins read any level and the roots, and break a link, which is audited. Nobody can set a referrer later.
 *
 * The tree: A ← B ← C (B referred by A's promo code, C by B's link), A ← D (A's code typed in lower case),
 * E ← G (E blocked before G registered), and F on its own. C's client X and B's client Z pay; what the
 * referrers earn on those payments and X's side of a two-sided reward are fixture rows
 * (`test/support/referrals.ts`).
 */
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody } from '../support/fixtures';
import { insertClientReward, insertShare } from '../support/referrals';
import { pinClient } from '../support/steps';

let t: TestApp;
const [A, B, C, D, E, F, G] = [46100001, 46100002, 46100003, 46100004, 46100005, 46100006, 46100007];
const X = 46200001;
const Z = 46200002;
const id: Record<string, string> = {};
const individual = (name: string) => ({ kind: 'individual', name, contacts: {} });

async function register(account: number, name: string, referredBy?: string) {
  return t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(account),
    body: { ...individual(name), ...(referredBy !== undefined && { referredBy }) },
  });
}

/** The partner's general link and promo code (`POST /api/v1/links`). */
async function linkOf(account: number): Promise<{ code: string; url: string; promoCode: string }> {
  const res = await t.call('POST', '/api/v1/links', { token: t.partnerToken(account), body: {} });
  expect(res.status).toBe(201);
  return res.body;
}

/** The partner pins the client and billing reports a 10 000 ₽ payment of it; returns the payment's id. */
async function pinAndPay(partner: number, client: number, externalId: string): Promise<string> {
  await pinClient(t, partner, client);
  const res = await t.call('POST', '/api/v1/payments', {
    billing: true,
    body: paymentBody(externalId, client, 1_000_000, new Date()),
  });
  expect(res.status).toBe(201);
  expect(res.body.commission).toMatchObject({ commissionMinor: 400_000 });
  return res.body.id;
}

const level = (account: number, query = '') =>
  t.call('GET', `/api/v1/referrals${query}`, { token: t.partnerToken(account) });
const adminLevel = (query = '') =>
  t.call('GET', `/api/v1/admin/referrals${query}`, { token: t.adminToken() });
const names = (list: { items: Array<{ name: string }> }) => list.items.map((p) => p.name);
const pathsOf = (res: { body: { errors?: Array<{ path: string }> } }) => res.body.errors?.map((e) => e.path);

beforeAll(async () => {
  t = await startTestApp();
  id.A = (await register(A, 'Партнёр А')).body.id;
  id.E = (await register(E, 'Партнёр Е')).body.id;
  id.F = (await register(F, 'Партнёр Ф')).body.id;
});
afterAll(() => t.close());

describe('referredBy at registration', () => {
  test("a promo code as issued records the code's partner as the referrer, and audits it", async () => {
    const { promoCode } = await linkOf(A);
    const res = await register(B, 'Партнёр Б', promoCode);
    expect(res.status).toBe(201);
    expect(res.body.referredBy).toBe(id.A);
    id.B = res.body.id;
    const audit = await t.db.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'partner.registered')
      .where('entity_id', '=', id.B!)
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ referredBy: id.A });
  });

  test('a link code, and a promo code typed in lower case with a dash, name their partners too', async () => {
    const link = await linkOf(B);
    expect(link.code).toHaveLength(22);
    const c = await register(C, 'Партнёр В', link.code);
    expect(c.status).toBe(201);
    expect(c.body.referredBy).toBe(id.B);
    id.C = c.body.id;

    const { promoCode } = await t
      .call('GET', '/api/v1/links', { token: t.partnerToken(A) })
      .then((r) => r.body);
    const typed = ` ${promoCode.slice(0, 4).toLowerCase()}-${promoCode.slice(4).toLowerCase()} `;
    const d = await register(D, 'Партнёр Г', typed);
    expect(d.status).toBe(201);
    expect(d.body.referredBy).toBe(id.A);
    id.D = d.body.id;
    // The profile carries the referrer from then on.
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(D) });
    expect(profile.body.referredBy).toBe(id.A);
  });

  test('a code that names nobody is 422 naming referredBy, and the account stays unregistered', async () => {
    for (const code of ['ZZZZ2222', 'A'.repeat(22), 'not a code at all']) {
      const res = await register(46100099, 'Партнёр Никто', code);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('unprocessable');
      expect(pathsOf(res)).toEqual(['referredBy']);
    }
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(46100099) });
    expect(profile.status).toBe(404);
  });

  test('an empty or over-long referredBy is 400 naming the field', async () => {
    for (const code of ['', '   ', 'x'.repeat(301)]) {
      const res = await register(46100098, 'Партнёр Пусто', code);
      expect(res.status).toBe(400);
      expect(pathsOf(res)).toEqual(['referredBy']);
    }
  });

  test('a blocked referrer is still recorded: the new partner is not at fault', async () => {
    const { url } = await linkOf(E);
    const blocked = await t.call('POST', `/api/v1/admin/partners/${id.E}/status`, {
      token: t.adminToken(),
      body: { status: 'blocked', reason: 'проверка правил программы' },
    });
    expect(blocked.status).toBe(200);
    // The link pasted whole works as well as its code.
    const g = await register(G, 'Партнёр Ж', url);
    expect(g.status).toBe(201);
    expect(g.body.referredBy).toBe(id.E);
    id.G = g.body.id;
  });

  test('registering again cannot set or change a referrer', async () => {
    const { promoCode } = await t
      .call('GET', '/api/v1/links', { token: t.partnerToken(E) })
      .then((r) => r.body);
    const again = await register(C, 'Партнёр В', promoCode);
    expect(again.status).toBe(409);
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(C) });
    expect(profile.body.referredBy).toBe(id.B);
  });
});

describe('the tree, one level at a time', () => {
  let paymentX: string;
  beforeAll(async () => {
    paymentX = await pinAndPay(C, X, 'ref-x-1');
    const paymentZ = await pinAndPay(B, Z, 'ref-z-1');
    // X's payment was attributed to C: B (its referrer) and A (two levels up) have shares, B's partly reversed.
    await insertShare(t, {
      paymentId: paymentX,
      partnerId: id.B!,
      depth: 1,
      minor: 20_000,
      reversedMinor: 5_000,
    });
    await insertShare(t, { paymentId: paymentX, partnerId: id.A!, depth: 2, minor: 4_000 });
    // Z's payment was attributed to B: A has the referrer's share.
    await insertShare(t, { paymentId: paymentZ, partnerId: id.A!, depth: 1, minor: 10_000 });
    // X got its own side through C's code: 400 ₽ of points, and a bonus reversed in full.
    const reward = { paymentId: paymentX, clientAccountId: X, partnerId: id.C! };
    await insertClientReward(t, {
      ...reward,
      ruleId: 'points',
      minor: 40_000,
      at: '2026-03-01T10:00:00.000Z',
    });
    await insertClientReward(t, {
      ...reward,
      ruleId: 'bonus',
      minor: 10_000,
      reversedMinor: 10_000,
      at: '2026-03-02T10:00:00.000Z',
    });
  });

  test('A sees no referrer, and B and D with their own counts and what each subtree earned A', async () => {
    const res = await level(A);
    expect(res.status).toBe(200);
    expect(res.body.partner).toEqual({ partnerId: id.A, name: 'Партнёр А' });
    expect(res.body.referrer).toBeNull();
    expect(res.body.partners).toEqual({
      items: [
        expect.objectContaining({
          partnerId: id.B,
          name: 'Партнёр Б',
          referredCount: 1,
          rewardMinor: 14_000,
        }),
        expect.objectContaining({ partnerId: id.D, name: 'Партнёр Г', referredCount: 0, rewardMinor: 0 }),
      ],
      nextCursor: null,
    });
    expect(Date.parse(res.body.partners.items[0].registeredAt)).toBeGreaterThan(Date.now() - 600_000);
    expect(res.body.clients).toEqual({ items: [], nextCursor: null });
  });

  test('B sees A as its referrer and C with B’s net share; C sees its client with both sides', async () => {
    const b = await level(B);
    expect(b.body.referrer).toEqual({ partnerId: id.A, name: 'Партнёр А' });
    expect(b.body.partners.items).toEqual([
      expect.objectContaining({ partnerId: id.C, referredCount: 0, rewardMinor: 15_000 }),
    ]);
    const c = await level(C);
    expect(c.body.referrer).toEqual({ partnerId: id.B, name: 'Партнёр Б' });
    expect(c.body.partners.items).toEqual([]);
    expect(c.body.clients.items).toEqual([
      {
        clientAccountId: X,
        firstRewardAt: '2026-03-01T10:00:00.000Z',
        clientRewardMinor: 40_000,
        myRewardMinor: 400_000,
      },
    ]);
  });

  test('A opens B, then C two levels down: the rewards shown are always A’s own', async () => {
    const ofB = await level(A, `?of=${id.B}`);
    expect(ofB.status).toBe(200);
    expect(ofB.body.partner).toEqual({ partnerId: id.B, name: 'Партнёр Б' });
    expect(ofB.body.referrer).toEqual({ partnerId: id.A, name: 'Партнёр А' });
    expect(ofB.body.partners.items).toEqual([
      expect.objectContaining({ partnerId: id.C, name: 'Партнёр В', rewardMinor: 4_000 }),
    ]);
    const ofC = await level(A, `?of=${id.C}`);
    expect(ofC.status).toBe(200);
    expect(ofC.body.referrer).toEqual({ partnerId: id.B, name: 'Партнёр Б' });
    expect(ofC.body.clients.items).toEqual([
      expect.objectContaining({ clientAccountId: X, myRewardMinor: 4_000 }),
    ]);
    // `of` naming the caller itself is its own level.
    expect((await level(A, `?of=${id.A}`)).body).toEqual((await level(A)).body);
  });

  test('a partner outside the caller’s subtree is 404, whether above, beside or unknown', async () => {
    for (const [who, of] of [
      [B, id.A],
      [B, id.D],
      [C, id.B],
      [A, id.G],
      [A, 'ptn_000000000000000000000'],
    ] as const) {
      const res = await level(who, `?of=${of}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  test('bad input is 400 naming the parameter', async () => {
    for (const [query, path] of [
      ['?of=abc', 'query.of'],
      ['?of=pin_000000000000000000000', 'query.of'],
      ['?limit=0', 'query.limit'],
      ['?limit=501', 'query.limit'],
      ['?partnersCursor=nonsense', 'query.partnersCursor'],
      ['?clientsCursor=nonsense', 'query.clientsCursor'],
      ['?depth=2', 'query.depth'],
    ] as const) {
      const res = await level(A, query);
      expect({ query, status: res.status, paths: pathsOf(res) }).toEqual({
        query,
        status: 400,
        paths: [path],
      });
    }
  });

  test('each list pages on its own cursor', async () => {
    const first = await level(A, '?limit=1');
    expect(names(first.body.partners)).toEqual(['Партнёр Б']);
    expect(first.body.partners.nextCursor).toEqual(expect.any(String));
    const second = await level(A, `?limit=1&partnersCursor=${first.body.partners.nextCursor}`);
    expect(names(second.body.partners)).toEqual(['Партнёр Г']);
    expect(second.body.partners.nextCursor).toBeNull();
  });

  test('an unregistered account has no tree, and the vendor’s staff cannot read a partner’s', async () => {
    expect((await level(46100097)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/referrals', { token: t.staffToken() })).status).toBe(403);
  });
});

describe('admin: the trees and breaking a link', () => {
  test('without `of`, the roots: partners referred by nobody who referred someone', async () => {
    const res = await adminLevel();
    expect(res.status).toBe(200);
    expect(res.body.partner).toBeNull();
    expect(res.body.partners.items).toEqual([
      expect.objectContaining({ partnerId: id.A, referredCount: 2, rewardMinor: 14_000 }),
      expect.objectContaining({ partnerId: id.E, referredCount: 1, rewardMinor: 0 }),
    ]);
  });

  test('with `of`, any partner’s level with that partner’s own rewards', async () => {
    const ofB = await adminLevel(`?of=${id.B}`);
    expect(ofB.body.referrer).toEqual({ partnerId: id.A, name: 'Партнёр А' });
    expect(ofB.body.partners.items).toEqual([
      expect.objectContaining({ partnerId: id.C, rewardMinor: 15_000 }),
    ]);
    const ofC = await adminLevel(`?of=${id.C}`);
    expect(ofC.body.clients.items).toEqual([
      expect.objectContaining({ clientAccountId: X, myRewardMinor: 400_000 }),
    ]);
    expect((await adminLevel('?of=ptn_000000000000000000000')).status).toBe(404);
    expect(pathsOf(await adminLevel('?of=B'))).toEqual(['query.of']);
  });

  test('partners cannot use the admin routes', async () => {
    expect((await t.call('GET', '/api/v1/admin/referrals', { token: t.partnerToken(A) })).status).toBe(403);
    const del = await t.call('DELETE', `/api/v1/admin/partners/${id.C}/referrer`, {
      token: t.partnerToken(B),
    });
    expect(del.status).toBe(403);
  });

  test('breaking C from B: audited with the admin and the former referrer; C is no longer under B', async () => {
    const res = await t.call('DELETE', `/api/v1/admin/partners/${id.C}/referrer`, { token: t.adminToken() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: id.C, referredBy: null });
    const audit = await t.db.db
      .selectFrom('audit_log')
      .select(['actor_kind', 'details'])
      .where('action', '=', 'partner.referrer_removed')
      .where('entity_id', '=', id.C!)
      .execute();
    expect(audit).toEqual([{ actor_kind: 'admin', details: { formerReferrerId: id.B } }]);

    expect((await level(B)).body.partners.items).toEqual([]);
    expect((await level(C)).body.referrer).toBeNull();
    expect((await level(A, `?of=${id.C}`)).status).toBe(404);
    // Past commissions stay as they were; through B, A's tree now counts only Z's payment.
    expect((await level(A)).body.partners.items[0]).toMatchObject({
      partnerId: id.B,
      referredCount: 0,
      rewardMinor: 10_000,
    });
    const kept = await t.db.db
      .selectFrom('commissions')
      .select('partner_id')
      .where(
        'payment_id',
        '=',
        (
          await t.db.db
            .selectFrom('payments')
            .select('id')
            .where('external_id', '=', 'ref-x-1')
            .executeTakeFirstOrThrow()
        ).id,
      )
      .orderBy('partner_id')
      .execute();
    expect(kept.map((k) => k.partner_id).sort()).toEqual([id.A, id.B, id.C].sort());
  });

  test('a second break is 409 (nothing to break), an unknown partner 404, a malformed id 400', async () => {
    const del = (partnerId: string) =>
      t.call('DELETE', `/api/v1/admin/partners/${partnerId}/referrer`, { token: t.adminToken() });
    const again = await del(id.C!);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    expect((await del(id.F!)).status).toBe(409);
    expect((await del('ptn_000000000000000000000')).status).toBe(404);
    expect(pathsOf(await del('nobody'))).toEqual(['params.id']);
  });

  test('there is no endpoint to set a referrer: an admin can only break the link', async () => {
    for (const method of ['PUT', 'POST', 'PATCH']) {
      const res = await t.call(method, `/api/v1/admin/partners/${id.C}/referrer`, {
        token: t.adminToken(),
        body: { referredBy: id.A },
      });
      expect(res.status).toBe(404);
    }
    const profile = await t.call('GET', '/api/v1/partner', { token: t.partnerToken(C) });
    expect(profile.body.referredBy).toBeNull();
    const openapi = await fetch(`${t.url}/api/v1/openapi.json`).then((r) => r.json());
    expect(Object.keys(openapi.paths['/api/v1/admin/partners/{id}/referrer'])).toEqual(['delete']);
    expect(openapi.paths['/api/v1/admin/partners/{id}/referrer'].delete.description).toContain(
      'Past commissions are not rewritten',
    );
  });
});
