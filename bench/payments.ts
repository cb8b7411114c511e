/**
 * Benchmark 1 — payment ingestion.
 *
 * Figure: payments per second through the real HTTP API (`POST /api/v1/payments` with the billing bearer key;
 * Express, zod validation, access log, and — these being common payments of pinned clients — the lean path,
 * `recordCommonPayment`: one read, then one statement writing the payment row with its unique externalId, the
 * commission, the ledger posting with the accounts' totals and the audit row), driven by autocannon with 16
 * connections, every request a new externalId for a pinned client, so every payment makes a commission.
 *
 * Baseline ("raw"): the transactional path, `recordPayment` plus the same audit row, called directly on the
 * same pool (same server, same run) by 16 concurrent workers, each payment in its own transaction — the same
 * rows, with no HTTP, auth or validation in front (kept from the first version of this bench).
 *
 * The real limits beside it (issue 16 item 1, bench/payment-ceilings.ts): the same rows written in one
 * statement per payment (the one-round-trip ceiling) and a thousand payments per statement (the set-based
 * ceiling), with the same triggers and constraints.
 *
 * Billing's batch route beside the set-based ceiling (issue 16 item 3, goal ≥ 50 % of it): the same payments,
 * a thousand per `POST /api/v1/payments/batch` request, three requests in flight, as `npm run import` sends them.
 *
 * Beside them, the lean service without HTTP (`recordCommonPayment` called directly by 16 workers): where the HTTP
 * side's time goes.
 *
 * The phases run in a palindrome (HTTP, lean, raw, one-trip, set-based, batch, batch, set-based, one-trip, raw, lean,
 * HTTP; twice at
 * full scale) — A-B-B-A for every pair of sides — so that slow drift on the shared machine and the tables'
 * growth fall on all sides equally; each side's figure is its best phase, because other users of the machine
 * only ever take throughput away.
 */
import { sql } from 'kysely';
import { recordAudit } from '../server/src/audit/audit';
import type { PaymentBody } from '../server/src/commissions/commission';
import { recordCommonPayment } from '../server/src/commissions/payment-lean.service';
import { recordPayment } from '../server/src/commissions/payment.service';
import type { Db } from '../server/src/db/pool';
import { requestHash } from '../server/src/idempotency/idempotency';
import { checkLedger } from '../server/src/ledger/ledger.service';
import { DEFAULT_PRESET, type ProgramVersion } from '../server/src/programs/program';
import { evaluateAttributedPayment, programInForce } from '../server/src/programs/program.service';
import { type CeilingContext, ceilingPhase, countComplete, prepareCeilings } from './payment-ceilings';
import {
  SMALL,
  type BenchPostgres,
  type CpuSplit,
  type ResultRow,
  fmt,
  formatCpu,
  formatWaits,
  log,
  pct,
  percentile,
  runLoad,
  startBenchApp,
  startCpuMeter,
  startWaitSampler,
  VENDOR_ACCOUNT_ID,
  yesNo,
} from './support';

const CONNECTIONS = 16;
const PHASE_SECONDS = SMALL ? 3 : 6;
type Side = 'http' | 'lean' | 'raw' | 'one-trip' | 'set-based' | 'batch';
const SIDES: Side[] = ['http', 'lean', 'raw', 'one-trip', 'set-based', 'batch'];
/** A palindrome (twice at full scale): drift on the shared machine and table growth fall on all sides equally. */
const ORDER: Side[] = (SMALL ? [1] : [1, 2]).flatMap(() => [...SIDES, ...[...SIDES].reverse()]);
/** The set-based ceiling: payments per statement (one transaction) and concurrent writers. */
const SET_BATCH = 1_000;
const SET_WORKERS = 3;
/** Issue 16 item 3: billing's batch route (and `npm run import`) at least this share of the set-based ceiling. */
const BATCH_OF_SET_GOAL = 0.5;
/** Issue 16 item 2 (the lean single payment): HTTP at least this share of the one-round-trip ceiling. */
const HTTP_OF_ONE_TRIP_GOAL = 0.6;
const WARMUP_SECONDS = SMALL ? 1 : 2;
const PARTNERS = 100;
const CLIENTS = 10_000;
const FIRST_CLIENT = 50_000_001;
const DATABASE = 'bench_payments';

