import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit';
import type { Config } from '../config';
import { open, seal } from '../crypto/secret-box';
import type { Db, Tx } from '../db/pool';
import { VISITOR_ID } from '../links/link';
import { attributeInstallByClick, type InstallAttribution } from '../pins/pin.service';
import { DEFAULT_PRESET } from '../programs/program';
import * as outbox from '../outbox/outbox';
import { AmoAccount, type TokenResponse } from './amo';
import { AmoClientRejectedError, AmoError, AmoOAuthError, AmoUnavailableError } from './amo.errors';
import { parseJson, type AmoHttp } from './amo.http';
import { backoffMs } from './amo.rules';
import * as repo from './amo.repository';
import { drainClaimed } from './claimed';
import type { AmoTokens } from './amo.tokens';
import type { RateLimiter } from './rate-limiter';

/** amoCRM's authorization codes live 20 minutes (AMOCRM.md); after that a retry is pointless. */
const CODE_LIFETIME_MS = 20 * 60_000;

export function codeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

export function sealCode(key: Buffer, code: string): string {
  return seal(key, code, `amo_install:${codeHash(code)}`);
}

/**
 * Rate limits of the unauthenticated install callback. Each admitted call costs a token exchange with amoCRM
 * and, for a made-up code, a failure; a probe's 200 calls made 203 exchanges and 203 alerts. A real install is
 * one redirect (a person retrying adds a few), so 5 per referer in 10 minutes and 30 in a minute overall leave
 * real installs alone. Per process: with several API processes the overall figure multiplies, which still
 * bounds a flood.
 */
export const INSTALL_LIMITS = {
  perReferer: { max: 5, windowMs: 10 * 60_000 },
  overall: { max: 30, windowMs: 60_000 },
  /** Referers remembered at most; a flood of distinct referers is held by the overall limit anyway. */
  maxReferers: 10_000,
};

export class InstallFloodGuard {
  private overall: number[] = [];
  private readonly byReferer = new Map<string, number[]>();

