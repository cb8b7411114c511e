import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config';
import { open, seal } from '../crypto/secret-box';
import type { Db } from '../db/pool';
import { TokenResponse, OAuthProblem } from './amo';
import {
  AmoBlockedError,
  AmoClientRejectedError,
  AmoConnectionBrokenError,
  AmoNotConnectedError,
  AmoOAuthError,
  AmoResponseError,
  AmoUnavailableError,
} from './amo.errors';
import { parseJson, type AmoHttp } from './amo.http';
import * as repo from './amo.repository';
import { accountHostFromReferer } from './amo.rules';

/** What an API call needs: where the account lives and a valid access token. */
export interface AccessGrant {
  accountId: number;
  host: string;
  accessToken: string;
  /** The connection's token_version this token belongs to (a 401 refresh names it). */
  version: number;
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * OAuth tokens per account: stored sealed (AES-256-GCM, context `amo_token:<accountId>`), refreshed ahead of
 * expiry, and refreshed by one caller at a time. The refresh holds the connection row's lock (SELECT … FOR
 * UPDATE) while it talks to amoCRM, so across every process exactly one refresh happens per token version;
 * the others wait for the lock and take the new token. Inside one process concurrent callers share the same
 * refresh instead of queueing on the lock.
 *
 * amoCRM rotates the refresh token on every refresh and keeps the old one valid until the new one is first
 * used. That makes a lost answer harmless: if we crash after amoCRM issued new tokens but before we stored
 * them, the stored (old) token still works next time. Using a consumed token is "401 Token has been
 * revoked", which marks the connection broken for admins — it can only mean someone else refreshed with our
 * token, or the widget was removed.
 */
export class AmoTokens {
  private readonly inflight = new Map<number, Promise<AccessGrant>>();

  constructor(
    private readonly deps: {
      db: Db;
      config: Config;
      http: AmoHttp;
      log: Logger;
      /** Refresh when the access token has less than this left (default 10 minutes). */
      refreshSkewMs: number;
    },
  ) {}

  sealTokens(accountId: number, tokens: Tokens): string {
    return seal(this.deps.config.encryptionKey, JSON.stringify(tokens), `amo_token:${accountId}`);
  }

  private openTokens(row: repo.ConnectionRow): Tokens {
    if (!row.tokens_enc)
      throw new AmoNotConnectedError(`account ${row.account_id} has no tokens`, Number(row.account_id));
    return JSON.parse(
      open(this.deps.config.encryptionKey, row.tokens_enc, `amo_token:${row.account_id}`),
    ) as Tokens;
  }

  private grant(row: repo.ConnectionRow): AccessGrant {
    return {
      accountId: Number(row.account_id),
      host: row.host,
      accessToken: this.openTokens(row).accessToken,
      version: row.token_version,
    };
  }

  /** A usable access token for the account, refreshed first when it is about to expire. */
  async access(accountId: number, options: { allowBlocked?: boolean } = {}): Promise<AccessGrant> {
    const row = await repo.findConnection(this.deps.db, accountId);
    assertUsable(accountId, row, options);
    if (row.access_expires_at!.getTime() - Date.now() > this.deps.refreshSkewMs) return this.grant(row);
    return this.refresh(accountId, row.token_version, options);
  }

  /**
   * Refreshes the account's tokens unless they changed since `seenVersion` (then the newer token is
   * returned). Called ahead of expiry, after a 401, and by the periodic maintenance job.
   */
  refresh(
    accountId: number,
    seenVersion: number,
    options: { allowBlocked?: boolean } = {},
  ): Promise<AccessGrant> {
    const running = this.inflight.get(accountId);
    if (running) return running;
    const promise = this.refreshLocked(accountId, seenVersion, options).finally(() =>
      this.inflight.delete(accountId),
    );
    this.inflight.set(accountId, promise);
    return promise;
  }

