/**
 * OAuth 2.0 state of the fake: authorization codes, access tokens and rotating refresh tokens.
 *
 * amoCRM runs league/oauth2-server, customised so that a refresh token survives its own use until the
 * token issued in its place is used (AMOCRM.md). The rules modelled here:
 * - an authorization code lives 20 minutes and works once;
 * - an access token lives 24 hours; a refresh token lives 3 months;
 * - every refresh issues a new refresh token (a "child" of the one presented);
 * - the presented token keeps working until one of its children is used for the first time; from then on
 *   it (and its other children, which are the results of racing refreshes) answer "Token has been revoked".
 * The last rule is what makes an unlocked, concurrent refresh in our backend fail in tests the way it would
 * fail in production, which is the point of having the fake.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export const AUTH_CODE_TTL_MS = 20 * 60 * 1000;
export const ACCESS_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 90 * 24 * 60 * 60 * 1000;

export interface TokenPair {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
}

/** Why a token request failed, in league/oauth2-server's terms (amoCRM passes `hint` through). */
export interface GrantFailure {
  status: 400 | 401;
  hint: string;
}

export type GrantResult =
  { ok: true; accountId: number; pair: TokenPair } | { ok: false; failure: GrantFailure };

export type AccessCheck =
  | { ok: true; accountId: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked'; accountId?: number };

interface AuthCode {
  accountId: number;
  expiresAt: number;
  used: boolean;
}

interface AccessToken {
  accountId: number;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshToken {
  token: string;
  accountId: number;
  expiresAt: number;
  revoked: boolean;
  used: boolean;
  parent: RefreshToken | undefined;
  children: RefreshToken[];
}

export class TokenStore {
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();

  constructor(
    private readonly now: () => number,
    private readonly clientId: string,
  ) {}

  issueCode(accountId: number): string {
    // Real codes are long opaque strings starting with league's "def50200" encryption prefix.
    const code = `def50200${randomBytes(200).toString('hex')}`;
    this.codes.set(code, { accountId, expiresAt: this.now() + AUTH_CODE_TTL_MS, used: false });
    return code;
  }

  /** The account a code belongs to, without consuming it (the server checks blocks before exchanging). */
  accountOfCode(code: string): number | undefined {
    return this.codes.get(code)?.accountId;
  }

  accountOfRefreshToken(token: string): number | undefined {
    return this.refreshTokens.get(token)?.accountId;
  }

  exchangeCode(code: string): GrantResult {
    const record = this.codes.get(code);
    if (!record) return fail(400, 'Cannot decrypt the authorization code');
    if (record.used) return fail(400, 'Authorization code has been revoked');
    if (this.now() > record.expiresAt) return fail(400, 'Authorization code has expired');
    record.used = true;
    return { ok: true, accountId: record.accountId, pair: this.issuePair(record.accountId, undefined) };
  }

  exchangeRefreshToken(token: string): GrantResult {
    const record = this.refreshTokens.get(token);
    if (!record) return fail(401, 'Cannot decrypt the refresh token');
    if (record.revoked) return fail(401, 'Token has been revoked');
    if (this.now() > record.expiresAt) return fail(401, 'Token has expired');
    if (!record.used && record.parent) {
      // First use of a rotated token: its parent, and the parent's other children, are now dead.
      const parent = record.parent;
      parent.revoked = true;
      for (const sibling of parent.children) if (sibling !== record) sibling.revoked = true;
    }
    record.used = true;
    return { ok: true, accountId: record.accountId, pair: this.issuePair(record.accountId, record) };
  }

  /** Issues a fresh token family directly, for tests that do not care about the OAuth dance. */
  grant(accountId: number): TokenPair {
    return this.issuePair(accountId, undefined);
  }

  checkAccessToken(token: string): AccessCheck {
    const record = this.accessTokens.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.revoked) return { ok: false, reason: 'revoked', accountId: record.accountId };
    if (this.now() >= record.expiresAt) return { ok: false, reason: 'expired', accountId: record.accountId };
    return { ok: true, accountId: record.accountId };
  }

  /** What uninstalling the widget does: every token of the account stops working. */
  revokeAccount(accountId: number): void {
    for (const record of this.accessTokens.values())
      if (record.accountId === accountId) record.revoked = true;
    for (const record of this.refreshTokens.values())
      if (record.accountId === accountId) record.revoked = true;
    for (const record of this.codes.values()) if (record.accountId === accountId) record.used = true;
  }

  expireAccessTokens(accountId: number): void {
    const past = this.now() - 1;
    for (const record of this.accessTokens.values())
      if (record.accountId === accountId) record.expiresAt = past;
  }

  clear(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }

  forgetAccount(accountId: number): void {
    for (const [key, record] of this.codes) if (record.accountId === accountId) this.codes.delete(key);
    for (const [key, record] of this.accessTokens)
      if (record.accountId === accountId) this.accessTokens.delete(key);
    for (const [key, record] of this.refreshTokens)
      if (record.accountId === accountId) this.refreshTokens.delete(key);
  }

  private issuePair(accountId: number, parent: RefreshToken | undefined): TokenPair {
    const issuedAt = this.now();
    const accessToken = this.mintAccessToken(accountId, issuedAt);
    this.accessTokens.set(accessToken, {
      accountId,
      expiresAt: issuedAt + ACCESS_TOKEN_TTL_MS,
      revoked: false,
    });

    const refreshToken: RefreshToken = {
      token: `def50200${randomBytes(256).toString('hex')}`,
      accountId,
      expiresAt: issuedAt + REFRESH_TOKEN_TTL_MS,
      revoked: false,
      used: false,
      parent,
      children: [],
    };
    parent?.children.push(refreshToken);
    this.refreshTokens.set(refreshToken.token, refreshToken);

    return {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_MS / 1000,
      access_token: accessToken,
      refresh_token: refreshToken.token,
    };
  }

  /**
   * amoCRM access tokens are RS256 JWTs. The fake never verifies them (it looks the string up), but it
   * mints the same shape and size so that logging, storage column sizes and header limits are exercised.
   */
  private mintAccessToken(accountId: number, issuedAtMs: number): string {
    const seconds = Math.floor(issuedAtMs / 1000);
    const header = { typ: 'JWT', alg: 'RS256', jti: randomUUID() };
    const payload = {
      aud: this.clientId,
      jti: header.jti,
      iat: seconds,
      nbf: seconds,
      exp: seconds + ACCESS_TOKEN_TTL_MS / 1000,
      sub: String(accountId),
      grant_type: '',
      account_id: accountId,
      scopes: ['crm', 'files', 'files_delete', 'notifications', 'push_notifications'],
      hash_uuid: randomUUID(),
    };
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode(header)}.${encode(payload)}.${randomBytes(256).toString('base64url')}`;
  }
}

function fail(status: 400 | 401, hint: string): GrantResult {
  return { ok: false, failure: { status, hint } };
}
