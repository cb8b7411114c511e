/**
 * Benchmark 3 — the payout run (`runPayouts`) over a bulk-seeded history: wall time and peak memory at two or
 * three sizes (100 payments per partner, 10 per client), so the growth from 100 k to 1 M payments shows
 * whether it is linear and whether memory stays flat. Each run is a fresh child process (payout-child.ts).
 *
 * The seed is plain SQL from generate_series: partners with signed contracts, pins, known accounts, payments,
 * commissions, and the ledger exactly as `recordPayment` would have left it — one posting per commission
 * (debit vendor:commission_expense:<partnerId>, credit partner:<id>:payable) and cached totals equal to the entries'
 * sums. It runs with `session_replication_role = replica` so the per-row triggers (the deferred balance
 * check, the foreign keys) are skipped, and `checkLedger` proves afterwards that the books still balance.
 */
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../server/src/db/pool';
import { checkLedger } from '../server/src/ledger/ledger.service';
import { DEFAULT_PRESET } from '../server/src/programs/program';
import { payoutPolicyInForce } from '../server/src/programs/program.service';
import { bulkLoad, contractedPartnersSql, withSeededDatabase } from './seed';
import type { PayoutChildResult } from './payout-child';
import { SMALL, type BenchPostgres, type ResultRow, fmt, forkForResult, log, yesNo } from './support';

const SIZES = SMALL ? [10_000, 30_000] : [100_000, 300_000, 1_000_000];
/** The ledger is checked in full at these sizes (at 1 M the check alone takes longer than the run). */
const CHECK_LEDGER_UP_TO = 100_000;

interface SizeResult {
  payments: number;
  partners: number;
  seedSeconds: number;
  child: PayoutChildResult;
  expectedTotal: string;
  ledgerProblems: number | null;
}

/** Today in Moscow, the date a scheduled run would use. */
function todayMoscow(): string {
  return new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10);
}

