/**
 * The program document: one partner program as data (docs/PROGRAMS.md). A vendor runs any of the five seed
 * programs by storing a preset of this document and editing its numbers; the engine (program.rules.ts) reads
 * nothing else. Amounts are kopecks (`…Minor`), rates basis points (`…Bps`), windows in days or calendar
 * periods of the program's time zone. The building blocks follow ../shared/design/PROGRAMS.md: attribution,
 * binding, reward rules (what, for whom, how much, in what form, with caps), levels, tiers, settlements,
 * bounties, allowances and policies. Blocks a program does not use are simply absent.
 */
import { z } from 'zod';
import { PlannedInstant, PROGRAM_TIME_ZONE } from '../instants';
import { programDate } from '../payouts/payout.rules';

const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a lowercase code: letters, digits, "_", "-", "."');
const bps = z.number().int().min(0).max(10_000);
const minor = z.number().int().min(0).max(1e13);
/** Words shown to people (partners, finance); Russian first, English optional. */
const words = z.object({ ru: z.string().min(1).max(500), en: z.string().min(1).max(500).optional() });

export const CHANNELS = ['vendor_direct', 'partner_net'] as const;
export const PARTNER_KINDS = ['legal_entity', 'sole_proprietor', 'self_employed', 'individual'] as const;

/** A sum or a count over a window (PROGRAMS.md "Measure"). */
export const Measure = z.strictObject({
  of: z.enum(['paid_orders', 'gross', 'list_before_discount', 'revenue_after_discount']),
  window: z.enum(['lifetime', 'month', 'quarter', 'half', 'rolling_month']),
  productCodes: z.array(code).max(100).optional(),
  productCategories: z.array(code).max(100).optional(),
});
export type Measure = z.infer<typeof Measure>;

/** How a payment finds its partner. `self`: the payer is the partner itself (resellers, white label). */
export const Attribution = z.discriminatedUnion('via', [
  z.strictObject({ via: z.literal('pin'), exclusive: z.boolean() }),
  z.strictObject({
    via: z.literal('link'),
    /** A click counts for orders within this many days (7 × 24 h in seed 000). */
    windowDays: z.number().int().min(1).max(365),
    /** The last click before the order wins (seed 000); otherwise the first. */
    lastClickWins: z.boolean(),
    /** Whether the automatic pin made from a click (OAuth install with `state`) is exclusive. */
    exclusive: z.boolean(),
    landingUrl: z.url(),
  }),
  z.strictObject({ via: z.literal('code'), withinDays: z.number().int().min(1).max(3650).optional() }),
  z.strictObject({ via: z.literal('self') }),
]);
export type Attribution = z.infer<typeof Attribution>;

/** Which payments of an attributed client earn. */
export const Binding = z.discriminatedUnion('earns', [
  z.strictObject({ earns: z.literal('lifetime') }),
  z.strictObject({ earns: z.literal('first_order') }),
  z.strictObject({ earns: z.literal('first_months'), months: z.number().int().min(1).max(120) }),
]);
export type Binding = z.infer<typeof Binding>;

/** How much a reward rule gives. */
export const Amount = z.discriminatedUnion('kind', [
  /** One rate, or a rate per payment channel (seed 001: 40 % direct, 50 % net). */
  z.strictObject({
    kind: z.literal('percent'),
    rateBps: bps.optional(),
    byChannelBps: z.partialRecord(z.enum(CHANNELS), bps).optional(),
  }),
  /** A rate per product code with a default (seed 000). */
  z.strictObject({
    kind: z.literal('percent_by_product'),
    defaultBps: bps,
    productsBps: z.record(code, bps),
  }),
  z.strictObject({ kind: z.literal('fixed'), amountMinor: minor }),
  /** The value of the partner's tier for the payment's product category (seed 003). */
  z.strictObject({ kind: z.literal('tier') }),
  /** A share of another line of the same payment (the upline's share in multi-level programs). */
  z.strictObject({ kind: z.literal('share_of_rule'), rule: code, shareBps: bps }),
]);
export type Amount = z.infer<typeof Amount>;

