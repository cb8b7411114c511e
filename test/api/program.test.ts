import { sql } from 'kysely';
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type TestApp } from '../support/app';
import { soleProprietor } from '../support/fixtures';
import { backdatePin, pinClient, registerPartner, signContract } from '../support/steps';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const PARTNER = 91000001;
const CLIENT = 91500001;
let partnerId = '';

const admin = () => t.adminToken();
const getProgram = () => t.call('GET', '/api/v1/admin/program', { token: admin() });
const putProgram = (body: unknown) => t.call('PUT', '/api/v1/admin/program', { token: admin(), body });

beforeAll(async () => {
  partnerId = await registerPartner(t, PARTNER, soleProprietor('ИП Программный', 'owner@partner.ru'));
  await signContract(t, partnerId, 'П-1');
  await backdatePin(t, (await pinClient(t, PARTNER, CLIENT)).id);
});

describe('the program document', () => {
  test('a database with no program runs the leadsender preset as version 1', async () => {
    const res = await getProgram();
    expect(res.status).toBe(200);
    expect(res.body.inForce).toMatchObject({ version: 1, document: loadPreset('leadsender') });
    expect(res.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
  });

  test('only admins read or change it', async () => {
    for (const token of [t.staffToken(), t.partnerToken(PARTNER)]) {
      expect((await t.call('GET', '/api/v1/admin/program', { token })).status).toBe(403);
      expect(
        (await t.call('PUT', '/api/v1/admin/program', { token, body: { preset: 'cloudlessons' } })).status,
      ).toBe(403);
    }
    expect((await t.call('GET', '/api/v1/admin/program')).status).toBe(401);
  });

  test('an invalid document is refused naming the field, and the old version stays in force', async () => {
    const document = structuredClone(loadPreset('leadsender')) as any;
    document.rewards[0].amount.byChannelBps.vendor_direct = 12_000;
    const res = await putProgram(document);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'rewards.0.amount.byChannelBps.vendor_direct',
    ]);
    const missing = await putProgram({ name: 'half' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toContain('policies');
    const both = await putProgram({ preset: 'cloudlessons', name: 'mixed' });
    expect(both.status).toBe(400);
    expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(['name']);
    const unknown = await putProgram({ preset: 'constructor' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('preset');
    expect((await getProgram()).body.inForce.version).toBe(1);
  });

  test("a client's side paid out in money, which a client cannot hold, is refused naming the rule", async () => {
    const document = structuredClone(loadPreset('leadsender')) as any;
    document.rewards.push({
      id: 'friend-cash',
      title: { ru: 'Деньги другу' },
      on: 'first_payment',
      beneficiary: 'client',
      amount: { kind: 'fixed', amountMinor: 40_000 },
      form: 'payout',
    });
    const res = await putProgram(document);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['rewards.1.form']);
    expect((await getProgram()).body.inForce.version).toBe(1);
  });

  test('a version cannot start in the past', async () => {
    const res = await putProgram({ preset: 'cloudlessons', effectiveFrom: '2020-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('effectiveFrom');
  });

  test('a version scheduled for later is listed but not yet in force', async () => {
    const later = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const document = structuredClone(loadPreset('leadsender'));
    const rule = document.rewards[0]!;
    if (rule.amount.kind !== 'percent') throw new Error('preset changed');
    rule.amount.byChannelBps = { vendor_direct: 4500, partner_net: 5000 };
    const saved = await putProgram({ ...document, effectiveFrom: later });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ version: 2, effectiveFrom: later });
    const res = await getProgram();
    expect(res.body.inForce.version).toBe(1);
    expect(res.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    // Previewing a payment dated after the change uses the new rate.
    const preview = await t.call('POST', '/api/v1/admin/program/preview', {
      token: admin(),
      body: { clientAccountId: CLIENT, grossMinor: 1_200_000, channel: 'vendor_direct', paidAt: later },
    });
    expect(preview.body).toMatchObject({
      programVersion: 2,
      lines: [{ rateBps: 4500, amountMinor: 540_000 }],
    });
  });

  test('versions are append-only in the database', async () => {
    await expect(sql`UPDATE program_versions SET created_by = 'x'`.execute(t.db.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM program_versions`.execute(t.db.db)).rejects.toThrow(/append-only/);
  });

  test('concurrent saves get consecutive versions, none lost', async () => {
    const before = (await getProgram()).body.versions.length;
    const results = await Promise.all(Array.from({ length: 5 }, () => putProgram({ preset: 'leadsender' })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const numbers = results.map((r) => r.body.version as number).sort((a, b) => a - b);
    expect(numbers).toEqual([before + 1, before + 2, before + 3, before + 4, before + 5]);
  });
});

describe('preview', () => {
  const preview = (body: Record<string, unknown>) =>
    t.call('POST', '/api/v1/admin/program/preview', { token: admin(), body });

  test("a pinned client's direct payment under leadsender: 40 %, payable, with the calculation", async () => {
    const res = await preview({ clientAccountId: CLIENT, grossMinor: 1_200_000, channel: 'vendor_direct' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      partnerId,
      noReward: null,
      lines: [
        {
          partnerId,
          form: 'payout',
          rateBps: 4000,
          amountMinor: 480_000,
          payable: true,
          reason: null,
          calculation: '12\u00a0000,00\u00a0₽ × 40\u00a0% = 4\u00a0800,00\u00a0₽',
        },
      ],
    });
  });

  test('a net sale is kept by the partner', async () => {
    const res = await preview({ clientAccountId: CLIENT, grossMinor: 1_200_000, channel: 'partner_net' });
    expect(res.body.lines[0]).toMatchObject({
      form: 'kept',
      amountMinor: 600_000,
      payable: false,
      reason: 'kept_by_partner',
    });
  });

  test('a client nobody pinned earns nothing, with the reason', async () => {
    const res = await preview({ clientAccountId: 91599999, grossMinor: 1_200_000, channel: 'vendor_direct' });
    expect(res.body).toMatchObject({ partnerId: null, lines: [], noReward: { reason: 'not_attributed' } });
  });

  test('an unknown partner is a 404 and bad input a 400 naming the field', async () => {
    const unknown = await preview({
      clientAccountId: CLIENT,
      grossMinor: 100,
      channel: 'vendor_direct',
      partnerId: 'ptn_0000000000zzzz',
    });
    expect(unknown.status).toBe(404);
    const bad = await preview({ clientAccountId: CLIENT, grossMinor: -5, channel: 'vendor_direct' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('grossMinor');
  });

  test('writes nothing', async () => {
    const count = async () =>
      (
        await sql<{ n: number }>`SELECT (SELECT count(*) FROM payments) + (SELECT count(*) FROM commissions)
          + (SELECT count(*) FROM ledger_postings) AS n`.execute(t.db.db)
      ).rows[0]!.n;
    const before = await count();
    await preview({ clientAccountId: CLIENT, grossMinor: 1_200_000, channel: 'vendor_direct' });
    expect(await count()).toBe(before);
  });
});

describe('the partner sees its terms', () => {
  test('leadsender: the rates and payout policy, no levels', async () => {
    const res = await t.call('GET', '/api/v1/program', { token: t.partnerToken(PARTNER) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'leadsender',
      payout: { daysOfMonth: [1, 15], minMinor: 100_000, holdDays: 14 },
      level: null,
    });
    expect(res.body.rewards[0].amount.byChannelBps).toEqual({ vendor_direct: 4000, partner_net: 5000 });
  });

  test('an unregistered account is told to register; staff are refused', async () => {
    expect((await t.call('GET', '/api/v1/program', { token: t.partnerToken(91000999) })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/program', { token: t.staffToken() })).status).toBe(403);
  });
});

describe('PROGRAM_PRESET on an empty database', () => {
  let c: TestApp;
  beforeAll(async () => {
    c = await startTestApp({ programPreset: 'cloudlessons' });
  });
  afterAll(() => c.close());

  test('stores the chosen preset, and a partner sees its level and the orders to the next', async () => {
    const program = await c.call('GET', '/api/v1/admin/program', { token: c.adminToken() });
    expect(program.body.inForce).toMatchObject({ version: 1, document: { name: 'cloudlessons' } });
    await c.call('POST', '/api/v1/partner', {
      token: c.partnerToken(PARTNER),
      body: { kind: 'individual', name: 'Иван Иванов', contacts: { email: 'ivan@example.ru' } },
    });
    const terms = await c.call('GET', '/api/v1/program', { token: c.partnerToken(PARTNER) });
    expect(terms.body).toMatchObject({
      name: 'cloudlessons',
      binding: { earns: 'first_order' },
      payout: { holdDays: 0 },
      level: { code: 'start', measure: 0, next: { code: 'pro', min: 10, remaining: 10 } },
    });
  });
});
