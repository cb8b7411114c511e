import { sql } from 'kysely';
import {
  balances,
  checkLedger,
  creditBalance,
  debitBalance,
  post,
  postPairs,
  UnbalancedPostingError,
} from '../../server/src/ledger/ledger.service';
import type { EntryInput, PairRow, PostingInput } from '../../server/src/ledger/ledger';
import { createTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ max: 12 });
});
afterAll(() => t.drop());

const pair = (debit: string, credit: string, amountMinor: bigint): EntryInput[] => [
  { account: { code: debit }, side: 'debit', amountMinor, currency: 'RUB' },
  { account: { code: credit }, side: 'credit', amountMinor, currency: 'RUB' },
];

describe('the ledger', () => {
  it('writes a balanced posting and keeps cached totals equal to the entries', async () => {
    const result = await t.db.transaction().execute((trx) =>
      post(trx, {
        key: 'test:1',
        kind: 'commission',
        reason: { note: 'first' },
        effectiveAt: new Date(),
        entries: pair('vendor:expense', 'partner:p1:payable', 480000n),
      }),
    );
    expect(result.created).toBe(true);
    const list = await balances(t.db, { codes: ['vendor:expense', 'partner:p1:payable'] });
    expect(debitBalance(list, 'vendor:expense')).toBe(480000n);
    expect(creditBalance(list, 'partner:p1:payable')).toBe(480000n);
    expect(await checkLedger(t.db)).toEqual([]);
  });

  // Both directions: more credits than debits would create money as surely as more debits (issue 17, item 3).
  it.each([
    ['more debits', 100n, 99n],
    ['more credits', 99n, 100n],
  ])('refuses an unbalanced posting (%s) before it reaches the database', async (_name, debit, credit) => {
    const entries: EntryInput[] = [
      { account: { code: 'a' }, side: 'debit', amountMinor: debit, currency: 'RUB' },
      { account: { code: 'b' }, side: 'credit', amountMinor: credit, currency: 'RUB' },
    ];
    await expect(
      t.db.transaction().execute((trx) =>
        post(trx, {
          key: 'test:unbalanced',
          kind: 'commission',
          reason: {},
          effectiveAt: new Date(),
          entries,
        }),
      ),
    ).rejects.toBeInstanceOf(UnbalancedPostingError);
    expect(
      await t.db
        .selectFrom('ledger_postings')
        .select('id')
        .where('posting_key', '=', 'test:unbalanced')
        .execute(),
    ).toEqual([]);
  });

  it('has the database itself refuse to commit unbalanced entries written around the service', async () => {
    const attempt = t.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO ledger_postings (id, posting_key, kind, effective_at) VALUES ('lpo_raw', 'raw:1', 'test', now())`.execute(
        trx,
      );
      const { rows } = await sql<{
        id: bigint;
      }>`INSERT INTO ledger_accounts (code, currency) VALUES ('raw', 'RUB') RETURNING id`.execute(trx);
      await sql`INSERT INTO ledger_entries (posting_id, account_id, side, amount_minor, currency) VALUES ('lpo_raw', ${rows[0]!.id}, 'debit', 5, 'RUB')`.execute(
        trx,
      );
    });
    await expect(attempt).rejects.toThrow(/unbalanced/);
    expect(
      await t.db.selectFrom('ledger_postings').select('id').where('id', '=', 'lpo_raw').execute(),
    ).toEqual([]);
  });

  it.each([
    ['UPDATE', sql`UPDATE ledger_entries SET amount_minor = 1`],
    ['DELETE', sql`DELETE FROM ledger_entries`],
    ['TRUNCATE', sql`TRUNCATE ledger_entries`],
    ['UPDATE of a posting', sql`UPDATE ledger_postings SET kind = 'x'`],
    ['DELETE of a posting', sql`DELETE FROM ledger_postings`],
  ])('has the database refuse %s on the append-only ledger', async (_name, statement) => {
    await expect(statement.execute(t.db)).rejects.toThrow(/append-only/);
    expect(await checkLedger(t.db)).toEqual([]);
  });

  it('writes nothing new when a posting is replayed with the same key', async () => {
    const input: PostingInput = {
      key: 'test:replay',
      kind: 'commission',
      reason: {},
      effectiveAt: new Date(),
      entries: pair('vendor:expense', 'partner:p2:payable', 1000n),
    };
    const first = await t.db.transaction().execute((trx) => post(trx, input));
    const entriesBefore = await t.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .executeTakeFirstOrThrow();
    const second = await t.db.transaction().execute((trx) => post(trx, input));
    expect(second).toEqual({ postingId: first.postingId, created: false });
    const entriesAfter = await t.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .executeTakeFirstOrThrow();
    expect(entriesAfter.n).toBe(entriesBefore.n);
    expect(creditBalance(await balances(t.db, { codes: ['partner:p2:payable'] }), 'partner:p2:payable')).toBe(
      1000n,
    );
  });

  it('keeps one account exact under many concurrent postings, including duplicates of the same key', async () => {
    const n = 60;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        t.db.transaction().execute((trx) =>
          post(trx, {
            // Every third posting repeats the key of the one before it: exactly one of each pair may land.
            key: `test:concurrent:${i % 3 === 2 ? i - 1 : i}`,
            kind: 'commission',
            reason: {},
            effectiveAt: new Date(),
            entries: [
              { account: { code: 'vendor:cash' }, side: 'debit', amountMinor: 7n, currency: 'RUB' },
              {
                account: { code: `partner:c${i % 4}:payable` },
                side: 'credit',
                amountMinor: 3n,
                currency: 'RUB',
              },
              {
                account: { code: 'partner:shared:payable' },
                side: 'credit',
                amountMinor: 4n,
                currency: 'RUB',
              },
            ],
          }),
        ),
      ),
    );
    const distinct = n - Math.floor(n / 3);
    const list = await balances(t.db, { codes: ['vendor:cash', 'partner:shared:payable'] });
    expect(debitBalance(list, 'vendor:cash')).toBe(BigInt(distinct * 7));
    expect(creditBalance(list, 'partner:shared:payable')).toBe(BigInt(distinct * 4));
    expect(await checkLedger(t.db)).toEqual([]);
  });

  it('reports a cached total that no longer matches its entries', async () => {
    await sql`UPDATE ledger_accounts SET credits_minor = credits_minor + 1 WHERE code = 'partner:p1:payable'`.execute(
      t.db,
    );
    const problems = await checkLedger(t.db);
    expect(problems).toEqual([
      { kind: 'cached_total_mismatch', detail: expect.stringContaining('partner:p1:payable RUB') },
    ]);
    await sql`UPDATE ledger_accounts SET credits_minor = credits_minor - 1 WHERE code = 'partner:p1:payable'`.execute(
      t.db,
    );
    expect(await checkLedger(t.db)).toEqual([]);
  });
});

describe('postings a query describes (postPairs)', () => {
  const pairs = (rows: Array<[key: string, debit: string, credit: string, amountMinor: number]>) =>
    sql<PairRow>`
      SELECT r.key AS posting_key, 'settlement'::text AS kind, jsonb_build_object('key', r.key) AS reason,
             timestamptz '2026-06-30 23:59:59.999+03' AS effective_at, r.debit AS debit_code,
             NULL::text AS debit_partner_id, r.credit AS credit_code, NULL::text AS credit_partner_id,
             r.amount::bigint AS amount_minor, 'RUB'::text AS currency
        FROM unnest(${rows.map((r) => r[0])}::text[], ${rows.map((r) => r[1])}::text[],
                    ${rows.map((r) => r[2])}::text[], ${rows.map((r) => r[3])}::bigint[]) AS r(key, debit, credit, amount)`;

  it('writes each posting with its two entries and totals once; a replay of the same keys writes nothing', async () => {
    const rows: Array<[string, string, string, number]> = [
      ['pairs:1', 'vendor:pairs_expense', 'partner:pairs:payable', 1_500_000],
      ['pairs:2', 'vendor:pairs_expense', 'partner:pairs:payable', 1_800_000],
      ['pairs:3', 'partner:pairs:payable', 'vendor:pairs_expense', 500_000],
    ];
    expect(await t.db.transaction().execute((trx) => postPairs(trx, pairs(rows)))).toBe(3);
    expect(await t.db.transaction().execute((trx) => postPairs(trx, pairs(rows)))).toBe(0);
    const list = await balances(t.db, { codes: ['vendor:pairs_expense', 'partner:pairs:payable'] });
    expect(debitBalance(list, 'vendor:pairs_expense')).toBe(2_800_000n);
    expect(creditBalance(list, 'partner:pairs:payable')).toBe(2_800_000n);
    const { rows: written } = await sql<{ posting_key: string; reason: unknown; sides: string }>`
      SELECT p.posting_key, p.reason, string_agg(e.side, ',' ORDER BY e.id) AS sides
        FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
       WHERE p.posting_key LIKE 'pairs:%' GROUP BY p.id ORDER BY p.posting_key`.execute(t.db);
    expect(written).toEqual(
      rows.map(([key]) => ({ posting_key: key, reason: { key }, sides: 'debit,credit' })),
    );
    expect(await checkLedger(t.db)).toEqual([]);
  });

  it.each([
    [
      'a repeated key',
      [
        ['pairs:dup', 'a', 'b', 1],
        ['pairs:dup', 'a', 'b', 2],
      ],
    ],
    ['an amount that is not positive', [['pairs:zero', 'a', 'b', 0]]],
  ] as Array<[string, Array<[string, string, string, number]>]>)('refuses %s', async (_name, rows) => {
    await expect(t.db.transaction().execute((trx) => postPairs(trx, pairs(rows)))).rejects.toThrow(
      UnbalancedPostingError,
    );
  });
});
