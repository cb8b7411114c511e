/**
 * The errors every part of the server speaks: one class with a closed set of stable codes (API.md: the
 * problem+json `code`), each with its title. Services and rules throw `AppError` with a code and a detail;
 * they know nothing of HTTP. The edge (`http/errors.ts`) gives each code its status and writes problem+json.
 */
export const ERROR_CODES = {
  validation_failed: 'Request validation failed',
  malformed_json: 'Malformed JSON body',
  unsupported_media_type: 'Unsupported media type',
  payload_too_large: 'Request body too large',
  token_missing: 'Authentication token is missing',
  token_invalid: 'Authentication token is invalid',
  token_expired: 'Authentication token has expired',
  token_not_yet_valid: 'Authentication token is not yet valid',
  token_wrong_audience: 'Authentication token was issued for another audience',
  token_wrong_client: 'Authentication token was issued for another integration',
  token_wrong_issuer: 'Authentication token issuer does not match its subdomain',
  billing_key_invalid: 'Billing API key is missing or invalid',
  signature_invalid: 'The request signature is missing or invalid',
  forbidden: 'Not allowed for this caller',
  partner_blocked: 'Partner is blocked',
  registration_required: 'Register as a partner first',
  partner_not_found: 'Partner is not registered',
  not_found: 'Not found',
  partner_already_registered: 'This account is already registered as a partner',
  idempotency_key_reused: 'Idempotency key was used with another request',
  conflict: 'Conflict with the current state',
  link_used: 'This confirmation link was already used',
  link_expired: 'This confirmation link has expired',
  not_client_account: 'Only the client account itself can confirm this request',
  no_partner_for_client: 'This client has no partner to route to',
  unprocessable: 'The request cannot be applied',
  rate_limited: 'Too many requests',
  database_unavailable: 'Database is unavailable',
  internal_error: 'Internal server error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field's problem, named by its path in the request body or query (`items.3.grossMinor`). */
export interface FieldError {
  path: string;
  message: string;
  /** Russian message for the widget's inline validation; `message` is English. */
  messageRu?: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? ERROR_CODES[code]);
  }
}
