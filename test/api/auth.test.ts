import jwt from 'jsonwebtoken';
import { startTestApp, VENDOR_ACCOUNT_ID, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** Claims exactly as amoCRM puts them in the X-Auth-Token (AMOCRM.md). */
function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'https://client1.amocrm.ru',
    aud: t.config.amo.tokenAudience,
    jti: 'b1946ac9-2f6b-4c3d-9a2e-6f1f1c0f7a11',
    iat: now,
    nbf: now,
    exp: now + 1800,
    account_id: 31000001,
    user_id: 5,
    subdomain: 'client1',
    client_uuid: t.config.amo.clientId,
    ...overrides,
  };
}
const sign = (payload: object, secret = t.config.amo.clientSecret, algorithm: jwt.Algorithm = 'HS256') =>
  jwt.sign(payload, secret, { algorithm });
const now = () => Math.floor(Date.now() / 1000);

async function expectProblem(token: string | undefined, status: number, code: string) {
  const res = await t.call('GET', '/api/v1/partner', { token });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
}

describe('amoCRM X-Auth-Token verification', () => {
  it('accepts a valid token and identifies the account (an unregistered one gets partner_not_found)', async () => {
    await expectProblem(sign(claims()), 404, 'partner_not_found');
  });

  it('accepts a Kommo issuer as well as amoCRM', async () => {
    await expectProblem(sign(claims({ iss: 'https://client1.kommo.com' })), 404, 'partner_not_found');
  });

  it('accepts an international amocrm.com issuer (older accounts)', async () => {
    await expectProblem(sign(claims({ iss: 'https://client1.amocrm.com' })), 404, 'partner_not_found');
  });

  it('refuses a missing header', async () => {
    await expectProblem(undefined, 401, 'token_missing');
  });

  it('refuses a bad signature', async () => {
    await expectProblem(sign(claims(), 'another-secret-another-secret-42'), 401, 'token_invalid');
  });

  it('refuses an expired token (beyond the 30 s leeway)', async () => {
    await expectProblem(
      sign(claims({ iat: now() - 4000, nbf: now() - 4000, exp: now() - 60 })),
      401,
      'token_expired',
    );
  });

  it('accepts a token expired within the 30 s leeway', async () => {
    await expectProblem(
      sign(claims({ iat: now() - 1000, nbf: now() - 1000, exp: now() - 10 })),
      404,
      'partner_not_found',
    );
  });

  it('refuses a lifetime longer than amoCRM issues (30 min + 60 s margin), however it is stated', async () => {
    for (const extra of [
      { exp: 1e300 },
      { exp: Number.MAX_SAFE_INTEGER },
      { exp: now() + 2 * 3600 },
      { exp: now() + 1800 + 61 },
      // A token minted long ago with a long life, still inside its exp: its lifetime is what gives it away.
      { iat: now() - 3 * 3600, nbf: now() - 3 * 3600, exp: now() + 600 },
    ]) {
      await expectProblem(sign(claims(extra)), 401, 'token_invalid');
    }
    // amoCRM's own 30 minutes, and a clock a little ahead of ours, pass.
    await expectProblem(sign(claims({ exp: now() + 1800 + 30 })), 404, 'partner_not_found');
  });

  it('refuses a token that is not yet valid', async () => {
    await expectProblem(sign(claims({ nbf: now() + 600 })), 401, 'token_not_yet_valid');
  });

  it('refuses a wrong audience', async () => {
    await expectProblem(sign(claims({ aud: 'https://evil.example.com' })), 401, 'token_wrong_audience');
  });

  it('refuses a token of another integration (client_uuid)', async () => {
    await expectProblem(
      sign(claims({ client_uuid: '00000000-0000-4000-8000-000000000000' })),
      401,
      'token_wrong_client',
    );
  });

  it('refuses an issuer that does not match the subdomain claim', async () => {
    await expectProblem(sign(claims({ iss: 'https://someoneelse.amocrm.ru' })), 401, 'token_wrong_issuer');
    await expectProblem(sign(claims({ iss: 'https://client1.evil.ru' })), 401, 'token_wrong_issuer');
  });

  it('refuses alg: none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
    await expectProblem(`${header}.${body}.`, 401, 'token_invalid');
  });

  it('refuses a token signed with the right secret but HS512', async () => {
    await expectProblem(sign(claims(), t.config.amo.clientSecret, 'HS512'), 401, 'token_invalid');
  });

  it('refuses garbage and tokens without identity claims', async () => {
    await expectProblem('not-a-jwt', 401, 'token_invalid');
    await expectProblem(sign(claims({ account_id: '31000001' })), 401, 'token_invalid');
    const { exp: _exp, ...withoutExpiry } = claims();
    await expectProblem(sign(withoutExpiry), 401, 'token_invalid');
  });

  it('accepts the same jti twice (amoCRM may reuse tokens) and records it in the audit log', async () => {
    const token = sign(claims({ account_id: 31000077, subdomain: 'client1' }));
    const body = { kind: 'individual', name: 'Иван Петров', contacts: { email: 'ivan@example.ru' } };
    const first = await t.call('POST', '/api/v1/partner', { token, body });
    expect(first.status).toBe(201);
    const second = await t.call('GET', '/api/v1/partner', { token });
    expect(second.status).toBe(200);
    const audit = await t.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', first.body.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'partner.registered',
      actor_kind: 'partner',
      token_jti: claims().jti,
      actor_account_id: 31000077n,
      actor_user_id: 5n,
    });
  });

  it('treats the vendor account as staff: partner endpoints refuse it, admin endpoints need an admin', async () => {
    const staff = t.staffToken(50);
    expect((await t.call('GET', '/api/v1/partner', { token: staff })).status).toBe(403);
    const list = await t.call('GET', '/api/v1/admin/partners', { token: staff });
    expect({ status: list.status, code: list.body.code }).toEqual({ status: 403, code: 'forbidden' });
    expect((await t.call('GET', '/api/v1/admin/partners', { token: t.adminToken() })).status).toBe(200);
    // A partner's token cannot reach admin endpoints either.
    expect((await t.call('GET', '/api/v1/admin/partners', { token: t.partnerToken(31000002) })).status).toBe(
      403,
    );
    expect(VENDOR_ACCOUNT_ID).toBe(t.config.vendorAccountId);
  });

  it('lets an admin grant the admin role to another vendor user', async () => {
    const granted = await t.call('POST', '/api/v1/admin/staff-roles', {
      token: t.adminToken(),
      body: { userId: 61, role: 'admin' },
    });
    expect(granted.status).toBe(200);
    expect((await t.call('GET', '/api/v1/admin/partners', { token: t.staffToken(61) })).status).toBe(200);
    // Taking the role back applies at once too (the role cache is cleared on every grant).
    await t.call('POST', '/api/v1/admin/staff-roles', {
      token: t.adminToken(),
      body: { userId: 61, role: 'staff' },
    });
    expect((await t.call('GET', '/api/v1/admin/partners', { token: t.staffToken(61) })).status).toBe(403);
  });
});

