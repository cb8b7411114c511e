/**
 * The trial of issue 16: «a 1 000 000-payment CSV imports with a progress bar and the ledger checks clean»,
 * against the real server (`npm start`) with its embedded PostgreSQL (docs/BENCHMARKS.md, «Importing a million
 * payments»). The steps, one command each (compiled to dist/ by `npm run bench`, or by swc alone):
 *
 *   DATA_DIR=/tmp/imp/data node dist/bench/import-million.js seed       # before the server starts
 *   node dist/bench/import-million.js csv /tmp/imp/payments.csv [rows]  # default 1 000 000 rows
 *   DATA_DIR=/tmp/imp/data PORT=3555 npm start, then npm run import -- /tmp/imp/payments.csv --url … --key …
 *   DATA_DIR=/tmp/imp/data node dist/bench/import-million.js check      # after the server stopped
 *
 * `seed`: 500 partners with signed contracts and 40 000 clients pinned to them for the last 400 days, none of
 * them known yet (the import makes them known). `csv`: two years of billing history, oldest first as billing
 * exports it — 50 000 paying clients (the last 10 000 never pinned: the vendor's own), each payment one to twelve
 * months of the Pro or the Lite widget at the price list's prices, in roubles, paid directly to the vendor — so
 * payments before a pin began or without one record no commission, the rest earn one. The same clients, products
 * and amounts for the same row count (a seeded generator); the dates end an hour before it runs. `check`:
 * `checkLedger` and the counts the import should have left.
 */
import { createWriteStream } from 'node:fs';
import { sql } from 'kysely';
import { openDatabase } from '../server/src/db/open';
import { checkLedger } from '../server/src/ledger/ledger.service';
import { createLogger } from '../server/src/logger';
import { seedPinnedClients } from './payments';

/** Who pays: partners, the clients pinned to them, and every paying client (the pinned ones first). */
const PEOPLE = { partners: 500, pinned: 40_000, clients: 50_000, firstClient: 60_000_001 };
const DAY_MS = 86_400_000;
const HISTORY_DAYS = 730;
/** The price list of migration 003, in kopecks a month. */
const PRODUCTS = [
  { code: 'amo-widget-pro', monthlyMinor: 1_200_000 },
  { code: 'amo-widget-lite', monthlyMinor: 500_000 },
];
/** How many months one payment buys: mostly monthly, some quarters, half-years and years. */
const MONTHS = [1, 1, 1, 1, 1, 3, 3, 6, 12];

/** A small seeded generator (mulberry32): the same rows every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const next = random(16);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  await write('externalId,clientAccountId,grossMinor,currency,channel,paidAt,productCode\n');
  // Oldest first, ending an hour ago (a payment date may not be in the future).
  const from = Date.now() - HISTORY_DAYS * DAY_MS;
  const step = (HISTORY_DAYS * DAY_MS - 3_600_000) / rows;
  let chunk = '';
  for (let n = 0; n < rows; n++) {
    const product = pick(PRODUCTS);
    const months = pick(MONTHS);
    const client = PEOPLE.firstClient + Math.floor(next() * PEOPLE.clients);
    const paidAt = new Date(from + Math.floor(n * step + next() * step)).toISOString();
    chunk += `bill-${String(n + 1).padStart(7, '0')},${client},${product.monthlyMinor * months},RUB,vendor_direct,${paidAt},${product.code}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function withDatabase(
  work: (db: Awaited<ReturnType<typeof openDatabase>>['handle']['db']) => Promise<void>,
) {
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: process.env.DATA_DIR ?? './.data',
    log: createLogger({ level: 'warn' }),
  });
  try {
    await work(database.handle.db);
  } finally {
    await database.close();
  }
}

async function main([command, file, rows]: string[]): Promise<void> {
  if (command === 'seed') {
    await withDatabase((db) =>
      seedPinnedClients(db, {
        partners: PEOPLE.partners,
        clients: PEOPLE.pinned,
        firstClient: PEOPLE.firstClient,
        known: false,
      }),
    );
  } else if (command === 'csv' && file) {
    await writeCsv(file, rows ? Number(rows) : 1_000_000);
  } else if (command === 'check') {
    await withDatabase(async (db) => {
      const started = Date.now();
      const problems = await checkLedger(db);
      const { rows: counts } = await sql<Record<string, number>>`
        SELECT (SELECT count(*)::int FROM payments) AS payments,
               (SELECT count(*)::int FROM commissions) AS commissions,
               (SELECT count(*)::int FROM ledger_postings) AS postings,
               (SELECT count(*)::int FROM ledger_entries) AS entries,
               (SELECT count(*)::int FROM audit_log WHERE action = 'payment.recorded') AS audits,
               (SELECT count(*)::int FROM known_accounts) AS known_accounts`.execute(db);
      process.stdout.write(
        `${JSON.stringify(counts[0])}\ncheckLedger: ${problems.length} problems in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          `${problems.length ? `: ${JSON.stringify(problems.slice(0, 5))}` : ''}\n`,
      );
      if (problems.length) process.exitCode = 1;
    });
  } else {
    process.stderr.write('usage: import-million.js seed | csv <file> [rows] | check\n');
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
