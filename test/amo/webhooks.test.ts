import net from 'node:net';
import { parseWebhook } from '../../server/src/amo/webhook.form';
import {
  companyEventPayload,
  EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY,
  sendWebhook,
  webhookCompanyFromApi,
} from '../fakes/amocrm/webhooks';
import { companyClientIds, startAmoTest, VENDOR_ACCOUNT_ID, type AmoTestEnv } from './support/harness';

let env: AmoTestEnv;
const PARTNER = 34000001;
const V = VENDOR_ACCOUNT_ID;
const vendorAccount = { id: V, subdomain: 'vendor' };

beforeAll(async () => {
  // Workers off: each step (store, process, deliver) is driven by the test to show where it happens.
  env = await startAmoTest({ workers: false });
  await env.connect(V, 'vendor');
  await env.registerPartner(PARTNER, 'Партнёр Вебхук');
});
afterAll(() => env.close());

const hookUrl = () => `${env.url}/amo/webhooks/${env.config.amo.webhookSecret}`;
const events = () => env.db.db.selectFrom('amo_webhook_events').selectAll().orderBy('id').execute();
const openAlerts = async (kind: string) =>
  (await env.call('GET', '/api/v1/admin/amo/alerts', { token: env.adminToken() })).body.items.filter(
    (a: { kind: string }) => a.kind === kind,
  );

async function pinAndDeliver(client: number) {
  const res = await env.pin(PARTNER, client);
  expect(res.body.status).toBe('pinned');
  await env.amo.deliverOutbox();
  const company = env.fake
    .companies(V)
    .find((c) =>
      (c.custom_fields_values ?? []).some((f) => f.values.some((v) => Number(v.value) === client)),
    );
  return { pinId: res.body.id as string, company: company! };
}

describe('CRM webhooks', () => {
  // The body is amoCRM's delivery format with invented data (test/fakes/amocrm/webhooks.ts), not a capture.
  it('parses a form-encoded company update in the delivery format amoCRM sends', () => {
    expect(parseWebhook(EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY)).toEqual({
      accountId: 29871234,
      subdomain: 'partnerdemo',
      otherGroups: [],
      companyEvents: [
        {
          action: 'update',
          companyId: 31825547,
          name: 'ООО «Ромашка»',
          customFields: [
            { id: 1044561, name: 'Телефон', code: 'PHONE', values: ['+7 999 123-45-67'] },
            { id: 1071235, name: 'ID аккаунта клиента', code: null, values: ['30412345'] },
            { id: 1071237, name: 'Дата подключения', code: null, values: ['1717362000'] },
          ],
        },
      ],
    });
  });

  it('stores a delivery and answers before processing it; another account’s delivery is ignored and flagged', async () => {
    const foreign = await sendWebhook(hookUrl(), EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY);
    expect(foreign.status).toBe(200);
    const ours = await sendWebhook(
      hookUrl(),
      companyEventPayload('update', vendorAccount, {
        id: 123,
        name: 'Сторонняя',
        responsible_user_id: 1,
        date_create: 1,
        last_modified: 2,
      }),
    );
    expect(ours.status).toBe(200);
    expect((await events()).map((e) => [Number(e.account_id), e.status])).toEqual([
      [29871234, 'ignored'],
      [V, 'pending'],
    ]);
    expect((await events())[0]!.body).toBe(EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY);
    expect(await openAlerts('webhook_foreign_account')).toHaveLength(1);

    expect(await env.amo.processWebhooks()).toBe(1);
    expect((await events()).map((e) => e.status)).toEqual(['ignored', 'processed']);
  });

  it('answers 404 to a wrong secret and 415 to a body that is not form-encoded', async () => {
    const wrong = await sendWebhook(`${env.url}/amo/webhooks/not-the-secret`, 'account%5Bid%5D=1');
    expect(wrong.status).toBe(404);
    expect(JSON.parse(wrong.responseBody)).toMatchObject({ code: 'not_found' });
    const json = await env.call('POST', `/amo/webhooks/${env.config.amo.webhookSecret}`, {
      body: { account: { id: V } },
    });
    expect(json.status).toBe(415);
    expect(json.body.code).toBe('unsupported_media_type');
    expect(await events()).toHaveLength(2);
  });

  it('re-creates a pinned client’s company deleted in amoCRM, and tells admins', async () => {
    const { company } = await pinAndDeliver(80000001);
    // A spoofed or mistaken "delete" of a company that still exists changes nothing.
    await sendWebhook(hookUrl(), companyEventPayload('delete', vendorAccount, { id: company.id }));
    await env.amo.processWebhooks();
    expect(await env.amo.deliverOutbox()).toEqual({ claimed: 0 });

    env.fake.deleteCompany(V, company.id);
    const hook = await sendWebhook(
      hookUrl(),
      companyEventPayload('delete', vendorAccount, { id: company.id }),
    );
    expect(hook.status).toBe(200);
    await env.amo.processWebhooks();
    expect(await openAlerts('company_deleted')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ clientAccountId: 80000001, recreated: true }),
      }),
    ]);
    await env.amo.deliverOutbox();

    expect(companyClientIds(env.fake).filter((c) => c === 80000001)).toHaveLength(1);
    const recreated = env.fake.companies(V).find((c) => c.name.includes('80000001'))!;
    expect(recreated.id).not.toBe(company.id);
    expect(recreated._embedded.tags.map((t) => t.name)).toEqual(['Партнёр Вебхук']);
    const notes = env.fake.notes(V).filter((n) => n.entity_id === recreated.id);
    expect(notes.map((n) => String(n.params.text))).toEqual([expect.stringContaining('создана заново')]);
  });

  it('flags an account-id change on a pinned client’s company for admins; a resync writes the id back', async () => {
    const { company } = await pinAndDeliver(80000002);
    const fieldId = company.custom_fields_values![0]!.field_id;
    // A salesperson edits the field in amoCRM, and amoCRM tells us.
    await env.amo.api.updateCompanies(V, [
      {
        request_id: 'edit',
        id: company.id,
        custom_fields_values: [{ field_id: fieldId, values: [{ value: '80000999' }] }],
      },
    ]);
    const edited = env.fake.companies(V).find((c) => c.id === company.id)!;
    await sendWebhook(hookUrl(), companyEventPayload('update', vendorAccount, webhookCompanyFromApi(edited)));
    await env.amo.processWebhooks();

    expect(await openAlerts('company_account_changed')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({
          clientAccountId: 80000002,
          companyId: company.id,
          found: [80000999],
        }),
      }),
    ]);
    const mapping = () =>
      env.db.db
        .selectFrom('amo_vendor_companies')
        .selectAll()
        .where('client_account_id', '=', 80000002n)
        .executeTakeFirstOrThrow();
    expect((await mapping()).state).toBe('mismatch');

    const resync = await env.call('POST', '/api/v1/admin/amo/vendor-companies/80000002/resync', {
      token: env.adminToken(),
    });
    expect(resync.status).toBe(202);
    await env.amo.deliverOutbox();
    const fixed = env.fake.companies(V).find((c) => c.id === company.id)!;
    expect(fixed.custom_fields_values![0]!.values).toEqual([{ value: '80000002' }]);
    expect((await mapping()).state).toBe('active');
    const audit = await env.db.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'amo.%')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['amo.company_deleted', 'amo.company_account_changed', 'amo.company_resync']),
    );
  });
});