  constructor(
    private readonly limits = INSTALL_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a callback for this account host may be stored now; counts it when it may. */
  admit(host: string): boolean {
    const now = this.now();
    const { perReferer, overall } = this.limits;
    this.overall = this.overall.filter((t) => t > now - overall.windowMs);
    const seen = (this.byReferer.get(host) ?? []).filter((t) => t > now - perReferer.windowMs);
    if (seen.length >= perReferer.max || this.overall.length >= overall.max) {
      this.byReferer.set(host, seen);
      return false;
    }
    seen.push(now);
    this.byReferer.delete(host); // re-inserted last: the map's order is oldest use first
    this.byReferer.set(host, seen);
    this.overall.push(now);
    while (this.byReferer.size > this.limits.maxReferers) {
      this.byReferer.delete(this.byReferer.keys().next().value!);
    }
    return true;
  }
}

interface InstallDeps {
  db: Db;
  config: Config;
  http: AmoHttp;
  tokens: AmoTokens;
  limiter: RateLimiter;
  log: Logger;
  onConnected(accountId: number): void;
}

type InstallOptions = { leaseMs: number; backoff: { baseMs: number; capMs: number }; signal?: AbortSignal };

/**
 * Exchanges the codes the install redirect stored: code → tokens (JSON to /oauth2/access_token), then
 * `GET /api/v4/account` with the new token to learn which account it is. The connection is keyed by that
 * account id, whatever the host was called. A reinstall replaces the tokens and clears broken/blocked states.
 */
export async function processInstalls(deps: InstallDeps, options: InstallOptions): Promise<number> {
  return drainClaimed(
    () => repo.claimInstalls(deps.db, 10, options.leaseMs),
    (install) => connectInstall(deps, install, options),
    options.signal,
  );
}

/** One stored install: true when its account is now connected. */
async function connectInstall(
  deps: InstallDeps,
  install: repo.InstallRow,
  options: InstallOptions,
): Promise<boolean> {
  const { db, config, log } = deps;
  let code: string;
  try {
    code = open(config.encryptionKey, install.code_enc, `amo_install:${install.code_hash}`);
  } catch {
    // Sealed with another ENCRYPTION_KEY (rotated between the redirect and now): the code is lost.
    await installFailed(deps, install, new Error('the stored code cannot be decrypted'), options.backoff);
    return false;
  }
  let tokens: TokenResponse;
  try {
    tokens = await deps.tokens.exchangeCode(install.referer, code);
  } catch (error) {
    await installFailed(deps, install, error, options.backoff);
    return false;
  }
  let account: AmoAccount;
  try {
    account = await whoAmI(deps, install.referer, tokens.access_token);
  } catch (error) {
    // The code is spent: without knowing the account the tokens cannot be kept. Say so loudly.
    await repo.finishInstall(db, install.id, { status: 'failed', error: (error as Error).message });
    await repo.raiseAlert(db, {
      accountId: null,
      kind: 'install_failed',
      message: `amoCRM install from ${install.referer} failed: the account could not be read (${(error as Error).message}). Reinstall the widget there.`,
      dedupeKey: `install_failed:${install.id}`,
    });
    return false;
  }
  const host = `${account.subdomain}.${install.referer.split('.').slice(1).join('.')}`;
  const attribution = await db.transaction().execute(async (trx) => {
    await repo.upsertConnection(trx, {
      accountId: account.id,
      host,
      tokensEnc: deps.tokens.sealTokens(account.id, {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
      }),
      accessExpiresAt: new Date(Date.now() + tokens.expires_in * 1000),
      userId: account.current_user_id ?? null,
      fromWidget: install.from_widget,
    });
    await repo.finishInstall(trx, install.id, { status: 'exchanged', accountId: account.id });
    await repo.resolveAlerts(
      trx,
      account.id,
      ['connection_broken', 'connection_blocked', 'connection_disconnected', 'vendor_not_connected'],
      'the widget was installed again',
    );
    // Deliveries that waited for this account go now.
    await outbox.nudgeAccount(trx, account.id);
    const attribution = await attributeByState(trx, config, install, account);
    await recordAudit(
      trx,
      { kind: 'amocrm', accountId: account.id },
      'amo.connected',
      {
        type: 'amo_connection',
        id: String(account.id),
      },
      {
        host,
        fromWidget: install.from_widget,
        ...(attribution &&
          ('pin' in attribution
            ? { pinnedTo: attribution.pin.partner_id, pinId: attribution.pin.id }
            : { linkAttributionSkipped: attribution.skip })),
      },
    );
    return attribution;
  });
  log.info(
    {
      accountId: account.id,
      host,
      ...(attribution && { linkAttribution: 'pin' in attribution ? 'pinned' : attribution.skip }),
    },
    'amoCRM account connected',
  );
  deps.onConnected(account.id);
  return true;
}

/**
 * An install whose `state` is a visitor id of a partner's link (the landing passed it to the install button)
 * attributes the account through that click. Any other `state` — none, or a host's own value — changes nothing.
 */
async function attributeByState(
  trx: Tx,
  config: Config,
  install: repo.InstallRow,
  account: AmoAccount,
): Promise<InstallAttribution | undefined> {
  if (!install.state || !VISITOR_ID.test(install.state)) return undefined;
  return attributeInstallByClick(
    trx,
    {
      clientAccountId: account.id,
      clientSubdomain: account.subdomain,
      visitorId: install.state,
      installedAt: install.received_at,
    },
    { vendorAccountId: config.vendorAccountId, preset: config.programPreset ?? DEFAULT_PRESET },
  );
}

async function installFailed(
  deps: { db: Db; log: Logger },
  install: repo.InstallRow,
  error: unknown,
  backoff: { baseMs: number; capMs: number },
): Promise<void> {
  const message = error instanceof AmoError ? error.message : String(error);
  const expired = Date.now() - install.received_at.getTime() > CODE_LIFETIME_MS;
  if ((error instanceof AmoUnavailableError || error instanceof AmoClientRejectedError) && !expired) {
    // The token endpoint did not answer or failed. If the code was not spent, the retry works; if it was,
    // the retry gets a clear "code has been revoked" and the install fails with an alert. A refused client
    // secret leaves the code unspent: fixed within the code's 20 minutes, the install still succeeds.
    await repo.retryInstall(
      deps.db,
      install.id,
      backoffMs(install.attempts, backoff, Math.random()),
      message,
    );
    return;
  }
  await repo.finishInstall(deps.db, install.id, { status: 'failed', error: message });
  // A refused code is what made-up codes produce, many at a time: they collapse into one open alert that
  // counts them (`occurrences`) and names the latest referer. Other failures stay one alert per install.
  const refusedCode = error instanceof AmoOAuthError;
  await repo.raiseAlert(deps.db, {
    accountId: null,
    kind: 'install_failed',
    message: refusedCode
      ? `amoCRM refused install codes (the latest from ${install.referer}: ${error.hint}). A real install ` +
        'that failed so must be repeated in its account; many of them at once mean someone calls the install ' +
        'callback with made-up codes (the count is in occurrences).'
      : `amoCRM install from ${install.referer} failed: ${message}. Reinstall the widget in that account.`,
    details: { referer: install.referer },
    dedupeKey: refusedCode ? 'install_failed:code_refused' : `install_failed:${install.id}`,
  });
  deps.log.warn({ referer: install.referer, err: { message } }, 'amoCRM install failed');
}

/** `GET /api/v4/account` with a token we just got (idempotent: retried a few times on trouble). */
async function whoAmI(
  deps: { http: AmoHttp; limiter: RateLimiter },
  host: string,
  accessToken: string,
): Promise<AmoAccount> {
  let lastError: Error = new Error('no answer');
  for (let attempt = 1; attempt <= 3; attempt++) {
    // The account id is not known yet: the host stands for it in the throttle, and once the answer names
    // the account the request is counted against the account as well.
    // Like every slot, it counts from the answer, by when amoCRM has surely counted the request.
    const slot = await deps.limiter.acquire(`host:${host}`);
    try {
      const response = await deps.http
        .send({
          host,
          method: 'GET',
          path: '/api/v4/account',
          accessToken,
          accountKey: host,
        })
        .finally(() => slot.done());
      if (response.status === 200) {
        const account = AmoAccount.safeParse(parseJson(response.body));
        if (account.success) {
          deps.limiter.record(String(account.data.id), Date.now());
          return account.data;
        }
        lastError = new Error('unexpected answer to GET /api/v4/account');
      } else lastError = new Error(`GET /api/v4/account answered ${response.status}`);
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      lastError = error as Error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
  throw lastError;
}

/**
 * The account removed the widget (amoCRM's signed disconnect hook): its tokens are deleted and the
 * connection marked disconnected, in one transaction with the audit row. When the account is the vendor's,
 * an alert says what stops working. False when we never had a connection for it.
 */
export async function disconnectAccount(
  db: Db,
  accountId: number,
  vendorAccountId: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await repo.setConnectionStatus(trx, accountId, 'disconnected', 'the widget was removed', {
      dropTokens: true,
    });
    if (!row) return false;
    if (accountId === vendorAccountId) {
      await repo.raiseAlert(trx, {
        accountId,
        kind: 'connection_disconnected',
        message:
          'The widget was removed from the vendor amoCRM account: companies are not synced and pins wait ' +
          'for the known-customer check until it is installed again.',
      });
    }
    await recordAudit(trx, { kind: 'amocrm', accountId }, 'amo.disconnected', {
      type: 'amo_connection',
      id: String(accountId),
    });
    return true;
  });
}
