import fc from 'fast-check';
import { sql } from 'kysely';
import { recordPayment, recordRefund, markInvoicePaid } from '../../server/src/commissions/payment.service';
import { partnerLedgerSums } from '../../server/src/commissions/commission.repository';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { insertPartner, markContractSigned } from '../../server/src/partners/partner.repository';
import { insertPin } from '../../server/src/pins/pin.repository';
import { programDate, runPayouts } from '../../server/src/payouts/payout.service';
import { VENDOR_ACCOUNT_ID } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';

type Command =
  | {
      type: 'pay';
      client: number;
      grossMinor: number;
      channel: 'vendor_direct' | 'partner_net';
      daysAgo: number;
    }
  | { type: 'refund'; payment: number; parts: number }
  | { type: 'run'; dayOffset: number }
  | { type: 'paid'; invoice: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('pay' as const),
      client: fc.integer({ min: 0, max: 3 }),
      grossMinor: fc.integer({ min: 1, max: 3_000_000 }),
      channel: fc.constantFrom('vendor_direct' as const, 'partner_net' as const),
      daysAgo: fc.integer({ min: 0, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('refund' as const),
      payment: fc.nat(),
      parts: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('run' as const), dayOffset: fc.integer({ min: 0, max: 20 }) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('paid' as const), invoice: fc.nat() }) },
);

async function seed(db: TestDb['db']) {
  const partners = [
    { id: 'ptn_prop00000000a', accountId: 1, kind: 'sole_proprietor' as const, signed: true },
    { id: 'ptn_prop00000000b', accountId: 2, kind: 'legal_entity' as const, signed: true },
    { id: 'ptn_prop00000000c', accountId: 3, kind: 'individual' as const, signed: false },
  ];
  for (const p of partners) {
    await insertPartner(db, {
      id: p.id,
      accountId: p.accountId,
      kind: p.kind,
      status: p.kind === 'individual' ? 'active' : 'pending_contract',
      name: p.id,
      inn: null,
      kpp: null,
      ogrn: null,
      passportEnc: null,
      passportMasked: null,
      bank: null,
      contacts: {},
    });
    if (p.signed) await markContractSigned(db, p.id, { number: 'P', signedAt: new Date('2026-01-01') });
  }
  // Clients 100..103: two of partner a, one of b, one of the individual c; pinned 90 days ago.
  const owners = ['ptn_prop00000000a', 'ptn_prop00000000a', 'ptn_prop00000000b', 'ptn_prop00000000c'];
  for (const [i, partnerId] of owners.entries()) {
    await insertPin(db, {
      id: `pin_prop0000000${i}`,
      clientAccountId: 100 + i,
      clientSubdomain: null,
      partnerId,
      status: 'pinned',
      exclusive: true,
      reason: null,
      comment: null,
      validFrom: new Date(Date.now() - 90 * 86400_000),
    });
  }
  return partners.map((p) => p.id);
}

describe('money invariants under random sequences', () => {
  it('every posting balances, every cached total equals its entries, and no run invoices more than was earned minus reversals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), async (commands) => {
        const t = await createTestDb();
        try {
          const partnerIds = await seed(t.db);
          const payments: string[] = [];
          let seq = 0;
          for (const c of commands) {
            await t.db.transaction().execute(async (trx) => {
              if (c.type === 'pay') {
                seq += 1;
                const body = {
                  externalId: `e${seq}`,
                  clientAccountId: 100 + c.client,
                  grossMinor: c.grossMinor,
                  currency: 'RUB',
                  channel: c.channel,
                  paidAt: new Date(Date.now() - c.daysAgo * 86400_000).toISOString(),
                };
                await recordPayment(trx, body, `h${seq}`, { vendorAccountId: VENDOR_ACCOUNT_ID });
                payments.push(body.externalId);
              } else if (c.type === 'refund' && payments.length) {
                const externalId = payments[c.payment % payments.length]!;
                const { rows } = await sql<{
                  left: bigint;
                }>`SELECT gross_minor - refunded_minor AS left FROM payments WHERE external_id = ${externalId}`.execute(
                  trx,
                );
                const left = rows[0]!.left;
                const amount = left / BigInt(c.parts);
                if (amount > 0n) {
                  seq += 1;
                  await recordRefund(
                    trx,
                    {
                      externalId: `r${seq}`,
                      paymentExternalId: externalId,
                      amountMinor: Number(amount),
                      refundedAt: new Date().toISOString(),
                    },
                    `h${seq}`,
                  );
                }
              } else if (c.type === 'run') {
                const before = await Promise.all(partnerIds.map((id) => partnerLedgerSums(trx, id, 'RUB')));
                // A run on a later day: the clock moves with it (a run for a day that has not come is refused).
                const at = new Date(Date.now() + c.dayOffset * 86400_000);
                await runPayouts(trx, programDate(at), at);
                for (const [i, partnerId] of partnerIds.entries()) {
                  const after = await partnerLedgerSums(trx, partnerId, 'RUB');
                  const newlyInvoiced =
                    after.invoicedMinor +
                    after.paidOutMinor -
                    (before[i]!.invoicedMinor + before[i]!.paidOutMinor);
                  // A run invoices at most the positive payable balance: never into a clawback, never twice.
                  expect(newlyInvoiced).toBeGreaterThanOrEqual(0n);
                  expect(newlyInvoiced).toBeLessThanOrEqual(
                    before[i]!.payableMinor > 0n ? before[i]!.payableMinor : 0n,
                  );
                  expect(after.payableMinor).toBeGreaterThanOrEqual(
                    before[i]!.payableMinor > 0n ? 0n : before[i]!.payableMinor,
                  );
                  // Over all time, what was invoiced or paid never exceeds what was earned (plus compensation).
                  expect(after.paidOutMinor + after.invoicedMinor).toBeLessThanOrEqual(
                    after.earnedMinor + after.compensationMinor,
                  );
                }
              } else if (c.type === 'paid') {
                const issued = await trx
                  .selectFrom('invoices')
                  .select('id')
                  .where('status', '=', 'issued')
                  .where('kind', '=', 'reward')
                  .orderBy('id')
                  .execute();
                if (issued.length)
                  await markInvoicePaid(trx, issued[c.invoice % issued.length]!.id, {
                    paidAt: new Date(),
                    method: 'bank',
                  });
              }
            });
          }
          expect(await checkLedger(t.db)).toEqual([]);
          // One commission per payment at most, and the ledger's commission credits equal the commission rows.
          const { rows } = await sql<{ dup: bigint; rows_total: bigint; ledger_total: bigint }>`
            SELECT (SELECT count(*) FROM (SELECT payment_id FROM commissions GROUP BY payment_id HAVING count(*) > 1) d)::bigint AS dup,
                   (SELECT coalesce(sum(commission_minor), 0) FROM commissions)::bigint AS rows_total,
                   (SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id
                     WHERE p.kind = 'commission' AND e.side = 'credit')::bigint AS ledger_total`.execute(
            t.db,
          );
          expect(rows[0]!.dup).toBe(0n);
          expect(rows[0]!.ledger_total).toBe(rows[0]!.rows_total);
          // Reward invoices are only ever for partners who may be paid (never the individual).
          const individualInvoices = await t.db
            .selectFrom('invoices')
            .select('id')
            .where('partner_id', '=', partnerIds[2]!)
            .where('kind', '=', 'reward')
            .execute();
          expect(individualInvoices).toEqual([]);
        } finally {
          await t.drop();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
