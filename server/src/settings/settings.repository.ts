import type { Db } from '../db/pool';
import type { Channel } from '../db/schema';
import { PartyRequisites, ProgramSettings, SETTING_KEYS } from './settings';

export async function getProgramSettings(db: Db): Promise<ProgramSettings> {
  const rows = await db.selectFrom('program_settings').select(['key', 'value']).execute();
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  return ProgramSettings.parse(
    Object.fromEntries(Object.entries(SETTING_KEYS).map(([name, key]) => [name, byKey.get(key)])),
  );
}

export async function updateProgramSettings(
  db: Db,
  patch: Partial<ProgramSettings>,
): Promise<ProgramSettings> {
  for (const [name, value] of Object.entries(patch)) {
    const key = SETTING_KEYS[name as keyof ProgramSettings];
    await db
      .insertInto('program_settings')
      .values({ key, value: JSON.stringify(value) })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: new Date() }),
      )
      .execute();
  }
  return getProgramSettings(db);
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
