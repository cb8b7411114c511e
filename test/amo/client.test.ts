import {
  AmoApiError,
  AmoBlockedError,
  AmoForbiddenError,
  AmoPaymentRequiredError,
  AmoUnavailableError,
} from '../../server/src/amo/amo.errors';
import { startAmoTest, VENDOR_ACCOUNT_ID, type AmoTestEnv } from './support/harness';

let env: AmoTestEnv;
const STORMY = 37000001; // an account of its own, so the storm starts with an empty rate window

beforeAll(async () => {
  env = await startAmoTest({ workers: false });
  await env.connect(VENDOR_ACCOUNT_ID, 'vendor');
  await env.connect(STORMY, 'stormy');
});
afterAll(() => env.close());

const V = VENDOR_ACCOUNT_ID;
const apiRequests = (since: number) =>
  env.fake.requests.slice(since).filter((r) => r.path.startsWith('/api/v4/'));

describe('the amoCRM API client', () => {
  it('reads an empty list (204, no body) as no items', async () => {
    const seen = env.fake.requests.length;
    expect(await env.amo.api.searchCompanies(V, 'nobody-has-this')).toEqual([]);
    expect(apiRequests(seen).map((r) => r.status)).toEqual([204]);
  });

  it('maps batch results back to items by request_id', async () => {
    const created = await env.amo.api.createCompanies(V, [
      { request_id: 'c', name: 'Третья' },
      { request_id: 'a', name: 'Первая' },
      { request_id: 'b', name: 'Вторая' },
    ]);
    const names = new Map(env.fake.companies(V).map((c) => [c.id, c.name]));
    expect(names.get(created.get('a')!)).toBe('Первая');
    expect(names.get(created.get('b')!)).toBe('Вторая');
    expect(names.get(created.get('c')!)).toBe('Третья');
  });

  it('follows _links.next through every page', async () => {
    for (let i = 0; i < 260; i++) env.fake.addCompany(V, { name: `Pager ${i}` });
    const seen = env.fake.requests.length;
    const found = await env.amo.api.searchCompanies(V, 'Pager');
    expect(new Set(found.map((c) => c.id)).size).toBe(260);
    expect(apiRequests(seen).map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
  });

  it('parses problem+json validation errors into a typed error that names the refused items', async () => {
    const before = env.fake.companies(V).length;
    const error = await env.amo.api
      .createCompanies(V, [
        { request_id: 'good', name: 'Годная' },
        { request_id: 'bad', name: '' },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmoApiError);
    expect(error).toMatchObject({ status: 400, failedRequestIds: ['bad'] });
    expect((error as AmoApiError).validationErrors[0]!.errors[0]).toMatchObject({ path: 'name' });
    expect(env.fake.companies(V)).toHaveLength(before);
  });

  it('retries a read after 5xx with backoff, but never repeats a create blindly', async () => {
    let seen = env.fake.requests.length;
    env.fake.failNext(2, 503);
    expect((await env.amo.api.getAccount(V))?.id).toBe(V);
    expect(apiRequests(seen).map((r) => r.status)).toEqual([503, 503, 200]);

    seen = env.fake.requests.length;
    env.fake.failNext(1, 504);
    const error = await env.amo.api
      .createCompanies(V, [{ request_id: 'x', name: 'Шлюз' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmoUnavailableError);
    expect(error).toMatchObject({ status: 504, maybeApplied: true });
    expect(apiRequests(seen)).toHaveLength(1);
  });

  it('sends X-Client-UUID like the official library, and takes 202 Accepted (no body) as success', async () => {
    const company = env.fake.addCompany(V, { name: 'Принято' });
    const seen = env.fake.requests.length;
    env.fake.acceptNext(1);
    await expect(
      env.amo.api.updateCompanies(V, [{ id: company.id, request_id: 'u', name: 'Принято позже' }]),
    ).resolves.toBeInstanceOf(Map);
    expect((await env.amo.api.getCompany(V, company.id))?.name).toBe('Принято позже');
    const ours = apiRequests(seen);
    expect(ours.map((r) => r.status)).toEqual([202, 200]);
    for (const request of ours) expect(request.headers['x-client-uuid']).toBe(env.config.amo.clientId);
  });

  it('reports an unpaid account (402) as such', async () => {
    env.fake.setUnpaid(V, true);
    await expect(env.amo.api.getAccount(V)).rejects.toBeInstanceOf(AmoPaymentRequiredError);
    env.fake.setUnpaid(V, false);
  });

  it('waits retry_after when amoCRM answers 429, then goes through', async () => {
    // Another integration fills this second of the account's budget.
    const rival = env.fake.grantTokens(V);
    await Promise.all(
      Array.from({ length: 7 }, () =>
        fetch(`${env.fake.url}/api/v4/account`, {
          headers: { authorization: `Bearer ${rival.access_token}` },
        }),
      ),
    );
    const seen = env.fake.requests.length;
    expect((await env.amo.api.getAccount(V))?.id).toBe(V);
    const ours = apiRequests(seen);
    expect(ours.map((r) => r.status)).toEqual([429, 200]);
    expect(ours[1]!.at - ours[0]!.at).toBeGreaterThanOrEqual(950);
    expect(env.fake.isBlocked(V)).toBe(false);
  });

  it('sits out a 429 storm account-wide instead of hammering, and every call succeeds', async () => {
    const companies = [...Array(8).keys()].map((i) => env.fake.addCompany(STORMY, { name: `Шторм ${i}` }));
    const seen = env.fake.requests.length;
    env.fake.failNext(5, 429);
    const results = await Promise.all(companies.map((c) => env.amo.api.getCompany(STORMY, c.id)));
    expect(results.map((c) => c?.id)).toEqual(companies.map((c) => c.id));

    const ours = apiRequests(seen);
    const storm = ours.filter((r) => r.status === 429);
    expect(storm).toHaveLength(5);
    // After a 429 the whole account pauses: nothing new is sent until retry_after (1 s) has passed, apart
    // from requests that were already on the wire when the answer came.
    for (const hit of storm) {
      const during = ours.filter((r) => r.at > hit.at + 200 && r.at < hit.at + 900);
      expect(during).toEqual([]);
    }
    const perSecond = ours.map((r) => ours.filter((o) => o.at >= r.at && o.at < r.at + 1000).length);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(7);
    expect(env.fake.stats.maxRequestsPerSecond[STORMY]).toBeLessThanOrEqual(7);
    expect(env.fake.isBlocked(STORMY)).toBe(false);
  });

  it("backs off longer after each 429 that names no wait (the gateway's HTML page, no Retry-After)", async () => {
    const seen = env.fake.requests.length;
    env.fake.failNext(2, 429);
    expect((await env.amo.api.getAccount(V))?.id).toBe(V);
    const ours = apiRequests(seen);
    expect(ours.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(ours[1]!.at - ours[0]!.at).toBeGreaterThanOrEqual(950);
    // A second 429 in a row means the first wait was not enough: wait longer, not the same second again.
    expect(ours[2]!.at - ours[1]!.at).toBeGreaterThanOrEqual(1900);
    expect(env.fake.isBlocked(V)).toBe(false);
  });

  it('a 403 for missing admin rights refuses that request only: no block, an alert that says admin rights', async () => {
    env.fake.setAdminRights(V, false);
    const error = await env.amo.api
      .createCompanyCustomFields(V, [{ request_id: 'f', name: 'Поле', type: 'text' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmoForbiddenError);
    // The account is not blocked: everything else still goes.
    expect((await env.amo.api.getAccount(V))?.id).toBe(V);
    const connections = await env.call('GET', '/api/v1/admin/amo/connections', { token: env.adminToken() });
    expect(connections.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ accountId: V, status: 'active' })]),
    );
    const alerts = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    const denied = alerts.body.items.filter((a: { kind: string }) => a.kind === 'access_denied');
    expect(denied).toEqual([expect.objectContaining({ accountId: V })]);
    expect(denied[0].message).toMatch(/administrator/);
    expect(alerts.body.items.filter((a: { kind: string }) => a.kind === 'connection_blocked')).toEqual([]);
    env.fake.setAdminRights(V, true);
    const resolved = await env.call('POST', `/api/v1/admin/amo/alerts/${denied[0].id}/resolve`, {
      token: env.adminToken(),
      body: { resolution: 'handled in the test' },
    });
    expect(resolved.status).toBe(200);
  });

  it('a 403 from an IP whitelist is not a rate-limit block: the alert names the whitelist, and it heals alone', async () => {
    env.fake.restrictApiToIps(STORMY, ['203.0.113.7']);
    await expect(env.amo.api.getAccount(STORMY)).rejects.toBeInstanceOf(AmoForbiddenError);
    const alerts = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    const denied = alerts.body.items.filter(
      (a: { kind: string; accountId: number }) => a.kind === 'access_denied' && a.accountId === STORMY,
    );
    expect(denied).toHaveLength(1);
    expect(denied[0].message).toMatch(/IP/);
    expect(alerts.body.items.filter((a: { kind: string }) => a.kind === 'connection_blocked')).toEqual([]);
    // The account's admin lists our address: the next call simply works, no resume needed.
    env.fake.restrictApiToIps(STORMY, null);
    expect((await env.amo.api.getAccount(STORMY))?.id).toBe(STORMY);
    const resolved = await env.call('POST', `/api/v1/admin/amo/alerts/${denied[0].id}/resolve`, {
      token: env.adminToken(),
      body: { resolution: 'handled in the test' },
    });
    expect(resolved.status).toBe(200);
  });

  it('stops calling a blocked account (403), alerts admins, and resumes when a probe gets through', async () => {
    env.fake.block(V);
    await expect(env.amo.api.getAccount(V)).rejects.toBeInstanceOf(AmoBlockedError);
    const seen = env.fake.requests.length;
    await expect(env.amo.api.getAccount(V)).rejects.toBeInstanceOf(AmoBlockedError);
    await expect(env.amo.api.searchCompanies(V, 'x')).rejects.toBeInstanceOf(AmoBlockedError);
    expect(env.fake.requests.length).toBe(seen); // never hammer a blocked account

    const connections = await env.call('GET', '/api/v1/admin/amo/connections?status=blocked', {
      token: env.adminToken(),
    });
    expect(connections.body.items).toEqual([expect.objectContaining({ accountId: V, status: 'blocked' })]);
    const alerts = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    expect(alerts.body.items).toEqual([
      expect.objectContaining({ kind: 'connection_blocked', accountId: V }),
    ]);

    expect(await env.amo.probeBlocked(V)).toBe(false); // still blocked: one probe request, no more
    expect(env.fake.requests.length).toBe(seen + 1);
    env.fake.unblock(V);
    expect(await env.amo.probeBlocked(V)).toBe(true);
    expect((await env.amo.api.getAccount(V))?.id).toBe(V);
    const after = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    expect(after.body.items).toEqual([]);
  });
});
