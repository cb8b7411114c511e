import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ACCOUNT_DOMAINS, type AccountDomain } from '../amo/amo.rules';
import { AppError } from '../errors';

/** The identity claims of amoCRM's disposable widget token (AMOCRM.md, "Widget → our backend"). */
export interface AmoTokenClaims {
  accountId: number;
  userId: number;
  subdomain: string;
  jti: string | null;
}

export interface AmoTokenSettings {
  clientId: string;
  clientSecret: string;
  /** Origin of the integration's redirect URI: what amoCRM puts in `aud`. */
  audience: string;
}

/** amoCRM puts clock skew on us; API.md allows 30 s either side for `exp` and `nbf`. */
const LEEWAY_SECONDS = 30;
const SUBDOMAIN = /^[a-z0-9][a-z0-9-]{0,62}$/i;
/**
 * amoCRM's widget tokens live 30 minutes; a margin covers a clock ahead of ours. A longer life (an `exp`
 * of 1e300, or an old `iat` with a far `exp`) is no token amoCRM issued, and would never expire.
 */
const MAX_LIFETIME_SECONDS = 30 * 60 + 60;

/**
 * Verifies an `X-Auth-Token` exactly as API.md says and returns who is calling. Anything else in the
 * request (body fields, query, `APP.constant` values the widget might send) is forgeable; only these
 * claims from a correctly signed token identify the caller.
 */
export function verifyAmoToken(
  token: string | undefined,
  settings: AmoTokenSettings,
  now = Date.now(),
): AmoTokenClaims {
  if (!token) throw new AppError('token_missing', 'Send the amoCRM widget token in the X-Auth-Token header');
  let payload: jwt.JwtPayload;
  try {
    const decoded = jwt.verify(token, secretKey(settings.clientSecret), {
      // Pinning the algorithm refuses `alg: none` and a token signed with the right secret but another HMAC.
      algorithms: ['HS256'],
      audience: settings.audience,
      clockTolerance: LEEWAY_SECONDS,
      clockTimestamp: Math.floor(now / 1000),
    });
    if (typeof decoded === 'string')
      throw new AppError('token_invalid', 'Token payload is not a JSON object');
    payload = decoded;
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof jwt.TokenExpiredError)
      throw new AppError('token_expired', 'The amoCRM token has expired');
    if (error instanceof jwt.NotBeforeError)
      throw new AppError('token_not_yet_valid', 'The amoCRM token is not valid yet');
    if (error instanceof jwt.JsonWebTokenError && error.message.startsWith('jwt audience invalid')) {
      throw new AppError('token_wrong_audience', `Token audience must be ${settings.audience}`);
    }
    throw new AppError('token_invalid', 'The amoCRM token signature or format is invalid');
  }
  // amoCRM always sets exp; a token without one would never expire.
  if (typeof payload.exp !== 'number') throw new AppError('token_invalid', 'Token has no expiry');
  const nowSeconds = Math.floor(now / 1000);
  if (
    payload.exp - nowSeconds > MAX_LIFETIME_SECONDS ||
    (typeof payload.iat === 'number' && payload.exp - payload.iat > MAX_LIFETIME_SECONDS)
  ) {
    throw new AppError('token_invalid', 'Token lifetime is longer than amoCRM issues');
  }
  if (payload.client_uuid !== settings.clientId) {
    throw new AppError('token_wrong_client', 'Token was issued for another amoCRM integration');
  }
  const subdomain = payload.subdomain;
  if (typeof subdomain !== 'string' || !SUBDOMAIN.test(subdomain)) {
    throw new AppError('token_invalid', 'Token has no valid subdomain claim');
  }
  // Host names are case-insensitive: compare the lower-cased issuer with the lower-cased subdomain.
  const host = subdomain.toLowerCase();
  const expectedIssuers = ACCOUNT_DOMAINS.map((domain) => `https://${host}.${domain}`);
  if (!expectedIssuers.includes(String(payload.iss).toLowerCase())) {
    throw new AppError('token_wrong_issuer', 'Token issuer does not match its subdomain');
  }
  const accountId = payload.account_id;
  const userId = payload.user_id;
  if (!isPositiveInt(accountId) || !isPositiveInt(userId)) {
    throw new AppError('token_invalid', 'Token has no valid account_id and user_id claims');
  }
  return {
    accountId,
    userId,
    subdomain: host,
    jti: typeof payload.jti === 'string' ? payload.jti : null,
  };
}

/**
 * jsonwebtoken given a string secret first tries to parse it as a PEM public key (about half a millisecond
 * per request, measured in docs/BENCHMARKS.md); a KeyObject made once skips that.
 */
const keys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Mints a token the way amoCRM does. Used by the host page's server side, `npm run token` and tests;
 * production code never mints tokens for itself.
 */
export function mintAmoToken(
  settings: AmoTokenSettings,
  claims: { accountId: number; userId: number; subdomain: string; domain?: AccountDomain },
  options: { expiresInSeconds?: number; nowSeconds?: number } = {},
): string {
  const iat = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      iss: `https://${claims.subdomain}.${claims.domain ?? 'amocrm.ru'}`,
      aud: settings.audience,
      jti: crypto.randomUUID(),
      iat,
      nbf: iat,
      exp: iat + (options.expiresInSeconds ?? 30 * 60),
      account_id: claims.accountId,
      user_id: claims.userId,
      subdomain: claims.subdomain,
      client_uuid: settings.clientId,
    },
    settings.clientSecret,
    { algorithm: 'HS256' },
  );
}
