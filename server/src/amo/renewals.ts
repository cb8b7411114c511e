import { clientsDueForRenewal } from '../commissions/payment.service';
import type { Db } from '../db/pool';
import { DAY_MS } from '../instants';
import { enqueue } from '../outbox/outbox';
import { getRenewalReminderDays } from '../settings/settings.service';

/**
 * The daily renewal reminders: for every client whose paid period ends within the next N days (program
 * setting `renewal_reminder_days`), one `partner_task.renewal` for the partner the client is pinned or
 * attributed to. A client's paid period is the latest `period_end` of its payments that were not refunded in
 * full; a renewal moves it, and the next period gets its own reminder. The dedupe key (client and period
 * end) makes the job safe to run any number of times a day: once per client and period.
 */
export async function enqueueRenewalReminders(db: Db, asOf: Date): Promise<number> {
  const days = await getRenewalReminderDays(db);
  const horizon = new Date(asOf.getTime() + days * DAY_MS);
  const due = await clientsDueForRenewal(db, asOf, horizon);
  let queued = 0;
  for (const row of due) {
    const periodEnd = row.periodEnd.toISOString();
    const recorded = await enqueue(db, {
      kind: 'partner_task.renewal',
      targetAccountId: row.partnerAccountId,
      dedupeKey: `renewal:${row.clientAccountId}:${periodEnd}`,
      payload: {
        clientAccountId: row.clientAccountId,
        periodEnd,
        pinId: row.pinId,
        productCode: row.productCode,
      },
    });
    if (recorded) queued += 1;
  }
  return queued;
}
