/**
 * The SQL a settlement run decides and writes with (migration 027) against the TypeScript it stands for: ids
 * shaped as `createId` mints them, amounts written as `formatRub` writes them, rounding as `divideRounded` rounds.
 */
import { sql } from 'kysely';
import { divideRounded } from '../../shared/money';
import { formatRub } from '../../server/src/documents/money-words';
import { idOf } from '../../server/src/ids';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.drop());

const AMOUNTS = [
  0n,
  1n,
  9n,
  10n,
  99n,
  100n,
  101n,
  999_99n,
  1_000_00n,
  12_345_67n,
  1_000_000_00n,
  123_456_789_01n,
];

test('format_rub writes every amount as formatRub does, negative ones too', async () => {
  const minors = [...AMOUNTS, ...AMOUNTS.map((a) => -a)];
  const { rows } = await sql<{ text: string }>`
    SELECT format_rub(m) AS text FROM unnest(${minors.map(String)}::bigint[]) WITH ORDINALITY AS u(m, n) ORDER BY n`.execute(
    t.db,
  );
  expect(rows.map((r) => r.text)).toEqual(minors.map(formatRub));
});

test('divide_rounded rounds half away from zero as divideRounded does', async () => {
  const numerators = [0n, 1n, 4_999n, 5_000n, 5_001n, 15_000n, 25_000n, 123_456_789n, 10n ** 17n + 5_000n];
  const all = [...numerators, ...numerators.map((n) => -n)];
  const { rows } = await sql<{ q: bigint }>`
    SELECT divide_rounded(n, 10000) AS q FROM unnest(${all.map(String)}::numeric[]) WITH ORDINALITY AS u(n, i) ORDER BY i`.execute(
    t.db,
  );
  expect(rows.map((r) => r.q)).toEqual(all.map((n) => divideRounded(n, 10_000n)));
});

test('create_id mints ids of the shape createId does, sorted by time', async () => {
  const before = Date.now();
  const { rows } = await sql<{
    id: string;
  }>`SELECT create_id('stl') AS id FROM generate_series(1, 50)`.execute(t.db);
  const ids = rows.map((r) => r.id);
  for (const id of ids) expect(idOf('stl').safeParse(id).success).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  const ms = parseInt(ids[0]!.slice(4, 13), 36);
  expect(ms).toBeGreaterThanOrEqual(before - 5_000);
  expect(ms).toBeLessThanOrEqual(Date.now() + 5_000);
});