export async function seed(client: pg.Client, payments: number): Promise<void> {
  const partners = payments / 100;
  const clients = payments / 10;
  await bulkLoad(client, [
    contractedPartnersSql('ptn_seed', 22000000, partners, "now() - interval '400 days'"),
    `INSERT INTO pins (id, client_account_id, partner_id, status, exclusive, valid_from)
     SELECT 'pin_seed' || lpad(j::text, 8, '0'), 70000000 + j,
            'ptn_seed' || lpad((1 + (j - 1) % ${partners})::text, 7, '0'), 'pinned', true, now() - interval '400 days'
       FROM generate_series(1, ${clients}) AS j`,
    `INSERT INTO known_accounts (account_id, source)
     SELECT 70000000 + j, 'payment' FROM generate_series(1, ${clients}) AS j`,
    // Payment k is for client 1 + (k-1) % clients, whose partner is 1 + (k-1) % partners; paid over the last
    // 60 days, so about a quarter of the rewards are still in the 14-day hold.
    `CREATE TEMP TABLE seed_payments ON COMMIT DROP AS
     SELECT lpad(k::text, 8, '0') AS n,
            70000000 + 1 + (k - 1) % ${clients} AS client_account_id,
            'pin_seed' || lpad((1 + (k - 1) % ${clients})::text, 8, '0') AS pin_id,
            'ptn_seed' || lpad((1 + (k - 1) % ${partners})::text, 7, '0') AS partner_id,
            (500000 + (k % 7) * 100000)::bigint AS gross_minor,
            now() - make_interval(days => ((k - 1) / ${partners}) % 60, mins => k % 1440) AS paid_at
       FROM generate_series(1, ${payments}) AS k`,
    `INSERT INTO payments (id, external_id, request_hash, client_account_id, gross_minor, currency, channel, paid_at,
                           product_code)
     SELECT 'pay_seed' || n, 'seed-' || n, 'seed', client_account_id, gross_minor, 'RUB', 'vendor_direct', paid_at,
            'amo-widget-pro'
       FROM seed_payments`,
    `INSERT INTO commissions (id, payment_id, partner_id, pin_id, channel, gross_minor, rate_bps, commission_minor,
                              currency, payable, reason, accrued_at)
     SELECT 'com_seed' || n, 'pay_seed' || n, partner_id, pin_id, 'vendor_direct', gross_minor, 4000,
            gross_minor * 4000 / 10000, 'RUB', true, NULL, paid_at
       FROM seed_payments`,
    `INSERT INTO ledger_accounts (code, currency, partner_id)
     SELECT 'vendor:commission_expense:' || id, 'RUB', NULL FROM partners WHERE id LIKE 'ptn_seed%'
     UNION ALL
     SELECT 'partner:' || id || ':payable', 'RUB', id FROM partners WHERE id LIKE 'ptn_seed%'`,
    `INSERT INTO ledger_postings (id, posting_key, kind, reason, effective_at)
     SELECT 'lpo_seed' || n, 'commission:com_seed' || n, 'commission',
            jsonb_build_object('paymentId', 'pay_seed' || n, 'commissionId', 'com_seed' || n,
                               'clientAccountId', client_account_id),
            paid_at
       FROM seed_payments`,
    `INSERT INTO ledger_entries (posting_id, account_id, side, amount_minor, currency)
     SELECT 'lpo_seed' || s.n, e.account_id, e.side, s.gross_minor * 4000 / 10000, 'RUB'
       FROM seed_payments s
       JOIN ledger_accounts pa ON pa.code = 'partner:' || s.partner_id || ':payable' AND pa.currency = 'RUB'
       JOIN ledger_accounts ea ON ea.code = 'vendor:commission_expense:' || s.partner_id AND ea.currency = 'RUB'
       CROSS JOIN LATERAL (VALUES (ea.id, 'debit'), (pa.id, 'credit')) AS e(account_id, side)
      ORDER BY s.n, e.side DESC`,
    // Cached totals, from the entries (what post() keeps up to date one posting at a time).
    `UPDATE ledger_accounts a
        SET debits_minor = s.debits, credits_minor = s.credits
       FROM (SELECT account_id,
                    coalesce(sum(amount_minor) FILTER (WHERE side = 'debit'), 0) AS debits,
                    coalesce(sum(amount_minor) FILTER (WHERE side = 'credit'), 0) AS credits
               FROM ledger_entries GROUP BY account_id) s
      WHERE s.account_id = a.id`,
  ]);
}

/**
 * What the run must invoice: per partner, payable minus rewards in the hold, if at least the minimum. The hold
 * and the minimum are the program's in force (its payout policy), as runPayouts reads them.
 */
async function expectedTotal(client: pg.Client, url: string, asOf: string): Promise<string> {
  const handle = createDb(url);
  const { holdDays, minMinor } = await payoutPolicyInForce(handle.db, new Date(), DEFAULT_PRESET).finally(
    () => handle.close(),
  );
  // The same cut-off as runPayouts: the end of asOf in Moscow, minus the hold.
  const cutoff = new Date(`${asOf}T23:59:59.999+03:00`);
  const holdFrom = new Date(cutoff.getTime() - holdDays * 24 * 3600 * 1000);
  const { rows } = await client.query(
    `SELECT coalesce(sum(eligible) FILTER (WHERE eligible >= $2 AND eligible > 0), 0)::text AS total
       FROM (SELECT sum(commission_minor - reversed_minor) FILTER (WHERE accrued_at <= $1) AS eligible
               FROM commissions WHERE payable GROUP BY partner_id) per`,
    [holdFrom, String(minMinor)],
  );
  return rows[0].total;
}

export function runChild(databaseUrl: string, asOf: string): Promise<PayoutChildResult> {
  return forkForResult<PayoutChildResult>(
    path.join(__dirname, 'payout-child.js'),
    { databaseUrl, asOf },
    (code) => `payout child exited with ${code}`,
  );
}

