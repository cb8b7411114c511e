/**
 * Payments are rewarded by the program in force on their date (issue 13): the reward engine replaced the
 * fixed 40 %/50 % code in the payment path. Each commission records the version and the calculation; a new
 * version changes rewards from its date on and never rewrites the past; net invoices ask the same engine.
 * Figures are DOMAIN.md's worked example: 12 000,00 ₽ direct → 4 800,00 ₽; net sale → invoice 6 000,00 ₽.
 */
import { loadPreset } from '../../server/src/programs/program.presets';
import { startTestApp, type TestApp } from '../support/app';
import { paymentBody, soleProprietor } from '../support/fixtures';
import { pinClient, registerPartner, signContract } from '../support/steps';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const NBSP = '\u00a0';
const PARTNER = 91100001;
const CLIENT = 91600001;
const NET_CLIENT = 91600002;
const HOUR = 3600 * 1000;
let seq = 0;

const admin = () => t.adminToken();

function pay(clientAccountId: number, paidAt: Date, grossMinor = 1_200_000) {
  seq += 1;
  const body = paymentBody(`prog-pay-${seq}`, clientAccountId, grossMinor, paidAt);
  return t.call('POST', '/api/v1/payments', { billing: true, body });
}

/** The leadsender preset with changes, saved as a new version from `from`. */
async function saveVersion(from: Date, change: (doc: ReturnType<typeof loadPreset>) => void) {
  const document = structuredClone(loadPreset('leadsender'));
  change(document);
  const res = await t.call('PUT', '/api/v1/admin/program', {
    token: admin(),
    body: { ...document, effectiveFrom: from.toISOString() },
  });
  expect(res.status).toBe(201);
  return res.body.version as number;
}

const commissions = async () =>
  (await t.call('GET', '/api/v1/commissions', { token: t.partnerToken(PARTNER) })).body.items as {
    id: string;
    paymentId: string;
    rateBps: number;
    commissionMinor: number;
    programVersion: number | null;
    calculation: string | null;
  }[];

beforeAll(async () => {
  const partnerId = await registerPartner(t, PARTNER, soleProprietor('ИП Движок', 'engine@partner.ru'));
  await signContract(t, partnerId, 'П-7');
  for (const client of [CLIENT, NET_CLIENT]) await pinClient(t, PARTNER, client);
});

describe('payments are rewarded by the program in force on their date', () => {
  // Taken after the pins above are made: a payment one second after the start must fall inside the pin even
  // when a busy machine takes longer than that to register the partner and pin its clients.
  let start: Date;
  beforeAll(() => {
    start = new Date();
  });
  let first: Awaited<ReturnType<typeof commissions>>[number];

  test('leadsender (version 1): 12 000,00 ₽ direct earns 4 800,00 ₽, with its version and calculation', async () => {
    const res = await pay(CLIENT, new Date(start.getTime() + 1000));
    expect(res.status).toBe(201);
    expect(res.body.commission).toMatchObject({ rateBps: 4000, commissionMinor: 480_000, payable: true });
    first = (await commissions()).find((c) => c.paymentId === res.body.id)!;
    expect(first).toMatchObject({
      programVersion: 1,
      calculation: `12${NBSP}000,00${NBSP}₽ × 40${NBSP}% = 4${NBSP}800,00${NBSP}₽`,
    });
  });

  test('a net invoice asks the same program: the partner keeps 50 %, the vendor invoices the rest', async () => {
    const res = await t.call('POST', '/api/v1/net-invoices', {
      token: t.partnerToken(PARTNER),
      body: { clientAccountId: NET_CLIENT, productCode: 'amo-widget-pro', grossMinor: 1_200_000 },
    });
    expect(res.status).toBe(201);
    expect(res.body.invoice).toMatchObject({ amountMinor: 600_000, rewardMinor: 600_000 });
  });

  test('a new version changes rewards from its date on; the earlier commission keeps its version', async () => {
    const from = new Date(start.getTime() + HOUR);
    const version = await saveVersion(from, (doc) => {
      const rule = doc.rewards[0]!;
      if (rule.amount.kind !== 'percent') throw new Error('preset changed');
      rule.amount.byChannelBps = { vendor_direct: 3000, partner_net: 5000 };
    });
    const before = await pay(CLIENT, new Date(from.getTime() - 60_000));
    const after = await pay(CLIENT, new Date(from.getTime() + 60_000));
    expect(before.body.commission).toMatchObject({ rateBps: 4000, commissionMinor: 480_000 });
    expect(after.body.commission).toMatchObject({ rateBps: 3000, commissionMinor: 360_000 });
    const rows = await commissions();
    expect(rows.find((c) => c.paymentId === after.body.id)).toMatchObject({
      programVersion: version,
      calculation: `12${NBSP}000,00${NBSP}₽ × 30${NBSP}% = 3${NBSP}600,00${NBSP}₽`,
    });
    expect(rows.find((c) => c.id === first.id)).toEqual(first);
  });

  test('a first-order program gives a repeat payment of the client nothing: no commission, no posting', async () => {
    const from = new Date(start.getTime() + 2 * HOUR);
    await saveVersion(from, (doc) => {
      doc.binding = { earns: 'first_order' };
    });
    const res = await pay(CLIENT, new Date(from.getTime() + 60_000));
    expect(res.status).toBe(201);
    expect(res.body.commission).toBeNull();
    const balance = await t.call('GET', '/api/v1/balance', { token: t.partnerToken(PARTNER) });
    // 4 800 + 4 800 + 3 600 accrued by the three earlier payments; nothing from this one.
    expect(balance.body.earnedMinor).toBe(1_320_000);
  });

  test("a rate without a partner is refused naming the field: the program's own rates are in its document", async () => {
    const res = await t.call('POST', '/api/v1/admin/rates', {
      token: admin(),
      body: {
        channel: 'vendor_direct',
        rateBps: 3000,
        effectiveFrom: new Date(Date.now() + HOUR).toISOString(),
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('partnerId');
  });
});
