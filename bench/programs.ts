/**
 * Benchmark 6 — the program's scheduled computations (issue 14 «Speed»): the daily tier recompute of seed 003
 * (`recordTiers`) and a settlement run of seed 004 (`settleDue`: a month's rebate and growth rebate) over all
 * partners at two sizes, each in a fresh child process for its wall time and peak memory. Partners pay for
 * themselves (resellers: `clientAccountId` is the partner's account), 100 payments each, all in October 2026 —
 * inside the tiers' rolling month as of 28 October and inside the month the 1 November settlement settles.
 * Goal: under 30 s for 10 000 partners and 1 000 000 payments, memory flat in the partner count.
 */
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../server/src/db/pool';
import { loadPreset } from '../server/src/programs/program.presets';
import { appendVersion } from '../server/src/programs/program.repository';
import { bulkLoad, contractedPartnersSql, withSeededDatabase } from './seed';
import type { ProgramsChildResult } from './programs-child';
import { SMALL, type BenchPostgres, type ResultRow, fmt, forkForResult, log, yesNo } from './support';

const SIZES = SMALL ? [10_000, 100_000] : [100_000, 1_000_000];
const TIERS_AS_OF = '2026-10-28';
const SETTLE_AS_OF = '2026-11-01';
const CATEGORIES = ['vps', 'dedic', 'ssl', 'kvm', 'main'];

/** Partners, and their own payments over 1–28 October 2026 (Moscow), category by turn; plain SQL, one pass. */
async function seed(client: pg.Client, payments: number): Promise<void> {
  const partners = payments / 100;
  await bulkLoad(client, [
    contractedPartnersSql('ptn_prog', 23000000, partners, "'2026-01-01'"),
    `INSERT INTO payments (id, external_id, request_hash, client_account_id, gross_minor, currency, channel, paid_at,
                           product_category, list_minor)
     SELECT 'pay_prog' || lpad(k::text, 8, '0'), 'prog-' || k, 'seed', 23000000 + 1 + (k - 1) % ${partners},
            (50000 + (k % 13) * 10000)::bigint, 'RUB', 'vendor_direct',
            timestamptz '2026-10-01 00:00+03' + make_interval(secs => (k::bigint * 2417) % (28 * 86400)),
            (ARRAY${JSON.stringify(CATEGORIES).replace(/"/g, "'")})[1 + ((k - 1) / ${partners}) % ${CATEGORIES.length}],
            (60000 + (k % 13) * 10000)::bigint
       FROM generate_series(1, ${payments}) AS k`,
  ]);
}

/** Seed 003's tiers with seed 004's settlements over months: October's rebate and growth settle on 1 November. */
function programDocument() {
  const document = structuredClone(loadPreset('reseller-tiers'));
  const monthly = (id: string, ru: string, kind: 'rebate' | 'growth', category: string, rateBps: number) => ({
    id,
    title: { ru },
    kind,
    measure: {
      of: 'revenue_after_discount' as const,
      window: 'month' as const,
      productCategories: [category],
    },
    rateBps,
    runMonths: [11],
    form: 'payout' as const,
  });
  document.settlements = [
    monthly('kvm', 'Рибейт за KVM', 'rebate', 'kvm', 1000),
    monthly('growth', 'Рибейт за рост', 'growth', 'main', 3000),
  ];
  return document;
}

const run = (job: 'tiers' | 'settle', databaseUrl: string, asOf: string) =>
  forkForResult<ProgramsChildResult>(
    path.join(__dirname, 'programs-child.js'),
    { job, databaseUrl, asOf },
    (code) => `programs child (${job}) exited with ${code}`,
  );

interface SizeResult {
  payments: number;
  partners: number;
  tiers: ProgramsChildResult;
  settle: ProgramsChildResult;
}

function oneSize(pgServer: BenchPostgres, payments: number): Promise<SizeResult> {
  return withSeededDatabase(pgServer, 'programs', payments, seed, async (url) => {
    const handle = createDb(url);
    await handle.db.transaction().execute((trx) =>
      appendVersion(trx, {
        document: programDocument(),
        effectiveFrom: new Date('2000-01-01T00:00:00Z'),
        createdBy: 'bench',
      }),
    );
    await handle.close();
    const tiers = await run('tiers', url, TIERS_AS_OF);
    log(`programs: tiers of ${fmt(tiers.recorded)} partners in ${(tiers.wallMs / 1000).toFixed(2)} s`);
    const settle = await run('settle', url, SETTLE_AS_OF);
    log(`programs: ${fmt(settle.recorded)} settlements in ${(settle.wallMs / 1000).toFixed(2)} s`);
    return { payments, partners: payments / 100, tiers, settle };
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function benchPrograms(
  pgServer: BenchPostgres,
): Promise<{ rows: ResultRow[]; notes: string[] }> {
  const results: SizeResult[] = [];
  for (const size of SIZES) results.push(await oneSize(pgServer, size));
  const [small, big] = [results[0]!, results[results.length - 1]!];
  const label = (r: SizeResult) => `${fmt(r.partners / 1000)} k partners / ${fmt(r.payments / 1000)} k pay.`;
  const notes = results.map(
    (r) =>
      `programs ${label(r)}: tiers ${(r.tiers.wallMs / 1000).toFixed(2)} s (${fmt(r.tiers.recorded)} recorded, ` +
      `peak RSS ${mb(r.tiers.rssPeak)}, heap ${mb(r.tiers.heapPeak)}); settlements ${(r.settle.wallMs / 1000).toFixed(2)} s ` +
      `(${fmt(r.settle.recorded)} recorded, peak RSS ${mb(r.settle.rssPeak)}, heap ${mb(r.settle.heapPeak)})`,
  );
  for (const n of notes) log(n);
  const limit = 30 * (big.payments / 1_000_000);
  const rows = (['tiers', 'settle'] as const).flatMap((job): ResultRow[] => {
    const what = job === 'tiers' ? 'daily tiers' : 'settlement run';
    const expected = (r: SizeResult) => (job === 'tiers' ? r.partners : 2 * r.partners);
    const correct = results.every((r) => r[job].recorded === expected(r));
    return [
      {
        benchmark: `${what} ${label(big)}`,
        figure: `${(big[job].wallMs / 1000).toFixed(1)} s`,
        baseline: `${(small[job].wallMs / 1000).toFixed(1)} s @${fmt(small.payments / 1000)} k`,
        ratio: `${(big[job].wallMs / small[job].wallMs).toFixed(1)}× for ${big.payments / small.payments}× data`,
        goal: `< ${fmt(limit)} s`,
        met: yesNo(big[job].wallMs / 1000 < limit && correct),
      },
      {
        benchmark: `${what} peak RSS`,
        figure: mb(big[job].rssPeak),
        baseline: `${mb(small[job].rssPeak)} @${fmt(small.payments / 1000)} k`,
        ratio: `${(big[job].rssPeak / small[job].rssPeak).toFixed(2)}×`,
        goal: 'flat (≤ 1.25×)',
        met: yesNo(big[job].rssPeak / small[job].rssPeak <= 1.25),
      },
    ];
  });
  return { rows, notes };
}
