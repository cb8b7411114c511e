import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.drop());

describe('a fresh test database', () => {
  it('has every table of the foundation migration', async () => {
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`.execute(
      t.db,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'audit_log',
        'idempotency_keys',
        'ledger_accounts',
        'ledger_entries',
        'ledger_postings',
        'partners',
        'staff_roles',
      ]),
    );
  });

  it('parses BIGINT columns to bigint', async () => {
    const { rows } = await sql<{ n: bigint }>`SELECT 9007199254740993::bigint AS n`.execute(t.db);
    expect(rows[0]?.n).toBe(9007199254740993n);
  });
});
