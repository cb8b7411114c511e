import { readdirSync } from 'node:fs';
import path from 'node:path';
import { commissionFor } from '../commissions/commission.rules';
import type { Channel } from '../db/schema';
import type { PartnerKind, PartnerStatus } from '../partners/partner';
import { notPayableReason as partnerNotPayableReason } from '../partners/partner.rules';
import { PRESET_NAMES, ProgramDocument, type ProgramVersion } from './program';
import { loadPreset } from './program.presets';
import {
  chooseClick,
  evaluatePayment,
  levelFor,
  pointsRedeemableMinor,
  tierFor,
  selfPurchaseMatch,
  versionInForce,
  type EvaluationInput,
  type EvaluationPartner,
} from './program.rules';

const NBSP = '\u00a0';
const leadsender: ProgramVersion = {
  version: 1,
  effectiveFrom: new Date(0),
  document: loadPreset('leadsender'),
};
const cloudlessons: ProgramVersion = {
  version: 1,
  effectiveFrom: new Date(0),
  document: loadPreset('cloudlessons'),
};

function partner(overrides: Partial<EvaluationPartner> = {}): EvaluationPartner {
  return {
    id: 'ptn_a',
    kind: 'sole_proprietor',
    status: 'active',
    contractSignedAt: new Date('2026-01-10T00:00:00Z'),
    identity: { accountId: 1001, email: 'Owner@Partner.ru', phone: '+7 (900) 111-22-33' },
    levelMeasureBefore: 0,
    ...overrides,
  };
}

function input(overrides: {
  program?: ProgramVersion;
  grossMinor?: bigint;
  channel?: Channel;
  paidAt?: string;
  productCode?: string;
  payer?: EvaluationInput['payment']['payer'];
  since?: string;
  via?: 'pin' | 'link' | 'code';
  partner?: EvaluationPartner | null;
  paidOrdersBefore?: number;
  orderPaidBefore?: boolean;
}): EvaluationInput {
  return {
    program: overrides.program ?? leadsender,
    payment: {
      grossMinor: overrides.grossMinor ?? 1_200_000n,
      channel: overrides.channel ?? 'vendor_direct',
      paidAt: new Date(overrides.paidAt ?? '2026-03-06T12:00:00Z'),
      productCode: overrides.productCode ?? null,
      payer: overrides.payer,
      orderPaidBefore: overrides.orderPaidBefore,
    },
    attribution: { via: overrides.via ?? 'pin', since: new Date(overrides.since ?? '2026-03-01T00:00:00Z') },
    partner: overrides.partner === undefined ? partner() : overrides.partner,
    client: { accountId: 5005, paidOrdersBefore: overrides.paidOrdersBefore ?? 0 },
  };
}

/**
 * A cloudlessons order attributed by a link clicked on 1 March 2026 at 10:00 Moscow (07:00 UTC), paid at
 * `paidAt`: its 7-day window ends exactly at 2026-03-08T07:00:00Z.
 */
function linkOrderPaidAt(paidAt: string) {
  return evaluatePayment(
    input({ program: cloudlessons, via: 'link', since: '2026-03-01T07:00:00Z', paidAt }),
  );
}

describe('presets', () => {
  test('every preset file validates and every shipped preset has a file', () => {
    const files = readdirSync(path.join(__dirname, 'presets')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...PRESET_NAMES].sort());
    for (const name of PRESET_NAMES) expect(loadPreset(name).name).toBe(name);
  });

  test('an invalid document is refused with the path of the bad field', () => {
    const broken = structuredClone(loadPreset('leadsender')) as unknown as {
      rewards: { amount: { byChannelBps: Record<string, number> } }[];
    };
    broken.rewards[0]!.amount.byChannelBps.vendor_direct = 12_000;
    const result = ProgramDocument.safeParse(broken);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['rewards', 0, 'amount', 'byChannelBps', 'vendor_direct']);
  });

  test('two levels from the same minimum are refused: the level would depend on the order of the list', () => {
    const doc = structuredClone(loadPreset('cloudlessons'));
    const bands = doc.levels!.bands;
    bands[1] = { ...bands[1]!, min: bands[0]!.min };
    const result = ProgramDocument.safeParse(doc);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['levels', 'bands']);
    expect(ProgramDocument.safeParse(loadPreset('cloudlessons')).success).toBe(true);
  });
});

