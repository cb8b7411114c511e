/**
 * Measures over windows in SQL (issue 14 item 1): a partner's turnover, orders and revenue before discount as
 * of a Moscow date, for many partners in one statement, net of refunds made before the window's end. The
 * figures are seed 003's worked example: 52 000 ₽ from 20 December to 20 January; the next day, with 3 000 ₽
 * of 20 December out of the window, 49 000 ₽.
 */
import { sql } from 'kysely';
import { measureByPartner, type MeasureSubject } from '../../server/src/programs/measure.repository';
import type { Measure } from '../../server/src/programs/program';
import { createTestDb, type TestDb } from '../support/db';
import { insertBarePartner } from '../support/seed';

let t: TestDb;
const RESELLER = { id: 'ptn_measure000res', accountId: 6100 };
const OTHER = { id: 'ptn_measure000oth', accountId: 6200 };
const AGENT = { id: 'ptn_measure000agt', accountId: 6300 };
let seq = 0;

/** A payment by the account `accountId` at Moscow noon of `date`. */
async function pay(
  accountId: number,
  date: string,
  grossMinor: number,
  more: { category?: string; listMinor?: number; at?: string } = {},
): Promise<string> {
  seq += 1;
  const id = `pay_measure${String(seq).padStart(6, '0')}`;
  await sql`
    INSERT INTO payments (id, external_id, request_hash, client_account_id, gross_minor, currency, channel, paid_at,
                          product_category, list_minor)
    VALUES (${id}, ${id}, 'seed', ${accountId}, ${grossMinor}, 'RUB', 'vendor_direct',
            ${more.at ?? `${date}T12:00:00+03:00`}, ${more.category ?? null}, ${more.listMinor ?? null})`.execute(
    t.db,
  );
  return id;
}

async function refund(paymentId: string, amountMinor: number, at: string): Promise<void> {
  seq += 1;
  await sql`
    INSERT INTO refunds (id, external_id, request_hash, payment_id, amount_minor, reversal_minor, refunded_at)
    VALUES (${`rfd_measure${seq}`}, ${`rfd-${seq}`}, 'seed', ${paymentId}, ${amountMinor}, 0, ${at})`.execute(
    t.db,
  );
  await sql`UPDATE payments SET refunded_minor = refunded_minor + ${amountMinor} WHERE id = ${paymentId}`.execute(
    t.db,
  );
}

const turnover = (of: Measure['of'] = 'gross', more: Partial<Measure> = {}): Measure => ({
  of,
  window: 'rolling_month',
  ...more,
});

async function measured(measure: Measure, asOf: string, subject: MeasureSubject = 'own_payments') {
  return Object.fromEntries(await measureByPartner(t.db, { measure, subject, asOf }));
}

beforeAll(async () => {
  t = await createTestDb();
  for (const p of [RESELLER, OTHER, AGENT])
    await insertBarePartner(t.db, { ...p, kind: 'legal_entity', status: 'active', name: p.id });
  // The reseller's month: 3 000 on 20 December, 49 000 more by 20 January (one of them a VPS of 20 000 whose
  // list price was 25 000), and 50 000 paid on 21 January. A payment of 19 December never counts here.
  await pay(RESELLER.accountId, '2026-12-19', 700_000);
  await pay(RESELLER.accountId, '2026-12-20', 300_000);
  await pay(RESELLER.accountId, '2026-12-31', 2_900_000, { category: 'dedic' });
  await pay(RESELLER.accountId, '2027-01-20', 2_000_000, { category: 'vps', listMinor: 2_500_000 });
  await pay(RESELLER.accountId, '2027-01-21', 5_000_000, { category: 'vps' });
  // Another partner's payment in the same window: measured on its own row, never in the reseller's.
  await pay(OTHER.accountId, '2027-01-10', 100_000);
});
afterAll(() => t.drop());

describe('a rolling-month turnover (seed 003)', () => {
  test('52 000 ₽ from 20 December to 20 January; the next day 3 000 ₽ leave and the 50 000 ₽ paid on 21 January come in', async () => {
    expect(await measured(turnover(), '2027-01-20')).toEqual({
      [RESELLER.id]: 5_200_000n,
      [OTHER.id]: 100_000n,
    });
    // The seed's own example: «21 января вы заплатили авансом 50000 рублей» — 52 000 − 3 000 + 50 000.
    expect((await measured(turnover(), '2027-01-21'))[RESELLER.id]).toBe(9_900_000n);
  });

  test('by category, by count of orders, and before the partner discount', async () => {
    const asOf = '2027-01-20';
    expect((await measured(turnover('gross', { productCategories: ['vps'] }), asOf))[RESELLER.id]).toBe(
      2_000_000n,
    );
    expect((await measured(turnover('paid_orders'), asOf))[RESELLER.id]).toBe(3n);
    // The VPS counts at its list price of 25 000 ₽; the rest had no discount.
    expect((await measured(turnover('list_before_discount'), asOf))[RESELLER.id]).toBe(5_700_000n);
    expect(
      await measureByPartner(t.db, {
        measure: turnover(),
        subject: 'own_payments',
        asOf,
        partnerIds: [OTHER.id],
      }),
    ).toEqual(new Map([[OTHER.id, 100_000n]]));
  });

  test('a refund lowers the turnover from the day it is made, and a past day stays as it was', async () => {
    const vps = (
      await sql<{ id: string }>`SELECT id FROM payments WHERE client_account_id = ${RESELLER.accountId}
                                 AND paid_at::date = '2027-01-21'`.execute(t.db)
    ).rows[0]!.id;
    await refund(vps, 5_000_000, '2027-01-22T10:00:00+03:00');
    expect((await measured(turnover(), '2027-01-21'))[RESELLER.id]).toBe(9_900_000n);
    expect((await measured(turnover(), '2027-01-22'))[RESELLER.id]).toBe(4_900_000n);
    // Refunded in full, it is no longer a paid order either.
    expect((await measured(turnover('paid_orders'), '2027-01-22'))[RESELLER.id]).toBe(2n);
  });
});

describe('calendar windows and the clients of a partner', () => {
  test('a quarter from its first day; lifetime from the start', async () => {
    const quarter = await measured({ of: 'gross', window: 'quarter' }, '2027-01-20');
    expect(quarter[RESELLER.id]).toBe(2_000_000n);
    const lifetime = await measured({ of: 'gross', window: 'lifetime' }, '2027-01-20');
    expect(lifetime[RESELLER.id]).toBe(5_900_000n);
  });

  test("an agent's measure is the revenue of the clients that earned it a commission", async () => {
    const paymentId = await pay(6_301, '2027-01-15', 400_000);
    await sql`
      INSERT INTO pins (id, client_account_id, partner_id, status, exclusive, valid_from)
      VALUES ('pin_measure0001', 6301, ${AGENT.id}, 'pinned', true, '2026-01-01')`.execute(t.db);
    await sql`
      INSERT INTO commissions (id, payment_id, partner_id, pin_id, channel, gross_minor, rate_bps, commission_minor,
                               currency, payable, accrued_at)
      VALUES ('com_measure0001', ${paymentId}, ${AGENT.id}, 'pin_measure0001', 'vendor_direct', 400000, 2700,
              108000, 'RUB', true, '2027-01-15T12:00:00+03:00')`.execute(t.db);
    const clients = await measured(turnover(), '2027-01-20', 'attributed_payments');
    expect(clients).toEqual({ [AGENT.id]: 400_000n });
  });
});
