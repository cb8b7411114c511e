/**
 * What can go wrong when we act in an amoCRM account, as types the callers branch on. Messages never carry
 * tokens, codes or secrets: they end up in logs and in `outbox.last_error`.
 */
export abstract class AmoError extends Error {
  /** Whether trying again later may succeed without a person doing something first. */
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly accountId: number | string | null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The same request would fail the same way again: it waits for a person (reconnect, unblock, grant rights) or
 * for another request.
 */
abstract class AmoLastingError extends AmoError {
  readonly retryable = false;
}

/** The same request may succeed later without being changed (a fixed secret, a paid account, a quieter moment). */
abstract class AmoPassingError extends AmoError {
  readonly retryable = true;
}

/** No usable connection: never installed, or the widget was removed (disconnect hook). */
export class AmoNotConnectedError extends AmoLastingError {}

/** The refresh token was refused (revoked, expired) or 401 persisted after a refresh: reinstall needed. */
export class AmoConnectionBrokenError extends AmoLastingError {}

/**
 * The token endpoint refused our client credentials (401 «Некорректный клиент», invalid_client): the client
 * secret is wrong or was rotated in amoCRM. It concerns the integration, not the account, so the tokens stay
 * and the call can succeed once the secret is fixed.
 */
export class AmoClientRejectedError extends AmoPassingError {}

/** 403: amoCRM blocked the integration for this account (or our IP). We stop calling it until unblocked. */
export class AmoBlockedError extends AmoLastingError {}

/**
 * 403 from the API itself (problem+json, not the gateway's HTML block page): the integration's user lacks the
 * rights for this request (creating custom fields needs an administrator) or the account's IP whitelist does
 * not list our server. Only this request is refused; the account is not blocked.
 */
export class AmoForbiddenError extends AmoLastingError {}

/** 402: the account is not paid; the API refuses writes until it is. */
export class AmoPaymentRequiredError extends AmoPassingError {}

/** 429 persisted through the allowed waits. */
export class AmoRateLimitedError extends AmoPassingError {}

/**
 * 5xx, a timeout or a broken connection. `maybeApplied` is true when a write may have reached amoCRM (a
 * gateway timeout after the request was sent): the caller must check before sending it again.
 */
export class AmoUnavailableError extends AmoPassingError {
  constructor(
    message: string,
    accountId: number | string | null,
    readonly status: number | null,
    readonly maybeApplied: boolean,
  ) {
    super(message, accountId);
  }
}

/** The throttle could not grant a request slot before the caller's deadline (a busy account). */
export class AmoDeadlineError extends AmoPassingError {}

export interface AmoFieldError {
  code: string;
  path: string;
  detail: string;
}

/** A problem+json answer (400, 404, …), parsed. */
export class AmoApiError extends AmoLastingError {
  constructor(
    accountId: number | string | null,
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** 400's `validation-errors`, keyed by the `request_id` of the batch item they belong to. */
    readonly validationErrors: Array<{ requestId: string | null; errors: AmoFieldError[] }> = [],
  ) {
    super(`amoCRM answered ${status} ${title}: ${detail}`, accountId);
  }

  /** The request ids of batch items amoCRM refused. */
  get failedRequestIds(): string[] {
    return this.validationErrors.map((v) => v.requestId).filter((id): id is string => id !== null);
  }
}

/** The token endpoint refused a code or refresh token (`hint` as amoCRM sends it, e.g. "Token has been revoked"). */
export class AmoOAuthError extends AmoLastingError {
  constructor(
    accountId: number | string | null,
    readonly status: number,
    readonly hint: string,
  ) {
    super(`amoCRM refused the token request (${status}): ${hint}`, accountId);
  }
}

/** The answer did not have the shape the API documents. */
export class AmoResponseError extends AmoPassingError {}