describe('leadsender: the seed 001 program as a preset', () => {
  // DOMAIN.md worked examples.
  test.each([
    ['direct payment', 1_200_000n, 'vendor_direct', partner(), 480_000n, true, null, 'payout'],
    ['net sale', 1_200_000n, 'partner_net', partner(), 600_000n, false, 'kept_by_partner', 'kept'],
    [
      'individual',
      500_000n,
      'vendor_direct',
      partner({ kind: 'individual', contractSignedAt: null }),
      200_000n,
      false,
      'no_contract_individual',
      'payout',
    ],
    ['odd amount', 33_333n, 'vendor_direct', partner(), 13_333n, true, null, 'payout'],
    [
      'contract not signed',
      1_200_000n,
      'vendor_direct',
      partner({ status: 'pending_contract', contractSignedAt: null }),
      480_000n,
      false,
      'contract_not_signed',
      'payout',
    ],
    [
      'blocked partner',
      1_200_000n,
      'vendor_direct',
      partner({ status: 'blocked' }),
      480_000n,
      false,
      'partner_blocked',
      'payout',
    ],
  ] as const)('%s', (_name, grossMinor, channel, who, amountMinor, payable, reason, form) => {
    const result = evaluatePayment(input({ grossMinor, channel, partner: who }));
    expect(result.noReward).toBeNull();
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatchObject({ amountMinor, payable, reason, form, partnerId: 'ptn_a' });
  });

  test('the calculation reads as the statement shows it', () => {
    const [line] = evaluatePayment(input({ grossMinor: 1_200_000n })).lines;
    expect(line!.calculation).toBe(`12${NBSP}000,00${NBSP}₽ × 40${NBSP}% = 4${NBSP}800,00${NBSP}₽`);
  });

  test('renewals earn again: lifetime binding', () => {
    const later = evaluatePayment(input({ paidAt: '2027-03-06T12:00:00Z', paidOrdersBefore: 1 }));
    expect(later.lines[0]!.amountMinor).toBe(480_000n);
  });

  test('a per-partner rate overrides the program rate', () => {
    const who = partner({ rateOverridesBps: { vendor_direct: 4500 } });
    const [line] = evaluatePayment(input({ partner: who })).lines;
    expect(line).toMatchObject({ rateBps: 4500, amountMinor: 540_000n });
  });

  test('an unattributed payment earns nothing, with the reason', () => {
    const result = evaluatePayment(input({ partner: null }));
    expect(result.lines).toEqual([]);
    expect(result.noReward?.reason).toBe('not_attributed');
  });

  // The engine must give exactly what the code path of today gives (issue 13: leadsender = today's behaviour).
  const kinds: PartnerKind[] = ['legal_entity', 'sole_proprietor', 'self_employed', 'individual'];
  const statuses: PartnerStatus[] = ['pending_contract', 'active', 'blocked'];
  const grosses = [0n, 1n, 2n, 3n, 49n, 33_333n, 99_999n, 1_200_000n, 123_456_789n, 999_999_999_999n];
  test.each(kinds.flatMap((kind) => statuses.map((status) => [kind, status] as const)))(
    'equals commissionFor and the partner rules for a %s partner that is %s',
    (kind, status) => {
      for (const signed of [null, new Date('2026-01-10T00:00:00Z')]) {
        const who = partner({ kind, status, contractSignedAt: signed });
        for (const channel of ['vendor_direct', 'partner_net'] as const) {
          for (const grossMinor of grosses) {
            const [line] = evaluatePayment(input({ grossMinor, channel, partner: who })).lines;
            const rateBps = channel === 'vendor_direct' ? 4000 : 5000;
            const reason =
              channel === 'partner_net'
                ? 'kept_by_partner'
                : partnerNotPayableReason({ kind, status, contractSignedAt: signed });
            expect(line).toMatchObject({
              rateBps,
              amountMinor: commissionFor(grossMinor, rateBps),
              reason,
              payable: channel === 'vendor_direct' && reason === null,
            });
          }
        }
      }
    },
  );
});

describe('cloudlessons: the seed 000 affiliate program', () => {
  const clicks = [
    { partnerId: 'ptn_a', clickedAt: new Date('2026-03-01T07:00:00Z') }, // 1 March 10:00 Moscow
    { partnerId: 'ptn_b', clickedAt: new Date('2026-03-03T09:00:00Z') },
  ];

  test('the last click before the order wins (PROGRAMS.md worked example)', () => {
    const won = chooseClick(clicks, new Date('2026-03-06T09:00:00Z'), 7, true);
    expect(won?.partnerId).toBe('ptn_b');
    const result = evaluatePayment(
      input({
        program: cloudlessons,
        grossMinor: 1_000_000n,
        via: 'link',
        since: won!.clickedAt.toISOString(),
        paidAt: '2026-03-06T09:00:00Z',
        partner: partner({ id: 'ptn_b' }),
      }),
    );
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatchObject({ partnerId: 'ptn_b', amountMinor: 300_000n, rateBps: 3000 });
  });

  test('the first click wins when the program says so', () => {
    expect(chooseClick(clicks, new Date('2026-03-06T09:00:00Z'), 7, false)?.partnerId).toBe('ptn_a');
  });

  test.each([
    ['exactly 7 × 24 h after the click', '2026-03-08T07:00:00Z', 'ptn_a'],
    ['a minute past 7 × 24 h', '2026-03-08T07:01:00Z', null],
    ['a click after the order does not count', '2026-02-28T07:00:00Z', null],
  ])('window: %s', (_name, paidAt, winner) => {
    expect(chooseClick([clicks[0]!], new Date(paidAt), 7, true)?.partnerId ?? null).toBe(winner);
  });

  test('an order past the window is not attributed, with the reason', () => {
    const result = linkOrderPaidAt('2026-03-08T07:01:00Z');
    expect(result.lines).toEqual([]);
    expect(result.noReward?.reason).toBe('attribution_expired');
  });

  test("only the client's first paid order earns", () => {
    const second = evaluatePayment(input({ program: cloudlessons, via: 'link', paidOrdersBefore: 1 }));
    expect(second.lines).toEqual([]);
    expect(second.noReward?.reason).toBe('not_first_order');
  });

  // Levels by lifetime paid orders, applied from the next order: 0–9 ×1, 10–49 ×1.2, ≥ 50 ×4/3.
  test.each([
    [0, 'start', 3000, 300_000n],
    [9, 'start', 3000, 300_000n],
    [10, 'pro', 3600, 360_000n],
    [49, 'pro', 3600, 360_000n],
    [50, 'expert', 4000, 400_000n],
    [500, 'expert', 4000, 400_000n],
  ])('%i paid orders before → level %s, %i bps', (before, level, rateBps, amountMinor) => {
    const who = partner({ levelMeasureBefore: before });
    const [line] = evaluatePayment(
      input({ program: cloudlessons, grossMinor: 1_000_000n, via: 'link', partner: who }),
    ).lines;
    expect(line).toMatchObject({ levelCode: level, rateBps, amountMinor });
  });

  test('×4/3 is exact and rounded once: 333.33 ₽ at 30 % on the top level is 133.33 ₽', () => {
    const who = partner({ levelMeasureBefore: 50 });
    const [line] = evaluatePayment(
      input({ program: cloudlessons, grossMinor: 33_333n, via: 'link', partner: who }),
    ).lines;
    // 33 333 × 3000 × 4 / (10 000 × 3) = 13 333.2 → 13 333 kopecks.
    expect(line!.amountMinor).toBe(13_333n);
    expect(line!.calculation).toBe(`333,33${NBSP}₽ × 30${NBSP}% ×4/3 (уровень «Эксперт») = 133,33${NBSP}₽`);
  });

  test('levelFor with "same_order" counts the current order', () => {
    const levels = { ...cloudlessons.document.levels!, appliesFrom: 'same_order' as const };
    expect(levelFor(levels, 9).code).toBe('pro');
    expect(levelFor(cloudlessons.document.levels!, 9).code).toBe('start');
  });

  test('per-product rates, and a product code named like an Object method takes the default', () => {
    const doc = structuredClone(cloudlessons.document);
    const rule = doc.rewards[0]!;
    if (rule.amount.kind !== 'percent_by_product') throw new Error('preset changed');
    rule.amount.productsBps = { 'course-pro': 4000 };
    const program = { ...cloudlessons, document: ProgramDocument.parse(doc) };
    for (const [productCode, amountMinor] of [
      ['course-pro', 400_000n],
      ['course-basic', 300_000n],
      ['constructor', 300_000n],
      ['__proto__', 300_000n],
      ['toString', 300_000n],
    ] as const) {
      const [line] = evaluatePayment(
        input({ program, grossMinor: 1_000_000n, via: 'link', productCode }),
      ).lines;
      expect([productCode, line!.amountMinor]).toEqual([productCode, amountMinor]);
    }
  });

  test.each([
    ['the same amoCRM account', { accountId: 1001 }, 'account'],
    ['the same email in another case', { email: ' owner@partner.RU ' }, 'email'],
    ['the same phone written differently', { phone: '79001112233' }, 'phone'],
    ['a different payer', { accountId: 2002, email: 'client@firm.ru', phone: '+7 900 000 00 00' }, null],
  ])('self-purchase: %s', (_name, payer, match) => {
    expect(selfPurchaseMatch(cloudlessons.document.policies.selfPurchase, partner().identity, payer)).toBe(
      match,
    );
    const result = evaluatePayment(input({ program: cloudlessons, via: 'link', payer }));
    expect(result.noReward?.reason ?? null).toBe(match ? 'self_purchase' : null);
    expect(result.lines).toHaveLength(match ? 0 : 1);
  });

  test('leadsender checks only the account for self-purchase', () => {
    expect(
      selfPurchaseMatch(leadsender.document.policies.selfPurchase, partner().identity, {
        email: 'owner@partner.ru',
      }),
    ).toBeNull();
  });

  test('only ИП, ООО or self-employed with a contract are paid', () => {
    const who = partner({ kind: 'individual', contractSignedAt: null });
    const [line] = evaluatePayment(input({ program: cloudlessons, via: 'link', partner: who })).lines;
    expect(line).toMatchObject({ payable: false, reason: 'no_contract_individual' });
  });
});

