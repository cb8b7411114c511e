import jwt from 'jsonwebtoken';
import { mintAmoToken, verifyAmoToken, type AmoTokenSettings } from './amo-token';

/**
 * verifyAmoToken with the clock injected, so the 30 s leeway of API.md is checked at its exact edges: a token
 * 60 s past expiry (the only one the API test has) would also be refused with a 55 s leeway (issue 17, item 4).
 */
const settings: AmoTokenSettings = {
  clientId: '6f1f1c0f-7a11-4c3d-9a2e-b1946ac92f6b',
  clientSecret: 'unit-test-secret-unit-test-secret-0123',
  audience: 'https://partners.example.com',
};
const NOW = 1_780_000_000; // seconds
const at = (seconds: number) => seconds * 1000;

function token(overrides: Record<string, unknown> = {}, secret = settings.clientSecret) {
  // A claim overridden with undefined is left out, as amoCRM would never send it.
  const payload = Object.fromEntries(
    Object.entries({
      iss: 'https://client1.amocrm.ru',
      aud: settings.audience,
      jti: 'b1946ac9-2f6b-4c3d-9a2e-6f1f1c0f7a11',
      iat: NOW - 10,
      nbf: NOW - 10,
      exp: NOW + 1800,
      account_id: 31000001,
      user_id: 5,
      subdomain: 'client1',
      client_uuid: settings.clientId,
      ...overrides,
    }).filter(([, value]) => value !== undefined),
  );
  return jwt.sign(payload, secret, { algorithm: 'HS256' });
}
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    // Every refusal says why in its detail, not only in its code.
    expect((error as Error).message).toMatch(/\w{3}/);
    return (error as { code?: string }).code ?? String(error);
  }
};

describe('the X-Auth-Token clock leeway', () => {
  it.each([
    ['expired 29 s ago is accepted', { exp: NOW - 29 }, 'accepted'],
    ['expired 30 s ago is refused', { exp: NOW - 30 }, 'token_expired'],
    ['expired 31 s ago is refused', { exp: NOW - 31 }, 'token_expired'],
    ['valid from 30 s ahead is accepted', { nbf: NOW + 30 }, 'accepted'],
    ['valid from 31 s ahead is refused', { nbf: NOW + 31 }, 'token_not_yet_valid'],
  ])('%s', (_name, overrides, expected) => {
    expect(code(() => verifyAmoToken(token(overrides), settings, at(NOW)))).toBe(expected);
  });
});

