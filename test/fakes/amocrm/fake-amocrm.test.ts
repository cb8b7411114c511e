/**
 * The fake amoCRM over real HTTP: OAuth, API v4 shapes, limits, blocks, faults and the request log.
 *
 * Most tests run against a fake with a generous rate limit so that a test making a dozen calls is not
 * throttled by accident; the rate-limit tests start their own fake with amoCRM's real limit of 7/s.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';

import { startFakeAmo, type FakeAmo } from './fake-amocrm';

const CLIENT_ID = '5b8f2c1a-3d4e-4f60-9a7b-2c3d4e5f6a7b';
const CLIENT_SECRET = 'test-client-secret';
const REDIRECT_URI = 'https://partners.example.com/amo/oauth/callback';
const PARTNER = 30412345;
const OTHER = 30499999;

interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: () => any;
}

async function http(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** Expects a problem+json answer with this status; returns its body for the caller's own expectations. */
function problemBody(result: HttpResult, status: number): unknown {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toBe('application/problem+json');
  return result.json();
}

function tokenRequest(fake: FakeAmo, body: Record<string, unknown>): Promise<HttpResult> {
  return http(`${fake.url}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function exchangeCode(
  fake: FakeAmo,
  code: string,
  overrides: Record<string, unknown> = {},
): Promise<HttpResult> {
  return tokenRequest(fake, {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    ...overrides,
  });
}

function refresh(fake: FakeAmo, refreshToken: string): Promise<HttpResult> {
  return tokenRequest(fake, {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    redirect_uri: REDIRECT_URI,
  });
}

function api(
  fake: FakeAmo,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpResult> {
  return http(`${fake.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('fake amoCRM', () => {
  let fake: FakeAmo;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeAmo({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      ratePerSecond: 1000,
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset({ removeAccounts: true });
    fake.addAccount({ id: PARTNER, subdomain: 'partner', userIds: [8100001, 8100002] });
    fake.addAccount({ id: OTHER, subdomain: 'other', domain: 'kommo.com' });
    token = fake.grantTokens(PARTNER).access_token;
  });

  describe('OAuth token endpoint', () => {
    it('exchanges an authorization code for a Bearer token pair that lasts 24 hours', async () => {
      const result = await exchangeCode(fake, fake.issueAuthorizationCode(PARTNER));

      expect(result.status).toBe(200);
      const pair = result.json();
      expect(pair).toEqual({
        token_type: 'Bearer',
        expires_in: 86400,
        access_token: expect.any(String),
        refresh_token: expect.any(String),
      });
      expect(fake.stats.tokenExchanges).toBe(1);
      expect(fake.stats.authorizationCodeExchanges).toBe(1);
      const account = await api(fake, pair.access_token, 'GET', '/api/v4/account');
      expect(account.json()).toMatchObject({ id: PARTNER, subdomain: 'partner' });
    });

    it('accepts a form-encoded token request as well as JSON', async () => {
      const form = new URLSearchParams({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_type: 'authorization_code',
        code: fake.issueAuthorizationCode(PARTNER),
        redirect_uri: REDIRECT_URI,
      });
      const result = await http(`${fake.url}/oauth2/access_token`, { method: 'POST', body: form });

      expect(result.status).toBe(200);
      expect(result.json().token_type).toBe('Bearer');
    });

    it('refuses a second exchange of the same code with "Authorization code has been revoked"', async () => {
      const code = fake.issueAuthorizationCode(PARTNER);
      expect((await exchangeCode(fake, code)).status).toBe(200);

      const again = await exchangeCode(fake, code);

      expect(again.status).toBe(400);
      expect(again.headers.get('content-type')).toBe('application/problem+json');
      expect(again.json()).toEqual({
        hint: 'Authorization code has been revoked',
        title: 'Некорректный запрос',
        type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson',
        status: 400,
        detail: 'В запросе отсутствует ряд параметров или параметры невалидны',
      });
      expect(fake.stats.tokenExchanges).toBe(1);
      expect(fake.stats.failedTokenRequests).toBe(1);
    });

    it('refuses a code older than 20 minutes with "Authorization code has expired"', async () => {
      const code = fake.issueAuthorizationCode(PARTNER);
      fake.advanceTime(20 * 60 * 1000 + 1000);

      const result = await exchangeCode(fake, code);

      expect(result.status).toBe(400);
      expect(result.json().hint).toBe('Authorization code has expired');
    });

    it('answers 401 "Некорректный клиент" to a wrong secret or redirect URI and 400 without a client id', async () => {
      const wrongSecret = await exchangeCode(fake, fake.issueAuthorizationCode(PARTNER), {
        client_secret: 'nope',
      });
      const wrongRedirect = await exchangeCode(fake, fake.issueAuthorizationCode(PARTNER), {
        redirect_uri: 'https://evil.example/cb',
      });
      const noClient = await exchangeCode(fake, fake.issueAuthorizationCode(PARTNER), {
        client_id: undefined,
      });

      for (const result of [wrongSecret, wrongRedirect]) {
        expect(result.status).toBe(401);
        expect(result.json()).toEqual({
          title: 'Некорректный клиент',
          type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson',
          status: 401,
          detail: 'Авторизация клиента не прошла',
        });
      }
      expect(noClient.status).toBe(400);
      expect(noClient.json().hint).toBe('Check the `client_id` parameter');
    });

    it('keeps a refresh token valid until its successor is used, then answers 401 "Token has been revoked"', async () => {
      const first = (await exchangeCode(fake, fake.issueAuthorizationCode(PARTNER))).json();

      const second = await refresh(fake, first.refresh_token);
      expect(second.status).toBe(200);
      expect(second.json().refresh_token).not.toBe(first.refresh_token);

      // The successor has not been used yet, so the old token still works (a lost response is survivable).
      const retry = await refresh(fake, first.refresh_token);
      expect(retry.status).toBe(200);

      // Using a successor kills its parent and the parent's other successors (the racing refresh).
      const third = await refresh(fake, second.json().refresh_token);
      expect(third.status).toBe(200);
      for (const dead of [first.refresh_token, retry.json().refresh_token]) {
        const result = await refresh(fake, dead);
        expect(result.status).toBe(401);
        expect(result.json()).toMatchObject({ hint: 'Token has been revoked', status: 401 });
      }
      expect(fake.stats.refreshTokenExchanges).toBe(3);
    });

    it('refuses a consumed refresh token once the token issued in its place has been used', async () => {
      const first = fake.grantTokens(PARTNER);
      const second = (await refresh(fake, first.refresh_token)).json();
      const third = (await refresh(fake, second.refresh_token)).json();
      expect((await refresh(fake, third.refresh_token)).status).toBe(200);

      const reused = await refresh(fake, second.refresh_token);

      expect(reused.status).toBe(401);
      expect(reused.json().hint).toBe('Token has been revoked');
    });

    it('revoke() makes every access and refresh token of the account answer 401', async () => {
      const pair = fake.grantTokens(PARTNER);
      const otherToken = fake.grantTokens(OTHER).access_token;

      fake.revoke(PARTNER);

      expect((await api(fake, pair.access_token, 'GET', '/api/v4/account')).status).toBe(401);
      const refreshed = await refresh(fake, pair.refresh_token);
      expect(refreshed.status).toBe(401);
      expect(refreshed.json().hint).toBe('Token has been revoked');
      expect((await api(fake, otherToken, 'GET', '/api/v4/account')).status).toBe(200);
    });

    it('answers 401 to an expired access token while its refresh token still works', async () => {
      const pair = fake.grantTokens(PARTNER);
      fake.expireAccessTokens(PARTNER);

      const expired = await api(fake, pair.access_token, 'GET', '/api/v4/account');
      expect(expired.status).toBe(401);
      expect(expired.headers.get('x-fake-amo-reason')).toBe('access token expired');

      const refreshed = (await refresh(fake, pair.refresh_token)).json();
      expect((await api(fake, refreshed.access_token, 'GET', '/api/v4/account')).status).toBe(200);
    });

    it('lets access tokens run out after 24 hours of fake time', async () => {
      fake.advanceTime(24 * 60 * 60 * 1000);
      expect((await api(fake, token, 'GET', '/api/v4/account')).status).toBe(401);
    });
  });

  describe('API authentication', () => {
    it('answers 401 problem+json to a request without a valid Bearer token', async () => {
      const missing = await http(`${fake.url}/api/v4/companies`);
      const unknown = await api(fake, 'not-a-token', 'GET', '/api/v4/companies');

      for (const result of [missing, unknown]) {
        expect(problemBody(result, 401)).toEqual({
          title: 'Unauthorized',
          type: 'https://httpstatus.es/401',
          status: 401,
          detail: expect.any(String),
        });
      }
    });

    it('identifies the account by its access token because every account shares one origin', async () => {
      const otherToken = fake.grantTokens(OTHER).access_token;

      const partner = await api(fake, token, 'GET', '/api/v4/account');
      const other = await api(fake, otherToken, 'GET', '/api/v4/account?with=amojo_id');

      expect(partner.headers.get('content-type')).toBe('application/hal+json');
      expect(partner.json()).toMatchObject({
        id: PARTNER,
        subdomain: 'partner',
        current_user_id: 8100001,
        currency: 'RUB',
      });
      expect(partner.json()._links.self.href).toBe(`${fake.url}/api/v4/account`);
      expect(other.json()).toMatchObject({
        id: OTHER,
        subdomain: 'other',
        currency: 'USD',
        amojo_id: expect.any(String),
      });
    });
  });

  describe('companies', () => {
    it('answers an empty list with 204 and no body', async () => {
      const result = await api(fake, token, 'GET', '/api/v4/companies');

      expect(result.status).toBe(204);
      expect(result.text).toBe('');
      expect(result.headers.get('content-type')).toBeNull();
    });

    it('pages with _links.next as absolute URLs on the fake origin until an empty page answers 204', async () => {
      for (let i = 1; i <= 5; i++) fake.addCompany(PARTNER, { name: `Company ${i}` });

      const names: string[] = [];
      let next: string | undefined = `${fake.url}/api/v4/companies?limit=2`;
      const pages: number[] = [];
      while (next) {
        const result = await http(next, { headers: { authorization: `Bearer ${token}` } });
        expect(result.status).toBe(200);
        const body = result.json();
        pages.push(body._page);
        names.push(...body._embedded.companies.map((c: { name: string }) => c.name));
        expect(body._links.self.href.startsWith(`${fake.url}/api/v4/companies?`)).toBe(true);
        next = body._links.next?.href;
      }

      expect(pages).toEqual([1, 2, 3]);
      expect(names).toEqual(['Company 1', 'Company 2', 'Company 3', 'Company 4', 'Company 5']);
      expect((await api(fake, token, 'GET', '/api/v4/companies?limit=2&page=4')).status).toBe(204);
    });

    it('caps a page at 250 companies', async () => {
      const batch = Array.from({ length: 250 }, (_, i) => ({ name: `C${i}` }));
      expect((await api(fake, token, 'POST', '/api/v4/companies', batch)).status).toBe(200);
      expect((await api(fake, token, 'POST', '/api/v4/companies', [{ name: 'C250' }])).status).toBe(200);

      const page = (await api(fake, token, 'GET', '/api/v4/companies?limit=500')).json();

      expect(page._embedded.companies).toHaveLength(250);
      expect(page._links.next.href).toContain('limit=250');
    });

    it('creates companies, echoing request_id or the item index, and serves them by id', async () => {
      const fieldId = fake.addCustomField(PARTNER, {
        name: 'Client account id',
        type: 'numeric',
        code: 'CLIENT_ACCOUNT_ID',
      }).id;

      const created = await api(fake, token, 'POST', '/api/v4/companies', [
        {
          name: 'ООО «Ромашка»',
          responsible_user_id: 8100002,
          custom_fields_values: [{ field_id: fieldId, values: [{ value: 30411111 }] }],
          tags_to_add: [{ name: 'partner' }],
          request_id: 'pin-1',
        },
        { name: 'Second', _embedded: { tags: [{ name: 'partner' }] } },
      ]);

      expect(created.status).toBe(200);
      const body = created.json();
      expect(body._embedded.companies).toEqual([
        {
          id: expect.any(Number),
          request_id: 'pin-1',
          _links: { self: { href: expect.stringContaining('/api/v4/companies/') } },
        },
        {
          id: expect.any(Number),
          request_id: '1',
          _links: { self: { href: expect.stringContaining('/api/v4/companies/') } },
        },
      ]);

      const id = body._embedded.companies[0].id;
      const one = await api(fake, token, 'GET', `/api/v4/companies/${id}`);
      expect(one.status).toBe(200);
      expect(one.json()).toMatchObject({
        id,
        name: 'ООО «Ромашка»',
        responsible_user_id: 8100002,
        account_id: PARTNER,
        custom_fields_values: [
          {
            field_id: fieldId,
            field_name: 'Client account id',
            field_code: 'CLIENT_ACCOUNT_ID',
            field_type: 'numeric',
            values: [{ value: '30411111' }],
          },
        ],
        _embedded: { tags: [{ id: expect.any(Number), name: 'partner', color: null }] },
      });
      const [first, second] = fake.companies(PARTNER);
      expect(first!._embedded.tags[0]!.id).toBe(second!._embedded.tags[0]!.id);
    });

    it('finds a company by a custom field value with query=, and by id with filter[id]', async () => {
      const fieldId = fake.addCustomField(PARTNER, { name: 'Client account id', type: 'text' }).id;
      const wanted = fake.addCompany(PARTNER, {
        name: 'Wanted',
        custom_fields_values: [{ field_id: fieldId, values: [{ value: '30477777' }] }],
      });
      const other = fake.addCompany(PARTNER, {
        name: 'Other',
        custom_fields_values: [{ field_id: fieldId, values: [{ value: '30488888' }] }],
      });

      const byQuery = await api(fake, token, 'GET', '/api/v4/companies?query=30477777');
      const byIds = await api(
        fake,
        token,
        'GET',
        `/api/v4/companies?filter[id][]=${other.id}&filter[id][]=${wanted.id}`,
      );
      const nothing = await api(fake, token, 'GET', '/api/v4/companies?query=30400000');

      expect(byQuery.json()._embedded.companies.map((c: { id: number }) => c.id)).toEqual([wanted.id]);
      expect(byIds.json()._embedded.companies.map((c: { id: number }) => c.id)).toEqual([
        wanted.id,
        other.id,
      ]);
      expect(nothing.status).toBe(204);
    });

    it('answers 404 problem+json for a company that does not exist, or in another account', async () => {
      const foreign = fake.addCompany(OTHER, { name: 'Not yours' });

      for (const id of [99999999, foreign.id]) {
        const result = await api(fake, token, 'GET', `/api/v4/companies/${id}`);
        expect(problemBody(result, 404)).toMatchObject({
          title: 'Not Found',
          type: 'https://httpstatus.es/404',
          status: 404,
        });
      }
    });

    it('rejects a batch with an invalid item with 400 validation-errors and stores nothing', async () => {
      const result = await api(fake, token, 'POST', '/api/v4/companies', [
        { name: 'Fine', request_id: 'ok' },
        { request_id: 'no-name' },
        {
          name: 'Bad field',
          custom_fields_values: [{ field_id: 1, values: [{ value: 'x' }] }],
          responsible_user_id: 5,
        },
      ]);

      expect(result.status).toBe(400);
      expect(result.headers.get('content-type')).toBe('application/problem+json');
      expect(result.json()).toEqual({
        'validation-errors': [
          {
            request_id: 'no-name',
            errors: [{ code: 'FieldMissing', path: 'name', detail: 'This field is missing.' }],
          },
          {
            request_id: '2',
            errors: [
              {
                code: 'NotSupportedChoice',
                path: 'responsible_user_id',
                detail: 'The value you selected is not a valid choice.',
              },
              {
                code: 'NotSupportedChoice',
                path: 'custom_fields_values.0.field_id',
                detail: 'The value you selected is not a valid choice.',
              },
            ],
          },
        ],
        title: 'Bad Request',
        type: 'https://httpstatus.es/400',
        status: 400,
        detail: 'Request validation failed',
      });
      expect(fake.companies(PARTNER)).toEqual([]);
    });

    it('rejects more than 250 companies in one request and a body that is not an array', async () => {
      const tooMany = await api(
        fake,
        token,
        'POST',
        '/api/v4/companies',
        Array.from({ length: 251 }, (_, i) => ({ name: `C${i}` })),
      );
      const notArray = await api(fake, token, 'POST', '/api/v4/companies', { name: 'Single' });

      expect(tooMany.status).toBe(400);
      expect(tooMany.json()['validation-errors'][0].errors[0]).toMatchObject({ code: 'TooManyElements' });
      expect(notArray.status).toBe(400);
      expect(notArray.json()['validation-errors'][0].errors[0]).toMatchObject({ code: 'InvalidType' });
      expect(fake.companies(PARTNER)).toEqual([]);
    });

    it('updates companies with PATCH, merging custom fields and tags, in batches and by id', async () => {
      const fieldA = fake.addCustomField(PARTNER, { name: 'A', type: 'text', code: 'A' }).id;
      const fieldB = fake.addCustomField(PARTNER, { name: 'B', type: 'text', code: 'B' }).id;
      const company = fake.addCompany(PARTNER, {
        name: 'Before',
        custom_fields_values: [
          { field_id: fieldA, values: [{ value: 'a1' }] },
          { field_id: fieldB, values: [{ value: 'b1' }] },
        ],
        tags_to_add: [{ name: 'old' }],
      });
      fake.advanceTime(5000);

      const batch = await api(fake, token, 'PATCH', '/api/v4/companies', [
        {
          id: company.id,
          name: 'After',
          custom_fields_values: [{ field_code: 'B', values: [{ value: 'b2' }] }],
          tags_to_add: [{ name: 'new' }],
        },
      ]);
      expect(batch.status).toBe(200);
      expect(batch.json()._embedded.companies[0]).toMatchObject({
        id: company.id,
        name: 'After',
        request_id: '0',
      });
      expect(batch.json()._embedded.companies[0].updated_at).toBeGreaterThan(company.updated_at);

      const single = await api(fake, token, 'PATCH', `/api/v4/companies/${company.id}`, {
        custom_fields_values: [{ field_id: fieldA, values: null }],
        tags_to_delete: [{ name: 'old' }],
      });
      expect(single.status).toBe(200);
      expect(single.json()).toMatchObject({ id: company.id, name: 'After' });

      const [stored] = fake.companies(PARTNER);
      expect(stored!.custom_fields_values).toEqual([
        { field_id: fieldB, field_name: 'B', field_code: 'B', field_type: 'text', values: [{ value: 'b2' }] },
      ]);
      expect(stored!._embedded.tags.map((t) => t.name)).toEqual(['new']);

      const missingId = await api(fake, token, 'PATCH', '/api/v4/companies', [{ name: 'No id' }]);
      expect(missingId.json()['validation-errors']).toEqual([
        { request_id: '0', errors: [{ code: 'FieldMissing', path: 'id', detail: 'This field is missing.' }] },
      ]);
      expect((await api(fake, token, 'PATCH', '/api/v4/companies/99999999', { name: 'x' })).status).toBe(404);
    });

    it('lists the predefined company fields and creates new ones usable by code', async () => {
      const created = await api(fake, token, 'POST', '/api/v4/companies/custom_fields', [
        { name: 'ID аккаунта клиента', type: 'text', code: 'CLIENT_ACCOUNT_ID', request_id: 'f1' },
      ]);
      expect(created.status).toBe(200);
      expect(created.json()._embedded.custom_fields[0]).toMatchObject({
        id: expect.any(Number),
        name: 'ID аккаунта клиента',
        type: 'text',
        code: 'CLIENT_ACCOUNT_ID',
        entity_type: 'companies',
        is_predefined: false,
        request_id: 'f1',
      });

      const list = (await api(fake, token, 'GET', '/api/v4/companies/custom_fields')).json();
      expect(list._embedded.custom_fields.map((f: { code: string }) => f.code)).toEqual([
        'PHONE',
        'EMAIL',
        'WEB',
        'ADDRESS',
        'CLIENT_ACCOUNT_ID',
      ]);
      expect(list._total_items).toBe(5);

      const duplicate = await api(fake, token, 'POST', '/api/v4/companies/custom_fields', [
        { name: 'Again', type: 'text', code: 'CLIENT_ACCOUNT_ID' },
      ]);
      expect(duplicate.status).toBe(400);
      const badType = await api(fake, token, 'POST', '/api/v4/companies/custom_fields', [
        { name: 'X', type: 'hologram' },
      ]);
      expect(badType.json()['validation-errors'][0].errors).toEqual([
        { code: 'NotSupportedChoice', path: 'type', detail: 'The value you selected is not a valid choice.' },
      ]);

      const company = await api(fake, token, 'POST', '/api/v4/companies', [
        {
          name: 'By code',
          custom_fields_values: [{ field_code: 'CLIENT_ACCOUNT_ID', values: [{ value: '30412399' }] }],
        },
      ]);
      expect(company.status).toBe(200);
      expect(fake.companies(PARTNER)[0]!.custom_fields_values![0]!.values).toEqual([{ value: '30412399' }]);
    });

    it('adds common notes to companies and refuses a note without params.text', async () => {
      const company = fake.addCompany(PARTNER, { name: 'Noted' });

      const created = await api(fake, token, 'POST', '/api/v4/companies/notes', [
        {
          entity_id: company.id,
          note_type: 'common',
          params: { text: 'Pinned to partner 42' },
          request_id: 'n1',
        },
      ]);
      const invalid = await api(fake, token, 'POST', '/api/v4/companies/notes', [
        { entity_id: company.id, note_type: 'common', text: 'misplaced' },
      ]);

      expect(created.status).toBe(200);
      expect(created.json()._embedded.notes[0]).toMatchObject({
        id: expect.any(Number),
        entity_id: company.id,
        request_id: 'n1',
      });
      expect(fake.notes(PARTNER)).toEqual([
        expect.objectContaining({
          entity_id: company.id,
          note_type: 'common',
          params: { text: 'Pinned to partner 42' },
          account_id: PARTNER,
        }),
      ]);
      expect(invalid.status).toBe(400);
      expect(invalid.json()['validation-errors'][0].errors).toEqual([
        { code: 'FieldMissing', path: 'params.text', detail: 'This field is missing.' },
      ]);
      const listed = await api(fake, token, 'GET', `/api/v4/companies/${company.id}/notes`);
      expect(listed.json()._embedded.notes).toHaveLength(1);
    });

    it('creates tasks linked to companies, lists them by entity, and requires text and complete_till', async () => {
      const company = fake.addCompany(PARTNER, { name: 'Tasked' });
      const completeTill = Math.floor(fake.now() / 1000) + 86400;

      const created = await api(fake, token, 'POST', '/api/v4/tasks', [
        {
          text: 'Call the client back',
          complete_till: completeTill,
          entity_id: company.id,
          entity_type: 'companies',
          responsible_user_id: 8100002,
          request_id: 't1',
        },
      ]);
      const invalid = await api(fake, token, 'POST', '/api/v4/tasks', [
        { entity_id: company.id, entity_type: 'companies' },
      ]);
      const listed = await api(
        fake,
        token,
        'GET',
        `/api/v4/tasks?filter[entity_type]=companies&filter[entity_id][]=${company.id}`,
      );

      expect(created.status).toBe(200);
      expect(created.json()._embedded.tasks[0]).toMatchObject({ id: expect.any(Number), request_id: 't1' });
      expect(listed.json()._embedded.tasks).toEqual([
        expect.objectContaining({
          text: 'Call the client back',
          complete_till: completeTill,
          entity_id: company.id,
          entity_type: 'companies',
          responsible_user_id: 8100002,
          is_completed: false,
          task_type_id: 1,
          account_id: PARTNER,
        }),
      ]);
      expect(fake.companies(PARTNER)[0]!.closest_task_at).toBe(completeTill);
      expect(invalid.json()['validation-errors'][0].errors.map((e: { path: string }) => e.path)).toEqual([
        'text',
        'complete_till',
      ]);
      expect(fake.tasks(PARTNER)).toHaveLength(1);
    });
  });

  describe('blocks and faults', () => {
    it('answers 403 with an HTML page, not JSON, to API and OAuth calls of a blocked account until unblocked', async () => {
      const pair = fake.grantTokens(PARTNER);
      fake.block(PARTNER);

      const blockedApi = await api(fake, pair.access_token, 'GET', '/api/v4/companies');
      const blockedRefresh = await refresh(fake, pair.refresh_token);

      for (const result of [blockedApi, blockedRefresh]) {
        expect(result.status).toBe(403);
        expect(result.headers.get('content-type')).toBe('text/html');
        expect(result.text).toContain('<h1>403 Forbidden</h1>');
        expect(() => JSON.parse(result.text)).toThrow();
      }
      expect((await api(fake, fake.grantTokens(OTHER).access_token, 'GET', '/api/v4/account')).status).toBe(
        200,
      );

      fake.unblock(PARTNER);
      expect((await api(fake, pair.access_token, 'GET', '/api/v4/account')).status).toBe(200);
    });

    it('fails exactly the next n API requests with the injected status, gateway errors as HTML', async () => {
      fake.failNext(1, 502);
      fake.failNext(1, 504);
      fake.failNext(1, 500);

      const bad = await api(fake, token, 'GET', '/api/v4/account');
      const timeout = await api(fake, token, 'GET', '/api/v4/account');
      const internal = await api(fake, token, 'GET', '/api/v4/account');
      const fine = await api(fake, token, 'GET', '/api/v4/account');

      expect([bad.status, timeout.status, internal.status, fine.status]).toEqual([502, 504, 500, 200]);
      expect(bad.headers.get('content-type')).toBe('text/html');
      expect(timeout.text).toContain('504 Gateway Time-out');
      expect(internal.headers.get('content-type')).toBe('application/problem+json');
      expect(internal.json()).toMatchObject({ status: 500, type: 'https://httpstatus.es/500' });
      expect(fake.stats.injectedFailures).toBe(3);
    });

    it('answers 402 problem+json while the account is unpaid', async () => {
      fake.setUnpaid(PARTNER, true);
      const unpaid = await api(fake, token, 'GET', '/api/v4/companies');
      fake.setUnpaid(PARTNER, false);
      const paid = await api(fake, token, 'GET', '/api/v4/companies');

      expect(unpaid.status).toBe(402);
      expect(unpaid.json()).toMatchObject({ title: 'Payment Required', status: 402 });
      expect(paid.status).toBe(204);
    });

    it('delays answers by the configured latency', async () => {
      fake.setLatency(150);
      const started = performance.now();
      await api(fake, token, 'GET', '/api/v4/account');
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('can answer a missing company with 204 when configured to, as some amoCRM look-ups do', async () => {
      const lenient = await startFakeAmo({ missingEntityStatus: 204 });
      try {
        lenient.addAccount({ id: PARTNER, subdomain: 'partner' });
        const result = await api(
          lenient,
          lenient.grantTokens(PARTNER).access_token,
          'GET',
          '/api/v4/companies/123',
        );
        expect(result.status).toBe(204);
        expect(result.text).toBe('');
      } finally {
        await lenient.close();
      }
    });
  });

  describe('request log', () => {
    it('records every OAuth and API request with method, path, query, account, body and status', async () => {
      const code = fake.issueAuthorizationCode(PARTNER);
      await exchangeCode(fake, code);
      await api(fake, token, 'GET', '/api/v4/companies?query=abc&filter[id][]=1&filter[id][]=2');
      await api(fake, token, 'POST', '/api/v4/companies', [{ name: 'Logged' }]);
      await api(fake, 'bogus', 'GET', '/api/v4/account');
      await http(`${fake.url}/_fake/state`);

      expect(fake.requests.map((r) => [r.method, r.path, r.accountId, r.status])).toEqual([
        ['POST', '/oauth2/access_token', PARTNER, 200],
        ['GET', '/api/v4/companies', PARTNER, 204],
        ['POST', '/api/v4/companies', PARTNER, 200],
        ['GET', '/api/v4/account', null, 401],
      ]);
      expect(fake.requests[0]!.body).toMatchObject({ grant_type: 'authorization_code', code });
      expect(fake.requests[1]!.query).toEqual({ query: 'abc', 'filter[id][]': ['1', '2'] });
      expect(fake.requests[2]!.body).toEqual([{ name: 'Logged' }]);
      expect(fake.requests[2]!.headers.authorization).toBe(`Bearer ${token}`);
      expect(fake.requests[2]!.at).toBeGreaterThanOrEqual(fake.requests[1]!.at);

      fake.clearRequests();
      expect(fake.requests).toEqual([]);
    });
  });

  describe('developer control endpoints and install hooks', () => {
    it('shows companies and tasks per account at /_fake/state and issues working codes over HTTP', async () => {
      fake.addCompany(PARTNER, { name: 'Visible' });

      const state = await http(`${fake.url}/_fake/state`);
      const issued = await http(`${fake.url}/_fake/accounts/${PARTNER}/code`, { method: 'POST' });

      expect(state.status).toBe(200);
      const partner = state.json().accounts.find((a: { id: number }) => a.id === PARTNER);
      expect(partner.companies.map((c: { name: string }) => c.name)).toEqual(['Visible']);
      expect(partner.tasks).toEqual([]);
      expect(issued.status).toBe(201);
      expect(issued.json()).toMatchObject({
        account_id: PARTNER,
        referer: 'partner.amocrm.ru',
        expires_in: 1200,
      });
      expect((await exchangeCode(fake, issued.json().code)).status).toBe(200);
      expect((await http(`${fake.url}/_fake/accounts/1/code`, { method: 'POST' })).status).toBe(400);
    });

    it('calls the redirect URI once on install and signs the disconnect hook on uninstall', async () => {
      const seen: IncomingMessage[] = [];
      const backend: Server = createServer((req, res) => {
        seen.push(req);
        res.writeHead(200).end('ok');
      });
      await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
      try {
        const installed = await fake.installWidget(PARTNER, {
          redirectUri: `${base}/amo/oauth/callback`,
          state: 's1',
        });
        expect(installed.status).toBe(200);
        const install = new URL(seen[0]!.url!, base);
        expect(install.pathname).toBe('/amo/oauth/callback');
        expect(Object.fromEntries(install.searchParams)).toEqual({
          code: installed.code,
          state: 's1',
          referer: 'partner.amocrm.ru',
          platform: '1',
          client_id: CLIENT_ID,
          from_widget: '1',
        });
        expect((await exchangeCode(fake, installed.code)).status).toBe(200);

        const pair = fake.grantTokens(PARTNER);
        const uninstalled = await fake.uninstallWidget(PARTNER, `${base}/amo/disconnect?key=secret-path`);
        expect(uninstalled.status).toBe(200);
        const hook = new URL(seen[1]!.url!, base);
        const expected = createHmac('sha256', CLIENT_SECRET).update(`${CLIENT_ID}|${PARTNER}`).digest('hex');
        expect(Object.fromEntries(hook.searchParams)).toEqual({
          key: 'secret-path',
          client_uuid: CLIENT_ID,
          account_id: String(PARTNER),
          signature: expected,
        });
        expect((await api(fake, pair.access_token, 'GET', '/api/v4/account')).status).toBe(401);
      } finally {
        await new Promise((resolve) => backend.close(resolve));
      }
    });
  });
});

describe('fake amoCRM rate limit', () => {
  let fake: FakeAmo;
  let token: string;

  beforeAll(async () => {
    // A fixed base clock: the requests of one "second" arrive at one instant however slow the machine is,
    // and only advanceTime moves time on.
    const frozenAt = Date.now();
    fake = await startFakeAmo({ autoBlockAfter429s: 3, clock: () => frozenAt });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset({ removeAccounts: true });
    fake.addAccount({ id: PARTNER, subdomain: 'partner' });
    token = fake.grantTokens(PARTNER).access_token;
  });

  /** Eight GET /api/v4/account in a row (within one second of the fake's clock): the statuses and the 429. */
  async function eightRequests(target: FakeAmo, accessToken: string) {
    const statuses: number[] = [];
    let refused: HttpResult | undefined;
    for (let i = 0; i < 8; i++) {
      const result = await api(target, accessToken, 'GET', '/api/v4/account');
      statuses.push(result.status);
      if (result.status === 429) refused = result;
    }
    return { statuses, refused };
  }

  it("answers the eighth request within one second with the gateway's HTML 429 and no Retry-After, like amoCRM", async () => {
    const { statuses, refused } = await eightRequests(fake, token);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
    expect(refused!.headers.get('content-type')).toBe('text/html');
    expect(refused!.text).toContain('429 Too Many Requests');
    expect(refused!.headers.get('retry-after')).toBeNull();
    // An injected 429 has the same shape.
    fake.failNext(1, 429);
    fake.advanceTime(1000);
    const injected = await api(fake, token, 'GET', '/api/v4/account');
    expect(injected.status).toBe(429);
    expect(injected.headers.get('content-type')).toBe('text/html');
    expect(injected.headers.get('retry-after')).toBeNull();
  });

  it('with tooManyRequestsBody "json": problem+json with retry_after and Retry-After, and records the burst', async () => {
    const jsonFake = await startFakeAmo({ tooManyRequestsBody: 'json' });
    const close = () => jsonFake.close();
    const fake = jsonFake;
    fake.addAccount({ id: PARTNER, subdomain: 'partner' });
    const token = fake.grantTokens(PARTNER).access_token;
    const { statuses, refused } = await eightRequests(fake, token);

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
    expect(refused!.json()).toMatchObject({ title: 'Too Many Requests', status: 429, retry_after: 1 });
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(fake.stats.tooManyRequests).toBe(1);
    expect(fake.stats.tooManyRequestsByAccount[PARTNER]).toBe(1);
    expect(fake.stats.maxRequestsPerSecond[PARTNER]).toBe(8);
    expect(fake.requests.at(-1)!.status).toBe(429);
    await close();
  });

  it('never refuses a client that sends seven requests per second', async () => {
    for (let second = 0; second < 3; second++) {
      const results = await Promise.all(
        Array.from({ length: 7 }, () => api(fake, token, 'GET', '/api/v4/account')),
      );
      expect(results.map((r) => r.status)).toEqual(Array(7).fill(200));
      fake.advanceTime(1000);
    }
    expect(fake.stats.tooManyRequests).toBe(0);
    expect(fake.stats.maxRequestsPerSecond[PARTNER]).toBe(7);
  });

  it('blocks an account that keeps hitting the limit, after which every call gets the HTML 403', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await api(fake, token, 'GET', '/api/v4/account')).status);

    // 7 pass, then 429s; the fourth 429 in the minute exceeds autoBlockAfter429s (3) and blocks.
    expect(statuses.slice(0, 7)).toEqual(Array(7).fill(200));
    expect(statuses.slice(7)).toEqual([429, 429, 429, 429]);
    expect(fake.isBlocked(PARTNER)).toBe(true);
    expect(fake.account(PARTNER).blocked).toBe('rate-limit');

    fake.advanceTime(60_000);
    const after = await api(fake, token, 'GET', '/api/v4/account');
    expect(after.status).toBe(403);
    expect(after.headers.get('content-type')).toBe('text/html');

    fake.unblock(PARTNER);
    expect((await api(fake, token, 'GET', '/api/v4/account')).status).toBe(200);
  });
});