describe('versionInForce', () => {
  const versions = [
    { version: 1, effectiveFrom: new Date('2026-01-01T00:00:00Z') },
    { version: 3, effectiveFrom: new Date('2026-06-01T00:00:00Z') },
    { version: 2, effectiveFrom: new Date('2026-03-01T00:00:00Z') },
  ];
  test.each([
    ['2025-12-31T23:59:59Z', null],
    ['2026-01-01T00:00:00Z', 1],
    ['2026-02-28T12:00:00Z', 1],
    ['2026-03-01T00:00:00Z', 2],
    ['2026-12-01T00:00:00Z', 3],
  ])('at %s the version in force is %s', (at, expected) => {
    expect(versionInForce(versions, new Date(at))?.version ?? null).toBe(expected);
  });
});

/**
 * The building blocks one at a time, on small documents made from the leadsender preset (issue 17: every rule of
 * the engine has a test that fails when the rule is changed, measured by `npm run mutate`).
 */
describe('the building blocks of a program document', () => {
  const baseRule = leadsender.document.rewards[0]!;
  function program(edit: (doc: ProgramDocument) => void): ProgramVersion {
    const doc = structuredClone(leadsender.document);
    edit(doc);
    return { version: 7, effectiveFrom: new Date(0), document: ProgramDocument.parse(doc) };
  }
  function rule(overrides: Partial<ProgramDocument['rewards'][number]>): ProgramDocument['rewards'][number] {
    return { ...structuredClone(baseRule), formByChannel: undefined, ...overrides };
  }
  const at10 = { kind: 'percent' as const, rateBps: 1000 };

  test('every reason for no reward is explained in words', () => {
    const blocked = (reason: string, result: ReturnType<typeof evaluatePayment>) => {
      expect(result.noReward?.reason).toBe(reason);
      expect(result.noReward?.explanation).toMatch(/[а-я]{4}/);
      expect(result.lines).toEqual([]);
    };
    blocked('not_attributed', evaluatePayment(input({ partner: null })));
    blocked(
      'attribution_expired',
      evaluatePayment(input({ program: cloudlessons, via: 'link', paidAt: '2026-03-09T00:00:00Z' })),
    );
    blocked(
      'not_first_order',
      evaluatePayment(input({ program: cloudlessons, via: 'link', paidOrdersBefore: 2 })),
    );
    blocked('self_purchase', evaluatePayment(input({ payer: { accountId: 1001 } })));
    // Under a lifetime program, where a repeat order earns, and under first-order, where it is named apart.
    blocked('order_paid_twice', evaluatePayment(input({ orderPaidBefore: true })));
    blocked(
      'order_paid_twice',
      evaluatePayment(
        input({ program: cloudlessons, via: 'link', paidOrdersBefore: 1, orderPaidBefore: true }),
      ),
    );
    const twelveMonths = program((d) => {
      d.binding = { earns: 'first_months', months: 12 };
    });
    blocked(
      'outside_binding',
      evaluatePayment(input({ program: twelveMonths, paidAt: '2027-03-01T00:00:00Z' })),
    );
    const explanations = [
      evaluatePayment(input({ partner: null })),
      evaluatePayment(input({ program: cloudlessons, via: 'link', paidOrdersBefore: 2 })),
      evaluatePayment(input({ payer: { accountId: 1001 } })),
    ].map((r) => r.noReward!.explanation);
    expect(new Set(explanations).size).toBe(3);
    expect(explanations[0]).toBe('Платёж не привязан ни к одному партнёру');
  });

  test('binding for the first months: calendar months from the attribution, the last instant excluded', () => {
    const twelveMonths = program((d) => {
      d.binding = { earns: 'first_months', months: 12 };
    });
    const on = (paidAt: string) =>
      evaluatePayment(input({ program: twelveMonths, paidAt, paidOrdersBefore: 5 }));
    // Attributed on 1 March 2026 00:00 UTC: the binding ends on 1 March 2027 00:00 UTC, not 365 days later.
    expect(on('2027-02-28T23:59:59Z').lines).toHaveLength(1);
    expect(on('2027-03-01T00:00:00Z').noReward?.reason).toBe('outside_binding');
    expect(on('2026-03-01T00:00:00Z').lines).toHaveLength(1);
  });

  test('a link is valid for exactly windowDays × 24 h in the evaluation too; a pin program ignores click age', () => {
    const exactly = linkOrderPaidAt('2026-03-08T07:00:00Z');
    expect(exactly.noReward).toBeNull();
    expect(exactly.lines).toHaveLength(1);
    // A pin program (leadsender) does not expire an attribution, whatever it came from.
    const old = evaluatePayment(input({ via: 'link', since: '2020-01-01T00:00:00Z' }));
    expect(old.lines).toHaveLength(1);
  });

  // Until issue 15 only partner-side rules made lines; the client's side is now a line of its own, after the
  // partner's lines.
  test("rules limited to channels apply only there; the client's side is a line after the partner's", () => {
    const doc = program((d) => {
      d.rewards = [
        rule({ id: 'net-only', amount: at10, channels: ['partner_net'] }),
        rule({ id: 'client-side', amount: at10, beneficiary: 'client', form: 'discount' }),
        rule({ id: 'everywhere', amount: at10 }),
      ];
    });
    const ids = (channel: Channel) =>
      evaluatePayment(input({ program: doc, channel })).lines.map((l) => l.ruleId);
    expect(ids('vendor_direct')).toEqual(['everywhere', 'client-side']);
    expect(ids('partner_net')).toEqual(['net-only', 'everywhere', 'client-side']);
  });

  test("a first-payment rule in a lifetime program earns on the client's first payment only", () => {
    const doc = program((d) => {
      d.rewards = [
        rule({ id: 'welcome', on: 'first_payment', amount: at10 }),
        rule({ id: 'every', amount: at10 }),
      ];
    });
    const ids = (paidOrdersBefore: number) =>
      evaluatePayment(input({ program: doc, paidOrdersBefore })).lines.map((l) => l.ruleId);
    expect(ids(0)).toEqual(['welcome', 'every']);
    expect(ids(1)).toEqual(['every']);
  });

  test('a minimum order: at the threshold it earns, a kopeck below it does not', () => {
    const doc = program((d) => {
      d.rewards = [rule({ amount: at10, when: { minGrossMinor: 69_900 } })];
    });
    expect(evaluatePayment(input({ program: doc, grossMinor: 69_900n })).lines[0]?.amountMinor).toBe(6_990n);
    expect(evaluatePayment(input({ program: doc, grossMinor: 69_899n })).lines).toEqual([]);
    expect(evaluatePayment(input({ program: doc, grossMinor: 70_000n })).lines).toHaveLength(1);
  });

  test('an order within N days of the attribution: N × 24 h counts, a second later does not', () => {
    const doc = program((d) => {
      d.rewards = [rule({ amount: at10, when: { withinDaysOfAttribution: 30 } })];
    });
    const on = (paidAt: string) =>
      evaluatePayment(input({ program: doc, since: '2026-03-01T00:00:00Z', paidAt }));
    expect(on('2026-03-31T00:00:00Z').lines).toHaveLength(1);
    expect(on('2026-03-31T00:00:01Z').lines).toEqual([]);
    expect(on('2026-03-02T00:00:00Z').lines).toHaveLength(1);
  });

  test('a fixed reward, and a cap that limits a percentage', () => {
    const doc = program((d) => {
      d.rewards = [
        rule({ id: 'bonus', title: { ru: 'Бонус' }, amount: { kind: 'fixed', amountMinor: 50_000 } }),
        rule({ id: 'capped', amount: at10, capMinor: 100_000 }),
      ];
    });
    const lines = (grossMinor: bigint) => evaluatePayment(input({ program: doc, grossMinor })).lines;
    const [bonus, capped] = lines(1_200_000n);
    expect(bonus).toMatchObject({ amountMinor: 50_000n, rateBps: 0 });
    expect(bonus!.calculation).toBe(`Бонус: фиксированно 500,00${NBSP}₽`);
    expect(capped!.amountMinor).toBe(100_000n);
    expect(capped!.calculation).toBe(
      `12${NBSP}000,00${NBSP}₽ × 10${NBSP}% = 1${NBSP}200,00${NBSP}₽, но не более 1${NBSP}000,00${NBSP}₽`,
    );
    // Exactly at the cap: the amount stands and the words do not mention the cap.
    const atCap = lines(1_000_000n)[1]!;
    expect(atCap.amountMinor).toBe(100_000n);
    expect(atCap.calculation).toBe(`10${NBSP}000,00${NBSP}₽ × 10${NBSP}% = 1${NBSP}000,00${NBSP}₽`);
    expect(lines(999_990n)[1]!.amountMinor).toBe(99_999n);
  });

  test('a discount is never payable and needs no payout eligibility', () => {
    const doc = program((d) => {
      d.rewards = [rule({ amount: at10, form: 'discount' })];
    });
    const who = partner({ kind: 'individual', contractSignedAt: null, status: 'blocked' });
    const [line] = evaluatePayment(input({ program: doc, partner: who })).lines;
    expect(line).toMatchObject({ form: 'discount', payable: false, reason: null });
  });

  test('a kind the program does not pay is named as such; an individual keeps the contract wording', () => {
    const companiesOnly = program((d) => {
      d.policies.payout.eligibleKinds = ['legal_entity'];
    });
    const reason = (kind: PartnerKind) =>
      evaluatePayment(input({ program: companiesOnly, partner: partner({ kind }) })).lines[0]!.reason;
    expect(reason('sole_proprietor')).toBe('kind_not_eligible');
    expect(reason('individual')).toBe('no_contract_individual');
    expect(reason('legal_entity')).toBeNull();
  });

  test('the level appears in the words on every level, ×1 included', () => {
    const line = (levelMeasureBefore: number) =>
      evaluatePayment(
        input({
          program: cloudlessons,
          grossMinor: 1_000_000n,
          via: 'link',
          partner: partner({ levelMeasureBefore }),
        }),
      ).lines[0]!.calculation;
    expect(line(0)).toBe(
      `10${NBSP}000,00${NBSP}₽ × 30${NBSP}% ×1 (уровень «Старт») = 3${NBSP}000,00${NBSP}₽`,
    );
    expect(line(10)).toBe(
      `10${NBSP}000,00${NBSP}₽ × 30${NBSP}% ×6/5 (уровень «Профи») = 3${NBSP}600,00${NBSP}₽`,
    );
  });

  test('below every band a partner is on the lowest one, in whatever order the bands are written', () => {
    const band = (code: string, min: number) => ({
      code,
      title: { ru: code },
      min,
      multiplier: { numerator: 1, denominator: 1 },
    });
    const levels = {
      ...cloudlessons.document.levels!,
      bands: [band('middle', 10), band('lowest', 5), band('top', 20)],
    };
    expect(levelFor(levels, 0).code).toBe('lowest');
    expect(levelFor(levels, 12).code).toBe('middle');
  });

  test('clicks in any order: the last (or first) by time wins, and a click at the moment of the order counts', () => {
    const order = new Date('2026-03-06T09:00:00Z');
    const unsorted = [
      { id: 'b', clickedAt: new Date('2026-03-03T09:00:00Z') },
      { id: 'c', clickedAt: new Date('2026-03-05T09:00:00Z') },
      { id: 'a', clickedAt: new Date('2026-03-01T09:00:00Z') },
    ];
    expect(chooseClick(unsorted, order, 7, true)?.id).toBe('c');
    expect(chooseClick(unsorted, order, 7, false)?.id).toBe('a');
    expect(chooseClick([{ id: 'now', clickedAt: order }], order, 7, true)?.id).toBe('now');
  });

  test('emails compare in lower case: "straße" and "STRASSE" are different mailboxes', () => {
    const checks = cloudlessons.document.policies.selfPurchase;
    expect(selfPurchaseMatch(checks, { email: 'STRASSE@firm.de' }, { email: 'straße@firm.de' })).toBeNull();
    expect(selfPurchaseMatch(checks, { cardHash: 'h1', ip: '10.0.0.1' }, { ip: '10.0.0.1' })).toBe('ip');
    expect(selfPurchaseMatch(checks, { cardHash: 'h1' }, { cardHash: 'h1' })).toBe('card_hash');
    expect(selfPurchaseMatch(checks, {}, { email: '', phone: '' })).toBeNull();
  });
});