interface Phase {
  rps: number;
  p50: number;
  p99: number;
  cpu: CpuSplit;
  count: number;
  waits: Array<[string, number]>;
}

/**
 * Partners with signed contracts and clients pinned to them (exclusive, for the last 400 days), the clients
 * already known (they paid before) unless `known` is false; also the seed of `bench/import-million.ts`.
 */
export async function seedPinnedClients(
  db: Db,
  { partners = PARTNERS, clients = CLIENTS, firstClient = FIRST_CLIENT, known = true } = {},
): Promise<void> {
  await sql`
    INSERT INTO partners (id, account_id, kind, status, name, inn, kpp, ogrn, contacts, contract_number,
                          contract_signed_at)
    SELECT 'ptn_bench' || lpad(i::text, 6, '0'), 20000000 + i, 'legal_entity', 'active', 'ООО «Партнёр ' || i || '»',
           '7707083893', '773601001', '1027700132195', jsonb_build_object('email', 'p' || i || '@example.ru'),
           'Д-' || i, now() - interval '400 days'
      FROM generate_series(1, ${partners}::int) AS i`.execute(db);
  await sql`
    INSERT INTO pins (id, client_account_id, partner_id, status, exclusive, valid_from)
    SELECT 'pin_bench' || lpad(j::text, 8, '0'), ${firstClient - 1}::bigint + j,
           'ptn_bench' || lpad((1 + (j - 1) % ${partners}::int)::text, 6, '0'), 'pinned', true,
           now() - interval '400 days'
      FROM generate_series(1, ${clients}::int) AS j`.execute(db);
  if (known)
    await sql`
      INSERT INTO known_accounts (account_id, source)
      SELECT ${firstClient - 1}::bigint + j, 'payment' FROM generate_series(1, ${clients}::int) AS j`.execute(
      db,
    );
  await sql`ANALYZE`.execute(db);
}

/** The n-th payment of a phase: 12 000 ₽ vendor_direct for one of the pinned clients, a new externalId. */
function paymentBody(idPrefix: string, n: number, paidAt: string): PaymentBody {
  return {
    externalId: `${idPrefix}-${n}`,
    clientAccountId: FIRST_CLIENT + ((n * 2654435761) % CLIENTS),
    grossMinor: 1_200_000,
    currency: 'RUB',
    channel: 'vendor_direct',
    paidAt,
    productCode: 'amo-widget-pro',
  };
}

/** The raw baseline: N workers on the app's pool, each payment its own transaction, for `seconds`. */
async function rawPhase(
  db: Db,
  clusterDir: string,
  seconds: number,
  idPrefix: string,
  paidAt: string,
  workers = CONNECTIONS,
): Promise<Omit<Phase, 'waits'>> {
  let n = 0;
  return timedLoops(clusterDir, seconds, workers, async () => {
    const body = paymentBody(idPrefix, (n += 1), paidAt);
    await db.transaction().execute(async (trx) => {
      const { result, replayed } = await recordPayment(trx, body, requestHash('payment', '', body), {
        vendorAccountId: VENDOR_ACCOUNT_ID,
      });
      if (replayed || !result.commission) throw new Error('the raw baseline must make a new commission');
      await recordAudit(
        trx,
        { kind: 'billing' },
        'payment.recorded',
        { type: 'payment', id: result.id },
        { externalId: body.externalId, commissionMinor: result.commission.commissionMinor },
      );
    });
    return 1;
  });
}

/**
 * The lean path without HTTP: `recordCommonPayment` (one read, one statement with the audit row) called directly
 * on the same pool by the same number of workers — what the HTTP side costs beyond the service.
 */
