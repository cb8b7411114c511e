import type { ZodType } from 'zod';

/**
 * The answer to a write that is idempotent by its external id (a payment, a refund, a points redemption, a
 * bounty) or its natural key (a partner's exam of a day): the first time an audit row and 201; the same request
 * again 200 with the first result, audited once.
 */
export async function answerRecorded<T>(
  outcome: { result: T; replayed: boolean },
  audit: () => Promise<unknown>,
): Promise<{ status: 200 | 201; body: T }> {
  if (!outcome.replayed) await audit();
  return { status: outcome.replayed ? 200 : 201, body: outcome.result };
}

/**
 * The documented answers of a write that records its thing once (`answerRecorded`, or a find-or-create): 201
 * when this request recorded it, 200 with the same schema when an earlier one had.
 */
export function recordedResponses(schema: ZodType, descriptions: { created: string; existing: string }) {
  return {
    201: { description: descriptions.created, schema },
    200: { description: descriptions.existing, schema },
  };
}