describe('versionInForce with versions effective on the same date', () => {
  const day = new Date('2026-03-01T00:00:00Z');
  test.each([
    ['higher first', [5, 4], 5],
    ['lower first', [4, 5], 5],
    ['three', [4, 6, 5], 6],
  ])('%s: the higher version wins', (_name, order, expected) => {
    const versions = order.map((version) => ({ version, effectiveFrom: day }));
    expect(versionInForce(versions, day)?.version).toBe(expected);
  });
  test('a later date beats a higher version effective earlier', () => {
    const versions = [
      { version: 9, effectiveFrom: new Date('2026-01-01T00:00:00Z') },
      { version: 2, effectiveFrom: new Date('2026-02-01T00:00:00Z') },
      { version: 8, effectiveFrom: new Date('2026-01-15T00:00:00Z') },
    ];
    expect(versionInForce(versions, day)?.version).toBe(2);
  });
});

/**
 * Seed 002's article examples, each written as a program document, evaluated by the one engine (issue 15 item
 * 5). Amounts are kopecks; a point is a rouble, so 400 points are 40 000. The partner is the referrer (a
 * regular customer in the article), the client the friend who used its code.
 */
describe('referral programs of the seed 002 article as documents', () => {
  const payout = leadsender.document.policies.payout;
  type Rule = ProgramDocument['rewards'][number];
  const words = (ru: string) => ({ ru });
  function referral(
    rewards: Rule[],
    extra: { binding?: ProgramDocument['binding']; policies?: Partial<ProgramDocument['policies']> } = {},
  ): ProgramVersion {
    const document = ProgramDocument.parse({
      name: 'article',
      title: words('Пример из статьи'),
      currency: 'RUB',
      timeZone: 'Europe/Moscow',
      attribution: { via: 'code' },
      binding: extra.binding ?? { earns: 'first_order' },
      rewards,
      policies: { payout, ...extra.policies },
    });
    return { version: 1, effectiveFrom: new Date(0), document };
  }
  const points = (
    id: string,
    beneficiary: 'partner' | 'client',
    amountMinor: number,
    more: Partial<Rule> = {},
  ): Rule =>
    ({
      id,
      title: words(beneficiary === 'partner' ? 'Баллы за друга' : 'Баллы другу'),
      on: 'first_payment',
      beneficiary,
      amount: { kind: 'fixed', amountMinor },
      form: 'points',
      levelMultiplier: false,
      ...more,
    }) as Rule;
  /** The lines of a first order of `grossMinor` through the partner's code, as [beneficiary, form, amount]. */
  function lines(
    program: ProgramVersion,
    grossMinor: bigint,
    more: { paidOrdersBefore?: number; paidAt?: string; uplines?: EvaluationPartner[] } = {},
  ) {
    const result = evaluatePayment({
      ...input({
        program,
        grossMinor,
        via: 'code',
        paidOrdersBefore: more.paidOrdersBefore,
        paidAt: more.paidAt,
      }),
      uplines: more.uplines,
    });
    return result.lines.map((l) => [
      l.beneficiary,
      l.partnerId ?? `client ${l.clientAccountId}`,
      l.form,
      Number(l.amountMinor),
    ]);
  }

  test('Burger King: 400 points to both when the friend’s first order is 699 ₽ or more', () => {
    const minimum = { when: { minGrossMinor: 69_900 } };
    const program = referral([
      points('referrer', 'partner', 40_000, minimum),
      points('friend', 'client', 40_000, minimum),
    ]);
    expect(lines(program, 69_900n)).toEqual([
      ['partner', 'ptn_a', 'points', 40_000],
      ['client', 'client 5005', 'points', 40_000],
    ]);
    expect(lines(program, 69_899n)).toEqual([]);
    // The friend's second order: the program rewards the first one only.
    expect(lines(program, 69_900n, { paidOrdersBefore: 1 })).toEqual([]);
  });

  test('Sportmaster: 500 bonuses each from an order of 1 000 ₽', () => {
    const minimum = { when: { minGrossMinor: 100_000 } };
    const program = referral([
      points('referrer', 'partner', 50_000, minimum),
      points('friend', 'client', 50_000, minimum),
    ]);
    expect(lines(program, 100_000n).map((l) => l[3])).toEqual([50_000, 50_000]);
    expect(lines(program, 99_999n)).toEqual([]);
  });

  test('Zenden: 500 bonuses to both for every used code; bonuses pay at most 20 % of a purchase', () => {
    const program = referral([points('referrer', 'partner', 50_000), points('friend', 'client', 50_000)], {
      policies: { pointsMaxShareBps: 2000 },
    });
    expect(lines(program, 10_000n)).toEqual([
      ['partner', 'ptn_a', 'points', 50_000],
      ['client', 'client 5005', 'points', 50_000],
    ]);
    // The friend's 500 bonuses on a 1 000 ₽ purchase pay 200 ₽; on 5 000 ₽ all 500; 20 % of 999,99 ₽ rounds down.
    const redeemable = (balance: bigint, purchase: bigint) =>
      pointsRedeemableMinor(program.document.policies, balance, purchase);
    expect(redeemable(50_000n, 100_000n)).toBe(20_000n);
    expect(redeemable(50_000n, 500_000n)).toBe(50_000n);
    expect(redeemable(50_000n, 99_999n)).toBe(19_999n);
    expect(redeemable(0n, 100_000n)).toBe(0n);
    // Without the policy, points may pay a whole purchase but never more than it.
    expect(pointsRedeemableMinor({}, 50_000n, 30_000n)).toBe(30_000n);
  });

  test('MIF: 500 bonuses to the referrer, and the friend’s first purchase 30 % off the list price', () => {
    const program = referral([
      points('referrer', 'partner', 50_000),
      {
        id: 'first-purchase',
        title: words('Скидка на первую покупку'),
        on: 'first_payment',
        beneficiary: 'client',
        amount: { kind: 'percent', rateBps: 3000 },
        form: 'discount',
        levelMultiplier: false,
      },
    ]);
    // Billing applied the discount: 2 000 ₽ listed, 1 400 ₽ paid.
    const paid = input({ program, grossMinor: 140_000n, via: 'code' });
    const result = evaluatePayment({ ...paid, payment: { ...paid.payment, listMinor: 200_000n } });
    expect(result.lines.map((l) => [l.beneficiary, l.form, Number(l.amountMinor), l.payable])).toEqual([
      ['partner', 'points', 50_000, false],
      ['client', 'discount', 60_000, false],
    ]);
    expect(result.lines[1]!.calculation).toBe(`2${NBSP}000,00${NBSP}₽ × 30${NBSP}% = 600,00${NBSP}₽`);
  });

  test('Apteka.ru: 100 bonuses for a recommendation that led to a purchase within a month; 100 welcome bonuses', () => {
    const month = { when: { withinDaysOfAttribution: 30 } };
    const program = referral(
      [points('referrer', 'partner', 10_000, month), points('welcome', 'client', 10_000)],
      { binding: { earns: 'lifetime' } },
    );
    // Attributed on 1 March (the code's first use): a purchase on 31 March is within the month, 1 April not.
    expect(lines(program, 50_000n, { paidAt: '2026-03-31T00:00:00Z' }).map((l) => l[0])).toEqual([
      'partner',
      'client',
    ]);
    expect(lines(program, 50_000n, { paidAt: '2026-04-01T00:00:01Z' }).map((l) => l[0])).toEqual(['client']);
  });

  describe('multi-level: the referrer’s referrers share the referrer’s reward up to the depth', () => {
    const upline = (id: string): EvaluationPartner => partner({ id });
    const chain = [upline('ptn_b'), upline('ptn_c'), upline('ptn_d')];
    const withUplines = (policies: Partial<ProgramDocument['policies']>, capMinor?: number) =>
      referral(
        [
          { ...points('referrer', 'partner', 40_000), form: 'payout' },
          {
            id: 'upline',
            title: words('Вторая линия'),
            on: 'first_payment',
            beneficiary: 'upline',
            amount: { kind: 'share_of_rule', rule: 'referrer', shareBps: 500 },
            form: 'payout',
            levelMultiplier: false,
            ...(capMinor === undefined ? {} : { capMinor }),
          },
        ],
        { policies },
      );

    test('the referral preset’s second level: 5 % of the referrer’s 400 ₽, one level up only', () => {
      const program = withUplines({ multiLevel: { depth: 2, shareBps: [500] } });
      const result = evaluatePayment({
        ...input({ program, grossMinor: 69_900n, via: 'code' }),
        uplines: chain,
      });
      expect(result.lines.map((l) => [l.partnerId, l.uplineDepth, Number(l.amountMinor)])).toEqual([
        ['ptn_a', null, 40_000],
        ['ptn_b', 1, 2_000],
      ]);
      expect(result.lines[1]!.calculation).toBe(
        `Вторая линия (2-й уровень): 5${NBSP}% от вознаграждения 400,00${NBSP}₽ = 20,00${NBSP}₽`,
      );
    });

    test('the shipped referral preset (PROGRAMS.md §002): 699 ₽ → 400 points each side and 20 to the referrer; 698 ₽ → nothing', () => {
      const program = { version: 1, effectiveFrom: new Date(0), document: loadPreset('referral') };
      const referrer = { id: 'ptn_b', kind: 'sole_proprietor', status: 'active', accountId: 2002 } as const;
      const evaluate = (grossMinor: bigint, paidOrdersBefore = 0) =>
        evaluatePayment({
          ...input({ program, grossMinor, via: 'code', paidOrdersBefore }),
          uplines: [{ ...referrer, contractSignedAt: null }, upline('ptn_c')],
        });
      const first = evaluate(69_900n);
      // Points land on amoCRM accounts: the client's, the partner's own (1001) and the referrer's (2002).
      expect(
        first.lines.map((l) => [l.beneficiary, l.form, Number(l.amountMinor), l.pointsAccountId, l.payable]),
      ).toEqual([
        ['partner', 'points', 40_000, 1001, false],
        ['client', 'points', 40_000, 5005, false],
        ['upline', 'points', 2_000, 2002, false],
      ]);
      expect(first.lines[0]!.reason).toBe('paid_in_points');
      expect(evaluate(69_800n)).toMatchObject({ lines: [], noReward: { reason: 'below_minimum' } });
      expect(evaluate(69_900n, 1)).toMatchObject({ lines: [], noReward: { reason: 'not_first_order' } });
      expect(program.document.policies.pointsMaxShareBps).toBe(2000);
    });

    test('a three-level chain with a cap: 5 % and 2 %, each at most 15 ₽; the fourth partner gets nothing', () => {
      const program = withUplines({ multiLevel: { depth: 3, shareBps: [500, 200] } }, 1_500);
      expect(lines(program, 69_900n, { uplines: chain }).map((l) => [l[1], l[3]])).toEqual([
        ['ptn_a', 40_000],
        ['ptn_b', 1_500],
        ['ptn_c', 800],
      ]);
    });

    test('without a referrer, or without the program’s multi-level policy, only the depth-2 default applies', () => {
      expect(lines(withUplines({}), 69_900n).map((l) => l[1])).toEqual(['ptn_a']);
      // No multiLevel policy: depth 2, the rule's own 5 %.
      expect(lines(withUplines({}), 69_900n, { uplines: chain }).map((l) => [l[1], l[3]])).toEqual([
        ['ptn_a', 40_000],
        ['ptn_b', 2_000],
      ]);
    });

    test('a blocked referrer’s line is kept but not payable; a referrer without a contract likewise', () => {
      const program = withUplines({ multiLevel: { depth: 3, shareBps: [500, 200] } });
      const result = evaluatePayment({
        ...input({ program, grossMinor: 69_900n, via: 'code' }),
        uplines: [
          partner({ id: 'ptn_b', status: 'blocked' }),
          partner({ id: 'ptn_c', contractSignedAt: null }),
        ],
      });
      expect(result.lines.slice(1).map((l) => [l.partnerId, l.payable, l.reason])).toEqual([
        ['ptn_b', false, 'partner_blocked'],
        ['ptn_c', false, 'contract_not_signed'],
      ]);
    });

    test('a self-purchase by the referrer gives its referrers nothing either', () => {
      const program = withUplines({ multiLevel: { depth: 2, shareBps: [500] } });
      const result = evaluatePayment({
        ...input({ program, grossMinor: 69_900n, via: 'code', payer: { accountId: 1001 } }),
        uplines: chain,
      });
      expect(result.lines).toEqual([]);
      expect(result.noReward?.reason).toBe('self_purchase');
    });
  });
});

