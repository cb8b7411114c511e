/**
 * One error class with a closed set of stable codes (API.md: problem+json `code`). Services throw
 * `AppError`; the error middleware is the only place that turns errors into HTTP responses.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'Request validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  token_missing: { status: 401, title: 'Authentication token is missing' },
  token_invalid: { status: 401, title: 'Authentication token is invalid' },
  token_expired: { status: 401, title: 'Authentication token has expired' },
  token_not_yet_valid: { status: 401, title: 'Authentication token is not yet valid' },
  token_wrong_audience: { status: 401, title: 'Authentication token was issued for another audience' },
  token_wrong_client: { status: 401, title: 'Authentication token was issued for another integration' },
  token_wrong_issuer: { status: 401, title: 'Authentication token issuer does not match its subdomain' },
  billing_key_invalid: { status: 401, title: 'Billing API key is missing or invalid' },
  signature_invalid: { status: 401, title: 'The request signature is missing or invalid' },
  forbidden: { status: 403, title: 'Not allowed for this caller' },
  partner_blocked: { status: 403, title: 'Partner is blocked' },
  registration_required: { status: 403, title: 'Register as a partner first' },
  partner_not_found: { status: 404, title: 'Partner is not registered' },
  not_found: { status: 404, title: 'Not found' },
  partner_already_registered: { status: 409, title: 'This account is already registered as a partner' },
  idempotency_key_reused: { status: 409, title: 'Idempotency key was used with another request' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  link_used: { status: 409, title: 'This confirmation link was already used' },
  link_expired: { status: 410, title: 'This confirmation link has expired' },
  not_client_account: { status: 403, title: 'Only the client account itself can confirm this request' },
  no_partner_for_client: { status: 422, title: 'This client has no partner to route to' },
  unprocessable: { status: 422, title: 'The request cannot be applied' },
  rate_limited: { status: 429, title: 'Too many requests' },
  database_unavailable: { status: 503, title: 'Database is unavailable' },
  internal_error: { status: 500, title: 'Internal server error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  path: string;
  message: string;
  /** Russian message for the widget's inline validation; `message` is English. */
  messageRu?: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.status = ERROR_CODES[code].status;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  requestId?: string;
}

export function toProblem(error: AppError, requestId?: string): Problem {
  return {
    type: `/problems/${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
