/**
 * The blocks of seed 004 (Oblakoteka) that levels and models use — the kept level with its grace months, the four
 * models and their rates — on top of the leadsender preset, for the level and model tests. The `oblakoteka`
 * preset itself is assembled elsewhere (issue 14); these blocks are what it takes from this work.
 */
import { loadPreset } from '../../server/src/programs/program.presets';
import { ProgramDocument } from '../../server/src/programs/program';

const once = { numerator: 1, denominator: 1 };

export const OBLAKOTEKA_LEVELS = {
  measure: { of: 'list_before_discount', window: 'month' },
  appliesFrom: 'next_order',
  bands: [
    { code: 'basic', title: { ru: 'Basic' }, min: 0, multiplier: once },
    { code: 'professional', title: { ru: 'Professional' }, min: 1, multiplier: once },
  ],
  keep: {
    level: 'professional',
    monthlyMinMinor: 3_000_000,
    examKeeps: true,
    graceMonths: 6,
    demoteTo: 'basic',
    revenueOf: ['own_payments', 'attributed_payments'],
    freePerk: { title: { ru: 'Cloudовка' }, paidAfterMonths: 6 },
  },
} as const;

export const OBLAKOTEKA_MODELS = [
  { code: 'referral', title: { ru: 'Referral' }, choices: ['monthly', 'first_month'], trialDays: 14 },
  { code: 'reseller', title: { ru: 'Reseller' }, trialDays: 14 },
  { code: 'agent', title: { ru: 'Agent' }, level: 'professional', belowLevel: 'referral' },
  { code: 'white_label', title: { ru: 'White Label' }, level: 'professional', belowLevel: 'reseller' },
] as const;

const rule = (
  id: string,
  ru: string,
  rateBps: number,
  form: 'payout' | 'discount',
  models: string[],
  extra: object = {},
) => ({
  id,
  title: { ru },
  on: 'payment',
  beneficiary: 'partner',
  amount: { kind: 'percent', rateBps },
  form,
  models,
  levelMultiplier: false,
  ...extra,
});

export const OBLAKOTEKA_REWARDS = [
  rule('referral-monthly', 'Referral: 10 % ежемесячно', 1000, 'payout', ['referral'], { choice: 'monthly' }),
  rule(
    'referral-first-month',
    'Referral: 100 % первого месяца клиента, разово',
    10_000,
    'payout',
    ['referral'],
    {
      on: 'first_payment',
      choice: 'first_month',
    },
  ),
  rule('reseller', 'Reseller: скидка 12 %', 1200, 'discount', ['reseller']),
  rule('agent', 'Agent: 27 % ежемесячно', 2700, 'payout', ['agent']),
  rule('white-label', 'White Label: скидка 27 %', 2700, 'discount', ['white_label']),
];

/** The leadsender preset with the blocks above: pin attribution, lifetime binding, the seed's levels and models. */
export function oblakotekaDocument(): ProgramDocument {
  const document = structuredClone(loadPreset('leadsender')) as Record<string, unknown>;
  return ProgramDocument.parse({
    ...document,
    name: 'oblakoteka-test',
    levels: OBLAKOTEKA_LEVELS,
    models: OBLAKOTEKA_MODELS,
    rewards: OBLAKOTEKA_REWARDS,
    policies: { ...(document.policies as object), excludesOtherPromotions: true },
  });
}