describe('reseller tiers (seed 003): the band a rolling-month turnover reaches', () => {
  const tiers = loadPreset('reseller-tiers').tiers!;
  const percents = (turnoverRub: number) => {
    const band = tierFor(tiers.bands, BigInt(turnoverRub * 100));
    return band && [band.valuesBps.vps! / 100, band.valuesBps.dedic! / 100, band.valuesBps.ssl! / 100];
  };

  // The seed's table, lower bounds in roubles: at each bound the band starts, a kopeck below it the band before.
  test.each([
    [500, [3, 1, 1]],
    [3_000, [5, 1, 1]],
    [5_000, [7, 1, 1]],
    [10_000, [9, 2, 1]],
    [15_000, [11, 3, 3]],
    [20_000, [13, 4, 3]],
    [30_000, [15, 5, 3]],
    [40_000, [17, 6, 3]],
    [50_000, [19, 7, 3]],
    [100_000, [21, 8, 5]],
    [150_000, [23, 9, 5]],
    [200_000, [25, 10, 5]],
    [300_000, [27, 11, 5]],
    [400_000, [29, 12, 5]],
    [500_000, [31, 13, 10]],
    [700_000, [33, 14, 10]],
    [1_000_000, [35, 15, 10]],
  ])('from %i ₽: VPS / Dedic / SSL %j', (fromRub, expected) => {
    expect(percents(fromRub)).toEqual(expected);
    const below = tierFor(tiers.bands, BigInt(fromRub * 100 - 1));
    const previous = tiers.bands.filter((b) => b.minMinor < fromRub * 100).at(-1) ?? null;
    expect(below).toBe(previous);
  });

  test('the worked example: 52 000 ₽ → 19 / 7 / 3 %; the next day 49 000 ₽ → 17 / 6 / 3 %; under 500 ₽ none', () => {
    expect(percents(52_000)).toEqual([19, 7, 3]);
    expect(percents(49_000)).toEqual([17, 6, 3]);
    // The seed's «149000» upper bound of Partner #9 is a typo: lower bounds decide, so 149 500 ₽ is still #9.
    expect(percents(149_500)).toEqual([21, 8, 5]);
    expect(percents(499)).toBeNull();
    expect(tierFor(tiers.bands, 0n)).toBeNull();
    expect(percents(50_000_000)).toEqual([35, 15, 10]);
  });

  test('bands in any order give the same answer', () => {
    const shuffled = [...tiers.bands].reverse();
    for (const rub of [499, 500, 2_999, 52_000, 1_000_000])
      expect(tierFor(shuffled, BigInt(rub * 100))).toBe(tierFor(tiers.bands, BigInt(rub * 100)));
  });
});

