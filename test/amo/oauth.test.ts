import { sql } from 'kysely';
import { createAmoIntegration } from '../../server/src/amo';
import { AmoClientRejectedError, AmoConnectionBrokenError } from '../../server/src/amo/amo.errors';
import { open } from '../../server/src/crypto/secret-box';
import { FAST, startAmoTest, VENDOR_ACCOUNT_ID, waitFor, type AmoTestEnv } from './support/harness';

let env: AmoTestEnv;
beforeAll(async () => {
  env = await startAmoTest();
});
afterAll(() => env.close());

const PARTNER = 30412345;

async function connection(accountId: number) {
  return env.db.db
    .selectFrom('amo_connections')
    .selectAll()
    .where('account_id', '=', BigInt(accountId))
    .executeTakeFirstOrThrow();
}

function storedTokens(row: { account_id: bigint; tokens_enc: string | null }) {
  return JSON.parse(open(env.config.encryptionKey, row.tokens_enc!, `amo_token:${row.account_id}`)) as {
    accessToken: string;
    refreshToken: string;
  };
}

/** Makes our record say the access token is about to expire (amoCRM's clock is not involved). */
async function expireSoon(accountId: number) {
  await env.db.db
    .updateTable('amo_connections')
    .set({ access_expires_at: sql<Date>`now() + interval '1 minute'` })
    .where('account_id', '=', BigInt(accountId))
    .execute();
}

