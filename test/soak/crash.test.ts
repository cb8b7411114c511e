import { sql } from 'kysely';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { createTestDb, type TestDb } from '../support/db';
import { buildServer, ServerProcess } from './server-process';

/**
 * kill -9 at random points during payment ingestion and payout runs, several times; after each restart:
 * every payment that got a 2xx exists exactly once with exactly one commission, nothing is half-written,
 * and the ledger check is clean. Clients retry unanswered requests with the same externalId, as billing
 * systems do.
 */
let db: TestDb;
let server: ServerProcess;
const PARTNERS = 6;

beforeAll(async () => {
  buildServer();
  db = await createTestDb();
  server = await ServerProcess.create(db.url);
  await server.start();
  const bank = {
    bik: '044525225',
    account: '40702810938000000001',
    correspondentAccount: '30101810400000000225',
    bankName: 'ПАО Сбербанк',
  };
  for (let i = 0; i < PARTNERS; i++) {
    const accountId = 61000000 + i;
    const reg = await server.call('POST', '/api/v1/partner', {
      token: server.token(accountId),
      body: {
        kind: 'sole_proprietor',
        name: `ИП ${i}`,
        inn: '500100732259',
        ogrn: '304500116000157',
        bank,
        contacts: {},
      },
    });
    await server.call('POST', `/api/v1/admin/partners/${reg.body.id}/contract`, {
      token: server.adminToken(),
      body: { contractNumber: `C-${i}`, signedAt: '2026-01-01T00:00:00Z' },
    });
    await server.call('POST', '/api/v1/pins', {
      token: server.token(accountId),
      body: { clientAccountId: 62000000 + i },
    });
  }
  // Pins earn from 90 days ago, so payments dated weeks back pass the payout hold period.
  await sql`UPDATE pins SET valid_from = now() - interval '90 days'`.execute(db.db);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

describe('kill -9 during ingestion and payout runs', () => {
  it('loses nothing and doubles nothing', async () => {
    const acknowledged = new Set<string>();
    const pending = new Map<string, object>();
    let seq = 0;
    const send = async (externalId: string, body: object) => {
      try {
        const res = await server.call('POST', '/api/v1/payments', { billing: true, body });
        if (res.status === 200 || res.status === 201) {
          acknowledged.add(externalId);
          pending.delete(externalId);
        } else if (res.status >= 500) pending.set(externalId, body);
        else throw new Error(`unexpected ${res.status} ${JSON.stringify(res.body)}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
        // Connection refused or reset: the outcome is unknown, so retry later with the same id.
        pending.set(externalId, body);
      }
    };
    const ingest = async (ms: number) => {
      const until = Date.now() + ms;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (Date.now() < until) {
            seq += 1;
            const externalId = `crash-${seq}`;
            const body = {
              externalId,
              clientAccountId: 62000000 + (seq % PARTNERS),
              grossMinor: random(1000, 500_000),
              currency: 'RUB',
              channel: 'vendor_direct',
              paidAt: new Date(Date.now() - 30 * 86400_000).toISOString(),
            };
            await send(externalId, body);
          }
        }),
      );
    };

    for (let round = 0; round < 3; round++) {
      const running = ingest(1500);
      await new Promise((r) => setTimeout(r, random(200, 1200)));
      await server.kill();
      await running;
      await server.start();
      // Retry every payment whose answer was lost.
      for (const [externalId, body] of [...pending]) await send(externalId, body);
      expect(pending.size).toBe(0);

      // A payout run killed at a random moment: after restart it either happened whole or not at all.
      // One date per round, going back from today: a run for a date that has not come is refused.
      const asOf = new Date(Date.now() - round * 86400_000).toISOString().slice(0, 10);
      const run = server
        .call('POST', '/api/v1/admin/payouts/run', { token: server.adminToken(), body: { asOf } })
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, random(0, 40)));
      await server.kill();
      await run;
      await server.start();
      const { rows } = await sql<{ runs: bigint; invoices: bigint; created: number | null }>`
        SELECT count(DISTINCT r.id) AS runs, count(i.id) AS invoices, max(r.invoices_created) AS created
          FROM payout_runs r LEFT JOIN invoices i ON i.payout_run_id = r.id WHERE r.as_of = ${asOf}`.execute(
        db.db,
      );
      if (rows[0]!.runs === 1n) expect(Number(rows[0]!.invoices)).toBe(rows[0]!.created);
      else expect(rows[0]!.invoices).toBe(0n);
      const rerun = await server.call('POST', '/api/v1/admin/payouts/run', {
        token: server.adminToken(),
        body: { asOf },
      });
      expect(rerun.status).toBe(200);
      expect(await checkLedger(db.db)).toEqual([]);
    }

    // Every acknowledged payment exists exactly once, with exactly one commission and one ledger posting.
    const { rows } = await sql<{ external_id: string; commissions: bigint; postings: bigint }>`
      SELECT p.external_id, count(DISTINCT c.id) AS commissions, count(DISTINCT lp.id) AS postings
        FROM payments p LEFT JOIN commissions c ON c.payment_id = p.id
        LEFT JOIN ledger_postings lp ON lp.posting_key = 'commission:' || c.id
       GROUP BY p.external_id`.execute(db.db);
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    for (const id of acknowledged) {
      expect(byId.get(id)).toMatchObject({ commissions: 1n, postings: 1n });
    }
    expect(rows.every((r) => r.commissions === 1n && r.postings === 1n)).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(50);
    const invoices = await sql<{
      n: bigint;
    }>`SELECT count(*) AS n FROM (SELECT payout_run_id, partner_id FROM invoices WHERE kind = 'reward' GROUP BY 1, 2 HAVING count(*) > 1) d`.execute(
      db.db,
    );
    expect(invoices.rows[0]!.n).toBe(0n);
    expect(await checkLedger(db.db)).toEqual([]);
  });
});