describe('models and per-client choices (seed 004)', () => {
  const payoutRule = (id: string, rateBps: number, extra: object) => ({
    ...structuredClone(leadsender.document.rewards[0]!),
    formByChannel: undefined,
    id,
    amount: { kind: 'percent' as const, rateBps },
    ...extra,
  });
  const doc = structuredClone(leadsender.document);
  doc.models = [
    { code: 'referral', title: { ru: 'Referral' }, choices: ['monthly', 'first_month'] },
    { code: 'agent', title: { ru: 'Agent' }, level: 'professional', belowLevel: 'referral' },
  ];
  doc.rewards = [
    payoutRule('referral-monthly', 1000, { models: ['referral'], choice: 'monthly' }),
    payoutRule('referral-first-month', 10_000, {
      models: ['referral'],
      choice: 'first_month',
      on: 'first_payment',
    }),
    payoutRule('agent', 2700, { models: ['agent'] }),
  ];
  const program: ProgramVersion = {
    version: 9,
    effectiveFrom: new Date(0),
    document: ProgramDocument.parse(doc),
  };
  const evaluate = (model: string | null, rewardChoice: string | null, paidOrdersBefore = 0) => {
    const base = input({ program, partner: partner({ model }), paidOrdersBefore });
    return evaluatePayment({ ...base, client: { ...base.client, rewardChoice } });
  };

  test.each([
    ['agent', null, 0, ['agent', 324_000n]],
    ['referral', 'monthly', 0, ['referral-monthly', 120_000n]],
    ['referral', 'monthly', 3, ['referral-monthly', 120_000n]],
    ['referral', 'first_month', 0, ['referral-first-month', 1_200_000n]],
    ['referral', 'first_month', 1, null],
    [null, null, 0, null],
  ] as const)('model %s, choice %s, %i earlier payments → %j', (model, choice, before, expected) => {
    const result = evaluate(model, choice, before);
    expect(result.lines.map((l) => [l.ruleId, l.amountMinor])).toEqual(expected ? [expected] : []);
    if (!expected) expect(result.noReward?.reason).toBe('conditions_not_met');
  });
});

