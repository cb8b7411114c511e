/**
 * The database's own hold on allowance quotas (migration 024): whatever the service decides, a grant row cannot
 * take a quota's place twice, pass the limit it was checked against, put two of a client's free months in a row,
 * or be changed afterwards.
 */
import type { Insertable } from 'kysely';
import type { AllowanceGrantsTable } from '../../server/src/db/schema';
import { createTestDb, type TestDb } from '../support/db';
import { insertBarePartner } from '../support/seed';

let t: TestDb;
const PARTNER = 'ptn_000000000allowance01';
let seq = 0;

beforeAll(async () => {
  t = await createTestDb();
  await insertBarePartner(t.db, {
    id: PARTNER,
    accountId: 96000001,
    kind: 'sole_proprietor',
    status: 'active',
    name: 'ИП Квоты',
  });
});
afterAll(() => t.drop());

/** A distinct well-formed code per grant: its number written in the code alphabet. */
function code(n: number): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const digits = [0, 1, 2, 3].map((i) => alphabet[Math.floor(n / 31 ** i) % 31]);
  return `AAAA-BBBB-${digits.join('')}`;
}

/** What every grant row has: a fresh id, and the first place for the client; `kind` and the rest vary. */
function grant(kind: 'bonus_codes' | 'free_months', clientAccountId: number) {
  seq += 1;
  return {
    id: `alw_test${String(seq).padStart(8, '0')}`,
    kind,
    allowance_id: kind,
    program_version: 2,
    partner_id: PARTNER,
    client_account_id: BigInt(clientAccountId),
    granted_at: new Date(),
    client_ordinal: 1,
  };
}

function bonusCode(overrides: Partial<Insertable<AllowanceGrantsTable>> = {}) {
  const row = grant('bonus_codes', 97000000 + seq + 1);
  return {
    ...row,
    // A quarter of its own: the first code of that quarter, unless a test places it.
    quarter: `${2000 + seq}-Q1`,
    partner_ordinal: 1,
    partner_quota: 10,
    client_quota: 1,
    code: code(seq),
    amount_minor: 100_000n,
    currency: 'RUB' as const,
    quarter_total_minor: 100_000n,
    quarter_quota_minor: 3_000_000n,
    ...overrides,
  };
}

function freeMonth(client: number, month: string, overrides: Partial<Insertable<AllowanceGrantsTable>> = {}) {
  const row = grant('free_months', client);
  return {
    ...row,
    quarter: '2026-Q2',
    partner_ordinal: seq,
    partner_quota: null,
    client_quota: 2,
    month: `${month}-01`,
    not_consecutive: true,
    ...overrides,
  };
}

const insert = (row: Insertable<AllowanceGrantsTable>) =>
  t.db.insertInto('allowance_grants').values(row).execute();

describe('allowance_grants', () => {
  test('a valid bonus code and free month are stored', async () => {
    await insert(bonusCode());
    await insert(freeMonth(98000001, '2026-07'));
  });

  test("two grants cannot take the same place in the partner's quarter", async () => {
    const first = bonusCode({ quarter: '2026-Q3', partner_ordinal: 1, quarter_total_minor: 100_000n });
    await insert(first);
    await expect(
      insert(bonusCode({ quarter: '2026-Q3', partner_ordinal: 1, quarter_total_minor: 100_000n })),
    ).rejects.toThrow(/duplicate key.*partner_ordinal/);
  });

  test('the eleventh code of a quarter limited to ten is refused', async () => {
    await expect(insert(bonusCode({ partner_ordinal: 11, quarter: '2026-Q4' }))).rejects.toThrow(
      /allowance_grants_partner_quota/,
    );
  });

  test("a quarter's running total cannot pass its amount limit, nor be less than the code", async () => {
    await expect(
      insert(bonusCode({ quarter: '2027-Q1', partner_ordinal: 1, quarter_total_minor: 3_000_001n })),
    ).rejects.toThrow(/allowance_grants_amount_quota/);
    await expect(
      insert(bonusCode({ quarter: '2027-Q1', partner_ordinal: 1, quarter_total_minor: 99_999n })),
    ).rejects.toThrow(/allowance_grants_total_covers_code/);
  });

  test('a second code for a client limited to one is refused, however it is numbered', async () => {
    const row = bonusCode({ quarter: '2027-Q2', partner_ordinal: 1, quarter_total_minor: 100_000n });
    await insert(row);
    const again = { client_account_id: row.client_account_id, quarter: '2027-Q2', partner_ordinal: 2 };
    await expect(insert(bonusCode({ ...again, quarter_total_minor: 200_000n }))).rejects.toThrow(
      /duplicate key.*client_ordinal/,
    );
    await expect(
      insert(bonusCode({ ...again, client_ordinal: 2, quarter_total_minor: 200_000n })),
    ).rejects.toThrow(/allowance_grants_client_quota/);
  });

  test('a code is unique and typed in groups of the alphabet without look-alikes', async () => {
    const row = bonusCode();
    await insert(row);
    await expect(insert(bonusCode({ code: row.code }))).rejects.toThrow(/duplicate key.*code/);
    await expect(insert(bonusCode({ code: 'AAAA-BBBB-CCC0' }))).rejects.toThrow(/allowance_grants_code_form/);
  });

  test("a client's free months may not be adjacent or repeated, across a year end too", async () => {
    const client = 98000002;
    await insert(freeMonth(client, '2026-12'));
    for (const month of ['2027-01', '2026-11'])
      await expect(insert(freeMonth(client, month, { client_ordinal: 2 }))).rejects.toThrow(
        /allowance_grants_not_consecutive/,
      );
    await expect(
      insert(freeMonth(client, '2026-12', { client_ordinal: 2, not_consecutive: false })),
    ).rejects.toThrow(/allowance_grants_client_account_id_month_key/);
    await insert(freeMonth(client, '2027-02', { client_ordinal: 2 }));
    // Another client's adjacent month is its own business.
    await insert(freeMonth(98000003, '2027-01'));
  });

  test('adjacent months are allowed when the program did not forbid them, and only the first day names a month', async () => {
    const client = 98000004;
    await insert(freeMonth(client, '2026-08', { not_consecutive: false }));
    await insert(freeMonth(client, '2026-09', { not_consecutive: false, client_ordinal: 2 }));
    await expect(insert({ ...freeMonth(98000005, '2026-08'), month: '2026-08-15' })).rejects.toThrow(
      /allowance_grants_month_first_day/,
    );
  });

  test('a free month carries no amount and a code no month', async () => {
    await expect(insert({ ...freeMonth(98000006, '2026-08'), amount_minor: 100n })).rejects.toThrow(
      /allowance_grants_fields_of_kind/,
    );
    await expect(insert({ ...bonusCode(), month: '2026-08-01' })).rejects.toThrow(
      /allowance_grants_fields_of_kind/,
    );
  });

  test('grants are append-only', async () => {
    await expect(
      t.db
        .updateTable('allowance_grants')
        .set({ amount_minor: 1n })
        .where('kind', '=', 'bonus_codes')
        .execute(),
    ).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('allowance_grants').execute()).rejects.toThrow(/append-only/);
  });
});
