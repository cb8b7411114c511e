/**
 * The HTTP side of the server's errors (`../errors.ts`): the status of each code and the problem+json body.
 * The error middleware in `app.ts` is the only place that turns errors into responses.
 */
import { z } from 'zod';
import { type AppError, ERROR_CODES, type ErrorCode } from '../errors';

/** Every code has a status: a code added without one does not compile. */
const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_wrong_audience: 401,
  token_wrong_client: 401,
  token_wrong_issuer: 401,
  billing_key_invalid: 401,
  signature_invalid: 401,
  forbidden: 403,
  partner_blocked: 403,
  registration_required: 403,
  partner_not_found: 404,
  not_found: 404,
  partner_already_registered: 409,
  idempotency_key_reused: 409,
  conflict: 409,
  link_used: 409,
  link_expired: 410,
  not_client_account: 403,
  no_partner_for_client: 422,
  unprocessable: 422,
  rate_limited: 429,
  database_unavailable: 503,
  internal_error: 500,
};

export function statusOf(error: AppError): number {
  return STATUS[error.code];
}

/**
 * The documented answers of the error codes a route sends, each under its code's status from the one table
 * above, so that no route restates a status: a code alone is described by itself, a `{ code: text }` by its
 * text (`responses: { 200: …, ...problemResponses('link_used', { conflict: 'Not an issued invoice' }) }`).
 */
export function problemResponses(
  ...problems: Array<ErrorCode | Partial<Record<ErrorCode, string>>>
): Record<number, { description: string }> {
  const described: Array<[ErrorCode, string]> = problems.flatMap((p) =>
    typeof p === 'string' ? [[p, p]] : (Object.entries(p) as Array<[ErrorCode, string]>),
  );
  const responses: Record<number, { description: string }> = {};
  for (const [code, description] of described) {
    const before = responses[STATUS[code]]?.description;
    responses[STATUS[code]] = { description: before ? `${before}; ${description}` : description };
  }
  return responses;
}

/** The problem+json body of every error answer; OpenAPI publishes this schema as `Problem`. */
export const ProblemBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  errors: z
    .array(z.object({ path: z.string(), message: z.string(), messageRu: z.string().optional() }))
    .optional(),
  requestId: z.string().optional(),
});
export type Problem = z.infer<typeof ProblemBody>;

export function toProblem(error: AppError, requestId?: string): Problem {
  return {
    type: `/problems/${error.code}`,
    title: ERROR_CODES[error.code],
    status: statusOf(error),
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