export const RewardRule = z.strictObject({
  id: code,
  title: words,
  /** The event that earns: a client payment, the client's first paid payment, or a publication (bounty). */
  on: z.enum(['payment', 'first_payment']),
  beneficiary: z.enum(['partner', 'client', 'upline', 'sales_manager']),
  amount: Amount,
  /**
   * `payout`: owed to the partner and paid out; `kept`: the partner keeps it out of the client's money (net
   * invoice); `discount`: a price discount billing applies; `one_time_discount`; `points`.
   */
  form: z.enum(['payout', 'kept', 'discount', 'one_time_discount', 'points']),
  /** The form per channel where it differs (seed 001: partner_net rewards are kept). */
  formByChannel: z.partialRecord(z.enum(CHANNELS), z.enum(['payout', 'kept'])).optional(),
  /** Channels this rule applies to; all when absent. */
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
  when: z
    .strictObject({
      minGrossMinor: minor.optional(),
      withinDaysOfAttribution: z.number().int().min(1).max(3650).optional(),
    })
    .optional(),
  capMinor: minor.optional(),
  /**
   * The partner models this rule is for (seed 004: Referral 10 %, Agent 27 %, …): the partner's model in force on
   * the payment date, as its level makes it (`models[].belowLevel`); every partner when absent.
   */
  models: z.array(code).min(1).max(10).optional(),
  /**
   * The per-client choice this rule is (seed 004 Referral: `monthly` 10 %, or `first_month` 100 % once): it applies
   * only to clients the partner chose it for, or, with no choice made, when it is its model's first choice.
   */
  choice: code.optional(),
  /** Whether the partner's level multiplier applies to this rule. */
  levelMultiplier: z.boolean().default(false),
});
export type RewardRule = z.infer<typeof RewardRule>;

/** Levels by a measure; a level's multiplier is a fraction so ×4/3 stays exact (30 % → 40 %). */
export const Levels = z.strictObject({
  measure: Measure,
  /** Seed 000: a level reached on an order applies from the next order. */
  appliesFrom: z.enum(['next_order', 'same_order']),
  bands: z
    .array(
      z.strictObject({
        code,
        title: words,
        min: z.number().int().min(0),
        multiplier: z.strictObject({
          numerator: z.number().int().min(1).max(1000),
          denominator: z.number().int().min(1).max(1000),
        }),
      }),
    )
    .min(1)
    .max(50)
    // Two bands from the same minimum would leave the partner's level to the order of the list.
    .refine((bands) => new Set(bands.map((b) => b.min)).size === bands.length, {
      message: 'Two levels start at the same minimum: each level needs its own',
    }),
  /**
   * Exam-or-revenue levels with a grace period (seed 004), reviewed month by month (`level.rules.ts`): `level` is
   * entered on signing the contract and kept while, in every month, an exam has been passed or the month's
   * `measure` (calendar `month`) reaches `monthlyMinMinor`; after `graceMonths` such months in a row the partner
   * is at `demoteTo` from the 1st of the next month, and returns to `level` from the month after a month that
   * reaches the minimum, or on the date of an exam. `revenueOf`: whose payments the measure sums — the partner's
   * own (it is the paying customer: reseller, white label) and/or its attributed clients'. `freePerk`: what
   * `level` gives for free and what becomes paid that many months after a demotion unless the partner returned
   * (seed 004's «Cloudовка»).
   */
  keep: z
    .strictObject({
      level: code,
      monthlyMinMinor: minor,
      examKeeps: z.boolean(),
      graceMonths: z.number().int().min(1).max(24),
      demoteTo: code,
      revenueOf: z
        .array(z.enum(['own_payments', 'attributed_payments']))
        .min(1)
        .max(2)
        .refine((s) => new Set(s).size === s.length, { message: 'Each subject once' }),
      freePerk: z.strictObject({ title: words, paidAfterMonths: z.number().int().min(1).max(24) }).optional(),
    })
    .optional(),
});
export type Levels = z.infer<typeof Levels>;

/** Bands on a measure with a value per product category; `min` inclusive, nothing carries over (seed 003). */
export const Tiers = z.strictObject({
  measure: Measure,
  categories: z.array(code).min(1).max(20),
  bands: z
    .array(z.strictObject({ minMinor: minor, valuesBps: z.record(code, bps) }))
    .min(1)
    .max(100),
});

/**
 * A scheduled computation per partner and period (seed 004): `rebate` is `rateBps` of the measure over the period;
 * `growth` is `rateBps` of its increase over the period before, when it grew. It runs on the 1st of each of
 * `runMonths` for the calendar period (`measure.window`: month, quarter or half) that ended the day before.
 */
