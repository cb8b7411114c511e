import { startTestApp, type TestApp } from '../support/app';

/** Secrets and passport data never reach the log, on success and on every error path. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ logLevel: 'trace' });
});
afterAll(() => t.close());

describe('the log', () => {
  it('holds no tokens, keys, client secret or passport data', async () => {
    const token = t.partnerToken(79000001);
    const bank = {
      bik: '044525225',
      account: '40702810938000000001',
      correspondentAccount: '30101810400000000225',
      bankName: 'ПАО Сбербанк',
    };
    const passport = { series: '4519', number: '987654' };
    await t.call('POST', '/api/v1/partner', {
      token,
      body: {
        kind: 'self_employed',
        name: 'Самозанятая Анна',
        inn: '500100732259',
        passport,
        bank,
        contacts: {},
      },
    });
    // Error paths: a bad passport, a malformed body with the passport inside, a wrong billing key, a forged token.
    await t.call('POST', '/api/v1/partner', {
      token: t.partnerToken(79000002),
      body: {
        kind: 'self_employed',
        name: 'Анна',
        inn: '500100732259',
        passport: { series: '4519', number: '98765X' },
        bank,
        contacts: {},
      },
    });
    await t.call('POST', '/api/v1/partner', {
      token,
      rawBody: `{"passport": {"series": "4519", "number": "987654"`,
      headers: { 'Content-Type': 'application/json' },
    });
    await t.call('POST', '/api/v1/payments', {
      headers: { Authorization: 'Bearer not-the-key-987654' },
      body: {},
    });
    await t.call('GET', '/api/v1/partner', { token: token.slice(0, -3) + 'abc' });
    await t.call('GET', `/api/v1/partner?access_token=${token}`, { token });

    const log = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(5);
    for (const secret of [
      token,
      token.split('.')[2]!,
      t.config.amo.clientSecret,
      t.config.billingApiKey,
      t.config.encryptionKey.toString('base64'),
      '987654',
      '98765X',
      'not-the-key',
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});