describe('the oblakoteka preset (seed 004)', () => {
  const program: ProgramVersion = {
    version: 1,
    effectiveFrom: new Date(0),
    document: loadPreset('oblakoteka'),
  };
  const evaluate = (
    model: string,
    rewardChoice: string | null,
    paidOrdersBefore: number,
    grossMinor = 1_000_000n,
  ) => {
    const base = input({ program, grossMinor, partner: partner({ model }), paidOrdersBefore });
    return evaluatePayment({ ...base, client: { ...base.client, rewardChoice } }).lines.map((l) => [
      l.ruleId,
      l.beneficiary,
      l.form,
      Number(l.amountMinor),
    ]);
  };

  test.each([
    // An Agent's new client, 10 000 ₽ a month: 27 %, and the sales manager's bonus of one month of service.
    [
      'agent',
      null,
      0,
      [
        ['agent', 'partner', 'payout', 270_000],
        ['sales-manager', 'sales_manager', 'payout', 1_000_000],
      ],
    ],
    ['agent', null, 1, [['agent', 'partner', 'payout', 270_000]]],
    ['referral', 'monthly', 4, [['referral-monthly', 'partner', 'payout', 100_000]]],
    ['referral', 'first_month', 0, [['referral-first-month', 'partner', 'payout', 1_000_000]]],
    ['reseller', null, 0, [['reseller', 'partner', 'discount', 120_000]]],
    ['white_label', null, 0, [['white-label', 'partner', 'discount', 270_000]]],
  ] as const)('model %s, choice %s, %i earlier payments', (model, choice, before, expected) => {
    expect(evaluate(model, choice, before)).toEqual(expected);
  });

  test("the manager's bonus says whose it is in the calculation", () => {
    const base = input({ program, grossMinor: 1_000_000n, partner: partner({ model: 'agent' }) });
    const line = evaluatePayment(base).lines.find((l) => l.beneficiary === 'sales_manager')!;
    expect(line.calculation).toBe(
      `Бонус менеджеру партнёра: месяц работы клиента: 10${NBSP}000,00${NBSP}₽ × 100${NBSP}% = 10${NBSP}000,00${NBSP}₽`,
    );
    expect(line.partnerId).toBe('ptn_a');
  });
});