async function leanPhase(
  db: Db,
  clusterDir: string,
  seconds: number,
  idPrefix: string,
  paidAt: string,
): Promise<Omit<Phase, 'waits'>> {
  let n = 0;
  return timedLoops(clusterDir, seconds, CONNECTIONS, async () => {
    const body = paymentBody(idPrefix, (n += 1), paidAt);
    const outcome = await recordCommonPayment(db, body, requestHash('payment', '', body), {
      kind: 'billing',
    });
    if (!outcome || outcome.replayed || !outcome.result.commission)
      throw new Error('the lean side must make a new commission on the lean path');
    return 1;
  });
}

/**
 * `workers` concurrent loops for `seconds`, each turn one timed call of `turn`, which says how many payments it
 * wrote: the rate in payments per second and the latency percentiles per turn.
 */
async function timedLoops(
  clusterDir: string,
  seconds: number,
  workers: number,
  turn: () => Promise<number>,
): Promise<Omit<Phase, 'waits'>> {
  const latencies: number[] = [];
  let count = 0;
  const meter = startCpuMeter(clusterDir);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      // Not `count += await turn()`: that reads `count` before the await and loses the other workers' turns.
      const written = await turn();
      count += written;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const wall = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  latencies.sort((a, b) => a - b);
  return { rps: count / wall, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu, count };
}

/** One phase of a side that runs in this process: the service baseline or one of the two ceilings. */
function measureSide(
  db: Db,
  ceilings: CeilingContext,
  side: Exclude<Side, 'http'>,
  clusterDir: string,
  seconds: number,
  idPrefix: string,
  paidAt: string,
): Promise<Omit<Phase, 'waits'>> {
  if (side === 'raw') return rawPhase(db, clusterDir, seconds, idPrefix, paidAt);
  if (side === 'lean') return leanPhase(db, clusterDir, seconds, idPrefix, paidAt);
  const shape =
    side === 'one-trip'
      ? { workers: CONNECTIONS, perStatement: 1 }
      : { workers: SET_WORKERS, perStatement: SET_BATCH };
  return ceilingPhase(db, ceilings, { clusterDir, seconds, ...shape }, (n) =>
    paymentBody(idPrefix, n, paidAt),
  );
}