/** Calls amoCRM's token endpoint directly, as a lost answer would have. */
async function refreshAtAmo(refreshToken: string) {
  const response = await fetch(`${env.fake.url}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: env.config.amo.clientId,
      client_secret: env.config.amo.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      redirect_uri: env.config.amo.redirectUri,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('installing the widget', () => {
  it('stores the code, answers the redirect at once, then exchanges the code in a job', async () => {
    env.fake.addAccount({ id: VENDOR_ACCOUNT_ID, subdomain: 'vendor' });
    const install = await env.fake.installWidget(VENDOR_ACCOUNT_ID);
    // The fake gives the redirect amoCRM's 3-second budget and no retry, like amoCRM.
    expect(install.status).toBe(200);

    await waitFor(
      async () => (await env.db.db.selectFrom('amo_connections').select('status').execute()).length > 0,
      'connection',
    );
    const row = await connection(VENDOR_ACCOUNT_ID);
    expect(row).toMatchObject({
      status: 'active',
      host: 'vendor.amocrm.ru',
      from_widget: true,
      token_version: 1,
    });
    expect(env.fake.stats.authorizationCodeExchanges).toBe(1);

    const exchange = env.fake.requests.find((r) => r.path === '/oauth2/access_token')!;
    expect(exchange.headers['content-type']).toMatch(/application\/json/);
    expect(exchange.body).toMatchObject({
      grant_type: 'authorization_code',
      client_id: env.config.amo.clientId,
      redirect_uri: env.config.amo.redirectUri,
      code: install.code,
    });

    const install_ = await env.db.db.selectFrom('amo_installs').selectAll().executeTakeFirstOrThrow();
    expect(install_).toMatchObject({
      status: 'exchanged',
      account_id: BigInt(VENDOR_ACCOUNT_ID),
      code_enc: '',
    });

    // Tokens are stored sealed, bound to the account, and never written to the logs.
    const tokens = storedTokens(row);
    expect(row.tokens_enc).not.toContain(tokens.accessToken.slice(0, 20));
    const logText = env.logs.join('');
    expect(logText).not.toContain(tokens.accessToken);
    expect(logText).not.toContain(tokens.refreshToken);
    expect(logText).not.toContain(install.code);
    expect(() => open(env.config.encryptionKey, row.tokens_enc!, `amo_token:${PARTNER}`)).toThrow();
  });

  it('connects a Kommo account on its own host, keyed by account id', async () => {
    await env.connect(PARTNER, 'integrator', 'kommo.com');
    const row = await connection(PARTNER);
    expect(row.host).toBe('integrator.kommo.com');
    const list = await env.call('GET', '/api/v1/admin/amo/connections', { token: env.adminToken() });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ accountId: PARTNER, brand: 'kommo', status: 'active', isVendor: false }),
        expect.objectContaining({ accountId: VENDOR_ACCOUNT_ID, brand: 'amocrm', isVendor: true }),
      ]),
    );
    expect(JSON.stringify(list.body)).not.toMatch(/accessToken|refreshToken|tokens_enc/);
  });

  it('connects an international account on amocrm.com (older accounts live there)', async () => {
    const id = 30412399;
    await env.connect(id, 'oldintl', 'amocrm.com');
    const row = await connection(id);
    expect(row).toMatchObject({ status: 'active', host: 'oldintl.amocrm.com' });
    const list = await env.call('GET', '/api/v1/admin/amo/connections', { token: env.adminToken() });
    expect(list.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ accountId: id, brand: 'amocrm', status: 'active' })]),
    );
  });

  it('refuses a redirect whose referer is not an amoCRM or Kommo account', async () => {
    const installs = (await env.db.db.selectFrom('amo_installs').select('id').execute()).length;
    for (const referer of ['evil.example.com', 'vendor.amocrm.ru.evil.com', 'http://vendor.amocrm.ru']) {
      const res = await env.call(
        'GET',
        `/amo/oauth/callback?code=def502000abc&referer=${encodeURIComponent(referer)}&from_widget=1`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('validation_failed');
    }
    const res = await env.call('GET', '/amo/oauth/callback?referer=vendor.amocrm.ru');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'query.code' })]);
    const cancelled = await env.call('GET', '/amo/oauth/callback?error=access_denied');
    expect(cancelled.status).toBe(200);
    expect(cancelled.text).toContain('Подключение отменено');
    expect(await env.db.db.selectFrom('amo_installs').select('id').execute()).toHaveLength(installs);
  });
});

describe('a flood of the install callback (issue 12, item 5)', () => {
  const pendingInstalls = async () =>
    (await env.db.db.selectFrom('amo_installs').select('id').where('status', '=', 'pending').execute())
      .length;
  const openInstallAlerts = async () =>
    env.db.db
      .selectFrom('amo_alerts')
      .select(['occurrences', 'message'])
      .where('kind', '=', 'install_failed')
      .where('resolved_at', 'is', null)
      .execute();

  it('limits made-up codes per referer and overall, and collapses their failures into one alert', async () => {
    const exchangesBefore = env.fake.requests.filter((r) => r.path === '/oauth2/access_token').length;
    // 200 unauthenticated calls from one referer with made-up codes, as the probe sent.
    const statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        env
          .call('GET', `/amo/oauth/callback?code=def50200made-up-${i}&referer=flood.amocrm.ru&from_widget=1`)
          .then((r) => r.status),
      ),
    );
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);

    await waitFor(async () => (await pendingInstalls()) === 0, 'the stored codes to be tried');
    const exchanges =
      env.fake.requests.filter((r) => r.path === '/oauth2/access_token').length - exchangesBefore;
    expect(exchanges).toBe(accepted);
    // One alert however many codes failed, counting them.
    const alerts = await openInstallAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.occurrences).toBe(accepted);
    await env.db.db
      .updateTable('amo_alerts')
      .set({ resolved_at: new Date() })
      .where('kind', '=', 'install_failed')
      .execute();
  });

  it('a real install from another account still goes through while one referer floods', async () => {
    const id = 30412377;
    env.fake.addAccount({ id, subdomain: 'genuine' });
    const install = await env.fake.installWidget(id);
    expect(install.status).toBe(200);
    await waitFor(
      async () =>
        (
          await env.db.db
            .selectFrom('amo_connections')
            .select('status')
            .where('account_id', '=', BigInt(id))
            .execute()
        ).length > 0,
      'the genuine install',
    );
  });
});

describe('refreshing tokens', () => {
  it('refreshes ahead of expiry and keeps using the new token', async () => {
    const before = await connection(VENDOR_ACCOUNT_ID);
    const refreshes = env.fake.stats.refreshTokenExchanges;
    await expireSoon(VENDOR_ACCOUNT_ID);
    const account = await env.amo.api.getAccount(VENDOR_ACCOUNT_ID);
    expect(account?.id).toBe(VENDOR_ACCOUNT_ID);
    expect(env.fake.stats.refreshTokenExchanges).toBe(refreshes + 1);
    const after = await connection(VENDOR_ACCOUNT_ID);
    expect(after.token_version).toBe(before.token_version + 1);
    expect(after.access_expires_at!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(storedTokens(after).refreshToken).not.toBe(storedTokens(before).refreshToken);
    // The next call uses the stored token as it is: no second refresh.
    await env.amo.api.getAccount(VENDOR_ACCOUNT_ID);
    expect(env.fake.stats.refreshTokenExchanges).toBe(refreshes + 1);
  });

  it('survives a lost refresh answer thanks to rotation, and a consumed token is then revoked', async () => {
    const stored = storedTokens(await connection(VENDOR_ACCOUNT_ID));
    // amoCRM issued new tokens but the answer never reached us (a crash): we still hold the old token.
    const lost = await refreshAtAmo(stored.refreshToken);
    expect(lost.status).toBe(200);

    await expireSoon(VENDOR_ACCOUNT_ID);
    await env.amo.api.getAccount(VENDOR_ACCOUNT_ID); // refreshes with the old token: still valid
    await expireSoon(VENDOR_ACCOUNT_ID);
    await env.amo.api.getAccount(VENDOR_ACCOUNT_ID); // first use of the newer token revokes its siblings
    expect((await connection(VENDOR_ACCOUNT_ID)).status).toBe('active');

    const reuse = await refreshAtAmo(lost.body.refresh_token!);
    expect(reuse.status).toBe(401);
    expect(reuse.body.hint).toBe('Token has been revoked');
  });

  it('refreshes once for two concurrent callers in two processes, and once for many in one', async () => {
    // Two integrations over the same database stand for two processes: only the row lock is shared.
    const other = createAmoIntegration(env.context, FAST);
    const refreshes = env.fake.stats.refreshTokenExchanges;
    const seen = env.fake.requests.length;
    await expireSoon(VENDOR_ACCOUNT_ID);
    const results = await Promise.all([
      env.amo.api.getAccount(VENDOR_ACCOUNT_ID),
      other.api.getAccount(VENDOR_ACCOUNT_ID),
      env.amo.api.getAccount(VENDOR_ACCOUNT_ID),
      other.api.getAccount(VENDOR_ACCOUNT_ID),
    ]);
    expect(results.map((a) => a?.id)).toEqual([
      VENDOR_ACCOUNT_ID,
      VENDOR_ACCOUNT_ID,
      VENDOR_ACCOUNT_ID,
      VENDOR_ACCOUNT_ID,
    ]);
    expect(env.fake.stats.refreshTokenExchanges).toBe(refreshes + 1);
    const tokenCalls = env.fake.requests.slice(seen).filter((r) => r.path === '/oauth2/access_token');
    expect(tokenCalls.map((r) => r.status)).toEqual([200]);
  });

  it('refreshes tokens that expire within hours from the maintenance job, before anyone needs them', async () => {
    await env.db.db
      .updateTable('amo_connections')
      .set({ access_expires_at: sql<Date>`now() + interval '3 hours'` })
      .where('account_id', '=', BigInt(VENDOR_ACCOUNT_ID))
      .execute();
    const before = await connection(VENDOR_ACCOUNT_ID);
    await env.amo.maintainConnections();
    const after = await connection(VENDOR_ACCOUNT_ID);
    expect(after.token_version).toBe(before.token_version + 1);
    expect(after.access_expires_at!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await env.amo.maintainConnections(); // nothing is due now
    expect((await connection(VENDOR_ACCOUNT_ID)).token_version).toBe(after.token_version);
  });

  it('refreshes once and retries when amoCRM says the access token expired (401)', async () => {
    const refreshes = env.fake.stats.refreshTokenExchanges;
    env.fake.expireAccessTokens(VENDOR_ACCOUNT_ID);
    const account = await env.amo.api.getAccount(VENDOR_ACCOUNT_ID);
    expect(account?.id).toBe(VENDOR_ACCOUNT_ID);
    expect(env.fake.stats.refreshTokenExchanges).toBe(refreshes + 1);
  });

  it("keeps every account's tokens and raises one integration alert when amoCRM refuses our client secret", async () => {
    // The vendor rotated the secret in amoCRM's integration settings; our configuration still has the old
    // one. amoCRM answers 401 «Некорректный клиент» (samples.ts) to every token request.
    const vendorBefore = await connection(VENDOR_ACCOUNT_ID);
    const partnerBefore = await connection(PARTNER);
    env.fake.rotateClientSecret('rotated-in-amocrm');
    await expireSoon(VENDOR_ACCOUNT_ID);
    await expireSoon(PARTNER);
    await expect(env.amo.api.getAccount(VENDOR_ACCOUNT_ID)).rejects.toBeInstanceOf(AmoClientRejectedError);
    await expect(env.amo.api.getAccount(PARTNER)).rejects.toBeInstanceOf(AmoClientRejectedError);
    for (const [before, accountId] of [
      [vendorBefore, VENDOR_ACCOUNT_ID],
      [partnerBefore, PARTNER],
    ] as const) {
      const row = await connection(accountId);
      expect(row.status).toBe('active');
      expect(row.tokens_enc).toBe(before.tokens_enc);
    }
    const alerts = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    const rejected = alerts.body.items.filter(
      (a: { kind: string }) => a.kind === 'integration_client_rejected',
    );
    expect(rejected).toEqual([
      expect.objectContaining({ accountId: null, occurrences: 2, resolvedAt: null }),
    ]);
    expect(rejected[0].message).toMatch(/AMO_CLIENT_SECRET/);
    expect(alerts.body.items.filter((a: { kind: string }) => a.kind === 'connection_broken')).toEqual([]);

    // The secret is fixed (here: amoCRM's side back to ours): every account heals, the alert closes.
    env.fake.rotateClientSecret(env.config.amo.clientSecret);
    expect((await env.amo.api.getAccount(VENDOR_ACCOUNT_ID))?.id).toBe(VENDOR_ACCOUNT_ID);
    expect((await env.amo.api.getAccount(PARTNER))?.id).toBe(PARTNER);
    const after = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() });
    expect(
      after.body.items.filter((a: { kind: string }) => a.kind === 'integration_client_rejected'),
    ).toEqual([]);
  });

  it('follows an account whose subdomain changed: asks amoCRM where it lives now, then retries there', async () => {
    const id = 30412388;
    await env.connect(id, 'oldname');
    env.fake.renameAccount(id, 'newname');
    const seen = env.fake.requests.length;
    const account = await env.amo.api.getAccount(id);
    expect(account?.id).toBe(id);
    expect(await connection(id)).toMatchObject({ status: 'active', host: 'newname.amocrm.ru' });
    const lookup = env.fake.requests.slice(seen).find((r) => r.path === '/oauth2/account/current/subdomain');
    expect(lookup).toMatchObject({ method: 'GET', status: 200 });
    expect(lookup!.headers['x-refresh-token']).toBeTruthy();
    // Later calls go to the new host at once.
    const later = env.fake.requests.length;
    await env.amo.api.getAccount(id);
    expect(env.fake.requests.slice(later).map((r) => r.status)).toEqual([200]);
  });

  it('marks the connection broken and alerts admins when the refresh token was revoked', async () => {
    env.fake.revoke(PARTNER);
    await expireSoon(PARTNER);
    await expect(env.amo.api.getAccount(PARTNER)).rejects.toBeInstanceOf(AmoConnectionBrokenError);
    const row = await connection(PARTNER);
    expect(row).toMatchObject({ status: 'broken', tokens_enc: null });
    expect(row.status_reason).toContain('Token has been revoked');
    // Nothing more is sent for a broken account.
    const sent = env.fake.requests.length;
    await expect(env.amo.api.getAccount(PARTNER)).rejects.toBeInstanceOf(AmoConnectionBrokenError);
    expect(env.fake.requests.length).toBe(sent);

    const alerts = await env.call('GET', `/api/v1/admin/amo/alerts?accountId=${PARTNER}`, {
      token: env.adminToken(),
    });
    expect(alerts.status).toBe(200);
    expect(alerts.body.items).toEqual([
      expect.objectContaining({ kind: 'connection_broken', accountId: PARTNER, resolvedAt: null }),
    ]);
    const staff = await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.staffToken() });
    expect(staff.status).toBe(403);

    // A reinstall connects the account again and closes the alert.
    await env.connect(PARTNER, 'integrator', 'kommo.com');
    expect((await connection(PARTNER)).status).toBe('active');
    const after = await env.call('GET', `/api/v1/admin/amo/alerts?accountId=${PARTNER}`, {
      token: env.adminToken(),
    });
    expect(after.body.items).toEqual([]);
  });
});

describe('the disconnect hook', () => {
  it('deletes the tokens when amoCRM signs the call', async () => {
    const hook = await env.fake.uninstallWidget(PARTNER, `${env.url}/amo/disconnect`);
    expect(hook.status).toBe(200);
    expect(await connection(PARTNER)).toMatchObject({
      status: 'disconnected',
      tokens_enc: null,
      access_expires_at: null,
    });
    const audit = await env.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'amo.disconnected')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      actor_kind: 'amocrm',
      actor_account_id: BigInt(PARTNER),
      entity_id: String(PARTNER),
    });
  });

  it('refuses a bad signature, another integration, or a signature for another account', async () => {
    const before = await connection(VENDOR_ACCOUNT_ID);
    const { createHmac } = await import('node:crypto');
    const sign = (secret: string, uuid: string, account: number) =>
      createHmac('sha256', secret).update(`${uuid}|${account}`).digest('hex');
    const cases = [
      {
        uuid: env.config.amo.clientId,
        signature: sign('wrong-secret', env.config.amo.clientId, VENDOR_ACCOUNT_ID),
      },
      {
        uuid: env.config.amo.clientId,
        signature: sign(env.config.amo.clientSecret, env.config.amo.clientId, PARTNER),
      },
      {
        uuid: '00000000-0000-4000-8000-000000000000',
        signature: sign(
          env.config.amo.clientSecret,
          '00000000-0000-4000-8000-000000000000',
          VENDOR_ACCOUNT_ID,
        ),
      },
      { uuid: env.config.amo.clientId, signature: 'not-hex' },
    ];
    for (const c of cases) {
      const res = await env.call(
        'GET',
        `/amo/disconnect?client_uuid=${c.uuid}&account_id=${VENDOR_ACCOUNT_ID}&signature=${c.signature}`,
      );
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'signature_invalid', status: 401 });
    }
    const missing = await env.call('GET', `/amo/disconnect?account_id=${VENDOR_ACCOUNT_ID}`);
    expect(missing.status).toBe(400);
    expect(await connection(VENDOR_ACCOUNT_ID)).toMatchObject({
      status: 'active',
      token_version: before.token_version,
    });
  });
});

// Last in the file: it fills the overall window, which would refuse the installs of the tests above.
describe('a flood of the install callback from many referers', () => {
  it('holds the overall limit, and the codes that got through fail into the same one alert', async () => {
    const exchangesBefore = env.fake.requests.filter((r) => r.path === '/oauth2/access_token').length;
    // And from 200 different referers: the overall limit holds.
    const spread = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        env
          .call('GET', `/amo/oauth/callback?code=def50200spread-${i}&referer=flood${i}.amocrm.ru`)
          .then((r) => r.status),
      ),
    );
    const acceptedSpread = spread.filter((s) => s === 200).length;
    expect(acceptedSpread).toBeLessThanOrEqual(30);

    expect(acceptedSpread).toBeGreaterThanOrEqual(1);
    expect(spread.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
    await waitFor(
      async () =>
        (await env.db.db.selectFrom('amo_installs').select('id').where('status', '=', 'pending').execute())
          .length === 0,
      'the stored codes to be tried',
    );
    const exchanges =
      env.fake.requests.filter((r) => r.path === '/oauth2/access_token').length - exchangesBefore;
    expect(exchanges).toBe(acceptedSpread);
    const alerts = await env.db.db
      .selectFrom('amo_alerts')
      .select('occurrences')
      .where('kind', '=', 'install_failed')
      .where('resolved_at', 'is', null)
      .execute();
    expect(alerts).toEqual([{ occurrences: acceptedSpread }]);
  });
});
