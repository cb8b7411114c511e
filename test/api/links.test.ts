import { sql } from 'kysely';
import { winningClick } from '../../server/src/links/link.repository';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, soleProprietor } from '../support/fixtures';
import { registerPartner, signContract } from '../support/steps';

/** Partner links and clicks over real HTTP, on the cloudlessons program (seed 000). */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ programPreset: 'cloudlessons' });
});
afterAll(() => t.close());

const A = 93000001;
const B = 93000002;
const ids: Record<string, string> = {};

async function register(accountId: number, name: string): Promise<string> {
  const id = await registerPartner(t, accountId, soleProprietor(name, `${accountId}@partner.ru`));
  await signContract(t, id, `Л-${accountId}`);
  return id;
}

beforeAll(async () => {
  ids.A = await register(A, 'ИП Ссылочный А');
  ids.B = await register(B, 'ИП Ссылочный Б');
});

const makeLink = (accountId: number, body: unknown = {}) =>
  t.call('POST', '/api/v1/links', { token: t.partnerToken(accountId), body });

/** A visit through a link as a browser makes it: no redirect following, the cookie sent back if we have one. */
async function visit(code: string, cookie?: string) {
  const res = await fetch(`${t.url}/r/${code}`, {
    redirect: 'manual',
    headers: cookie ? { Cookie: cookie } : {},
  });
  return {
    status: res.status,
    location: res.headers.get('location'),
    setCookie: res.headers.get('set-cookie'),
    contentType: res.headers.get('content-type'),
    cacheControl: res.headers.get('cache-control'),
    text: await res.text(),
  };
}
const cookieOf = (setCookie: string | null) => setCookie!.split(';')[0]!;
const visitorOf = (setCookie: string | null) => cookieOf(setCookie).split('=')[1]!;

const clicksOf = (visitorId: string) =>
  t.db.db.selectFrom('link_clicks').selectAll().where('visitor_id', '=', visitorId).orderBy('id').execute();

describe('POST /api/v1/links', () => {
  test('creates one unguessable, URL-safe code per partner and product, and returns it again', async () => {
    const first = await makeLink(A, { productCode: 'cl-course' });
    expect(first.status).toBe(201);
    expect(first.body.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.body).toMatchObject({
      url: `http://localhost/r/${first.body.code}`,
      productCode: 'cl-course',
    });
    const again = await makeLink(A, { productCode: 'cl-course' });
    expect(again.status).toBe(200);
    expect(again.body.code).toBe(first.body.code);

    const general = await makeLink(A);
    expect(general.status).toBe(201);
    expect(general.body.productCode).toBeNull();
    expect((await makeLink(A, {})).body.code).toBe(general.body.code);
    const other = await makeLink(A, { productCode: 'cl-webinar' });
    const ofB = await makeLink(B, { productCode: 'cl-course' });
    const codes = [first.body.code, general.body.code, other.body.code, ofB.body.code];
    expect(new Set(codes).size).toBe(4);
  });

  test('concurrent first requests for the same product converge on one link', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => makeLink(B, { productCode: 'cl-race' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.code)).size).toBe(1);
    const rows = await t.db.db
      .selectFrom('partner_links')
      .select('code')
      .where('partner_id', '=', ids.B!)
      .where('product_code', '=', 'cl-race')
      .execute();
    expect(rows).toHaveLength(1);
  });

  test('bad input → 400 naming the field', async () => {
    for (const [body, path] of [
      [{ productCode: 'Not A Code!' }, 'productCode'],
      [{ productCode: 42 }, 'productCode'],
      [{ productCode: '' }, 'productCode'],
      [{ productCode: 'x'.repeat(65) }, 'productCode'],
      [{ partnerId: ids.A }, 'partnerId'],
    ] as const) {
      const res = await makeLink(A, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect([...new Set(res.body.errors.map((e: { path: string }) => e.path))]).toEqual([path]);
    }
  });

  test('an unregistered account must register first; the vendor is refused', async () => {
    const res = await makeLink(93000099, {});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('registration_required');
    const vendor = await t.call('POST', '/api/v1/links', { token: t.adminToken(), body: {} });
    expect(vendor.status).toBe(403);
    expect((await t.call('POST', '/api/v1/links', { body: {} })).status).toBe(401);
  });
});

