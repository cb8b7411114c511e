/**
 * The partner's per-order statistics (seed 000 item 6, issue 13): `GET /api/v1/orders` lists its attributed
 * payments with the reward and its calculation, or why nothing was earned; `GET /api/v1/orders/summary`
 * counts clicks, visitors and orders. Real clicks through `GET /r/:code`, real payments from billing.
 */
import { extractPdf } from '../../server/src/documents/pdf-text.testing';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, refundBody, soleProprietor } from '../support/fixtures';

const NBSP = '\u00a0';
const A = 94100001;
const B = 94100002;
const CLIENT = 94600001;
const OWN_CLIENT = 94600002;
const STRAY_CLIENT = 94600003;

let seq = 0;
function pay(app: TestApp, clientAccountId: number, extra: Record<string, unknown> = {}) {
  seq += 1;
  const body = paymentBody(`ord-${seq}`, clientAccountId, 1_000_000, new Date(), {
    productCode: 'cl-course',
    ...extra,
  });
  return app.call('POST', '/api/v1/payments', { billing: true, body });
}

async function register(app: TestApp, accountId: number, name: string): Promise<string> {
  const res = await app.call('POST', '/api/v1/partner', {
    token: app.partnerToken(accountId),
    body: soleProprietor(name, `${accountId}@partner.ru`),
  });
  expect(res.status).toBe(201);
  const contract = await app.call('POST', `/api/v1/admin/partners/${res.body.id}/contract`, {
    token: app.adminToken(),
    body: { contractNumber: `С-${accountId}`, signedAt: '2026-01-01T00:00:00+03:00' },
  });
  expect(contract.status).toBe(200);
  return res.body.id;
}

