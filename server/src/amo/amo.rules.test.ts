import { createHmac } from 'node:crypto';
import {
  accountHostFromReferer,
  backoffMs,
  clientAccountIdsOfCompany,
  companyCreate,
  companyUpdate,
  disconnectSignature,
  retryAfterMs,
  verifyDisconnectSignature,
} from './amo.rules';

describe('accountHostFromReferer', () => {
  it.each([
    ['partner.amocrm.ru', 'partner.amocrm.ru'],
    ['Partner.AmoCRM.ru', 'partner.amocrm.ru'],
    ['https://partner.kommo.com', 'partner.kommo.com'],
    ['https://partner.kommo.com/', 'partner.kommo.com'],
    ['my-shop-1.amocrm.ru', 'my-shop-1.amocrm.ru'],
    // Older international accounts live on amocrm.com; their webhooks carry `https://<sub>.amocrm.com`.
    ['partner.amocrm.com', 'partner.amocrm.com'],
    ['https://partner.amocrm.com', 'partner.amocrm.com'],
  ])('accepts %s as %s', (referer, host) => {
    expect(accountHostFromReferer(referer)).toBe(host);
  });

  it.each([
    'evil.com',
    'amocrm.ru',
    'partner.amocrm.ru.evil.com',
    'a.b.amocrm.ru',
    'http://partner.amocrm.ru',
    'https://partner.amocrm.ru:8443',
    'https://user@partner.amocrm.ru',
    'partner.amocrm.co',
    'partner.amocrm.com.evil.com',
    '-partner.amocrm.ru',
    '',
  ])('refuses %s (our client secret would go there)', (referer) => {
    expect(accountHostFromReferer(referer)).toBeNull();
  });
});

describe('the disconnect signature', () => {
  const secret = 'integration-secret';
  const uuid = '6a1f3e0c-1111-4222-8333-944445555666';
  it('is hex HMAC-SHA256 of "client_uuid|account_id" keyed with the client secret', () => {
    const expected = createHmac('sha256', secret).update(`${uuid}|30412345`).digest('hex');
    expect(disconnectSignature(secret, uuid, '30412345')).toBe(expected);
    expect(verifyDisconnectSignature(secret, uuid, '30412345', expected)).toBe(true);
    expect(verifyDisconnectSignature(secret, uuid, '30412345', expected.toUpperCase())).toBe(true);
  });

  it.each([
    ['another account', (s: string) => verifyDisconnectSignature(secret, uuid, '30412346', s)],
    ['another secret', (s: string) => verifyDisconnectSignature('other', uuid, '30412345', s)],
    ['a truncated signature', (s: string) => verifyDisconnectSignature(secret, uuid, '30412345', s.slice(2))],
    ['not hex', (_s: string) => verifyDisconnectSignature(secret, uuid, '30412345', 'z'.repeat(64))],
  ])('fails for %s', (_name, check) => {
    expect(check(disconnectSignature(secret, uuid, '30412345'))).toBe(false);
  });
});

describe('backoffMs', () => {
  const options = { baseMs: 1000, capMs: 30_000 };
  it.each([
    [1, 0, 500],
    [1, 0.999, 1000],
    [2, 0, 1000],
    [3, 0.5, 3000],
    [6, 0, 15_000],
    [20, 0.999, 30_000],
  ])(
    'attempt %d with random %d waits %d ms (half fixed, half jitter, capped)',
    (attempt, random, expected) => {
      expect(Math.abs(backoffMs(attempt, options, random) - expected)).toBeLessThanOrEqual(20);
    },
  );
});

describe('retryAfterMs', () => {
  it.each([
    [{ retry_after: 2 }, undefined, 2000],
    [{ retry_after: '3' }, undefined, 3000],
    [undefined, '4', 4000],
    [undefined, undefined, 1000],
    [{ retry_after: 0 }, undefined, 1000],
    [{ retry_after: 99999 }, undefined, 600_000],
    [{ retry_after: 'soon' }, undefined, 1000],
  ])('%j with header %s waits %d ms', (body, header, expected) => {
    expect(retryAfterMs(body, header)).toBe(expected);
  });

  it('without a named wait doubles with each 429 in a row, capped, with at most a quarter of jitter', () => {
    const waits = [1, 2, 3, 4, 5, 6].map((attempt) =>
      retryAfterMs(undefined, undefined, attempt, { capMs: 16_000 }),
    );
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 16_000]);
    expect(retryAfterMs(undefined, undefined, 2, { capMs: 16_000 }, 0.999)).toBe(2500);
    // A named wait is obeyed as it is, whatever the attempt.
    expect(retryAfterMs({ retry_after: 1 }, undefined, 5)).toBe(1000);
  });
});

describe('the client company', () => {
  const state = {
    clientAccountId: 30412345,
    clientSubdomain: 'romashka',
    currentPartnerName: 'Интегратор Плюс',
    formerPartnerNames: ['Старый партнёр', 'Интегратор Плюс'],
  };

  it('is created with the account-id field and the partner tag', () => {
    expect(companyCreate(state, 77, '30412345')).toEqual({
      request_id: '30412345',
      name: 'romashka (аккаунт amoCRM 30412345)',
      custom_fields_values: [{ field_id: 77, values: [{ value: '30412345' }] }],
      tags_to_add: [{ name: 'Интегратор Плюс' }],
    });
  });

  it('is updated without touching its name: the current partner tag on, former partners off', () => {
    expect(companyUpdate(state, 77, 9001, '30412345')).toEqual({
      id: 9001,
      request_id: '30412345',
      custom_fields_values: [{ field_id: 77, values: [{ value: '30412345' }] }],
      tags_to_add: [{ name: 'Интегратор Плюс' }],
      tags_to_delete: [{ name: 'Старый партнёр' }],
    });
    expect(companyUpdate({ ...state, currentPartnerName: null }, 77, 9001, 'r')).toMatchObject({
      tags_to_delete: [{ name: 'Старый партнёр' }, { name: 'Интегратор Плюс' }],
    });
  });

  it('reads the client account ids from the field, ignoring other fields and junk', () => {
    const company = {
      custom_fields_values: [
        { field_id: 5, values: [{ value: '111' }] },
        { field_id: 77, values: [{ value: ' 30412345 ' }, { value: 'n/a' }, { value: '0' }] },
      ],
    };
    expect(clientAccountIdsOfCompany(company, 77)).toEqual([30412345]);
    expect(clientAccountIdsOfCompany({ custom_fields_values: null }, 77)).toEqual([]);
  });
});
