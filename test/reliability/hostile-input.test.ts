import { sql } from 'kysely';
import { allRoutes } from '../../server/src/http/routes';
import { loadPreset } from '../../server/src/programs/program.presets';
import type { RouteSpec } from '../../server/src/http/route';
import { startTestApp, type CallOptions, type TestApp } from '../support/app';

/**
 * A fuzz pass over every API route. Bodies are valid but for one hostile field, so each attack reaches the
 * handler and the database instead of bouncing off validation: a lone UTF-16 surrogate, a prototype-named
 * key, an extreme date, a hostile number — and every state-changing route is also sent as parallel
 * duplicates. Nothing may answer ≥ 500. Routes come from the same list the app mounts, and every
 * state-changing route must have a valid sample below, so a new route cannot escape the fuzz.
 */
let t: TestApp;
let seq = 0;
const next = () => ++seq;

const bank = {
  bik: '044525225',
  account: '40702810938000000001',
  correspondentAccount: '30101810400000000225',
  bankName: 'ПАО Сбербанк',
};

interface Partner {
  accountId: number;
  id: string;
  token: string;
}

async function newPartner(signed = true): Promise<Partner> {
  const accountId = 77_000_000 + next();
  const token = t.partnerToken(accountId);
  const res = await t.call('POST', '/api/v1/partner', {
    token,
    body: {
      kind: 'sole_proprietor',
      name: `ИП Фаззер ${accountId}`,
      inn: '500100732259',
      ogrn: '304500116000157',
      bank,
      contacts: {},
    },
  });
  expect(res.status).toBe(201);
  if (signed) {
    const contract = await t.call('POST', `/api/v1/admin/partners/${res.body.id}/contract`, {
      token: t.adminToken(),
      body: { contractNumber: `П-${accountId}`, signedAt: '2026-01-01T00:00:00+03:00' },
    });
    expect(contract.status).toBe(200);
  }
  return { accountId, id: res.body.id, token };
}

/** An individual partner registered with `main`'s promo code as its referrer. */
async function newReferredPartner(): Promise<{ id: string }> {
  const accountId = 77_000_000 + next();
  const res = await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(accountId),
    body: {
      kind: 'individual',
      name: `Приглашённый ${accountId}`,
      contacts: {},
      referredBy: await mainPromoCode(),
    },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id };
}

/** `main`'s promo code (made with its first link). */
async function mainPromoCode(): Promise<string> {
  const res = await t.call('POST', '/api/v1/links', { token: main.token, body: {} });
  return res.body.promoCode;
}

const newClient = () => 77_500_000 + next();

async function newPin(partner: Partner, known = false): Promise<{ id: string; client: number }> {
  const client = newClient();
  if (known)
    await t.call('POST', '/api/v1/known-accounts', { billing: true, body: { accountIds: [client] } });
  const res = await t.call('POST', '/api/v1/pins', {
    token: partner.token,
    body: { clientAccountId: client },
  });
  expect(res.body.status).toBe(known ? 'pending_client_request' : 'pinned');
  return { id: res.body.id, client };
}

let main: Partner;

/** A valid request for a route: the path with real ids, the body, and who sends it. */
interface Sample {
  path: string;
  body?: unknown;
  as?: Pick<CallOptions, 'token' | 'billing'>;
}

/**
 * One valid request per state-changing route, built on fresh state each time (so a mutated field reaches
 * the same code path as the valid one, not a "this was already done" answer).
 */
