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

/** No usable connection: never installed, or the widget was removed (disconnect hook). */
export class AmoNotConnectedError extends AmoError {
  readonly retryable = false;
}

/** The refresh token was refused (revoked, expired) or 401 persisted after a refresh: reinstall needed. */
export class AmoConnectionBrokenError extends AmoError {
  readonly retryable = false;
}

/**
 * The token endpoint refused our client credentials (401 «Некорректный клиент», invalid_client): the client
 * secret is wrong or was rotated in amoCRM. It concerns the integration, not the account, so the tokens stay
 * and the call can succeed once the secret is fixed.
 */
export class AmoClientRejectedError extends AmoError {
  readonly retryable = true;
}

/** 403: amoCRM blocked the integration for this account (or our IP). We stop calling it until unblocked. */
export class AmoBlockedError extends AmoError {
  readonly retryable = false;
}

/**
 * 403 from the API itself (problem+json, not the gateway's HTML block page): the integration's user lacks the
 * rights for this request (creating custom fields needs an administrator) or the account's IP whitelist does
 * not list our server. Only this request is refused; the account is not blocked.
 */
export class AmoForbiddenError extends AmoError {
  readonly retryable = false;
}

/** 402: the account is not paid; the API refuses writes until it is. */
export class AmoPaymentRequiredError extends AmoError {
  readonly retryable = true;
}

/** 429 persisted through the allowed waits. */
export class AmoRateLimitedError extends AmoError {
  readonly retryable = true;
}

/**
 * 5xx, a timeout or a broken connection. `maybeApplied` is true when a write may have reached amoCRM (a
 * gateway timeout after the request was sent): the caller must check before sending it again.
 */
export class AmoUnavailableError extends AmoError {
  readonly retryable = true;
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
export class AmoDeadlineError extends AmoError {
  readonly retryable = true;
}

export interface AmoFieldError {
  code: string;
  path: string;
  detail: string;
}

/** A problem+json answer (400, 404, …), parsed. */
export class AmoApiError extends AmoError {
  readonly retryable = false;
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
export class AmoOAuthError extends AmoError {
  readonly retryable = false;
  constructor(
    accountId: number | string | null,
    readonly status: number,
    readonly hint: string,
  ) {
    super(`amoCRM refused the token request (${status}): ${hint}`, accountId);
  }
}

/** The answer did not have the shape the API documents. */
export class AmoResponseError extends AmoError {
  readonly retryable = true;
}
