/**
 * The webhook helper must produce what amoCRM sends: PHP-style form encoding with bracket keys, string
 * values, companies under `contacts[...]` with `type=company`, and the `account` block.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startFakeAmo } from './fake-amocrm';
import {
  EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY,
  WEBHOOK_USER_AGENT,
  companyEventPayload,
  encodeWebhookForm,
  flattenWebhookForm,
  sendWebhook,
  webhookCompanyFromApi,
  type WebhookCompany,
} from './webhooks';

const ACCOUNT = { id: 29871234, subdomain: 'partnerdemo' };

const COMPANY: WebhookCompany = {
  id: 31825547,
  name: 'ООО «Ромашка»',
  responsible_user_id: 8123451,
  date_create: 1717400815,
  last_modified: 1718006400,
  created_user_id: 8123451,
  modified_user_id: 8123452,
  custom_fields: [
    { id: 1044561, name: 'Телефон', code: 'PHONE', values: [{ value: '+7 999 123-45-67', enum: 716933 }] },
    { id: 1071235, name: 'ID аккаунта клиента', values: [{ value: '30412345' }] },
    { id: 1071237, name: 'Дата подключения', values: ['1717362000'] },
  ],
};

/** The form's value for each key (null where it is missing), to compare a set of fields in one expectation. */
function formValues(params: URLSearchParams, keys: string[]): Record<string, string | null> {
  return Object.fromEntries(keys.map((key) => [key, params.get(key)]));
}

describe('amoCRM webhook encoding', () => {
  it('form-encodes nested objects with bracket keys and string values, as PHP http_build_query does', () => {
    const body = encodeWebhookForm({ a: { b: [{ c: 1, d: true, e: null }], 'x y': 'ü & =' } });

    expect(body).toBe('a%5Bb%5D%5B0%5D%5Bc%5D=1&a%5Bb%5D%5B0%5D%5Bd%5D=1&a%5Bx+y%5D=%C3%BC+%26+%3D');
    expect([...new URLSearchParams(body)]).toEqual([
      ['a[b][0][c]', '1'],
      ['a[b][0][d]', '1'],
      ['a[x y]', 'ü & ='],
    ]);
  });

  it('puts updated companies under contacts[update] with type=company and the account block last', () => {
    const params = new URLSearchParams(encodeWebhookForm(companyEventPayload('update', ACCOUNT, COMPANY)));
    const keys = [...params.keys()];

    const expected = {
      'contacts[update][0][id]': '31825547',
      'contacts[update][0][name]': 'ООО «Ромашка»',
      'contacts[update][0][responsible_user_id]': '8123451',
      'contacts[update][0][date_create]': '1717400815',
      'contacts[update][0][last_modified]': '1718006400',
      'contacts[update][0][custom_fields][0][id]': '1044561',
      'contacts[update][0][custom_fields][0][name]': 'Телефон',
      'contacts[update][0][custom_fields][0][values][0][value]': '+7 999 123-45-67',
      'contacts[update][0][custom_fields][2][values][0]': '1717362000',
      'contacts[update][0][type]': 'company',
      'account[subdomain]': 'partnerdemo',
      'account[id]': '29871234',
      'account[_links][self]': 'https://partnerdemo.amocrm.ru',
    };
    expect(formValues(params, Object.keys(expected))).toEqual(expected);
    expect(keys.slice(-3)).toEqual(['account[subdomain]', 'account[id]', 'account[_links][self]']);
    expect(keys.some((key) => key.startsWith('companies'))).toBe(false);
  });

  it('builds add events for several companies indexed from zero, on a Kommo account', () => {
    const second = { ...COMPANY, id: 31825548, name: 'Second', custom_fields: undefined };
    const params = new URLSearchParams(
      encodeWebhookForm(companyEventPayload('add', { ...ACCOUNT, domain: 'kommo.com' }, [COMPANY, second])),
    );

    expect(params.get('contacts[add][0][id]')).toBe('31825547');
    expect(params.get('contacts[add][1][id]')).toBe('31825548');
    expect(params.get('contacts[add][1][type]')).toBe('company');
    expect(params.has('contacts[add][1][custom_fields][0][id]')).toBe(false);
    expect(params.get('account[_links][self]')).toBe('https://partnerdemo.kommo.com');
  });

  it('carries only the id and type of deleted companies', () => {
    const pairs = flattenWebhookForm(companyEventPayload('delete', ACCOUNT, [{ id: 31825547 }]));

    expect(pairs).toEqual([
      ['contacts[delete][0][id]', '31825547'],
      ['contacts[delete][0][type]', 'company'],
      ['account[subdomain]', 'partnerdemo'],
      ['account[id]', '29871234'],
      ['account[_links][self]', 'https://partnerdemo.amocrm.ru'],
    ]);
  });

  it('reproduces the captured-format example body byte for byte', () => {
    expect(encodeWebhookForm(companyEventPayload('update', ACCOUNT, COMPANY))).toBe(
      EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY,
    );
    const values = [...new URLSearchParams(EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY).values()];
    expect(values.every((value) => typeof value === 'string')).toBe(true);
  });

  it('turns a company stored in the fake into the webhook form amoCRM would send for it', async () => {
    const fake = await startFakeAmo();
    try {
      fake.addAccount({ id: ACCOUNT.id, subdomain: ACCOUNT.subdomain });
      const field = fake.addCustomField(ACCOUNT.id, { name: 'Дата подключения', type: 'date' });
      const company = fake.addCompany(ACCOUNT.id, {
        name: 'Stored',
        custom_fields_values: [
          { field_code: 'PHONE', values: [{ value: '+79991234567' }] },
          { field_id: field.id, values: [{ value: 1717362000 }] },
        ],
      });

      const params = new URLSearchParams(
        encodeWebhookForm(companyEventPayload('update', ACCOUNT, webhookCompanyFromApi(company))),
      );

      expect(params.get('contacts[update][0][id]')).toBe(String(company.id));
      expect(params.get('contacts[update][0][custom_fields][0][code]')).toBe('PHONE');
      expect(params.get('contacts[update][0][custom_fields][0][values][0][value]')).toBe('+79991234567');
      expect(params.get('contacts[update][0][custom_fields][0][values][0][enum]')).toEqual(
        expect.stringMatching(/^\d+$/),
      );
      expect(params.get('contacts[update][0][custom_fields][1][values][0]')).toBe('1717362000');
    } finally {
      await fake.close();
    }
  });
});

