import { sql } from 'kysely';
import { payoutAmount } from '../../server/src/commissions/commission.rules';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { rewardInvoiced } from '../../server/src/ledger/postings';
import { markContractSigned, setPartnerStatus } from '../../server/src/partners/partner.repository';
import { payoutAmountSql } from '../../server/src/payouts/payout.repository';
import { programDate, runPayouts } from '../../server/src/payouts/payout.service';
import { createTestDb, type TestDb } from '../support/db';
import { asWritten, writtenPostings } from '../support/ledger';
import { insertBarePartner, insertOldPin, recordPaymentDaysAgo } from '../support/seed';

/**
 * runPayouts against PostgreSQL, for the rules its SQL carries (payoutAmount as `payoutAmountSql`; DOMAIN.md rule 14):
 * only active partners are paid, and a balance below the program minimum (100 000 kopecks by default) is not.
 * A pure unit test of payoutAmount cannot see either: the minimum passed as 0 or a query without
 * `status = 'active'` left every other test green (issue 17, items 1 and 2).
 */
let t: TestDb;

// Rates: vendor_direct 40 % by default; payments 40 days old are out of the 14-day hold.
const partners = [
  // Earns 480 000: above the minimum, paid.
  { id: 'ptn_payrun0000act', accountId: 71, client: 7100, grossMinor: 1_200_000, status: 'active' as const },
  // 249 998 × 40 % = 99 999.2 → 99 999: one kopeck below the minimum, not paid.
  { id: 'ptn_payrun0000low', accountId: 72, client: 7200, grossMinor: 249_998, status: 'active' as const },
  // Earns exactly the minimum: 250 000 × 40 % = 100 000, paid (the minimum is inclusive).
  { id: 'ptn_payrun0000min', accountId: 73, client: 7300, grossMinor: 250_000, status: 'active' as const },
  // Earns 480 000 but is blocked: not paid until unblocked.
  { id: 'ptn_payrun0000blk', accountId: 74, client: 7400, grossMinor: 1_200_000, status: 'blocked' as const },
];

beforeAll(async () => {
  t = await createTestDb();
  for (const p of partners) {
    const { id, accountId } = p;
    await insertBarePartner(t.db, {
      id,
      accountId,
      kind: 'legal_entity',
      status: 'pending_contract',
      name: id,
    });
    await markContractSigned(t.db, p.id, { number: `R-${p.accountId}`, signedAt: new Date('2026-01-01') });
    await insertOldPin(t.db, {
      id: `pin_payrun${p.accountId}000`,
      clientAccountId: p.client,
      partnerId: p.id,
    });
    await recordPaymentDaysAgo(
      t.db,
      {
        externalId: `payrun-${p.accountId}`,
        clientAccountId: p.client,
        grossMinor: p.grossMinor,
        daysAgo: 40,
      },
      `payrun-h${p.accountId}`,
    );
    // Blocked after earning: the commission was accrued while active, the payout must still wait.
    if (p.status === 'blocked') await setPartnerStatus(t.db, p.id, 'blocked');
  }
});
afterAll(() => t.drop());

const rewardInvoices = async () =>
  (
    await t.db
      .selectFrom('invoices')
      .select(['partner_id', 'amount_minor'])
      .where('kind', '=', 'reward')
      .orderBy('partner_id')
      .execute()
  ).map((i) => [i.partner_id, Number(i.amount_minor)]);

/** A run `offset` days from now, with the clock moved there (a run for a day not yet come is refused). */
const runOn = (offset: number) => {
  const at = new Date(Date.now() + offset * 86400_000);
  return t.db.transaction().execute((trx) => runPayouts(trx, programDate(at), at));
};

describe('a payout run', () => {
  it('reads and invoices the partners chunk by chunk with the same result for any chunk size', async () => {
    // Three partners are selected (act, low, min; the blocked one is not): chunks of 1, 2 and 3 end on a full
    // chunk, on a part chunk and on exactly one chunk. Each run is rolled back, so the runs below start clean.
    const rollback = new Error('rollback');
    const at = new Date(Date.now() + 86400_000);
    for (const chunk of [1, 2, 3, 1000]) {
      let seen: unknown;
      await t.db
        .transaction()
        .execute(async (trx) => {
          const run = await runPayouts(trx, programDate(at), at, chunk);
          const invoices = await trx
            .selectFrom('invoices')
            .select(['partner_id', 'amount_minor'])
            .where('kind', '=', 'reward')
            .orderBy('partner_id')
            .execute();
          seen = {
            invoices: invoices.map((i) => [i.partner_id, Number(i.amount_minor)]),
            total: run.totalMinor,
            count: run.invoicesCreated,
          };
          throw rollback;
        })
        .catch((error: unknown) => {
          if (error !== rollback) throw error;
        });
      expect({ chunk, seen }).toEqual({
        chunk,
        seen: {
          invoices: [
            ['ptn_payrun0000act', 480_000],
            ['ptn_payrun0000min', 100_000],
          ],
          total: 580_000n,
          count: 2,
        },
      });
    }
  });

  it('pays active partners at or above the minimum, not one a kopeck below it, not a blocked one', async () => {
    const run = await runOn(1);
    expect(await rewardInvoices()).toEqual([
      ['ptn_payrun0000act', 480_000],
      ['ptn_payrun0000min', 100_000],
    ]);
    expect({ invoices: run.invoicesCreated, total: run.totalMinor }).toEqual({
      invoices: 2,
      total: 580_000n,
    });
  });

  it("posts each reward invoice as rewardInvoiced does, through the ledger's set-based writer", async () => {
    const invoices = await t.db
      .selectFrom('invoices')
      .select(['id', 'partner_id', 'amount_minor', 'issued_at', 'payout_run_id'])
      .where('kind', '=', 'reward')
      .execute();
    expect(invoices.length).toBeGreaterThan(0);
    const expected = invoices.map((i) =>
      rewardInvoiced({
        payoutRunId: i.payout_run_id!,
        invoiceId: i.id,
        partnerId: i.partner_id,
        amountMinor: i.amount_minor,
        currency: 'RUB',
        at: i.issued_at,
      }),
    );
    expect(await writtenPostings(t.db, 'reward_invoice')).toEqual(asWritten(expected));
    expect(await checkLedger(t.db)).toEqual([]);
  });

  it('pays the blocked partner once unblocked, and the low balance still waits', async () => {
    await setPartnerStatus(t.db, 'ptn_payrun0000blk', 'active');
    await runOn(2);
    expect(await rewardInvoices()).toEqual([
      ['ptn_payrun0000act', 480_000],
      ['ptn_payrun0000blk', 480_000],
      ['ptn_payrun0000min', 100_000],
    ]);
  });
});

describe("the database's payout amount", () => {
  it('is payoutAmount for every balance, hold and minimum around the edges', async () => {
    const values = [-5n, 0n, 1n, 99_999n, 100_000n, 100_001n, 500_000n];
    for (const payable of values)
      for (const held of [0n, 1n, 100_000n, 600_000n])
        for (const min of [0n, 1n, 100_000n]) {
          const amount = payoutAmountSql(sql`${String(payable)}::bigint`, sql`${String(held)}::bigint`, min);
          const { rows } = await sql<{ amount: bigint }>`SELECT ${amount} AS amount`.execute(t.db);
          expect({ payable, held, min, amount: rows[0]!.amount }).toEqual({
            payable,
            held,
            min,
            amount: payoutAmount({ payableMinor: payable, heldMinor: held, minPayoutMinor: min }),
          });
        }
  });
});
