import { sql } from 'kysely';
import { executePrepared } from '../../server/src/db/pool';
import { createTestDb, type TestDb } from '../support/db';

// `executePrepared` (issue 16: the lean payment's write): a named statement per text on each connection, the same
// answers as an unnamed one, and a plain statement inside a transaction.
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ max: 1 });
});
afterAll(() => t.drop());

const squareOf = (n: number) => sql<{ square: number }>`SELECT ${n}::int * ${n}::int AS square`;

describe('executePrepared', () => {
  it('answers as the statement does, and the connection keeps it as one named statement', async () => {
    for (const n of [2, 3, 4, 5, 6, 7, 8]) {
      expect(await executePrepared(t.db, squareOf(n))).toEqual([{ square: n * n }]);
    }
    // One connection (max: 1), so this session is the one that ran them.
    const { rows } = await sql<{ name: string; statement: string; runs: bigint }>`
      SELECT name, statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements`.execute(t.db);
    expect(rows).toEqual([
      { name: expect.stringMatching(/^p_[\w-]{27}$/), statement: squareOf(0).compile(t.db).sql, runs: 7n },
    ]);
  });

  it('names each text apart, and a failing run leaves the statement usable', async () => {
    const failing = sql<{ n: number }>`SELECT 1 / ${0}::int AS n`;
    await expect(executePrepared(t.db, failing)).rejects.toThrow(/division by zero/);
    expect(await executePrepared(t.db, sql<{ n: number }>`SELECT 1 / ${1}::int AS n`)).toEqual([{ n: 1 }]);
    expect(await executePrepared(t.db, squareOf(9))).toEqual([{ square: 81 }]);
    const { rows } = await sql<{ count: bigint }>`SELECT count(*) FROM pg_prepared_statements`.execute(t.db);
    expect(rows[0]!.count).toBe(2n);
  });

  it('inside a transaction runs as a plain statement of that transaction', async () => {
    await t.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL application_name = 'in-transaction'`.execute(trx);
      const inside = sql<{ name: string }>`SELECT current_setting('application_name') AS name`;
      expect(await executePrepared(trx, inside)).toEqual([{ name: 'in-transaction' }]);
    });
  });

  it('behind a pooler that loses named statements, sends the refused one again unnamed, and all from then on', async () => {
    // What PgBouncer before 1.21 does in transaction mode (tried by hand with 1.18, docs/OPERATIONS.md): the
    // statement was prepared on one server session and the next call lands on another. DEALLOCATE ALL makes the
    // one connection that session, unknown to the client, which then skips Parse and meets "does not exist".
    const warnings: string[] = [];
    const pooled = await createTestDb({ max: 1, warn: (message) => warnings.push(message) });
    try {
      expect(await executePrepared(pooled.db, squareOf(2))).toEqual([{ square: 4 }]);
      await sql`DEALLOCATE ALL`.execute(pooled.db);
      expect(await executePrepared(pooled.db, squareOf(3))).toEqual([{ square: 9 }]);
      expect(await executePrepared(pooled.db, squareOf(4))).toEqual([{ square: 16 }]);
      const { rows } = await sql<{ count: bigint }>`SELECT count(*) FROM pg_prepared_statements`.execute(
        pooled.db,
      );
      expect(rows[0]!.count).toBe(0n);
      expect(warnings).toEqual([expect.stringMatching(/run unnamed from now on/)]);
      // Other errors are the statement's own, and still reach the caller.
      await expect(executePrepared(pooled.db, sql`SELECT 1 / ${0}::int AS n`)).rejects.toThrow(
        /division by zero/,
      );
    } finally {
      await pooled.drop();
    }
  });
});