describe('sendWebhook', () => {
  let server: Server;
  let url: string;
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let delayMs = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('stored'), delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/amo/webhooks/secret-segment`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
    delayMs = 0;
  });

  it('posts the form with amoCRM content type and user agent and reports an answer within 2 seconds', async () => {
    const delivery = await sendWebhook(url, companyEventPayload('update', ACCOUNT, COMPANY));

    expect(delivery).toMatchObject({ status: 200, responseBody: 'stored', answeredInTime: true });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(received[0]!.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
    expect(received[0]!.body).toBe(EXAMPLE_COMPANY_UPDATE_WEBHOOK_BODY);
    expect(new URLSearchParams(received[0]!.body).get('contacts[update][0][type]')).toBe('company');
  });

  it('sends an already encoded body as it is and flags an answer slower than amoCRM waits', async () => {
    delayMs = 2100;
    const delivery = await sendWebhook(url, 'account%5Bid%5D=1');

    expect(received[0]!.body).toBe('account%5Bid%5D=1');
    expect(delivery.status).toBe(200);
    expect(delivery.answeredInTime).toBe(false);
  });

  it('reports a backend that does not answer at all', async () => {
    const delivery = await sendWebhook(
      'http://127.0.0.1:1/unreachable',
      { account: { id: 1 } },
      { timeoutMs: 1000 },
    );

    expect(delivery.status).toBeNull();
    expect(delivery.answeredInTime).toBe(false);
    expect(delivery.error).toEqual(expect.any(String));
  });
});