export const Settlement = z.strictObject({
  id: code,
  title: words,
  kind: z.enum(['rebate', 'growth']),
  measure: Measure.refine((m) => ['month', 'quarter', 'half'].includes(m.window), {
    message: 'a settlement is over a calendar period: month, quarter or half',
    path: ['window'],
  }),
  rateBps: bps,
  /** Months (1–12) in which the settlement runs for the period that just ended. */
  runMonths: z.array(z.number().int().min(1).max(12)).min(1).max(12),
  form: z.enum(['payout', 'one_time_discount']),
  /**
   * The models it is for, by the model each partner earns on at the period's end (seed 004: the KVM and MONT
   * Office rebates are Agent's and White Label's); every partner when absent.
   */
  models: z.array(code).min(1).max(10).optional(),
  /** The form per model where it differs (seed 004: paid out to an Agent, a one-time discount to a White Label). */
  formByModel: z.record(code, z.enum(['payout', 'one_time_discount'])).optional(),
});
export type Settlement = z.infer<typeof Settlement>;

/** A reward for a publication (seed 004: a case study 40 000 ₽; a Telegram comment 10 000–30 000 ₽). */
export const Bounty = z
  .strictObject({
    id: code,
    title: words,
    minMinor: minor.min(1),
    maxMinor: minor.min(1),
  })
  .refine((b) => b.minMinor <= b.maxMinor, {
    message: 'minMinor must not exceed maxMinor',
    path: ['maxMinor'],
  });
export type Bounty = z.infer<typeof Bounty>;

export const Allowance = z.strictObject({
  id: code,
  title: words,
  kind: z.enum(['bonus_codes', 'free_months']),
  perPartnerPerQuarter: z
    .strictObject({ count: z.number().int().min(1).optional(), amountMinor: minor.optional() })
    .optional(),
  perClient: z.strictObject({ count: z.number().int().min(1) }).optional(),
  notAfterTrialMonth: z.boolean().optional(),
  notConsecutive: z.boolean().optional(),
});

/**
 * A partner model (seed 004: Referral, Reseller, Agent, White Label): how the partner works with its clients,
 * set per partner by an admin with a history (`POST /api/v1/admin/partners/:id/model`); reward rules name the
 * models they are for. A model that needs a level (`level`: Agent and White Label are Professional) earns on the
 * terms of `belowLevel` (Referral, Reseller) while the partner is below it; without `belowLevel`, on no model's.
 */
export const PartnerModel = z.strictObject({
  code,
  title: words,
  level: code.optional(),
  belowLevel: code.optional(),
  /** The choices a partner makes per client under this model; the first is the default (seed 004 Referral). */
  choices: z.array(code).min(2).max(5).optional(),
  /** The free trial a client of this model gets (seed 004: 14 days for Referral and Reseller); informative. */
  trialDays: z.number().int().min(1).max(365).optional(),
});
export type PartnerModel = z.infer<typeof PartnerModel>;

export const Policies = z.strictObject({
  payout: z.strictObject({
    daysOfMonth: z.array(z.number().int().min(1).max(28)).min(1).max(28),
    minMinor: minor,
    holdDays: z.number().int().min(0).max(365),
    /** Blocking for a violation forfeits the unpaid balance (seed 000). */
    forfeitOnBlock: z.boolean(),
    /** Partner kinds that may be paid out, and whether a signed contract is required (seed 001 rules 3–4). */
    eligibleKinds: z.array(z.enum(PARTNER_KINDS)).min(1),
    contractRequired: z.boolean(),
  }),
  /** A refund within this many days reverses the reward in full (seed 000's 30-day guarantee). */
  fullReversalWithinDays: z.number().int().min(1).max(365).optional(),
  /** A reward-as-discount that replaces every other discount, promo code and promotion (seed 003). */
  excludesOtherPromotions: z.boolean().default(false),
  /** Payer identities that, matching the partner's own, make a payment a self-purchase (no reward). */
  selfPurchase: z.array(z.enum(['account', 'email', 'phone', 'card_hash', 'ip'])).default(['account']),
  multiLevel: z
    .strictObject({ depth: z.number().int().min(2).max(10), shareBps: z.array(bps).min(1).max(9) })
    .optional(),
  /** Points may pay at most this share of a purchase (seed 002). */
  pointsMaxShareBps: bps.optional(),
});