describe('an oversized webhook', () => {
  /**
   * Sends one request over a raw keep-alive socket and resolves when the server either closes the socket
   * or answers a second request sent after it — or after `ms`, which is the hang this guards against.
   */
  function oversizedThenNext(
    path: string,
    bytes: number,
    ms: number,
    type = 'application/x-www-form-urlencoded',
  ) {
    const { hostname, port } = new URL(env.url);
    return new Promise<{ text: string; closed: boolean; elapsed: number }>((resolve) => {
      const started = Date.now();
      const socket = net.connect(Number(port), hostname);
      let text = '';
      let settled = false;
      const done = (closed: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve({ text, closed, elapsed: Date.now() - started });
      };
      const timer = setTimeout(() => done(false), ms);
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if ((text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length >= 2) done(false);
      });
      socket.on('end', () => done(true));
      socket.on('close', () => done(true));
      socket.on('error', () => done(true));
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n` +
          `Content-Type: ${type}\r\nContent-Length: ${bytes}\r\n\r\n`,
      );
      socket.write('account%5Bid%5D=1&x=' + 'a'.repeat(bytes - 20), () => {
        socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
      });
    });
  }

  it('answers 413 and then closes the keep-alive connection instead of leaving it hanging', async () => {
    const result = await oversizedThenNext(
      `/amo/webhooks/${env.config.amo.webhookSecret}`,
      3 * 1024 * 1024,
      5000,
    );
    expect(result.text).toMatch(/^HTTP\/1\.1 413/);
    expect(result.text.toLowerCase()).toContain('connection: close');
    expect(result.closed).toBe(true);
    expect(result.elapsed).toBeLessThan(5000);
  });

  it('does the same for an oversized JSON body on the API', async () => {
    const result = await oversizedThenNext('/api/v1/payments', 3 * 1024 * 1024, 5000, 'application/json');
    expect(result.text).toMatch(/^HTTP\/1\.1 413/);
    expect(result.closed).toBe(true);
  });
});
