import { sql } from 'kysely';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { startTestApp, type TestApp } from '../support/app';

/**
 * 20 concurrent billing clients send 10 000 payments, 10 % of them duplicates and 5 % followed by a
 * refund: the counts are exact, every posting balances, and nothing answers 5xx.
 */
let t: TestApp;
const CLIENTS = 50;
const TOTAL = Number(process.env.SOAK_PAYMENTS ?? 10_000);

beforeAll(async () => {
  t = await startTestApp({ logLevel: 'warn' });
  for (let i = 0; i < 5; i++) {
    await t.call('POST', '/api/v1/partner', {
      token: t.partnerToken(63000000 + i),
      body: { kind: 'individual', name: `Партнёр ${i}`, contacts: {} },
    });
  }
  for (let c = 0; c < CLIENTS; c++) {
    await t.call('POST', '/api/v1/pins', {
      token: t.partnerToken(63000000 + (c % 5)),
      body: { clientAccountId: 64000000 + c },
    });
  }
}, 120_000);
afterAll(() => t.close());

describe('20 concurrent billing clients, 10 000 payments', () => {
  it('keeps exact counts with duplicates and refunds, balanced books, no 5xx', async () => {
    const statuses = new Map<number, number>();
    const note = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    let next = 0;
    let expectedRefunds = 0;
    let expectedGross = 0n;
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        const body = {
          externalId: `load-${i}`,
          clientAccountId: 64000000 + (i % CLIENTS),
          grossMinor: 1000 + ((i * 7919) % 100_000),
          currency: 'RUB',
          channel: 'vendor_direct',
          paidAt: new Date().toISOString(),
        };
        expectedGross += BigInt(body.grossMinor);
        const first = await t.call('POST', '/api/v1/payments', { billing: true, body });
        note(first.status);
        if (i % 10 === 0) note((await t.call('POST', '/api/v1/payments', { billing: true, body })).status);
        if (i % 20 === 0) {
          expectedRefunds += 1;
          const refund = {
            externalId: `load-refund-${i}`,
            paymentExternalId: body.externalId,
            amountMinor: Math.floor(body.grossMinor / 2),
            refundedAt: new Date().toISOString(),
          };
          note((await t.call('POST', '/api/v1/refunds', { billing: true, body: refund })).status);
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));

    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(statuses.get(201)).toBe(TOTAL + expectedRefunds);
    expect(statuses.get(200)).toBe(TOTAL / 10);
    const { rows } = await sql<{ payments: bigint; commissions: bigint; refunds: bigint; gross: bigint }>`
      SELECT (SELECT count(*) FROM payments)::bigint AS payments, (SELECT count(*) FROM commissions)::bigint AS commissions,
             (SELECT count(*) FROM refunds)::bigint AS refunds, (SELECT sum(gross_minor) FROM payments)::bigint AS gross`.execute(
      t.db.db,
    );
    expect(rows[0]).toEqual({
      payments: BigInt(TOTAL),
      commissions: BigInt(TOTAL),
      refunds: BigInt(expectedRefunds),
      gross: expectedGross,
    });
    expect(await checkLedger(t.db.db)).toEqual([]);
  });
});
