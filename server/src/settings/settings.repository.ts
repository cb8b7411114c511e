import type { Db } from '../db/pool';
import type { Channel } from '../db/schema';
import { DEFAULT_RENEWAL_REMINDER_DAYS, PartyRequisites, RENEWAL_REMINDER_DAYS_KEY } from './settings';

/** Days before a client's paid period ends that its partner is reminded (`renewal_reminder_days`, default 14). */
export async function getRenewalReminderDays(db: Db): Promise<number> {
  const row = await db
    .selectFrom('program_settings')
    .select('value')
    .where('key', '=', RENEWAL_REMINDER_DAYS_KEY)
    .executeTakeFirst();
  const days = Number(row?.value);
  return Number.isInteger(days) && days > 0 && days <= 365 ? days : DEFAULT_RENEWAL_REMINDER_DAYS;
}

export async function setRenewalReminderDays(db: Db, days: number): Promise<void> {
  const value = JSON.stringify(days);
  await db
    .insertInto('program_settings')
    .values({ key: RENEWAL_REMINDER_DAYS_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() }))
    .execute();
}

export async function getVendorRequisites(db: Db): Promise<PartyRequisites> {
  const row = await db
    .selectFrom('program_settings')
    .select('value')
    .where('key', '=', 'vendor_requisites')
    .executeTakeFirstOrThrow();
  return PartyRequisites.parse(row.value);
}

/** Price list: product code → gross price in kopecks. */
/**
 * The price list as a Map: product codes come from partners, and a plain object would answer
 * `constructor` or `__proto__` with something inherited instead of "not in the list".
 */
export async function getPriceList(db: Db): Promise<Map<string, number>> {
  const row = await db
    .selectFrom('program_settings')
    .select('value')
    .where('key', '=', 'price_list')
    .executeTakeFirst();
  return new Map(Object.entries((row?.value ?? {}) as Record<string, number>));
}

export async function insertRateSchedule(
  db: Db,
  rate: { partnerId: string | null; channel: Channel; rateBps: number; effectiveFrom: Date },
): Promise<void> {
  await db
    .insertInto('rate_schedules')
    .values({
      partner_id: rate.partnerId,
      channel: rate.channel,
      rate_bps: rate.rateBps,
      effective_from: rate.effectiveFrom,
    })
    .execute();
}