describe('whoami', () => {
  it('tells the widget which mode applies to the verified caller', async () => {
    const visitor = await t.call('GET', '/api/v1/whoami', { token: t.partnerToken(31000555) });
    expect(visitor.body).toMatchObject({ accountId: 31000555, role: 'visitor', partnerId: null });
    const partner = await t.call('GET', '/api/v1/whoami', { token: sign(claims({ account_id: 31000077 })) });
    expect(partner.body).toMatchObject({
      accountId: 31000077,
      role: 'partner',
      partnerId: expect.stringMatching(/^ptn_/),
    });
    expect((await t.call('GET', '/api/v1/whoami', { token: t.staffToken(50) })).body).toMatchObject({
      role: 'staff',
      accountId: VENDOR_ACCOUNT_ID,
    });
    expect((await t.call('GET', '/api/v1/whoami', { token: t.adminToken() })).body).toMatchObject({
      role: 'admin',
    });
    expect((await t.call('GET', '/api/v1/whoami')).status).toBe(401);
  });

  it('gives staff the configured client-account field id (AMO_CLIENT_ACCOUNT_FIELD_ID) without asking amoCRM', async () => {
    const configured = await startTestApp({ amo: { ...t.config.amo, clientAccountFieldId: 987654 } });
    try {
      const staff = await configured.call('GET', '/api/v1/whoami', { token: configured.staffToken(50) });
      expect(staff.body).toMatchObject({ role: 'staff', clientAccountFieldId: 987654 });
      const visitor = await configured.call('GET', '/api/v1/whoami', {
        token: configured.partnerToken(31000556),
      });
      expect(visitor.body).toMatchObject({ role: 'visitor', clientAccountFieldId: null });
    } finally {
      await configured.close();
    }
  });
});
