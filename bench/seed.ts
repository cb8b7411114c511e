/**
 * Bulk seeding in plain SQL for the benchmarks that need many rows at once (payout, programs): one transaction
 * with the per-row triggers off (the deferred balance check, foreign keys — the benchmark checks afterwards),
 * then `VACUUM ANALYZE` so the measured queries plan on real statistics.
 */
import pg from 'pg';
import { type BenchPostgres, fmt, log } from './support';

/**
 * A fresh database for one size of a benchmark: seeded with `payments` payments by `seed` (timed and logged
 * under the benchmark's `label`), given to `use` with the seed's connected client, and dropped afterwards.
 */
export async function withSeededDatabase<T>(
  pgServer: BenchPostgres,
  label: string,
  payments: number,
  seed: (client: pg.Client, payments: number) => Promise<void>,
  use: (url: string, client: pg.Client, seedSeconds: number) => Promise<T>,
): Promise<T> {
  const name = `bench_${label}_${payments}`;
  const url = await pgServer.createDatabase(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    log(`${label}: seeding ${fmt(payments)} payments for ${fmt(payments / 100)} partners`);
    const t0 = performance.now();
    await seed(client, payments);
    const seedSeconds = (performance.now() - t0) / 1000;
    log(`${label}: seeded in ${seedSeconds.toFixed(1)} s`);
    return await use(url, client, seedSeconds);
  } finally {
    await client.end();
    await pgServer.dropDatabase(name);
  }
}

export async function bulkLoad(client: pg.Client, statements: string[]): Promise<void> {
  const all = [
    'BEGIN',
    'SET LOCAL session_replication_role = replica',
    ...statements,
    'COMMIT',
    'VACUUM ANALYZE',
  ];
  for (const statement of all) await client.query(statement);
}

/**
 * Inserts `count` active legal-entity partners with a signed contract: ids `idPrefix` + a 7-digit number,
 * account ids `accountBase` + that number, a numbered organisation name and e-mail, contract `Д-<number>`
 * signed at `signedAt` (an SQL expression).
 */
export function contractedPartnersSql(
  idPrefix: string,
  accountBase: number,
  count: number,
  signedAt: string,
): string {
  return `INSERT INTO partners (id, account_id, kind, status, name, inn, kpp, ogrn, contacts, contract_number,
                           contract_signed_at)
     SELECT '${idPrefix}' || lpad(i::text, 7, '0'), ${accountBase} + i, 'legal_entity', 'active',
            'ООО «Партнёр ' || i || '»', '7707083893', '773601001', '1027700132195',
            jsonb_build_object('email', 'p' || i || '@example.ru'), 'Д-' || i, ${signedAt}
       FROM generate_series(1, ${count}) AS i`;
}