const SAMPLES: Record<string, () => Promise<Sample>> = {
  'POST /api/v1/partner': async () => {
    const accountId = 77_000_000 + next();
    return {
      path: '/api/v1/partner',
      as: { token: t.partnerToken(accountId) },
      body: {
        kind: 'self_employed',
        name: 'Самозанятая Анна',
        inn: '500100732259',
        passport: { series: '4519', number: '987654' },
        bank,
        contacts: {
          email: 'anna@example.ru',
          phone: '+7 900 000-00-00',
          telegram: '@anna_p',
          site: 'https://anna.example.ru',
        },
        referredBy: await mainPromoCode(),
      },
    };
  },
  // The default program names no bounties: the valid sample reaches the bounty check (422 naming bountyId).
  'POST /api/v1/admin/partners/:id/bounties': async () => ({
    path: `/api/v1/admin/partners/${(await newPartner(false)).id}/bounties`,
    body: { bountyId: 'case', publishedAt: '2026-11-02T10:00:00+03:00' },
  }),
  'POST /api/v1/admin/partners/:id/exam': async () => ({
    path: `/api/v1/admin/partners/${(await newPartner()).id}/exam`,
    body: { passedAt: '2026-11-02' },
  }),
  // The default program has no models: the valid sample reaches the program's check (422 naming model).
  'POST /api/v1/admin/partners/:id/model': async () => ({
    path: `/api/v1/admin/partners/${(await newPartner()).id}/model`,
    body: { model: 'agent' },
  }),
  'POST /api/v1/admin/partners/:id/contract': async () => ({
    path: `/api/v1/admin/partners/${(await newPartner(false)).id}/contract`,
    body: { contractNumber: 'П-100', signedAt: '2026-01-01T00:00:00+03:00' },
  }),
  'DELETE /api/v1/admin/partners/:id/referrer': async () => ({
    path: `/api/v1/admin/partners/${(await newReferredPartner()).id}/referrer`,
  }),
  'POST /api/v1/admin/partners/:id/status': async () => ({
    path: `/api/v1/admin/partners/${(await newPartner(false)).id}/status`,
    body: { status: 'blocked', reason: 'нарушение правил программы' },
  }),
  // No model under the default program: the valid sample reaches the model's check (422).
  'PUT /api/v1/clients/:accountId/reward-choice': async () => ({
    path: `/api/v1/clients/${newClient()}/reward-choice`,
    as: { token: main.token },
    body: { choice: 'monthly' },
  }),
  'POST /api/v1/pins': async () => ({
    path: '/api/v1/pins',
    as: { token: main.token },
    body: { clientAccountId: newClient(), clientSubdomain: 'client-one', comment: 'от фаззера' },
  }),
  'POST /api/v1/pins/:id/confirmation-link': async () => ({
    path: `/api/v1/pins/${(await newPin(main, true)).id}/confirmation-link`,
    as: { token: main.token },
  }),
  'POST /api/v1/client-requests/:code/confirm': async () => {
    const pin = await newPin(main, true);
    const link = await t.call('POST', `/api/v1/pins/${pin.id}/confirmation-link`, { token: main.token });
    return {
      path: `/api/v1/client-requests/${link.body.code}/confirm`,
      as: { token: t.partnerToken(pin.client) },
    };
  },
  'POST /api/v1/known-accounts': async () => ({
    path: '/api/v1/known-accounts',
    as: { billing: true },
    body: { accountIds: [newClient(), newClient()], source: 'billing' },
  }),
  'POST /api/v1/admin/pins/:id/client-request': async () => ({
    path: `/api/v1/admin/pins/${(await newPin(main, true)).id}/client-request`,
    body: { note: 'письмо клиента' },
  }),
  'POST /api/v1/admin/pins/:id/attribute': async () => ({
    path: `/api/v1/admin/pins/${(await newPin(main, true)).id}/attribute`,
    body: { reason: 'партнёр платит за клиента' },
  }),
  'POST /api/v1/admin/pins/:id/release': async () => ({
    path: `/api/v1/admin/pins/${(await newPin(main)).id}/release`,
    body: { reason: 'клиент ушёл' },
  }),
  'POST /api/v1/admin/pins/:id/transfer': async () => {
    const pin = await newPin(main);
    const to = await newPartner();
    return {
      path: `/api/v1/admin/pins/${pin.id}/transfer`,
      body: {
        toPartnerId: to.id,
        reason: 'клиент попросил',
        clientRequest: { receivedAt: '2026-02-01T10:00:00+03:00', note: 'письмо клиента' },
      },
    };
  },
  'POST /api/v1/staff/clients/:accountId/questions': async () => ({
    path: `/api/v1/staff/clients/${(await newPin(main)).client}/questions`,
    as: { token: t.staffToken() },
    body: { text: 'Как продлить лицензию?' },
  }),
  'POST /api/v1/questions/:id/answered': async () => {
    const pin = await newPin(main);
    const q = await t.call('POST', `/api/v1/staff/clients/${pin.client}/questions`, {
      token: t.staffToken(),
      body: { text: 'Как продлить лицензию?' },
    });
    return { path: `/api/v1/questions/${q.body.id}/answered`, as: { token: main.token } };
  },
  'POST /api/v1/disputes': async () => ({
    path: '/api/v1/disputes',
    as: { token: main.token },
    body: {
      kind: 'missing_commission',
      paymentExternalId: `bill-${next()}`,
      text: 'Нет вознаграждения за оплату',
    },
  }),
  'POST /api/v1/admin/disputes/:id/decision': async () => {
    const d = await t.call('POST', '/api/v1/disputes', {
      token: main.token,
      body: {
        kind: 'missing_commission',
        paymentExternalId: `bill-${next()}`,
        text: 'Нет вознаграждения за оплату',
      },
    });
    return {
      path: `/api/v1/admin/disputes/${d.body.id}/decision`,
      body: { decision: 'for_partner', reason: 'подтверждено', compensationMinor: 10_000, currency: 'RUB' },
    };
  },
  'POST /api/v1/payments': async () => {
    const pin = await newPin(main);
    await sql`UPDATE pins SET valid_from = now() - interval '90 days' WHERE id = ${pin.id}`.execute(t.db.db);
    return {
      path: '/api/v1/payments',
      as: { billing: true },
      body: {
        externalId: `bill-${next()}`,
        clientAccountId: pin.client,
        grossMinor: 1_000_000,
        currency: 'RUB',
        channel: 'vendor_direct',
        paidAt: new Date(Date.now() - 86_400_000).toISOString(),
        productCode: 'amo-widget-pro',
        periodEnd: new Date(Date.now() + 300 * 86_400_000).toISOString(),
      },
    };
  },
  'POST /api/v1/payments/batch': async () => {
    const pin = await newPin(main);
    await sql`UPDATE pins SET valid_from = now() - interval '90 days' WHERE id = ${pin.id}`.execute(t.db.db);
    const payment = (await SAMPLES['POST /api/v1/payments']!()).body as Record<string, unknown>;
    return {
      path: '/api/v1/payments/batch',
      as: { billing: true },
      body: { items: [payment, { ...payment, externalId: `bill-${next()}`, clientAccountId: pin.client }] },
    };
  },
  // A client with no points: the valid sample reaches the balance check (422 naming amountMinor), past validation.
  'POST /api/v1/points/redemptions': async () => ({
    path: '/api/v1/points/redemptions',
    as: { billing: true },
    body: {
      externalId: `redeem-${next()}`,
      clientAccountId: newClient(),
      amountMinor: 100,
      purchaseMinor: 1000,
    },
  }),
  'POST /api/v1/refunds': async () => {
    const pin = await newPin(main);
    await sql`UPDATE pins SET valid_from = now() - interval '90 days' WHERE id = ${pin.id}`.execute(t.db.db);
    const externalId = `bill-${next()}`;
    const paid = await t.call('POST', '/api/v1/payments', {
      billing: true,
      body: {
        externalId,
        clientAccountId: pin.client,
        grossMinor: 1_000_000,
        channel: 'vendor_direct',
        paidAt: new Date(Date.now() - 86_400_000).toISOString(),
      },
    });
    expect(paid.status).toBeLessThan(300);
    return {
      path: '/api/v1/refunds',
      as: { billing: true },
      body: {
        externalId: `ref-${next()}`,
        paymentExternalId: externalId,
        amountMinor: 100_000,
        refundedAt: new Date().toISOString(),
      },
    };
  },
  'POST /api/v1/net-invoices': async () => ({
    path: '/api/v1/net-invoices',
    as: { token: main.token },
    // No grossMinor: the price comes from the price list, looked up by the partner's productCode.
    body: { clientAccountId: (await newPin(main)).client, productCode: 'amo-widget-pro' },
  }),
  'POST /api/v1/admin/invoices/:id/paid': async () => {
    const inv = await t.call('POST', '/api/v1/net-invoices', {
      token: main.token,
      body: { clientAccountId: (await newPin(main)).client, productCode: 'amo-widget-pro' },
    });
    return {
      path: `/api/v1/admin/invoices/${inv.body.invoice.id}/paid`,
      body: { paidAt: new Date().toISOString(), method: 'bank' },
    };
  },
  'POST /api/v1/admin/payouts/run': async () => ({
    path: '/api/v1/admin/payouts/run',
    body: { asOf: new Date().toISOString().slice(0, 10) },
  }),
  'PUT /api/v1/admin/settings': async () => ({
    path: '/api/v1/admin/settings',
    body: { holdDays: 14, minPayoutMinor: 100_000, payoutDaysOfMonth: [5, 20], renewalReminderDays: 30 },
  }),
  'POST /api/v1/links': async () => ({
    path: '/api/v1/links',
    as: { token: main.token },
    body: { productCode: `course-${next()}` },
  }),
  'POST /api/v1/bonus-codes': async () => ({
    path: '/api/v1/bonus-codes',
    as: { token: main.token },
    body: { clientAccountId: (await newPin(main)).client, amountMinor: 100_000 },
  }),
  'POST /api/v1/free-months': async () => ({
    path: '/api/v1/free-months',
    as: { token: main.token },
    body: { clientAccountId: (await newPin(main)).client, month: '2030-01' },
  }),
  'POST /api/v1/admin/partners/:id/bonus-codes': async () => ({
    path: `/api/v1/admin/partners/${main.id}/bonus-codes`,
    body: { clientAccountId: (await newPin(main)).client, amountMinor: 100_000 },
  }),
  'POST /api/v1/admin/partners/:id/free-months': async () => ({
    path: `/api/v1/admin/partners/${main.id}/free-months`,
    body: { clientAccountId: (await newPin(main)).client, month: '2030-01' },
  }),
  'PUT /api/v1/admin/program': async () => ({
    path: '/api/v1/admin/program',
    body: { ...loadPreset('cloudlessons'), effectiveFrom: new Date(Date.now() + 86_400_000).toISOString() },
  }),
  'POST /api/v1/admin/program/settle': async () => ({
    path: '/api/v1/admin/program/settle',
    body: { asOf: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) },
  }),
  'POST /api/v1/admin/program/preview': async () => {
    const pin = await newPin(main);
    return {
      path: '/api/v1/admin/program/preview',
      body: {
        clientAccountId: pin.client,
        grossMinor: 1_200_000,
        channel: 'vendor_direct',
        paidAt: new Date().toISOString(),
        productCode: 'amo-widget-pro',
        partnerId: main.id,
        payer: { email: 'client@example.ru', phone: '+7 900 000-00-01', ip: '203.0.113.7' },
      },
    };
  },
  'POST /api/v1/admin/rates': async () => ({
    path: '/api/v1/admin/rates',
    body: {
      partnerId: main.id,
      channel: 'vendor_direct',
      rateBps: 2000,
      effectiveFrom: new Date(Date.now() + 86_400_000).toISOString(),
    },
  }),
  'POST /api/v1/admin/staff-roles': async () => ({
    path: '/api/v1/admin/staff-roles',
    body: { userId: 5000 + next(), role: 'staff' },
  }),
  'POST /amo/webhooks/:secret': async () => ({ path: '/amo/webhooks/not-the-secret', body: {} }),
  'POST /api/v1/admin/amo/connections/:accountId/resume': async () => {
    const accountId = newClient();
    await sql`INSERT INTO amo_connections (account_id, host, status, tokens_enc, access_expires_at)
      VALUES (${accountId}, 'x.amocrm.ru', 'blocked', 'sealed', now())`.execute(t.db.db);
    return { path: `/api/v1/admin/amo/connections/${accountId}/resume` };
  },
  'POST /api/v1/admin/amo/alerts/:id/resolve': async () => {
    const { rows } = await sql<{ id: string }>`
      INSERT INTO amo_alerts (account_id, kind, message, dedupe_key)
      VALUES (${newClient()}, 'delivery_failed', 'failed', ${`fuzz:${next()}`}) RETURNING id`.execute(
      t.db.db,
    );
    return { path: `/api/v1/admin/amo/alerts/${rows[0]!.id}/resolve`, body: { resolution: 'разобрались' } };
  },
  'POST /api/v1/admin/amo/deliveries/:id/retry': async () => {
    await newPin(main);
    const { rows } = await sql<{ id: string }>`
      UPDATE outbox SET status = 'failed' WHERE id = (SELECT max(id) FROM outbox) RETURNING id`.execute(
      t.db.db,
    );
    return { path: `/api/v1/admin/amo/deliveries/${rows[0]!.id}/retry` };
  },
  'POST /api/v1/admin/amo/vendor-companies/:accountId/resync': async () => ({
    path: `/api/v1/admin/amo/vendor-companies/${(await newPin(main)).client}/resync`,
  }),
};

