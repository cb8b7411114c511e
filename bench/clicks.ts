/**
 * Benchmark 5 — link clicks: `GET /r/:code` on the cloudlessons program, each request a new visitor (no
 * cookie, so every answer also mints a visitor id and sets the cookie), over 1 000 partners' links.
 *
 * Figure: the maximum redirects per second (autocannon, 16 connections, as fast as it answers), with the
 * latency at that load; the goal is the issue's ≥ 2 000 redirects/s on this machine. Every phase's clicks are
 * checked against the rows written, so a fast answer that lost its INSERT would show.
 */
import os from 'node:os';
import { sql } from 'kysely';
import { newLinkCode } from '../server/src/links/link.service';
import { loadPreset } from '../server/src/programs/program.presets';
import {
  SMALL,
  type BenchPostgres,
  type ResultRow,
  fmt,
  formatCpu,
  log,
  runLoad,
  startBenchApp,
  startCpuMeter,
  startServerProcesses,
  yesNo,
} from './support';

const DATABASE = 'bench_clicks';
const PARTNERS = 1_000;
const SECONDS = SMALL ? 3 : 6;
const CONNECTIONS = 16;
const GOAL = 2_000;
/** Server processes of the second measurement: one per core, as `npm start` runs by default. */
const PROCESSES = Math.min(4, os.availableParallelism());

export async function benchClicks(pg: BenchPostgres): Promise<{ rows: ResultRow[]; notes: string[] }> {
  const url = await pg.createDatabase(DATABASE);
  const app = await startBenchApp(url);
  const notes: string[] = [];
  try {
    const db = app.handle.db;
    await db
      .insertInto('program_versions')
      .values({
        version: 1,
        document: JSON.stringify(loadPreset('cloudlessons')),
        effective_from: new Date('2000-01-01T00:00:00Z'),
        created_by: 'bench',
      })
      .execute();
    await sql`
      INSERT INTO partners (id, account_id, kind, status, name, contacts)
      SELECT 'ptn_click' || lpad(i::text, 6, '0'), 22000000 + i, 'individual', 'active', 'Партнёр ' || i, '{}'
        FROM generate_series(1, ${PARTNERS}::int) AS i`.execute(db);
    const codes = Array.from({ length: PARTNERS }, () => newLinkCode());
    await db
      .insertInto('partner_links')
      .values(codes.map((code, i) => ({ code, partner_id: `ptn_click${String(i + 1).padStart(6, '0')}` })))
      .execute();
    await sql`ANALYZE`.execute(db);

    const check = await fetch(`${app.url}/r/${codes[0]}`, { redirect: 'manual' });
    if (check.status !== 302) throw new Error(`a click must redirect, got ${check.status}`);

    log('clicks: warm-up');
    await runLoad({ kind: 'clicks', url: app.url, codes, connections: 8, durationSeconds: SMALL ? 1 : 2 });
    const measure = async (target: string, label: string, serverPid?: number) => {
      const phases = [];
      for (let i = 1; i <= 2; i++) {
        log(`clicks: max throughput, ${label}, ${CONNECTIONS} connections, ${SECONDS} s, phase ${i}`);
        const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM link_clicks`.execute(db);
        const meter = startCpuMeter(pg.clusterDir, serverPid);
        const load = await runLoad({
          kind: 'clicks',
          url: target,
          codes,
          connections: CONNECTIONS,
          durationSeconds: SECONDS,
        });
        const cpu = meter.stop(load.cpuSeconds);
        const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM link_clicks`.execute(db);
        const written = after.rows[0]!.n - before.rows[0]!.n;
        notes.push(
          `clicks max, ${label}, phase ${i}: ${fmt(load.rps)} redirects/s, p50 ${load.p50.toFixed(2)} ms, p99 ` +
            `${load.p99.toFixed(2)} ms, ${load.non2xx + load.errors} failed, ${written} clicks written for ` +
            `${load.ok} redirects; ${formatCpu(cpu)}`,
        );
        if (written < load.ok) throw new Error(`${load.ok} redirects but only ${written} clicks recorded`);
        phases.push(load);
      }
      // Noise from other users of the machine only lowers throughput: the figure is the better phase.
      return phases.reduce((a, b) => (b.rps > a.rps ? b : a));
    };
    const one = await measure(app.url, 'one process');
    // The same clicks through the real server with every core (WEB_CONCURRENCY, issue 16): `npm start`'s entry
    // point as a child process on the same database. Its processes' CPU counts as "node" in the split.
    const cluster = await startServerProcesses(url, PROCESSES);
    let all;
    try {
      await runLoad({ kind: 'clicks', url: cluster.url, codes, connections: 8, durationSeconds: 1 });
      all = await measure(cluster.url, `${PROCESSES} processes`, cluster.pid);
    } finally {
      await cluster.stop();
    }
    for (const n of notes) log(n);
    const best = all.rps > one.rps ? all : one;
    return {
      notes,
      rows: [
        {
          benchmark: 'click redirects max, one process',
          figure: `${fmt(one.rps)} /s`,
          baseline: '—',
          ratio: '—',
          goal: `≥ ${fmt(GOAL)} /s`,
          met: yesNo(one.rps >= GOAL && one.non2xx + one.errors === 0),
        },
        {
          benchmark: `click redirects max, ${PROCESSES} processes`,
          figure: `${fmt(all.rps)} /s`,
          baseline: `${fmt(one.rps)} /s one process`,
          ratio: `${(all.rps / one.rps).toFixed(2)}×`,
          goal: `≥ ${fmt(GOAL)} /s`,
          met: yesNo(all.rps >= GOAL && all.non2xx + all.errors === 0),
        },
        {
          benchmark: 'click redirects p99 at max',
          figure: `${best.p99.toFixed(2)} ms`,
          baseline: '—',
          ratio: '—',
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