  private async refreshLocked(
    accountId: number,
    seenVersion: number,
    options: { allowBlocked?: boolean },
  ): Promise<AccessGrant> {
    type Outcome = { kind: 'ok'; row: repo.ConnectionRow } | { kind: 'failed'; error: Error };
    const outcome: Outcome = await this.deps.db.transaction().execute(async (trx): Promise<Outcome> => {
      const row = await repo.lockConnection(trx, accountId);
      try {
        assertUsable(accountId, row, options);
      } catch (error) {
        return { kind: 'failed', error: error as Error };
      }
      // Someone refreshed while we waited for the lock: their token is ours too.
      if (row.token_version !== seenVersion) return { kind: 'ok', row };
      const { refreshToken } = this.openTokens(row);
      let tokens: TokenResponse;
      try {
        tokens = await this.refreshFollowingHost(trx, row, refreshToken);
      } catch (error) {
        // A refused client secret is the integration's problem, not this account's: keep the tokens, so
        // fixing AMO_CLIENT_SECRET heals every account (requestTokens raised the one integration alert).
        if (error instanceof AmoClientRejectedError) return { kind: 'failed', error };
        if (error instanceof AmoOAuthError) {
          await this.markBroken(trx, accountId, `refresh refused: ${error.hint}`);
          return {
            kind: 'failed',
            error: new AmoConnectionBrokenError(
              `amoCRM refused the refresh token of account ${accountId} (${error.hint}); the widget must be reinstalled there`,
              accountId,
            ),
          };
        }
        if (error instanceof AmoBlockedError) {
          await this.markBlocked(trx, accountId, 'the token endpoint answered 403');
          return { kind: 'failed', error };
        }
        // Network trouble or a 5xx: nothing changed here, and the old refresh token stays valid until a new
        // one is used, so the next attempt may simply try again with it.
        throw error;
      }
      const updated = await repo.storeRefreshedTokens(trx, accountId, {
        tokensEnc: this.sealTokens(accountId, {
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
        }),
        accessExpiresAt: new Date(Date.now() + tokens.expires_in * 1000),
      });
      return { kind: 'ok', row: updated };
    });
    if (outcome.kind === 'failed') throw outcome.error;
    this.deps.log.info({ accountId, tokenVersion: outcome.row.token_version }, 'amoCRM tokens refreshed');
    return this.grant(outcome.row);
  }

  /**
   * A refresh at the account's host; when that host answers 404 or 401 (not invalid_client), the account may
   * have changed its subdomain. Like amocrm-api-php (`getAccessTokenByRefreshToken`), ask
   * `GET https://<api domain>/oauth2/account/current/subdomain` with `X-Refresh-Token` where it lives now and,
   * if that is another host, store it and refresh there once.
   */
  private async refreshFollowingHost(
    trx: Db,
    row: repo.ConnectionRow,
    refreshToken: string,
  ): Promise<TokenResponse> {
    const accountId = Number(row.account_id);
    const grant = { grant_type: 'refresh_token' as const, refresh_token: refreshToken };
    try {
      return await this.requestTokens(row.host, accountId, grant);
    } catch (error) {
      const hostGone =
        (error instanceof AmoUnavailableError && error.status === 404) ||
        (error instanceof AmoOAuthError && error.status === 401);
      if (!hostGone) throw error;
      const current = await this.currentHost(row, refreshToken).catch(() => null);
      if (!current || current === row.host) throw error;
      await repo.setConnectionHost(trx, accountId, current);
      this.deps.log.info(
        { accountId, from: row.host, to: current },
        'amoCRM account moved to a new subdomain',
      );
      row.host = current;
      return this.requestTokens(current, accountId, grant);
    }
  }

  /** Where the account lives now, by its refresh token; null when amoCRM does not say. */
  private async currentHost(row: repo.ConnectionRow, refreshToken: string): Promise<string | null> {
    const response = await this.deps.http.send({
      host: apiDomainOf(this.openTokens(row).accessToken) ?? row.host,
      method: 'GET',
      path: '/oauth2/account/current/subdomain',
      headers: { 'x-refresh-token': refreshToken },
      accountKey: Number(row.account_id),
    });
    if (response.status !== 200) return null;
    const body = AccountDomain.safeParse(parseJson(response.body));
    return body.success ? accountHostFromReferer(body.data.domain) : null;
  }

  /** The authorization code of an install → tokens (AMOCRM.md: JSON to /oauth2/access_token). */
  exchangeCode(host: string, code: string): Promise<TokenResponse> {
    return this.requestTokens(host, host, { grant_type: 'authorization_code', code });
  }

  private async requestTokens(
    host: string,
    accountKey: number | string,
    grant:
      | { grant_type: 'authorization_code'; code: string }
      | { grant_type: 'refresh_token'; refresh_token: string },
  ): Promise<TokenResponse> {
    const { config } = this.deps;
    const response = await this.deps.http.send({
      host,
      method: 'POST',
      path: '/oauth2/access_token',
      json: {
        client_id: config.amo.clientId,
        client_secret: config.amo.clientSecret,
        redirect_uri: config.amo.redirectUri,
        ...grant,
      },
      accountKey,
    });
    const body = parseJson(response.body);
    if (response.status === 200) {
      const parsed = TokenResponse.safeParse(body);
      if (!parsed.success)
        throw new AmoResponseError('amoCRM answered the token request with an unexpected body', accountKey);
      await repo.resolveIntegrationAlerts(
        this.deps.db,
        [CLIENT_REJECTED_ALERT],
        'amoCRM accepted the client credentials again',
      );
      return parsed.data;
    }
    if (isInvalidClient(response.status, body)) {
      // One open alert for the whole integration, however many accounts and retries meet it.
      await repo.raiseAlert(this.deps.db, {
        accountId: null,
        kind: CLIENT_REJECTED_ALERT,
        dedupeKey: CLIENT_REJECTED_ALERT,
        message:
          "amoCRM refuses the integration's client credentials (401 «Некорректный клиент»): AMO_CLIENT_SECRET " +
          '(or AMO_CLIENT_ID, AMO_REDIRECT_URI) does not match the integration in amoCRM — the secret was probably ' +
          'regenerated there. Put the current secret into AMO_CLIENT_SECRET and restart; the accounts keep their ' +
          'tokens and recover by themselves.',
      });
      this.deps.log.error({ accountKey }, 'amoCRM refused our client credentials (invalid_client)');
      throw new AmoClientRejectedError(
        "amoCRM refused the integration's client credentials (401 invalid_client); check AMO_CLIENT_SECRET",
        accountKey,
      );
    }
    if (response.status === 403)
      throw new AmoBlockedError(`amoCRM blocked the token request for ${accountKey} (403)`, accountKey);
    if (response.status === 400 || response.status === 401) {
      const problem = OAuthProblem.safeParse(body);
      const hint =
        (problem.success && (problem.data.hint ?? problem.data.detail ?? problem.data.title)) || 'no details';
      throw new AmoOAuthError(accountKey, response.status, hint);
    }
    // A refresh that amoCRM may or may not have applied is safe to repeat with the old token (see the class
    // comment); a code exchange is not, and fails on its next try with "code has been revoked".
    throw new AmoUnavailableError(
      `amoCRM token endpoint answered ${response.status}`,
      accountKey,
      response.status,
      response.status >= 500,
    );
  }

