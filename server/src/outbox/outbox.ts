import type { Db } from '../db/pool';

export type OutboxKind = 'vendor_company.sync' | 'partner_task.question' | 'partner_task.renewal';

/**
 * Records an amoCRM side effect in the caller's transaction. Delivery happens after commit, by a job;
 * the dedupe key makes a second write of the same effect (a retried request) a no-op. True when this call
 * recorded it, false when the effect was recorded before. This is the only insert into `outbox`; the row's later
 * states (claimed, done, skipped, failed, retried) are written only by the deliverer, `amo/outbox.delivery.ts`
 * through `amo.repository`.
 */
export async function enqueue(
  db: Db,
  item: { kind: OutboxKind; targetAccountId: number; dedupeKey: string; payload: Record<string, unknown> },
): Promise<boolean> {
  const [result] = await db
    .insertInto('outbox')
    .values({
      kind: item.kind,
      target_account_id: BigInt(item.targetAccountId),
      dedupe_key: item.dedupeKey,
      payload: JSON.stringify(item.payload),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
  return (result?.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