async function httpPhase(
  url: string,
  billingKey: string,
  clusterDir: string,
  seconds: number,
  idPrefix: string,
  paidAt: string,
): Promise<Omit<Phase, 'waits'>> {
  const meter = startCpuMeter(clusterDir);
  const r = await runLoad({
    kind: 'payments',
    url,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    billingKey,
    clients: { first: FIRST_CLIENT, count: CLIENTS },
    idPrefix,
    paidAt,
  });
  const cpu = meter.stop(r.cpuSeconds);
  if (r.non2xx || r.errors) log(`payments over HTTP: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpu, count: r.ok };
}

/**
 * Billing's bulk import as `npm run import` sends it: `POST /api/v1/payments/batch` with `SET_BATCH` payments per
 * request, `SET_WORKERS` requests in flight (the set-based ceiling's shape), each request a batch of new payments
 * of the pinned clients. The requests are made from this process, so the node figure includes building them.
 */
async function batchPhase(
  url: string,
  billingKey: string,
  clusterDir: string,
  phase: { seconds: number; idPrefix: string; paidAt: string },
): Promise<Omit<Phase, 'waits'>> {
  let n = 0;
  return timedLoops(clusterDir, phase.seconds, SET_WORKERS, async () => {
    const items = Array.from({ length: SET_BATCH }, () =>
      paymentBody(phase.idPrefix, (n += 1), phase.paidAt),
    );
    const res = await fetch(`${url}/api/v1/payments/batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${billingKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    const answer = (await res.json()) as { summary?: { created: number } };
    if (res.status !== 200 || answer.summary?.created !== items.length)
      throw new Error(`the batch route answered ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
    return items.length;
  });
}

export async function benchPayments(pg: BenchPostgres): Promise<{ rows: ResultRow[]; notes: string[] }> {
  log('payments: seeding partners and pinned clients');
  const url = await pg.createDatabase(DATABASE);
  const app = await startBenchApp(url);
  const notes: string[] = [];
  try {
    await seedPinnedClients(app.handle.db);
    const paidAt = new Date(Date.now() - 3600_000).toISOString();
    const key = app.config.billingApiKey;
    const dir = pg.clusterDir;

    const db = app.handle.db;
    log('payments: warm-up');
    await httpPhase(app.url, key, dir, WARMUP_SECONDS, 'warm-http', paidAt);
    await rawPhase(db, dir, WARMUP_SECONDS, 'warm-raw', paidAt);
    // The ceilings copy the commission the engine made for the warm-up's first payment.
    const ceilings = await prepareCeilings(db, 'warm-raw-1');
    // The seed analysed the money tables empty. With those statistics the deferred balance check (a PL/pgSQL
    // trigger whose plan each session keeps) scans ledger_entries; it cost a 1 000-payment commit 2.9 s instead
    // of 28 ms, and every phase a little more as the table grew — until autovacuum's analyze, a minute or so
    // into the run, changed the plans mid-way. Statistics from the warm-up's rows give every phase the plans
    // a running server has.
    await sql`ANALYZE`.execute(db);
    await measureSide(db, ceilings, 'one-trip', dir, WARMUP_SECONDS, 'warm-trip', paidAt);
    await measureSide(db, ceilings, 'set-based', dir, WARMUP_SECONDS, 'warm-set', paidAt);
    await batchPhase(app.url, key, dir, { seconds: WARMUP_SECONDS, idPrefix: 'warm-batch', paidAt });

    const phases: Record<Side, Phase[]> = {
      http: [],
      lean: [],
      raw: [],
      'one-trip': [],
      'set-based': [],
      batch: [],
    };
    let ceilingRowsComplete = true;
    for (const [i, side] of ORDER.entries()) {
      log(`payments: ${side} phase ${i + 1}/${ORDER.length} (${PHASE_SECONDS} s)`);
      const prefix = `${side.replace('-', '')}${i}`;
      const sampler = await startWaitSampler(pg.adminUrl, DATABASE);
      const measured =
        side === 'http'
          ? await httpPhase(app.url, key, dir, PHASE_SECONDS, prefix, paidAt)
          : side === 'batch'
            ? await batchPhase(app.url, key, dir, { seconds: PHASE_SECONDS, idPrefix: prefix, paidAt })
            : await measureSide(db, ceilings, side, dir, PHASE_SECONDS, prefix, paidAt);
      const phase: Phase = { ...measured, waits: await sampler.stop() };
      phases[side].push(phase);
      // Outside the timed part: every payment a ceiling or the batch route wrote has all its rows (the service's
      // are counted below).
      let written = '';
      if (side === 'lean' || side === 'one-trip' || side === 'set-based' || side === 'batch') {
        const rows = await countComplete(db, prefix);
        const ok = rows.payments === phase.count && rows.complete === rows.payments;
        ceilingRowsComplete &&= ok;
        written = `; ${rows.complete} of ${rows.payments} payments with commission, posting, 2 entries and audit row${ok ? '' : ' — MISSING ROWS'}`;
      }
      const perPayment = (cores: number) => ((cores * phase.cpu.wallSeconds * 1000) / phase.count).toFixed(2);
      const per =
        side === 'set-based'
          ? `per ${fmt(SET_BATCH)}-payment statement`
          : side === 'batch'
            ? `per ${fmt(SET_BATCH)}-payment request`
            : 'per payment';
      const concurrent = side === 'set-based' || side === 'batch' ? SET_WORKERS : CONNECTIONS;
      const line =
        `payments ${side} phase ${i + 1} (${concurrent} concurrent): ` +
        `${fmt(phase.rps)} /s, p50 ${phase.p50.toFixed(1)} ms, p99 ${phase.p99.toFixed(1)} ms ${per} ` +
        `(${phase.count} payments); ${formatCpu(phase.cpu)}; CPU per payment: ` +
        `node ${perPayment(phase.cpu.nodeServer)} ms, postgres ${perPayment(phase.cpu.postgres)} ms; ` +
        `database sessions: ${formatWaits(phase.waits)}${written}`;
      log(line);
      notes.push(line);
    }

    // One worker: the time of one payment transaction with nobody to wait for. If every payment serialises on
    // one hot row, concurrent throughput cannot exceed about 1 / (the part of that time the lock is held).
    log('payments: raw, one worker (serial latency)');
    const serial = await rawPhase(db, dir, PHASE_SECONDS / 2, 'serial', paidAt, 1);
    notes.push(
      `payments raw with 1 worker: ${fmt(serial.rps)} /s, p50 ${serial.p50.toFixed(1)} ms, p99 ${serial.p99.toFixed(1)} ms; ${formatCpu(serial.cpu)}`,
    );

    // The reward engine's share of one payment (issue 13: at most +10 %), timed serially on the same pool against
    // the serial payment above, which includes it. `recordPayment` reads the version in force first, because
    // attribution needs it (link or pin), and that read took the place of the rate look-up every payment made
    // before the engine; what the engine adds is its facts and the evaluation. The step with the version read is
    // printed beside it, the pessimistic bound.
    log('payments: the reward engine alone, one worker');
    const n = SMALL ? 200 : 1000;
    const program = await programInForce(db, new Date(paidAt), DEFAULT_PRESET);
    const engineMs = await engineStep(db, n, paidAt, program);
    const withVersionMs = await engineStep(db, n, paidAt);
    const paymentMs = 1000 / serial.rps;
    const added = engineMs / Math.max(paymentMs - engineMs, 1e-9);
    const addedWithVersion = withVersionMs / Math.max(paymentMs - withVersionMs, 1e-9);
    notes.push(
      `reward engine alone: ${engineMs.toFixed(3)} ms per payment (facts and evaluation), ` +
        `${withVersionMs.toFixed(3)} ms with the version read; a serial payment ${paymentMs.toFixed(3)} ms`,
    );

    // Every payment made exactly one commission and one posting, and nothing failed silently; the cached
    // account totals (which the ceilings update themselves) equal the sums of the entries.
    const { rows } = await sql<{ payments: bigint; commissions: bigint; postings: bigint }>`
      SELECT (SELECT count(*) FROM payments) AS payments, (SELECT count(*) FROM commissions) AS commissions,
             (SELECT count(*) FROM ledger_postings) AS postings`.execute(db);
    const counts = rows[0]!;
    const problems = await checkLedger(db);
    const consistent =
      counts.payments === counts.commissions &&
      counts.commissions === counts.postings &&
      problems.length === 0;
    notes.push(
      `payments written ${counts.payments}, commissions ${counts.commissions}, postings ${counts.postings}; ` +
        `checkLedger: ${problems.length} problems${problems.length ? ` (${problems[0]!.detail} …)` : ''}` +
        `${consistent ? '' : ' — MISMATCH'}`,
    );

    // Noise from other users of the machine only ever lowers throughput: each side's figure is its best phase
    // (every phase is in the details), with that phase's latencies.
    const best = (phases: Phase[]) => phases.reduce((a, b) => (b.rps > a.rps ? b : a));
    const h = best(phases.http);
    const lean = best(phases.lean);
    const r = best(phases.raw);
    const trip = best(phases['one-trip']);
    const set = best(phases['set-based']);
    const batched = best(phases.batch);
    const ratio = h.rps / r.rps;
    const label = `payments (${CONNECTIONS} conc.)`;
    const ceilingsOk = consistent && ceilingRowsComplete;
    return {
      notes,
      rows: [
        {
          benchmark: label,
          figure: `${fmt(h.rps)} /s HTTP`,
          baseline: `${fmt(r.rps)} /s raw`,
          ratio: pct(ratio),
          goal: '≥ 50 % of raw',
          met: yesNo(ratio >= 0.5 && consistent),
        },
        {
          benchmark: 'payments HTTP vs one-trip ceiling',
          figure: `${fmt(h.rps)} /s HTTP`,
          baseline: `${fmt(trip.rps)} /s one-trip`,
          ratio: pct(h.rps / trip.rps),
          goal: `≥ ${pct(HTTP_OF_ONE_TRIP_GOAL)}`,
          met: yesNo(h.rps / trip.rps >= HTTP_OF_ONE_TRIP_GOAL && ceilingsOk),
        },
        // Details without a goal: the two services without HTTP against the same ceiling.
        ...(
          [
            ['lean service (no HTTP)', 'lean', lean.rps],
            ['raw', 'raw', r.rps],
          ] as const
        ).map(([name, side, rps]) => ({
          benchmark: `payments ${name} vs one-trip ceiling`,
          figure: `${fmt(rps)} /s ${side}`,
          baseline: `${fmt(trip.rps)} /s one-trip`,
          ratio: pct(rps / trip.rps),
          goal: '—',
          met: '—',
        })),
        {
          benchmark: `payments raw vs set-based (${fmt(SET_BATCH)}/stmt)`,
          figure: `${fmt(r.rps)} /s raw`,
          baseline: `${fmt(set.rps)} /s set-based`,
          ratio: pct(r.rps / set.rps),
          goal: '—',
          met: '—',
        },
        {
          benchmark: `payments batch route (${fmt(SET_BATCH)}/request) vs set-based`,
          figure: `${fmt(batched.rps)} /s batch`,
          baseline: `${fmt(set.rps)} /s set-based`,
          ratio: pct(batched.rps / set.rps),
          goal: `≥ ${pct(BATCH_OF_SET_GOAL)}`,
          met: yesNo(batched.rps / set.rps >= BATCH_OF_SET_GOAL && ceilingsOk),
        },
        latencyRow(`${label} p50`, h.p50, r.p50),
        latencyRow(`${label} p99`, h.p99, r.p99),
        {
          benchmark: 'reward engine in a payment (serial)',
          figure: `${engineMs.toFixed(2)} ms`,
          baseline: `${(paymentMs - engineMs).toFixed(2)} ms without it`,
          ratio: `+${pct(added)}`,
          goal: '≤ +10 %',
          met: yesNo(added <= 0.1),
        },
        {
          benchmark: 'reward engine incl. the version read',
          figure: `${withVersionMs.toFixed(2)} ms`,
          baseline: `${(paymentMs - withVersionMs).toFixed(2)} ms without it`,
          ratio: `+${pct(addedWithVersion)}`,
          goal: '— (detail)',
          met: '—',
        },
      ],
    };
  } finally {
    await app.close();
    await pg.dropDatabase(DATABASE);
  }
}

/** A report row comparing one latency percentile over HTTP with the raw one; informative, no goal. */
function latencyRow(benchmark: string, httpMs: number, rawMs: number) {
  return {
    benchmark,
    figure: `${httpMs.toFixed(1)} ms`,
    baseline: `${rawMs.toFixed(1)} ms`,
    ratio: `${(httpMs / rawMs).toFixed(2)}×`,
    goal: '—',
    met: '—',
  };
}

/**
 * The mean time of the engine's step for one payment of a pinned client over `n` payments in a row: gather the
 * facts and evaluate, with the version in force given (as `recordPayment` runs it) or read each time.
 */
async function engineStep(db: Db, n: number, paidAt: string, program?: ProgramVersion): Promise<number> {
  const partnerOf = (j: number) => `ptn_bench${String(1 + (j % PARTNERS)).padStart(6, '0')}`;
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    const j = (i * 2654435761) % CLIENTS;
    const evaluation = await evaluateAttributedPayment(db, {
      partnerId: partnerOf(j),
      attribution: { via: 'pin', since: new Date(Date.now() - 400 * 86_400_000) },
      clientAccountId: FIRST_CLIENT + j,
      grossMinor: 1_200_000n,
      channel: 'vendor_direct',
      paidAt: new Date(paidAt),
      productCode: 'amo-widget-pro',
      program,
    });
    if (evaluation.lines.length !== 1) throw new Error('the engine must give a pinned payment one line');
  }
  return (performance.now() - started) / n;
}