export const ProgramDocument = z.strictObject({
  /** The preset or program name (`leadsender`, `cloudlessons`, …). */
  name: code,
  title: words,
  currency: z.literal('RUB'),
  timeZone: z.literal(PROGRAM_TIME_ZONE),
  attribution: Attribution,
  binding: Binding,
  rewards: z.array(RewardRule).min(1).max(50),
  levels: Levels.optional(),
  models: z.array(PartnerModel).min(1).max(10).optional(),
  tiers: Tiers.optional(),
  settlements: z.array(Settlement).max(20).optional(),
  bounties: z.array(Bounty).max(50).optional(),
  allowances: z.array(Allowance).max(20).optional(),
  policies: Policies,
});
export type ProgramDocument = z.infer<typeof ProgramDocument>;

/** A stored version of the program: in force from `effectiveFrom` until the next version's date. */
export interface ProgramVersion {
  version: number;
  effectiveFrom: Date;
  document: ProgramDocument;
}

/** The presets shipped in `presets/`: the five programs of PROGRAMS.md. */
export const PRESET_NAMES = [
  'leadsender',
  'cloudlessons',
  'referral',
  'reseller-tiers',
  'oblakoteka',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
/** The program of seed 001, run when nothing else is configured. */
export const DEFAULT_PRESET: PresetName = 'leadsender';

/**
 * `PUT /api/v1/admin/program`: a full document, or `{ "preset": name }`, each optionally with the date it takes
 * effect (default: now). Declared as the partial document plus `preset` so OpenAPI shows every field; the
 * refinement then requires either a preset alone or a complete document, reporting each missing field by path.
 */
export const ProgramPut = ProgramDocument.partial()
  .extend({
    preset: z.enum(PRESET_NAMES).optional(),
    effectiveFrom: PlannedInstant.optional(),
  })
  .superRefine((body, ctx) => {
    const { preset, effectiveFrom: _effectiveFrom, ...document } = body;
    const present = Object.keys(document).filter(
      (key) => document[key as keyof typeof document] !== undefined,
    );
    if (preset !== undefined) {
      for (const key of present)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'Send either a preset or a full document, not both',
        });
      return;
    }
    // Fields that are present were validated by the partial schema above; only the missing ones remain.
    for (const [key, field] of Object.entries(ProgramDocument.shape)) {
      if (!present.includes(key) && !field.safeParse(undefined).success)
        ctx.addIssue({ code: 'custom', path: [key], message: 'Required in a full program document' });
    }
  });
export type ProgramPut = z.infer<typeof ProgramPut>;

/** `POST /api/v1/admin/program/preview`: the payment fields billing would send, and optionally the partner. */
export const PreviewBody = z.strictObject({
  clientAccountId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  grossMinor: z.number().int().positive().max(1e13),
  channel: z.enum(CHANNELS),
  paidAt: PlannedInstant.optional(),
  productCode: code.optional(),
  partnerId: z
    .string()
    .regex(/^ptn_[0-9a-z]{10,40}$/)
    .optional(),
  payer: z
    .strictObject({
      accountId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
      email: z.string().max(320).optional(),
      phone: z.string().max(40).optional(),
      cardHash: z.string().max(128).optional(),
      ip: z.string().max(64).optional(),
    })
    .optional(),
});
export type PreviewBody = z.infer<typeof PreviewBody>;

/**
 * Whether a reward is to be paid out to its partner and, when not, the reason (no contract, blocked, …): what
 * every view of a reward shows alike.
 */
export const Payability = { payable: z.boolean(), reason: z.string().nullable() };

const LineOut = z.object({
  ruleId: z.string(),
  beneficiary: z.string(),
  partnerId: z.string().nullable(),
  clientAccountId: z.number().nullable(),
  uplineDepth: z.number().nullable(),
  pointsAccountId: z.number().nullable(),
  form: z.string(),
  rateBps: z.number(),
  amountMinor: z.number(),
  ...Payability,
  levelCode: z.string().nullable(),
  calculation: z.string(),
});
export const PreviewResult = z.object({
  programVersion: z.number(),
  partnerId: z.string().nullable(),
  lines: z.array(LineOut),
  noReward: z.object({ reason: z.string(), explanation: z.string() }).nullable(),
});