beforeAll(async () => {
  t = await startTestApp();
  main = await newPartner();
});
afterAll(() => t.close());

function defaultAuth(spec: RouteSpec<any, any, any>): Pick<CallOptions, 'token' | 'billing'> {
  switch (spec.auth) {
    case 'billing':
      return { billing: true };
    case 'admin':
      return { token: t.adminToken() };
    case 'staff':
      return { token: t.staffToken() };
    case 'account':
    case 'widget':
      return { token: main.token };
    case 'public':
      return {};
  }
}

const writeRoutes = allRoutes.filter((r) => r.method !== 'get');
const routeName = (r: RouteSpec<any, any, any>) => `${r.method.toUpperCase()} ${r.path}`;

async function send(spec: RouteSpec<any, any, any>, sample: Sample, body = sample.body, path = sample.path) {
  return t.call(spec.method.toUpperCase(), path, { ...(sample.as ?? defaultAuth(spec)), body });
}

/** Lone surrogates (which PostgreSQL cannot store in text or JSON) and names every plain object inherits. */
const HOSTILE_STRINGS = [
  '\ud800',
  'ok\udfffok',
  '\udbff',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
];
/** Dates JavaScript parses but PostgreSQL or the business rules must not take. */
const HOSTILE_DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '9999-12-31T23:59:59Z',
  '1900-01-01T00:00:00+03:00',
  '0000-01-01',
  '9999-12-31',
  '2999-01-01',
];
const HOSTILE_NUMBERS = [0, -1, 0.5, 1e300, Number.MAX_SAFE_INTEGER, 2 ** 63];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T|$)/;

