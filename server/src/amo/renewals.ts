import { sql } from 'kysely';
import type { Db } from '../db/pool';
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
  const horizon = new Date(asOf.getTime() + days * 24 * 3600 * 1000);
  const due = await db
    .with('periods', (qb) =>
      qb
        .selectFrom('payments')
        .select(['client_account_id', sql<Date>`max(period_end)`.as('period_end')])
        .where('period_end', 'is not', null)
        .where(sql<boolean>`refunded_minor < gross_minor`)
        .groupBy('client_account_id'),
    )
    .selectFrom('periods')
    .innerJoin('pins', 'pins.client_account_id', 'periods.client_account_id')
    .innerJoin('partners', 'partners.id', 'pins.partner_id')
    .select([
      'periods.client_account_id',
      'periods.period_end',
      'pins.id as pin_id',
      'partners.account_id as partner_account_id',
      (eb) =>
        eb
          .selectFrom('payments')
          .select('product_code')
          .whereRef('payments.client_account_id', '=', 'periods.client_account_id')
          .whereRef('payments.period_end', '=', 'periods.period_end')
          .orderBy('paid_at', 'desc')
          .limit(1)
          .as('product_code'),
    ])
    .where('pins.status', 'in', ['pinned', 'attributed'])
    .where('partners.status', '!=', 'blocked')
    .where('periods.period_end', '>', asOf)
    .where('periods.period_end', '<=', horizon)
    .execute();
  let queued = 0;
  for (const row of due) {
    const periodEnd = row.period_end.toISOString();
    const clientAccountId = Number(row.client_account_id);
    const before = await db
      .selectFrom('outbox')
      .select('id')
      .where('dedupe_key', '=', `renewal:${clientAccountId}:${periodEnd}`)
      .executeTakeFirst();
    if (before) continue;
    await enqueue(db, {
      kind: 'partner_task.renewal',
      targetAccountId: Number(row.partner_account_id),
      dedupeKey: `renewal:${clientAccountId}:${periodEnd}`,
      payload: { clientAccountId, periodEnd, pinId: row.pin_id, productCode: row.product_code ?? null },
    });
    queued += 1;
  }
  return queued;
}