export const ProgramVersionOut = z.object({
  version: z.number(),
  effectiveFrom: z.string(),
  document: ProgramDocument,
});
export const AdminProgramResult = z.object({
  inForce: ProgramVersionOut,
  /** Every version, newest effective date first, scheduled ones included. */
  versions: z.array(ProgramVersionOut),
});

/**
 * A Moscow date the program has a past for: from 2000-01-01, when the first version starts, up to today — a
 * day's measures are known only once the day has come.
 */
const NOT_PAST_PROGRAM_DAY = {
  message: 'must be a date from 2000-01-01 up to today (Moscow time)',
  params: { ru: 'дата не раньше 2000-01-01 и не позже сегодняшней (по Москве)' },
};
export const PastProgramDay = z.iso.date().refine(
  // A malformed date has its own error from iso.date; the range speaks only of well-formed ones.
  (d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || (d >= '2000-01-01' && d <= programDate(new Date())),
  NOT_PAST_PROGRAM_DAY,
);

/** `POST /api/v1/admin/program/settle`: run the program's daily computations for a day that has come. */
export const SettleBody = z.strictObject({ asOf: PastProgramDay });
export const SettleResult = z.object({
  asOf: z.string(),
  tiersRecorded: z.number(),
  /** Level history rows (seed 004) the review wrote, changed or removed; 0 when the history was already right. */
  levelChanges: z.number(),
  /** Settlements (rebates) of periods due by `asOf` recorded for the first time, and revised by a recompute. */
  settlementsRecorded: z.number(),
  settlementsRevised: z.number(),
});

/** `GET /api/v1/discounts/:accountId?on=`: the day to ask for, today (Moscow) when absent; never a future day. */
export const DiscountsQuery = z.strictObject({
  on: PastProgramDay.optional(),
  /**
   * The promo code the client typed at checkout (seed 002): under a code program with a first-purchase discount
   * for the friend, the discount that code gives this account.
   */
  code: z.string().min(1).max(64).optional(),
});

/**
 * The discounts in force for an account on a day, per product category, for the vendor's billing to apply
 * (seed 003): with why (the tier its turnover reached) and whether they replace every other promotion.
 */
export const DiscountsView = z.object({
  accountId: z.number(),
  on: z.string(),
  programVersion: z.number(),
  discounts: z.array(z.object({ category: z.string(), discountBps: z.number() })),
  reason: z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('tier'),
        partnerId: z.string(),
        measureMinor: z.number(),
        window: z.object({ fromDate: z.string(), toDate: z.string() }).nullable(),
        bandMinMinor: z.number(),
        /** The next band's lower bound, and how much more the window needs today to reach it. */
        next: z.object({ minMinor: z.number(), remainingMinor: z.number() }).nullable(),
      }),
      /**
       * A friend's discount on its first purchase through a partner's code (seed 002's MIF): category `*` is every
       * category; the purchase must be at least `minPurchaseMinor` when the rule sets one. Billing reports the
       * payment with `referral.code` and `listMinor`, and the discount is recorded as the client's side.
       */
      z.object({
        kind: z.literal('referral'),
        partnerId: z.string(),
        ruleId: z.string(),
        minPurchaseMinor: z.number().nullable(),
      }),
      /**
       * The discount the partner's model gives on its own purchases (seed 004: Reseller 12 %, White Label 27 %), on
       * every category (`*`): the model in force that day as the partner's level makes it, and the rule.
       */
      z.object({
        kind: z.literal('model'),
        partnerId: z.string(),
        model: z.string(),
        level: z.string().nullable(),
        ruleId: z.string(),
      }),
    ])
    .nullable(),
  excludesOtherPromotions: z.boolean(),
});
export type DiscountsView = z.infer<typeof DiscountsView>;