describe('the X-Auth-Token lifetime', () => {
  it.each([
    ['a 31-minute life is accepted', { iat: NOW, nbf: NOW, exp: NOW + 1860 }, 'accepted'],
    ['a longer life is refused', { iat: NOW, nbf: NOW, exp: NOW + 1861 }, 'token_invalid'],
    ['an expiry too far ahead is refused without iat', { iat: undefined, exp: NOW + 1861 }, 'token_invalid'],
    [
      'an old iat with a far expiry is refused',
      { iat: NOW - 1000, nbf: NOW - 1000, exp: NOW + 1000 },
      'token_invalid',
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(code(() => verifyAmoToken(token(overrides), settings, at(NOW)))).toBe(expected);
  });
});

describe('the X-Auth-Token claims', () => {
  it('returns the account, user, lower-cased subdomain and jti of a good token', () => {
    expect(
      verifyAmoToken(token({ subdomain: 'Client1', iss: 'https://client1.amocrm.ru' }), settings, at(NOW)),
    ).toEqual({
      accountId: 31000001,
      userId: 5,
      subdomain: 'client1',
      jti: 'b1946ac9-2f6b-4c3d-9a2e-6f1f1c0f7a11',
    });
    expect(verifyAmoToken(token({ jti: undefined }), settings, at(NOW)).jti).toBeNull();
  });

  it('accepts a Kommo issuer and an upper-case issuer', () => {
    expect(code(() => verifyAmoToken(token({ iss: 'https://client1.kommo.com' }), settings, at(NOW)))).toBe(
      'accepted',
    );
    expect(code(() => verifyAmoToken(token({ iss: 'https://CLIENT1.AMOCRM.RU' }), settings, at(NOW)))).toBe(
      'accepted',
    );
  });

  it.each<[string, string | undefined, string]>([
    ['no token', undefined, 'token_missing'],
    ['an empty token', '', 'token_missing'],
    ['garbage', 'not-a-jwt', 'token_invalid'],
    ['another secret', token({}, 'another-secret-another-secret-4242'), 'token_invalid'],
    ['another audience', token({ aud: 'https://evil.example.com' }), 'token_wrong_audience'],
    ['no expiry', token({ exp: undefined }), 'token_invalid'],
    [
      'another integration',
      token({ client_uuid: '00000000-0000-4000-8000-000000000000' }),
      'token_wrong_client',
    ],
    ['no subdomain', token({ subdomain: undefined }), 'token_invalid'],
    ['a subdomain with a dot', token({ subdomain: 'a.b', iss: 'https://a.b.amocrm.ru' }), 'token_invalid'],
    [
      'a subdomain starting with a dash',
      token({ subdomain: '-ab', iss: 'https://-ab.amocrm.ru' }),
      'token_invalid',
    ],
    [
      'a subdomain of 64 characters',
      token({ subdomain: 'a'.repeat(64), iss: `https://${'a'.repeat(64)}.amocrm.ru` }),
      'token_invalid',
    ],
    ['a foreign issuer', token({ iss: 'https://someoneelse.amocrm.ru' }), 'token_wrong_issuer'],
    ['an issuer on another domain', token({ iss: 'https://client1.evil.ru' }), 'token_wrong_issuer'],
    ['an issuer with a path', token({ iss: 'https://client1.amocrm.ru/x' }), 'token_wrong_issuer'],
    ['no account_id', token({ account_id: undefined }), 'token_invalid'],
    ['account_id 0', token({ account_id: 0 }), 'token_invalid'],
    ['a fractional account_id', token({ account_id: 1.5 }), 'token_invalid'],
    ['account_id as a string', token({ account_id: '31000001' }), 'token_invalid'],
    ['an unsafe account_id', token({ account_id: 2 ** 53 }), 'token_invalid'],
    ['user_id 0', token({ user_id: 0 }), 'token_invalid'],
    ['no user_id', token({ user_id: undefined }), 'token_invalid'],
    ['alg none', jwt.sign({ exp: NOW + 60 }, '', { algorithm: 'none' }), 'token_invalid'],
    [
      'HS512 with the right secret',
      jwt.sign({ exp: NOW + 60 }, settings.clientSecret, { algorithm: 'HS512' }),
      'token_invalid',
    ],
  ])('refuses %s', (_name, value, expected) => {
    expect(code(() => verifyAmoToken(value, settings, at(NOW)))).toBe(expected);
  });

  it('mints with the current time when none is given', () => {
    const minted = mintAmoToken(settings, { accountId: 7, userId: 8, subdomain: 'kom' });
    const { iat } = jwt.decode(minted) as { iat: number };
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(600);
    expect(verifyAmoToken(minted, settings).accountId).toBe(7);
  });

  it('reads what mintAmoToken mints, which expires after 30 minutes by default', () => {
    const minted = mintAmoToken(
      settings,
      { accountId: 7, userId: 8, subdomain: 'kom', domain: 'kommo.com' },
      { nowSeconds: NOW },
    );
    expect(verifyAmoToken(minted, settings, at(NOW)).accountId).toBe(7);
    expect(jwt.decode(minted)).toMatchObject({
      iss: 'https://kom.kommo.com',
      iat: NOW,
      nbf: NOW,
      exp: NOW + 1800,
    });
    expect(code(() => verifyAmoToken(minted, settings, at(NOW + 1800 + 29)))).toBe('accepted');
    expect(code(() => verifyAmoToken(minted, settings, at(NOW + 1800 + 30)))).toBe('token_expired');
    const short = mintAmoToken(
      settings,
      { accountId: 7, userId: 8, subdomain: 'kom' },
      { nowSeconds: NOW, expiresInSeconds: 60 },
    );
    expect(jwt.decode(short)).toMatchObject({ iss: 'https://kom.amocrm.ru', exp: NOW + 60 });
  });
});