/** A browser's visit through the link: the visitor id from the cookie the server set. */
async function visitorThrough(app: TestApp, code: string): Promise<string> {
  const res = await fetch(`${app.url}/r/${code}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return res.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
}

interface Order {
  paymentId: string;
  orderId: string;
  paidAt: string;
  clientAccountId: number;
  productCode: string | null;
  grossMinor: number;
  refundedMinor: number;
  reward: {
    amountMinor: number;
    reversedMinor: number;
    rateBps: number;
    levelCode: string | null;
    calculation: string | null;
    programVersion: number | null;
    payable: boolean;
  } | null;
  noReward: { reason: string; text: string } | null;
}

const orders = (app: TestApp, accountId: number, query = '') =>
  app.call<{ items: Order[]; nextCursor: string | null }>('GET', `/api/v1/orders${query}`, {
    token: app.partnerToken(accountId),
  });

describe('under cloudlessons (link attribution, first order only)', () => {
  let t: TestApp;
  const paid: Record<string, string> = {};
  let reversalMinor = 0;

  beforeAll(async () => {
    t = await startTestApp({ programPreset: 'cloudlessons' });
    await register(t, A, 'ИП Статистика А');
    await register(t, B, 'ИП Статистика Б');
    const link = await t.call('POST', '/api/v1/links', { token: t.partnerToken(A), body: {} });
    expect(link.status).toBe(201);
    const visitor = await visitorThrough(t, link.body.code);
    const ownVisitor = await visitorThrough(t, link.body.code);

    const first = await pay(t, CLIENT, { referral: { visitorId: visitor } });
    expect(first.body.commission).toMatchObject({ commissionMinor: 300_000 });
    paid.first = first.body.id;
    paid.second = (await pay(t, CLIENT, { referral: { visitorId: visitor } })).body.id;
    paid.own = (
      await pay(t, OWN_CLIENT, { referral: { visitorId: ownVisitor }, payer: { email: `${A}@partner.ru` } })
    ).body.id;
    // Not attributed to anyone: nobody's statistics list it.
    await pay(t, STRAY_CLIENT);
    const refund = await t.call('POST', '/api/v1/refunds', {
      billing: true,
      body: refundBody('ord-refund-1', 'ord-1', 250_000, new Date()),
    });
    expect(refund.status).toBe(201);
    reversalMinor = refund.body.reversalMinor;
    // A refund within the program's 30-day guarantee reverses the whole reward, however much was refunded.
    expect(reversalMinor).toBe(300_000);
  });
  afterAll(() => t.close());

  test('lists the partner’s orders newest first: the reward with its calculation, or the reason', async () => {
    const res = await orders(t, A);
    expect(res.status).toBe(200);
    expect(res.body.items.map((o) => o.paymentId)).toEqual([paid.own, paid.second, paid.first]);
    const [own, second, first] = res.body.items;
    expect(first).toMatchObject({
      orderId: 'ord-1',
      clientAccountId: CLIENT,
      productCode: 'cl-course',
      grossMinor: 1_000_000,
      refundedMinor: 250_000,
      reward: {
        amountMinor: 300_000,
        reversedMinor: reversalMinor,
        rateBps: 3000,
        levelCode: 'start',
        programVersion: 1,
        payable: true,
        calculation: `10${NBSP}000,00${NBSP}₽ × 30${NBSP}% ×1 (уровень «Старт») = 3${NBSP}000,00${NBSP}₽`,
      },
      noReward: null,
    });
    expect(second).toMatchObject({
      orderId: 'ord-2',
      clientAccountId: CLIENT,
      refundedMinor: 0,
      reward: null,
      noReward: { reason: 'not_first_order', text: 'не первый заказ клиента' },
    });
    expect(own).toMatchObject({
      clientAccountId: OWN_CLIENT,
      reward: null,
      noReward: { reason: 'self_purchase', text: 'покупка по собственной ссылке' },
    });
  });

  test('another partner sees none of these orders', async () => {
    const res = await orders(t, B);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
    const summary = await t.call('GET', '/api/v1/orders/summary', { token: t.partnerToken(B) });
    expect(summary.body).toMatchObject({
      clicks: 0,
      visitors: 0,
      orders: 0,
      rewardedOrders: 0,
      rewardMinor: 0,
    });
  });

  test('pages follow the cursor to the end without repeats', async () => {
    const all = (await orders(t, A)).body.items.map((o) => o.paymentId);
    const first = await orders(t, A, '?limit=2');
    expect(first.body.items.map((o) => o.paymentId)).toEqual(all.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await orders(t, A, `?limit=2&cursor=${first.body.nextCursor}`);
    expect(next.body.items.map((o) => o.paymentId)).toEqual(all.slice(2));
    expect(next.body.nextCursor).toBeNull();
    // One at a time crosses from the refused payments to the rewarded one in the same order.
    const walked: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const one = await orders(t, A, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(one.body.items).toHaveLength(1);
      walked.push(one.body.items[0]!.paymentId);
      cursor = one.body.nextCursor;
    }
    expect(walked).toEqual(all);
  });

  test('the summary counts the clicks, visitors, orders, the reward and the level', async () => {
    const res = await t.call('GET', '/api/v1/orders/summary', { token: t.partnerToken(A) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      clicks: 2,
      visitors: 2,
      orders: 3,
      rewardedOrders: 1,
      currency: 'RUB',
      rewardMinor: 300_000,
      reversedMinor: reversalMinor,
      level: {
        code: 'start',
        title: { ru: 'Старт', en: 'Start' },
        // The one rewarded order was reversed in full, so it no longer counts towards the level.
        measure: 0,
        next: { code: 'pro', title: { ru: 'Профи', en: 'Pro' }, min: 10, remaining: 10 },
      },
    });
  });

  test("the monthly statement shows each reward's calculation and the program's own terms", async () => {
    const month = new Date(Date.now() + 3 * 3600 * 1000).toISOString().slice(0, 7);
    const csv = await t.call('GET', `/api/v1/statements/${month}?format=csv`, { token: t.partnerToken(A) });
    expect(csv.status).toBe(200);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toMatch(/;Статус;Расчёт$/);
    const rub = (text: string) => text.replace(/ (?=₽|%)/g, NBSP).replace(/(\d) (?=\d{3},)/g, `$1${NBSP}`);
    expect(lines.find((l) => l.includes(';Оплата;ord-1;'))).toContain(
      rub(';Вознаграждение за первый оплаченный заказ: 10 000,00 ₽ × 30 % ×1 (уровень «Старт») = 3 000,00 ₽'),
    );
    expect(lines.find((l) => l.includes(';Возврат;ord-1;'))).toContain(
      rub(
        ';Возврат 2 500,00 ₽ из 10 000,00 ₽: вознаграждение 3 000,00 ₽ уменьшено на 3 000,00 ₽ — полностью, ' +
          'возврат в гарантийный срок',
      ),
    );
    const pdf = await t.call('GET', `/api/v1/statements/${month}`, { token: t.partnerToken(A) });
    const { text } = await extractPdf(pdf.buffer);
    expect(text).toContain('Программа: Партнёрская программа Cloudlessons');
    expect(text).toContain('Условия программы: Партнёрская программа Cloudlessons');
    expect(text).toContain('Вознаграждение начисляется только за первый оплаченный заказ клиента.');
    expect(text).toContain(
      'При блокировке за нарушение правил программы невыплаченный остаток аннулируется.',
    );
  });

  test('bad query parameters → 400 naming the parameter', async () => {
    for (const [query, path] of [
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?limit=501', 'limit'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?partnerId=x', 'partnerId'],
    ] as const) {
      const res = await orders(t, A, query);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(
        (res.body as unknown as { errors: { path: string }[] }).errors.map((e) =>
          e.path.replace(/^query\./, ''),
        ),
      ).toContain(path);
    }
    const summary = await t.call('GET', '/api/v1/orders/summary?currency=rub', {
      token: t.partnerToken(A),
    });
    expect(summary.status).toBe(400);
    expect((await t.call('GET', '/api/v1/orders')).status).toBe(401);
  });
});

describe('under leadsender (pins, lifetime)', () => {
  test("the pinned client's payments are listed with 40 % each", async () => {
    const t = await startTestApp();
    try {
      await register(t, A, 'ИП Закрепитель');
      const pin = await t.call('POST', '/api/v1/pins', {
        token: t.partnerToken(A),
        body: { clientAccountId: CLIENT },
      });
      expect(pin.body.status).toBe('pinned');
      const first = await pay(t, CLIENT);
      const second = await pay(t, CLIENT);
      const res = await orders(t, A);
      expect(res.status).toBe(200);
      expect(res.body.items.map((o) => o.paymentId)).toEqual([second.body.id, first.body.id]);
      for (const order of res.body.items)
        expect(order).toMatchObject({
          reward: {
            amountMinor: 400_000,
            rateBps: 4000,
            levelCode: null,
            calculation: `10${NBSP}000,00${NBSP}₽ × 40${NBSP}% = 4${NBSP}000,00${NBSP}₽`,
          },
          noReward: null,
        });
      const summary = await t.call('GET', '/api/v1/orders/summary', { token: t.partnerToken(A) });
      expect(summary.body).toMatchObject({ orders: 2, rewardedOrders: 2, rewardMinor: 800_000, level: null });
    } finally {
      await t.close();
    }
  });
});