  /** The connection can no longer act: tokens dropped, admins alerted. Runs in the caller's transaction. */
  async markBroken(db: Db, accountId: number, reason: string): Promise<void> {
    const changed = await repo.setConnectionStatus(db, accountId, 'broken', reason, {
      from: ['active'],
      dropTokens: true,
    });
    if (!changed) return;
    await repo.raiseAlert(db, {
      accountId,
      kind: 'connection_broken',
      message: `amoCRM connection of account ${accountId} is broken (${reason}). Reinstall the widget in that account.`,
      details: { reason },
    });
    this.deps.log.warn({ accountId, reason }, 'amoCRM connection broken');
  }

  /** 403: the integration is blocked for the account; nothing is sent there until it is lifted. */
  async markBlocked(db: Db, accountId: number, reason: string): Promise<void> {
    const changed = await repo.setConnectionStatus(db, accountId, 'blocked', reason, { from: ['active'] });
    if (!changed) return;
    await repo.raiseAlert(db, {
      accountId,
      kind: 'connection_blocked',
      message:
        `amoCRM blocked the API for account ${accountId} (${reason}). Deliveries to it are paused. ` +
        'Ask amoCRM support to lift the block, then resume the connection.',
      details: { reason },
    });
    this.deps.log.warn({ accountId, reason }, 'amoCRM account blocked');
  }
}

/** `/oauth2/account/current/subdomain`'s answer (amocrm-api-php's AccountDomainModel); `domain` is the host. */
const AccountDomain = z.looseObject({ id: z.number(), subdomain: z.string(), domain: z.string() });

/**
 * amoCRM's access tokens are JWTs whose `api_domain` claim names the shared API host
 * (amocrm-api-php `getSharedApiDomain`). Read without verifying: it only picks where to ask, and the answer
 * is checked against the account domains before it is used.
 */
function apiDomainOf(accessToken: string): string | null {
  const payload = accessToken.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { api_domain?: unknown };
    const domain = typeof claims.api_domain === 'string' ? claims.api_domain.toLowerCase() : '';
    return /^api-[a-z0-9]+\.(?:amocrm\.ru|kommo\.com|amocrm\.com)$/.test(domain) ? domain : null;
  } catch {
    return null;
  }
}

/** The integration-level alert of a refused client secret. */
export const CLIENT_REJECTED_ALERT = 'integration_client_rejected';

/**
 * league/oauth2-server's `invalid_client` as amoCRM words it: 401, title «Некорректный клиент», detail
 * «Авторизация клиента не прошла», no `hint` (samples.ts in the fake). A revoked or expired refresh token is
 * also a 401 but says «Некорректный запрос» with a hint, and means the account's tokens are dead.
 */
function isInvalidClient(status: number, body: unknown): boolean {
  if (status !== 401) return false;
  const problem = OAuthProblem.safeParse(body);
  if (!problem.success) return false;
  const { title = '', detail = '' } = problem.data;
  return (
    /некорректный клиент|invalid[ _]client/i.test(title) ||
    /авторизация клиента не прошла|client authentication failed/i.test(detail)
  );
}

function assertUsable(
  accountId: number,
  row: repo.ConnectionRow | undefined,
  options: { allowBlocked?: boolean },
): asserts row is repo.ConnectionRow {
  if (!row || row.status === 'disconnected')
    throw new AmoNotConnectedError(`account ${accountId} is not connected to the integration`, accountId);
  if (row.status === 'broken')
    throw new AmoConnectionBrokenError(`the amoCRM connection of account ${accountId} is broken`, accountId);
  if (row.status === 'blocked' && !options.allowBlocked)
    throw new AmoBlockedError(`amoCRM blocked the API for account ${accountId}`, accountId);
}
