/**
 * The SQL a settlement run decides and writes with (migration 027) against the TypeScript it stands for: ids
 * shaped as `createId` mints them, amounts written as `formatRub` writes them, rounding as `divideRounded` rounds;
 * and a run under seed 004's models, which decides each partner's settlement in the database from the decisions
 * the program's rules make once per kind of partner.
 */
import { sql } from 'kysely';
import { divideRounded } from '../../shared/money';
import { formatRub } from '../../server/src/documents/money-words';
import { idOf } from '../../server/src/ids';
import { checkLedger } from '../../server/src/ledger/ledger.service';
import { loadPreset } from '../../server/src/programs/program.presets';
import { appendVersion } from '../../server/src/programs/program.repository';
import { settleDue } from '../../server/src/settlements/settlement.service';
import { createTestDb, type TestDb } from '../support/db';
import { insertBarePartner } from '../support/seed';

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

describe('a run under seed 004 models', () => {
  // Each partner paid 10 000 ₽ for KVM in March 2026; the July run settles the first half: 10 % is 1 000 ₽.
  // name, model, level, kind, contract signed, status
  const partners: Array<
    [string, string | null, string | null, 'legal_entity' | 'individual', boolean, string]
  > = [
    ['agent', 'agent', 'professional', 'legal_entity', true, 'active'],
    ['agent below its level', 'agent', 'basic', 'legal_entity', true, 'active'],
    ['white label', 'white_label', 'professional', 'legal_entity', true, 'active'],
    ['white label unsigned', 'white_label', 'professional', 'legal_entity', false, 'active'],
    ['agent individual', 'agent', 'professional', 'individual', false, 'active'],
    ['agent unsigned', 'agent', 'professional', 'legal_entity', false, 'active'],
    ['agent blocked', 'agent', 'professional', 'legal_entity', true, 'blocked'],
    ['no model', null, null, 'legal_entity', true, 'active'],
    ['reseller', 'reseller', null, 'legal_entity', true, 'active'],
  ];

  beforeAll(async () => {
    await t.db.transaction().execute((trx) =>
      appendVersion(trx, {
        document: loadPreset('oblakoteka'),
        effectiveFrom: new Date('2000-01-01T00:00:00Z'),
        createdBy: 'test',
      }),
    );
    for (const [i, [name, model, level, kind, signed, status]] of partners.entries()) {
      const id = `ptn_setbased${String(i).padStart(4, '0')}`;
      const accountId = 7_100 + i;
      await insertBarePartner(t.db, { id, accountId, kind, status: 'active', name });
      await sql`UPDATE partners SET contract_signed_at = ${signed ? '2026-01-10T12:00:00+03:00' : null}, status = ${status}
                 WHERE id = ${id}`.execute(t.db);
      if (model)
        await sql`INSERT INTO partner_models (partner_id, from_date, model) VALUES (${id}, '2026-01-01', ${model})`.execute(
          t.db,
        );
      if (level)
        await sql`INSERT INTO partner_levels (partner_id, from_date, level_code, reason, program_version)
                  VALUES (${id}, '2026-01-01', ${level}, 'contract', 1)`.execute(t.db);
      await sql`
        INSERT INTO payments (id, external_id, request_hash, client_account_id, gross_minor, currency, channel, paid_at,
                              product_category)
        VALUES (${`pay_setbased${i}`}, ${`setbased-${i}`}, 'seed', ${accountId}, 1000000, 'RUB', 'vendor_direct',
                '2026-03-10T12:00:00+03:00', 'kvm')`.execute(t.db);
    }
  });

  test('each partner gets the form, payability and reason the rules give its model, level, kind and contract', async () => {
    await t.db.transaction().execute((trx) => settleDue(trx, '2026-07-01', 'oblakoteka', 1));
    const { rows } = await sql<{
      name: string;
      amount_minor: bigint;
      form: string;
      payable: boolean;
      reason: string | null;
    }>`
      SELECT p.name, s.amount_minor, s.form, s.payable, s.reason
        FROM partner_settlements s JOIN partners p ON p.id = s.partner_id
       WHERE s.settlement_id = 'kvm' ORDER BY p.id`.execute(t.db);
    const row = (name: string, form: string, payable: boolean, reason: string | null) => ({
      name,
      amount_minor: 100_000n,
      form,
      payable,
      reason,
    });
    expect(rows).toEqual([
      row('agent', 'payout', true, null),
      row('white label', 'one_time_discount', false, null),
      row('white label unsigned', 'one_time_discount', false, null),
      row('agent individual', 'payout', false, 'no_contract_individual'),
      row('agent unsigned', 'payout', false, 'contract_not_signed'),
      row('agent blocked', 'payout', false, 'partner_blocked'),
    ]);
    const { rows: owed } = await sql<{ code: string; credits_minor: bigint }>`
      SELECT code, credits_minor FROM ledger_accounts
       WHERE code LIKE 'partner:ptn_setbased%' ORDER BY code`.execute(t.db);
    expect(owed).toEqual([
      { code: 'partner:ptn_setbased0000:payable', credits_minor: 100_000n },
      { code: 'partner:ptn_setbased0002:discount_credit', credits_minor: 100_000n },
      { code: 'partner:ptn_setbased0003:discount_credit', credits_minor: 100_000n },
      { code: 'partner:ptn_setbased0004:not_payable', credits_minor: 100_000n },
      { code: 'partner:ptn_setbased0005:not_payable', credits_minor: 100_000n },
      { code: 'partner:ptn_setbased0006:not_payable', credits_minor: 100_000n },
    ]);
    expect(await checkLedger(t.db)).toEqual([]);
  });
});
