import { sql } from 'kysely';
import { allRoutes } from '../../server/src/http/routes';
import type { RouteSpec } from '../../server/src/http/route';
import { startTestApp, type TestApp } from '../support/app';

/**
 * A fuzz pass over every API route: hostile bodies, params and queries must get a 4xx problem+json,
 * never a 5xx, and write nothing. Routes come from the same list the app mounts, so a new route is
 * fuzzed without anyone remembering to add it here.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  // Some state for the routes to find, so the fuzzer reaches past "not registered".
  await t.call('POST', '/api/v1/partner', {
    token: t.partnerToken(77000001),
    body: { kind: 'individual', name: 'Фаззер', contacts: {} },
  });
  await t.call('POST', '/api/v1/pins', {
    token: t.partnerToken(77000001),
    body: { clientAccountId: 77100001 },
  });
});
afterAll(() => t.close());

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  -100.5,
  0.1,
  1e308,
  Number.MAX_SAFE_INTEGER * 4,
  '1e999',
  'NaN',
  "'; DROP TABLE partners; --",
  '<script>alert(1)</script>',
  '𝕳𝖊𝖑𝖑𝖔 🚀 \u202e',
  'x'.repeat(200_000),
  [],
  [1, 2, 3],
  {},
  { $gt: '' },
  { __proto__: { polluted: true } },
];

const HOSTILE_BODIES: string[] = [
  '{',
  '[]',
  'null',
  '"text"',
  '{"__proto__": {"isAdmin": true}}',
  '{"constructor": {"prototype": {"isAdmin": true}}}',
  JSON.stringify({ a: 'x'.repeat(300_000) }),
  '\u0000',
  '{"x": "\\u0000"}',
];

function tokenFor(spec: RouteSpec<any, any, any>): { token?: string; billing?: boolean } {
  switch (spec.auth) {
    case 'billing':
      return { billing: true };
    case 'admin':
      return { token: t.adminToken() };
    case 'staff':
      return { token: t.staffToken() };
    case 'account':
    case 'widget':
      return { token: t.partnerToken(77000001) };
    case 'public':
      return {};
  }
}

/** Fills `:params` with a hostile value (URL-encoded). */
function hostilePath(path: string, value: string): string {
  return path.replace(/:(\w+)/g, () => encodeURIComponent(value));
}

async function writeCounts(): Promise<Record<string, number>> {
  const { rows } = await sql<{ t: string; n: bigint }>`
    SELECT 'partners' AS t, count(*) AS n FROM partners UNION ALL SELECT 'pins', count(*) FROM pins
    UNION ALL SELECT 'payments', count(*) FROM payments UNION ALL SELECT 'refunds', count(*) FROM refunds
    UNION ALL SELECT 'ledger_entries', count(*) FROM ledger_entries UNION ALL SELECT 'invoices', count(*) FROM invoices
    UNION ALL SELECT 'questions', count(*) FROM questions UNION ALL SELECT 'disputes', count(*) FROM disputes
    UNION ALL SELECT 'known_accounts', count(*) FROM known_accounts UNION ALL SELECT 'staff_roles', count(*) FROM staff_roles
    UNION ALL SELECT 'rate_schedules', count(*) FROM rate_schedules UNION ALL SELECT 'audit_log', count(*) FROM audit_log`.execute(
    t.db.db,
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

const writeRoutes = allRoutes.filter((r) => r.method !== 'get');
const routesWithParams = allRoutes.filter((r) => r.path.includes(':'));

describe('hostile input on every route', () => {
  it.each(writeRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s: hostile bodies → 4xx, nothing written',
    async (_name, spec) => {
      const before = await writeCounts();
      const path = spec.path.includes(':') ? hostilePath(spec.path, 'x') : spec.path;
      const statuses: number[] = [];
      for (const raw of HOSTILE_BODIES) {
        const res = await t.call(spec.method.toUpperCase(), path, {
          ...tokenFor(spec),
          rawBody: raw,
          headers: { 'Content-Type': 'application/json' },
        });
        statuses.push(res.status);
      }
      // Every top-level field of the documented body replaced by each hostile value in turn.
      const fields = spec.body
        ? Object.keys((spec.body as any).shape ?? (spec.body as any).def?.options?.[0]?.shape ?? {})
        : [];
      for (const field of fields.length ? fields : ['x']) {
        for (const value of HOSTILE_VALUES) {
          const res = await t.call(spec.method.toUpperCase(), path, {
            ...tokenFor(spec),
            body: { [field]: value, __proto__: { isAdmin: true }, extra: 1 },
          });
          statuses.push(res.status);
        }
      }
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
      expect(await writeCounts()).toEqual(before);
    },
  );

  it.each(routesWithParams.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s: hostile path parameters → 4xx',
    async (_name, spec) => {
      for (const value of [
        "1' OR '1'='1",
        '../../etc/passwd',
        '-1',
        '0',
        '99999999999999999999999',
        '%00',
        '𝕳',
        'x'.repeat(5000),
      ]) {
        const res = await t.call(spec.method.toUpperCase(), hostilePath(spec.path, value), {
          ...tokenFor(spec),
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
        'unknown=1',
        'limit=1&limit=2',
      ]) {
        const path = spec.path.includes(':') ? hostilePath(spec.path, '77100001') : spec.path;
        const res = await t.call('GET', `${path}?${q}`, tokenFor(spec));
        expect(res.status).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
    }
  });
});
