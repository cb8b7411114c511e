import { startTestApp, type CallOptions, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function expectProblem(
  res: { status: number; headers: Headers; body: any },
  status: number,
  code: string,
) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.body).toMatchObject({
    type: `/problems/${code}`,
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|SELECT|INSERT|node_modules/);
}

const paths = (res: { body: { errors?: Array<{ path: string }> } }) =>
  (res.body.errors ?? []).map((e) => e.path);

describe('bad input gets a clear 4xx problem+json and writes nothing', () => {
  /** A visitor's registration attempt: each case below is refused before anything is written. */
  const register = (options: Omit<CallOptions, 'token'>) =>
    t.call('POST', '/api/v1/partner', { token: t.partnerToken(61000001), ...options });
  const json = (rawBody: string) => ({ rawBody, headers: { 'Content-Type': 'application/json' } });

  it('malformed JSON → 400 malformed_json', async () => {
    const res = await register(json('{"kind": "individual",'));
    await expectProblem(res, 400, 'malformed_json');
  });

  it('wrong types → 400 naming each field', async () => {
    const res = await register({ body: { kind: 'individual', name: 42, contacts: 'none' } });
    await expectProblem(res, 400, 'validation_failed');
    expect(paths(res)).toEqual(expect.arrayContaining(['name', 'contacts']));
  });

  it('missing fields → 400 naming each field', async () => {
    const res = await register({ body: { kind: 'legal_entity' } });
    await expectProblem(res, 400, 'validation_failed');
    expect(paths(res)).toEqual(expect.arrayContaining(['name', 'inn', 'kpp', 'ogrn', 'bank', 'contacts']));
  });

  it('an unknown kind → 400 naming kind', async () => {
    const res = await register({ body: { kind: 'pirate', name: 'X', contacts: {} } });
    await expectProblem(res, 400, 'validation_failed');
    expect(paths(res)).toContain('kind');
  });

  it('unknown fields → 400 naming them, prototype-pollution keys included', async () => {
    const res = await register(
      json('{"kind":"individual","name":"Иван","contacts":{},"isAdmin":true,"__proto__":{"polluted":1}}'),
    );
    await expectProblem(res, 400, 'validation_failed');
    expect(paths(res)).toEqual(expect.arrayContaining(['isAdmin', '__proto__']));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an oversized body → 413 payload_too_large', async () => {
    const res = await register({ body: { kind: 'individual', name: 'x'.repeat(1024 * 1024), contacts: {} } });
    await expectProblem(res, 413, 'payload_too_large');
  });

  it('a body that is not JSON → 415', async () => {
    const res = await register({
      rawBody: 'kind=individual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    await expectProblem(res, 415, 'unsupported_media_type');
  });

  it('a NUL character in text → 400, not a database error', async () => {
    const res = await register({ body: { kind: 'individual', name: 'Ива\u0000н', contacts: {} } });
    await expectProblem(res, 400, 'validation_failed');
  });

  it('a JSON array, null or a string instead of an object → 400', async () => {
    for (const raw of ['[]', 'null', '"text"', '123']) {
      const res = await register(json(raw));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('bad query and path parameters → 400 naming them', async () => {
    const admin = t.adminToken();
    await expectProblem(
      await t.call('GET', '/api/v1/admin/partners?limit=100000', { token: admin }),
      400,
      'validation_failed',
    );
    await expectProblem(
      await t.call('GET', '/api/v1/admin/partners?cursor=%%%', { token: admin }),
      400,
      'validation_failed',
    );
    // A cursor that decodes but names no id of a list keyed by numbers (amoCRM alerts and deliveries).
    const forged = Buffer.from(JSON.stringify({ id: 'x' })).toString('base64url');
    for (const list of ['/api/v1/admin/amo/alerts', '/api/v1/admin/amo/deliveries']) {
      const res = await t.call('GET', `${list}?cursor=${forged}`, { token: admin });
      await expectProblem(res, 400, 'validation_failed');
      expect(paths(res)).toEqual(['query.cursor']);
    }
    // …and one of the connections list (keyed by account id) that names no account.
    const fraction = Buffer.from(JSON.stringify({ accountId: 1.5 })).toString('base64url');
    const connections = await t.call('GET', `/api/v1/admin/amo/connections?cursor=${fraction}`, {
      token: admin,
    });
    await expectProblem(connections, 400, 'validation_failed');
    expect(paths(connections)).toEqual(['query.cursor']);
    const badId = await t.call('POST', "/api/v1/admin/partners/1'%20OR%201=1/contract", {
      token: admin,
      body: { contractNumber: 'X', signedAt: '2026-01-01T00:00:00Z' },
    });
    await expectProblem(badId, 400, 'validation_failed');
    expect(paths(badId)).toContain('params.id');
  });

  it('an unknown route → 404 problem+json', async () => {
    await expectProblem(await t.call('GET', '/api/v1/nothing-here'), 404, 'not_found');
  });

  it('wrote nothing for any of the above', async () => {
    const rows = await t.db.db.selectFrom('partners').select('id').execute();
    expect(rows).toEqual([]);
  });
});

describe('service endpoints', () => {
  it('GET /health answers 200 when the database answers', async () => {
    const res = await t.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('publishes OpenAPI 3 generated from the validation schemas', async () => {
    const res = await t.call('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const register = res.body.paths['/api/v1/partner'].post;
    expect(
      register.requestBody.content['application/json'].schema.oneOf ??
        register.requestBody.content['application/json'].schema.anyOf,
    ).toHaveLength(4);
    expect(res.body.paths['/api/v1/admin/partners/{id}/contract'].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
  });

  it('allows CORS only for amoCRM and Kommo origins, with the three allowed headers', async () => {
    const preflight = (origin: string) =>
      t.call('OPTIONS', '/api/v1/partner', {
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-auth-token,content-type,idempotency-key',
        },
      });
    const ok = await preflight('https://client1.amocrm.ru');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://client1.amocrm.ru');
    expect(ok.headers.get('access-control-allow-headers')).toBe('X-Auth-Token,Content-Type,Idempotency-Key');
    expect((await preflight('https://team.kommo.com')).headers.get('access-control-allow-origin')).toBe(
      'https://team.kommo.com',
    );
    expect((await preflight('https://team.amocrm.com')).headers.get('access-control-allow-origin')).toBe(
      'https://team.amocrm.com',
    );
    for (const origin of [
      'https://evil.com',
      'http://client1.amocrm.ru',
      'https://amocrm.ru.evil.com',
      'https://x.amocrm.ru.evil.com',
      'https://x.amocrm.com.evil.com',
    ]) {
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('gives every response a request id', async () => {
    const res = await t.call('GET', '/health');
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });
});
