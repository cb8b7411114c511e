import { startTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const body = { kind: 'individual', name: 'Пётр Иванов', contacts: { email: 'petr@example.ru' } };

describe('Idempotency-Key', () => {
  it('replays the first result with Idempotency-Replayed: true and writes nothing new', async () => {
    const token = t.partnerToken(51000001);
    const headers = { 'Idempotency-Key': 'reg-51000001' };
    const first = await t.call('POST', '/api/v1/partner', { token, body, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    // Key order in the body does not matter: the hash is over canonical JSON.
    const reordered = { contacts: body.contacts, name: body.name, kind: body.kind };
    const replay = await t.call('POST', '/api/v1/partner', { token, body: reordered, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const audits = await t.db.db
      .selectFrom('audit_log')
      .select('id')
      .where('entity_id', '=', first.body.id)
      .execute();
    expect(audits).toHaveLength(1);
  });

  it('answers 409 when the same key comes with another body', async () => {
    const token = t.partnerToken(51000001);
    const res = await t.call('POST', '/api/v1/partner', {
      token,
      body: { ...body, name: 'Другое Имя' },
      headers: { 'Idempotency-Key': 'reg-51000001' },
    });
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 409,
      code: 'idempotency_key_reused',
    });
  });

  it('scopes keys per caller, so two accounts may use the same key', async () => {
    const res = await t.call('POST', '/api/v1/partner', {
      token: t.partnerToken(51000002),
      body,
      headers: { 'Idempotency-Key': 'reg-51000001' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotency-replayed')).toBeNull();
  });

  it('runs concurrent requests with one key once and replays the rest', async () => {
    const token = t.partnerToken(51000003);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.call('POST', '/api/v1/partner', { token, body, headers: { 'Idempotency-Key': 'race' } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(results.filter((r) => r.headers.get('idempotency-replayed') === 'true')).toHaveLength(7);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it('stores nothing for a failed request, so a corrected retry with the same key works', async () => {
    const token = t.partnerToken(51000004);
    const headers = { 'Idempotency-Key': 'fix-and-retry' };
    const bad = await t.call('POST', '/api/v1/partner', { token, body: { ...body, name: '' }, headers });
    expect(bad.status).toBe(400);
    const good = await t.call('POST', '/api/v1/partner', { token, body, headers });
    expect(good.status).toBe(201);
  });

  it('refuses a malformed key', async () => {
    const res = await t.call('POST', '/api/v1/partner', {
      token: t.partnerToken(51000005),
      body,
      headers: { 'Idempotency-Key': 'x'.repeat(201) },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('Idempotency-Key');
  });
});
