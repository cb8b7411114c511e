import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { z } from 'zod';
import { createApp } from '../../server/src/http/app';
import { defineRoute } from '../../server/src/http/route';
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

describe('errors the database raises over request values', () => {
  // The account number stands for any personal or bank data a request carries.
  const ACCOUNT = '40702810938000000042';
  const probe = defineRoute({
    method: 'post',
    path: '/probe/:what',
    summary: 'test only: makes PostgreSQL reject a request value',
    tag: 'test',
    auth: 'public',
    params: z.strictObject({ what: z.enum(['json', 'unique']) }),
    body: z.strictObject({ account: z.string() }),
    responses: {},
    async handler({ db, params, body }) {
      if (params.what === 'json') {
        // Malformed JSON built from the request: PostgreSQL quotes the fragment in its error detail.
        await sql`SELECT ${`{"bank": {"account": "${body.account}" `}::jsonb`.execute(db);
      } else {
        await sql`CREATE TEMP TABLE probe_accounts (account text UNIQUE) ON COMMIT DROP`.execute(db);
        await sql`INSERT INTO probe_accounts VALUES (${body.account}), (${body.account})`.execute(db);
      }
      return { status: 200, body: {} };
    },
  });

  it('answers a data exception 400, and logs an unexpected error without the values', async () => {
    const server = http.createServer(createApp(t.context, [probe]));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const send = (what: string) =>
        fetch(`http://127.0.0.1:${port}/probe/${what}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ account: ACCOUNT }),
        });
      const before = t.logs.length;
      expect((await send('json')).status).toBe(400);
      expect((await send('unique')).status).toBe(500);
      const lines = t.logs.slice(before);
      expect(lines.some((l) => l.includes('"code":"23505"'))).toBe(true);
      expect(lines.join('\n')).not.toContain(ACCOUNT);
      expect(lines.join('\n')).not.toContain(ACCOUNT.slice(-8));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
