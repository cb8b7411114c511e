/**
 * The answer to a write that is idempotent by its external id (a payment, a refund, a points redemption, a
 * bounty): the first time an audit row and 201; the same request again 200 with the first result, audited once.
 */
export async function answerRecorded<T>(
  outcome: { result: T; replayed: boolean },
  audit: () => Promise<unknown>,
): Promise<{ status: 200 | 201; body: T }> {
  if (!outcome.replayed) await audit();
  return { status: outcome.replayed ? 200 : 201, body: outcome.result };
}