function oneSize(pgServer: BenchPostgres, payments: number): Promise<SizeResult> {
  return withSeededDatabase(pgServer, 'payout', payments, seed, async (url, client, seedSeconds) => {
    let ledgerProblems: number | null = null;
    if (payments <= CHECK_LEDGER_UP_TO) {
      const handle = createDb(url);
      const problems = await checkLedger(handle.db);
      await handle.close();
      ledgerProblems = problems.length;
      log(`payout: checkLedger after the seed: ${problems.length} problems`);
      if (problems.length)
        log(
          problems
            .slice(0, 5)
            .map((p) => p.detail)
            .join('\n'),
        );
    }

    const asOf = todayMoscow();
    const expected = await expectedTotal(client, url, asOf);
    log(`payout: running runPayouts(${asOf}) in a child process`);
    const child = await runChild(url, asOf);
    log(
      `payout: ${fmt(payments)} payments: ${(child.wallMs / 1000).toFixed(2)} s, ${child.invoicesCreated} invoices, ` +
        `peak RSS ${mb(child.rssPeak)} (before ${mb(child.rssBefore)}), peak heap ${mb(child.heapPeak)}`,
    );
    if (payments <= CHECK_LEDGER_UP_TO) {
      const handle = createDb(url);
      const problems = await checkLedger(handle.db);
      await handle.close();
      ledgerProblems = (ledgerProblems ?? 0) + problems.length;
      log(`payout: checkLedger after the run: ${problems.length} problems`);
    }
    return {
      payments,
      partners: payments / 100,
      seedSeconds,
      child,
      expectedTotal: expected,
      ledgerProblems,
    };
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function benchPayout(pgServer: BenchPostgres): Promise<{ rows: ResultRow[]; notes: string[] }> {
  const results: SizeResult[] = [];
  for (const size of SIZES) results.push(await oneSize(pgServer, size));
  const notes = results.map(
    (r) =>
      `payout ${fmt(r.payments)} payments / ${fmt(r.partners)} partners: run ${(r.child.wallMs / 1000).toFixed(2)} s ` +
      `(${((r.child.wallMs * 1000) / r.partners).toFixed(0)} µs per partner), ${r.child.invoicesCreated} invoices, ` +
      `total ${r.child.totalMinor} (expected ${r.expectedTotal}); RSS before ${mb(r.child.rssBefore)}, ` +
      `peak ${mb(r.child.rssPeak)}, maxRSS ${mb(r.child.maxRss)}; heap before ${mb(r.child.heapBefore)}, ` +
      `peak ${mb(r.child.heapPeak)}; seed ${r.seedSeconds.toFixed(1)} s; ` +
      `checkLedger ${r.ledgerProblems === null ? 'not run at this size' : `${r.ledgerProblems} problems`}`,
  );
  for (const n of notes) log(n);

  const small = results[0]!;
  const big = results[results.length - 1]!;
  const sizeRatio = big.payments / small.payments;
  const timeRatio = big.child.wallMs / small.child.wallMs;
  const memRatio = big.child.rssPeak / small.child.rssPeak;
  const correct = results.every(
    (r) =>
      r.child.totalMinor === r.expectedTotal &&
      r.child.invoicesCreated === r.partners &&
      (r.ledgerProblems === null || r.ledgerProblems === 0),
  );
  const label = (r: SizeResult) => `${fmt(r.payments / 1000)} k`;
  const limitSeconds = 60 * (big.payments / 1_000_000);
  return {
    notes,
    rows: [
      {
        benchmark: `payout run ${label(big)} pay.`,
        figure: `${(big.child.wallMs / 1000).toFixed(1)} s`,
        baseline: `${(small.child.wallMs / 1000).toFixed(1)} s @${label(small)}`,
        ratio: `${timeRatio.toFixed(1)}× for ${sizeRatio}× data`,
        goal: `< ${fmt(limitSeconds)} s, ~linear`,
        met: yesNo(big.child.wallMs / 1000 < limitSeconds && timeRatio <= sizeRatio * 1.25 && correct),
      },
      {
        benchmark: `payout peak RSS ${label(big)}`,
        figure: mb(big.child.rssPeak),
        baseline: `${mb(small.child.rssPeak)} @${label(small)}`,
        ratio: `${memRatio.toFixed(2)}×`,
        // Issue 16: at most 1.25× the 100 k run's peak (1.62× before the run was chunked by partners).
        goal: 'flat (≤ 1.25×)',
        met: yesNo(memRatio <= 1.25),
      },
    ],
  };
}