type Leaf = { path: (string | number)[]; value: unknown };
function leaves(value: unknown, path: (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}
function withLeaf(body: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(body) ? [...body] : { ...(body as object) };
  copy[head!] = withLeaf(copy[head!], rest, value);
  return copy;
}

type Mutation = {
  what: string;
  /** Set when the value must be refused at the edge with a field error naming this path. */
  refusedAt?: string;
  apply(sample: Sample): { body: unknown; path: string };
};

const LONE_SURROGATE = /\p{Cs}/u;

/** Every mutation of a sample that changes exactly one field (or one path parameter) to a hostile value. */
function mutations(sample: Sample): Mutation[] {
  const out: Mutation[] = [];
  for (const leaf of leaves(sample.body ?? {})) {
    const at = leaf.path.join('.');
    const values =
      typeof leaf.value === 'string'
        ? ISO_DATE.test(leaf.value)
          ? [...HOSTILE_DATES, ...HOSTILE_STRINGS]
          : HOSTILE_STRINGS
        : typeof leaf.value === 'number'
          ? HOSTILE_NUMBERS
          : [];
    for (const v of values)
      out.push({
        what: `${at}=${JSON.stringify(v)}`,
        // Lone surrogates and out-of-range dates are the edge's to refuse, naming the field — not a
        // database error turned 400 by luck, and never accepted (a payment dated year 0).
        refusedAt:
          (typeof v === 'string' && LONE_SURROGATE.test(v)) || HOSTILE_DATES.includes(v as string)
            ? at
            : undefined,
        apply: (s) => ({ body: withLeaf(s.body, leaf.path, v), path: s.path }),
      });
  }
  // Each id-like path segment replaced by a prototype name.
  sample.path.split('/').forEach((segment, i) => {
    if (i < 3 || !/[0-9]/.test(segment)) return;
    for (const key of ['constructor', '__proto__', 'toString'])
      out.push({
        what: `path segment ${i}=${key}`,
        apply: (s) => {
          const segments = s.path.split('/');
          segments[i] = key;
          return { body: s.body, path: segments.join('/') };
        },
      });
  });
  return out;
}

/**
 * A 400 naming the field; or, from the payments batch (whose items are answered one by one), that item's own
 * 400 naming the field inside the item (`items.1.paidAt` → item 1's problem names `paidAt`).
 */
function refusesField(res: { status: number; body: any }, at: string): boolean {
  if (res.status === 400) return res.body?.errors?.some((e: { path: string }) => e.path === at) ?? false;
  const inItem = /^items\.(\d+)\.(.+)$/.exec(at);
  const problem = inItem && res.status === 200 ? res.body?.results?.[Number(inItem[1])]?.problem : undefined;
  return problem?.status === 400 && problem.errors?.some((e: { path: string }) => e.path === inItem![2]);
}

async function writeCounts(): Promise<Record<string, number>> {
  const { rows } = await sql<{ t: string; n: bigint }>`
    SELECT 'payments' AS t, count(*) AS n FROM payments UNION ALL SELECT 'refunds', count(*) FROM refunds
    UNION ALL SELECT 'ledger_entries', count(*) FROM ledger_entries UNION ALL SELECT 'invoices', count(*) FROM invoices
    UNION ALL SELECT 'partners', count(*) FROM partners UNION ALL SELECT 'audit_log', count(*) FROM audit_log`.execute(
    t.db.db,
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

describe('hostile input on every route', () => {
  it('has a valid sample for every state-changing route', () => {
    const missing = writeRoutes.map(routeName).filter((name) => !(name in SAMPLES));
    expect(missing).toEqual([]);
    const stale = Object.keys(SAMPLES).filter((name) => !writeRoutes.some((r) => routeName(r) === name));
    expect(stale).toEqual([]);
  });

  it.each(writeRoutes.map((r) => [routeName(r), r] as const))(
    '%s: the valid sample passes validation; one hostile field at a time → never ≥ 500',
    async (name, spec) => {
      const build = SAMPLES[name];
      if (!build) throw new Error(`no sample for ${name}`);
      let sample = await build();
      const valid = await send(spec, sample);
      // The sample must reach the handler, or the mutations below would test validation only.
      expect({ status: valid.status, code: valid.body?.code }).not.toMatchObject({
        code: 'validation_failed',
      });
      expect(valid.status).toBeLessThan(500);
      let consumed = valid.status < 300;

      const failures: string[] = [];
      for (const m of mutations(sample)) {
        // The last request changed state: rebuild, so this one meets the same fresh state as the sample.
        if (consumed) sample = await build();
        const { body, path } = m.apply(sample);
        const res = await send(spec, sample, body, path);
        consumed = res.status < 300;
        if (res.status >= 500) failures.push(`${m.what} → ${res.status} ${res.text.slice(0, 200)}`);
        else if (m.refusedAt !== undefined && !refusesField(res, m.refusedAt))
          failures.push(
            `${m.what} → ${res.status} ${res.text.slice(0, 200)} (expected 400 naming the field)`,
          );
        if (res.status >= 400 && !res.headers.get('content-type')?.includes('problem+json'))
          failures.push(`${m.what} → ${res.status} without problem+json`);
      }
      expect(failures).toEqual([]);
    },
  );

  it.each(writeRoutes.map((r) => [routeName(r), r] as const))(
    '%s: parallel duplicates → no 5xx; losers get 409 or the winner’s answer',
    async (name, spec) => {
      // Several rounds on fresh state: a race lost only when the requests interleave just so must still
      // show up in a normal run.
      for (let round = 0; round < 3; round++) {
        const sample = await SAMPLES[name]!();
        const results = await Promise.all(Array.from({ length: 8 }, () => send(spec, sample)));
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s >= 500)).toEqual([]);
        for (const s of statuses)
          expect([200, 201, 202, 204, 400, 401, 403, 404, 409, 410, 422]).toContain(s);
      }
    },
  );

  it('hostile raw bodies → 4xx problem+json, nothing written', async () => {
    const before = await writeCounts();
    for (const spec of writeRoutes) {
      const path = spec.path.replace(/:(\w+)/g, 'x');
      for (const raw of [
        '{',
        '[]',
        'null',
        '"text"',
        '{"__proto__": {"isAdmin": true}}',
        '{"constructor": {"prototype": {"isAdmin": true}}}',
        JSON.stringify({ a: 'x'.repeat(300_000) }),
        '\u0000',
        '{"x": "\\u0000"}',
        '{"x": "\\ud800"}',
      ]) {
        const res = await t.call(spec.method.toUpperCase(), path, {
          ...defaultAuth(spec),
          rawBody: raw,
          headers: { 'Content-Type': 'application/json' },
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(await writeCounts()).toEqual(before);
  });

  it.each(allRoutes.filter((r) => r.path.includes(':')).map((r) => [routeName(r), r] as const))(
    '%s: hostile path parameters → 4xx',
    async (_name, spec) => {
      for (const value of [
        "1' OR '1'='1",
        '../../etc/passwd',
        '-1',
        '0',
        '99999999999999999999999',
        '%00',
        '%ED%A0%80',
        '𝕳',
        'x'.repeat(5000),
        'constructor',
        '__proto__',
      ]) {
        const path = spec.path.replace(/:(\w+)/g, () =>
          value.startsWith('%') ? value : encodeURIComponent(value),
        );
        const res = await t.call(spec.method.toUpperCase(), path, {
          ...defaultAuth(spec),
          body: spec.method === 'get' ? undefined : {},
        });
        expect(res.status).toBeLessThan(500);
        // Public pages answer any well-formed code with a normal "not valid" page; the API refuses.
        if (spec.auth !== 'public') expect(res.status).toBeGreaterThanOrEqual(400);
        else expect(res.text).not.toContain('<script');
      }
    },
  );

  it('hostile query strings on list routes → 4xx', async () => {
    const lists = allRoutes.filter((r) => r.method === 'get' && r.query);
    for (const spec of lists) {
      for (const q of [
        'limit=-1',
        'limit=1e9',
        'limit=abc',
        'cursor=%27%3B--',
        'cursor=%ED%A0%80',
        'unknown=1',
        'limit=1&limit=2',
        'status=constructor',
        'status=__proto__',
      ]) {
        const path = spec.path.replace(/:(\w+)/g, '77100001');
        const res = await t.call('GET', `${path}?${q}`, defaultAuth(spec));
        expect(res.status).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
    }
  });
});