/** Under exam-or-revenue levels (seed 004): where the partner stands today, as the monthly review finds it now. */
export const LevelKeepView = z.object({
  /** The level today (null before a contract) and since when. */
  code: z.string().nullable(),
  title: words.nullable(),
  since: z.string().nullable(),
  /** Every change: the kept level from the contract, demotions, returns by an exam or by revenue. */
  history: z.array(
    z.object({
      level: z.string(),
      title: words,
      fromDate: z.string(),
      reason: z.enum(['contract', 'demotion', 'exam', 'revenue']),
    }),
  ),
  /** This calendar month so far: its revenue against the minimum, and how much more reaches it. */
  month: z.object({
    fromDate: z.string(),
    toDate: z.string(),
    revenueMinor: z.number(),
    minMinor: z.number(),
    remainingMinor: z.number(),
  }),
  examsPassedOn: z.array(z.string()),
  /** Complete months in a row without an exam or the minimum; the months, this one included, left before Basic. */
  missedMonths: z.number(),
  monthsLeft: z.number().nullable(),
  /** The kept level's free perk (Cloudовка), and since when it is paid after a demotion (null: free). */
  freePerk: z.object({ title: words, paidFrom: z.string().nullable() }).nullable(),
});

/** Under a program with models (seed 004): the partner's model today, the one it earns on at its level, history. */
export const ModelView = z.object({
  code: z.string().nullable(),
  title: words.nullable(),
  earnsAs: z.string().nullable(),
  earnsAsTitle: words.nullable(),
  since: z.string().nullable(),
  history: z.array(z.object({ model: z.string(), fromDate: z.string() })),
});

/** The partner's view of the program (`GET /api/v1/program`). */
export const PartnerTerms = z.object({
  programVersion: z.number(),
  name: z.string(),
  title: words,
  attribution: Attribution,
  binding: Binding,
  rewards: z.array(RewardRule),
  payout: z.object({ daysOfMonth: z.array(z.number()), minMinor: z.number(), holdDays: z.number() }),
  level: z
    .object({
      code: z.string(),
      title: words,
      measure: z.number(),
      next: z.object({ code: z.string(), title: words, min: z.number(), remaining: z.number() }).nullable(),
    })
    .nullable(),
  /**
   * Under a tier program (seed 003): the partner's measure over the window ending today, its discount per
   * category (none below the lowest band), and how much more the window needs today for the next band.
   */
  tier: z
    .object({
      measureMinor: z.number(),
      window: z.object({ fromDate: z.string(), toDate: z.string() }).nullable(),
      discounts: z.array(z.object({ category: z.string(), discountBps: z.number() })),
      next: z.object({ minMinor: z.number(), remainingMinor: z.number() }).nullable(),
    })
    .nullable(),
  levelKeep: LevelKeepView.nullable(),
  model: ModelView.nullable(),
});

/**
 * A Moscow date (`YYYY-MM-DD`) up to today, or an ISO instant with an offset whose Moscow date is: the day of an
 * event that has happened (an exam), or from which a change holds (a model).
 */
const PastDayOrInstant = z.string().superRefine((value, ctx) => {
  const day = z.iso.date().safeParse(value).success
    ? value
    : z.iso.datetime({ offset: true }).safeParse(value).success
      ? programDate(new Date(value))
      : null;
  if (day === null)
    ctx.addIssue({
      code: 'custom',
      message: 'must be a date (YYYY-MM-DD) or an ISO 8601 instant with an offset',
      params: { ru: 'нужна дата (ГГГГ-ММ-ДД) или момент времени ISO 8601 со смещением' },
    });
  else if (!PastProgramDay.safeParse(day).success) ctx.addIssue({ code: 'custom', ...NOT_PAST_PROGRAM_DAY });
});

/** `POST /api/v1/admin/partners/:id/exam`: the exam the partner passed, on a day up to today. */
export const ExamBody = z.strictObject({ passedAt: PastDayOrInstant });
export const ExamResult = z.object({
  partnerId: z.string(),
  /** The Moscow date of the exam. */
  passedOn: z.string(),
  exams: z.array(z.string()),
  levelChanges: z.number(),
});

/** `POST /api/v1/admin/partners/:id/model`: the model from a Moscow date on (today by default). */
export const ModelBody = z.strictObject({ model: code, from: PastDayOrInstant.optional() });
export const ModelResult = z.object({
  partnerId: z.string(),
  model: z.string(),
  fromDate: z.string(),
  history: z.array(z.object({ model: z.string(), fromDate: z.string() })),
});

/** `PUT /api/v1/clients/:accountId/reward-choice`: the partner's reward for this client (seed 004 Referral). */
export const RewardChoiceBody = z.strictObject({ choice: code });
export const RewardChoiceResult = z.object({
  clientAccountId: z.number(),
  choice: z.string(),
  model: z.string(),
});