describe('GET /r/:code', () => {
  test('redirects to the landing with a new visitor cookie and records the click', async () => {
    const link = (await makeLink(A, { productCode: 'cl-course' })).body;
    const before = Date.now();
    const res = await visit(link.code);
    expect(res.status).toBe(302);
    expect(res.cacheControl).toBe('no-store');
    const visitorId = visitorOf(res.setCookie);
    expect(visitorId).toMatch(/^vis_[A-Za-z0-9_-]{22}$/);
    expect(res.setCookie).toBe(`amop_visitor=${visitorId}; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax`);
    // The landing (another domain) cannot read our cookie, so it gets the id in the URL.
    expect(res.location).toBe(`https://cloudlessons.ru/?amop_visitor=${visitorId}`);
    const clicks = await clicksOf(visitorId);
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({ link_code: link.code, partner_id: ids.A, visitor_id: visitorId });
    expect(clicks[0]!.clicked_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(clicks[0]!.clicked_at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test('an existing valid cookie is kept across clicks of different partners', async () => {
    const linkA = (await makeLink(A)).body;
    const linkB = (await makeLink(B)).body;
    const first = await visit(linkA.code);
    const cookie = cookieOf(first.setCookie);
    const visitorId = visitorOf(first.setCookie);
    const second = await visit(linkB.code, `other=1; ${cookie}`);
    expect(second.status).toBe(302);
    expect(visitorOf(second.setCookie)).toBe(visitorId);
    expect(second.location).toContain(`amop_visitor=${visitorId}`);
    const clicks = await clicksOf(visitorId);
    expect(clicks.map((c) => c.partner_id)).toEqual([ids.A, ids.B]);
  });

  test('a cookie we could not have issued is replaced by a fresh visitor id', async () => {
    const link = (await makeLink(A)).body;
    for (const forged of ['amop_visitor=vis_short', 'amop_visitor=../../etc', 'amop_visitor=']) {
      const res = await visit(link.code, forged);
      expect(res.status).toBe(302);
      expect(visitorOf(res.setCookie)).toMatch(/^vis_[A-Za-z0-9_-]{22}$/);
    }
  });

  test('unknown or malformed codes → a 404 HTML page, nothing recorded', async () => {
    const before = await t.db.db
      .selectFrom('link_clicks')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    for (const code of [
      'AAAAAAAAAAAAAAAAAAAAAA',
      'abc',
      '%00',
      encodeURIComponent('<script>'),
      'x'.repeat(3000),
    ]) {
      const res = await visit(code);
      expect(res.status).toBe(404);
      expect(res.contentType).toContain('text/html');
      expect(res.text).toContain('Ссылка не найдена');
      expect(res.setCookie).toBeNull();
    }
    const after = await t.db.db
      .selectFrom('link_clicks')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test("a blocked partner's link still takes the visitor to the landing but records no click", async () => {
    const C = 93000003;
    const partnerId = await register(C, 'ИП Нарушитель');
    const link = (await makeLink(C)).body;
    const blocked = await t.call('POST', `/api/v1/admin/partners/${partnerId}/status`, {
      token: t.adminToken(),
      body: { status: 'blocked', reason: 'Спам ссылками' },
    });
    expect(blocked.status).toBe(200);
    const res = await visit(link.code);
    expect(res.status).toBe(302);
    expect(await clicksOf(visitorOf(res.setCookie))).toEqual([]);
    expect((await makeLink(C, { productCode: 'cl-new' })).body.code).toBe('partner_blocked');
  });

  test('visits that arrive together share a batch, and each is still decided on its own', async () => {
    const D = 93000004;
    const partnerId = await register(D, 'ИП Заблокированный');
    const blockedLink = (await makeLink(D)).body.code as string;
    await t.call('POST', `/api/v1/admin/partners/${partnerId}/status`, {
      token: t.adminToken(),
      body: { status: 'blocked', reason: 'Спам ссылками' },
    });
    const good = (await makeLink(A, { productCode: 'cl-batch' })).body.code as string;
    const codes = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? good : i % 3 === 1 ? blockedLink : `${good.slice(0, -2)}zz`,
    );
    const results = await Promise.all(codes.map((code) => visit(code)));
    expect(results.map((res) => res.status)).toEqual(codes.map((_, i) => (i % 3 === 2 ? 404 : 302)));
    const visitors = results.map((res) => (res.setCookie ? visitorOf(res.setCookie) : null));
    for (const [i, visitorId] of visitors.entries()) {
      if (visitorId === null) continue;
      const clicks = await clicksOf(visitorId);
      expect(clicks.map((c) => c.link_code)).toEqual(i % 3 === 0 ? [good] : []);
    }
  });
});

describe('GET /api/v1/links', () => {
  test("lists the partner's own links with click and visitor counts", async () => {
    const link = (await makeLink(B, { productCode: 'cl-counted' })).body;
    const first = await visit(link.code);
    await visit(link.code, cookieOf(first.setCookie));
    await visit(link.code);
    const res = await t.call('GET', '/api/v1/links', { token: t.partnerToken(B) });
    expect(res.status).toBe(200);
    const item = res.body.items.find((i: { code: string }) => i.code === link.code);
    expect(item).toMatchObject({
      url: link.url,
      productCode: 'cl-counted',
      clicks: 3,
      visitors: 2,
    });
    const ofA = (await t.call('GET', '/api/v1/links', { token: t.partnerToken(A) })).body.items;
    expect(ofA.map((i: { code: string }) => i.code)).not.toContain(link.code);
    expect(
      res.body.items.every((i: { code: string }) => !ofA.some((a: { code: string }) => a.code === i.code)),
    ).toBe(true);
  });
});

const msk = (s: string) => new Date(`${s}+03:00`);

/** Two real clicks of one visitor, A's then B's, back-dated to the example's times. */
async function visitorWithClicks(times: { a: string; b?: string }): Promise<string> {
  const linkA = (await makeLink(A, { productCode: 'cl-course' })).body;
  const linkB = (await makeLink(B, { productCode: 'cl-course' })).body;
  const first = await visit(linkA.code);
  const visitorId = visitorOf(first.setCookie);
  await sql`UPDATE link_clicks SET clicked_at = ${msk(times.a)} WHERE visitor_id = ${visitorId}`.execute(
    t.db.db,
  );
  if (times.b) {
    await visit(linkB.code, cookieOf(first.setCookie));
    await sql`UPDATE link_clicks SET clicked_at = ${msk(times.b)}
      WHERE visitor_id = ${visitorId} AND partner_id = ${ids.B}`.execute(t.db.db);
  }
  return visitorId;
}

describe('attribution by the winning click (seed 000 worked example)', () => {
  async function programWindow() {
    const res = await t.call('GET', '/api/v1/admin/program', { token: t.adminToken() });
    const attribution = res.body.inForce.document.attribution;
    expect(attribution).toMatchObject({ via: 'link', windowDays: 7, lastClickWins: true });
    return { windowDays: attribution.windowDays, lastClickWins: attribution.lastClickWins };
  }

  test('A clicks on 1 March 10:00, B on 3 March; the first order on 6 March → B earns 3 000 ₽', async () => {
    const visitorId = await visitorWithClicks({ a: '2026-03-01T10:00:00', b: '2026-03-03T12:00:00' });
    const rule = await programWindow();
    const paidAt = msk('2026-03-06T12:00:00');
    const won = await winningClick(t.db.db, { visitorId, paidAt, ...rule });
    expect(won).toMatchObject({ partnerId: ids.B, visitorId });
    // The first click would win under a first-click program.
    expect(
      (await winningClick(t.db.db, { visitorId, paidAt, ...rule, lastClickWins: false }))?.partnerId,
    ).toBe(ids.A);
    // What the winner earns on the 10 000 ₽ first order of a 30 % product, under the program in force.
    const preview = await t.call('POST', '/api/v1/admin/program/preview', {
      token: t.adminToken(),
      body: {
        clientAccountId: 93500001,
        grossMinor: 1_000_000,
        channel: 'vendor_direct',
        paidAt: paidAt.toISOString(),
        productCode: 'cl-course',
        partnerId: won!.partnerId,
      },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      partnerId: ids.B,
      lines: [{ partnerId: ids.B, rateBps: 3000, amountMinor: 300_000, payable: true }],
    });
  });

  test('a click on 1 March 10:00 and an order on 8 March 10:01 → nobody; at 10:00 exactly → the click', async () => {
    const visitorId = await visitorWithClicks({ a: '2026-03-01T10:00:00' });
    const rule = await programWindow();
    expect(
      await winningClick(t.db.db, { visitorId, paidAt: msk('2026-03-08T10:01:00'), ...rule }),
    ).toBeNull();
    expect(
      (await winningClick(t.db.db, { visitorId, paidAt: msk('2026-03-08T10:00:00'), ...rule }))?.partnerId,
    ).toBe(ids.A);
    // A click after the payment never counts for it.
    expect(
      await winningClick(t.db.db, { visitorId, paidAt: msk('2026-03-01T09:59:00'), ...rule }),
    ).toBeNull();
  });

  test('another visitor’s clicks never attribute this one', async () => {
    await visitorWithClicks({ a: '2026-03-01T10:00:00', b: '2026-03-03T12:00:00' });
    const rule = await programWindow();
    expect(
      await winningClick(t.db.db, {
        visitorId: 'vis_AAAAAAAAAAAAAAAAAAAAAA',
        paidAt: msk('2026-03-06T12:00:00'),
        ...rule,
      }),
    ).toBeNull();
  });
});

describe('billing reports a payment with the visitor id (seed 000 through POST /api/v1/payments)', () => {
  let seq = 0;

  function pay(clientAccountId: number, paidAt: string, extra: Record<string, unknown> = {}) {
    seq += 1;
    const body = paymentBody(`cl-${seq}`, clientAccountId, 1_000_000, msk(paidAt), {
      productCode: 'cl-course',
      ...extra,
    });
    return t.call('POST', '/api/v1/payments', { billing: true, body });
  }

  const noReward = async (paymentId: string) =>
    (
      await sql<{ partner: string | null; reason: string | null }>`
        SELECT no_reward_partner_id AS partner, no_reward_reason AS reason FROM payments WHERE id = ${paymentId}`.execute(
        t.db.db,
      )
    ).rows[0];

  test('the last click wins the first order (B earns 3 000 ₽); the next order earns nothing, with the reason', async () => {
    const visitorId = await visitorWithClicks({ a: '2026-03-01T10:00:00', b: '2026-03-03T12:00:00' });
    const first = await pay(93600001, '2026-03-06T12:00:00', { referral: { visitorId } });
    expect(first.status).toBe(201);
    expect(first.body.commission).toEqual({
      partnerId: ids.B,
      rateBps: 3000,
      commissionMinor: 300_000,
      payable: true,
      reason: null,
    });
    const rows = (await t.call('GET', '/api/v1/commissions', { token: t.partnerToken(B) })).body.items;
    expect(rows.find((c: { paymentId: string }) => c.paymentId === first.body.id)).toMatchObject({
      programVersion: 1,
      // The level is part of the calculation: B's first attributed order is at the start level.
      calculation: '10\u00a0000,00\u00a0₽ × 30\u00a0% ×1 (уровень «Старт») = 3\u00a0000,00\u00a0₽',
    });
    const again = await pay(93600001, '2026-03-07T12:00:00', { referral: { visitorId } });
    expect(again.body.commission).toBeNull();
    expect(await noReward(again.body.id)).toEqual({ partner: ids.B, reason: 'not_first_order' });
  });

  test('a click on 1 March 10:00 and an order on 8 March 10:01 → nobody earns, nothing is recorded', async () => {
    const visitorId = await visitorWithClicks({ a: '2026-03-01T10:00:00' });
    const late = await pay(93600002, '2026-03-08T10:01:00', { referral: { visitorId } });
    expect(late.status).toBe(201);
    expect(late.body.commission).toBeNull();
    expect(await noReward(late.body.id)).toEqual({ partner: null, reason: null });
  });

  test("a payer with the partner's own e-mail is a self-purchase: no reward, and admins see it in the fraud queue", async () => {
    const visitorId = await visitorWithClicks({ a: '2026-03-01T10:00:00', b: '2026-03-03T12:00:00' });
    const own = await pay(93600003, '2026-03-06T12:00:00', {
      referral: { visitorId },
      payer: { email: ` ${B}@Partner.ru ` },
    });
    expect(own.body.commission).toBeNull();
    expect(await noReward(own.body.id)).toEqual({ partner: ids.B, reason: 'self_purchase' });
    const queue = await t.call('GET', '/api/v1/admin/fraud-queue', { token: t.adminToken() });
    expect(queue.status).toBe(200);
    expect(queue.body.items).toContainEqual({
      paymentId: own.body.id,
      externalPaymentId: `cl-${seq}`,
      partnerId: ids.B,
      clientAccountId: 93600003,
      grossMinor: 1_000_000,
      currency: 'RUB',
      paidAt: msk('2026-03-06T12:00:00').toISOString(),
    });
    expect((await t.call('GET', '/api/v1/admin/fraud-queue', { token: t.partnerToken(B) })).status).toBe(403);
  });

  test('a malformed visitor id is a 400 naming the field, and nothing is recorded', async () => {
    const res = await pay(93600004, '2026-03-06T12:00:00', { referral: { visitorId: 'not-a-visitor' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('referral.visitorId');
    const { rows } = await sql`SELECT 1 FROM payments WHERE client_account_id = 93600004`.execute(t.db.db);
    expect(rows).toHaveLength(0);
  });
});

describe('when the program in force does not attribute by link', () => {
  test('a link answers 404 and records nothing; links come back with the program', async () => {
    const link = (await makeLink(A)).body;
    const saved = await t.call('PUT', '/api/v1/admin/program', {
      token: t.adminToken(),
      body: { preset: 'leadsender' },
    });
    expect(saved.status).toBe(201);
    const res = await visit(link.code);
    expect(res.status).toBe(404);
    expect(res.contentType).toContain('text/html');
    expect(res.setCookie).toBeNull();
    const count = await t.db.db
      .selectFrom('link_clicks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('link_code', '=', link.code)
      .executeTakeFirstOrThrow();
    const before = count.n;
    await t.call('PUT', '/api/v1/admin/program', { token: t.adminToken(), body: { preset: 'cloudlessons' } });
    expect((await visit(link.code)).status).toBe(302);
    const after = await t.db.db
      .selectFrom('link_clicks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('link_code', '=', link.code)
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before + 1);
  });
});

describe('PUBLIC_URL on https', () => {
  test('the visitor cookie is Secure', async () => {
    const https = await startTestApp({
      programPreset: 'cloudlessons',
      publicUrl: 'https://partners.example.test',
    });
    try {
      const reg = await https.call('POST', '/api/v1/partner', {
        token: https.partnerToken(A),
        body: { kind: 'individual', name: 'Физлицо', contacts: {} },
      });
      expect(reg.status).toBe(201);
      const link = await https.call('POST', '/api/v1/links', { token: https.partnerToken(A), body: {} });
      expect(link.body.url).toBe(`https://partners.example.test/r/${link.body.code}`);
      const res = await fetch(`${https.url}/r/${link.body.code}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    } finally {
      await https.close();
    }
  });
});
