/**
 * The reward engine: one pure function from (program version, attribution, partner and its level, the payment,
 * the client's history) to reward lines, each with its calculation in words. No database, no clock: the
 * repository gathers the inputs, the payment service posts the lines through the ledger's recipes.
 * Rounding happens once per line, in shared/money.ts (half away from zero to the kopeck, DOMAIN.md rule 18).
 */
import { divideRounded } from '../../../shared/money';
import { formatPercent, formatRub } from '../documents/money-words';
import type { Channel } from '../db/schema';
import { DAY_MS } from '../instants';
import type { PartnerKind, PartnerStatus } from '../partners/partner';
import type { Levels, ProgramDocument, ProgramVersion, RewardRule } from './program';

const BPS = 10_000n;

/** What billing tells about who paid; compared with the partner's own identities (self-purchase). */
export interface PayerIdentity {
  accountId?: number;
  email?: string;
  phone?: string;
  cardHash?: string;
  ip?: string;
}

export interface EvaluationPartner {
  id: string;
  kind: PartnerKind;
  status: PartnerStatus;
  contractSignedAt: Date | null;
  /** Per-partner rates in force on the payment date (rule 16), overriding the program's channel rates. */
  rateOverridesBps?: Partial<Record<Channel, number>>;
  /** The partner's own identities: its amoCRM account, and what it registered (email, phone, …). */
  identity: PayerIdentity;
  /** The level measure before this payment (seed 000: lifetime paid, unrefunded attributed orders). */
  levelMeasureBefore: number;
  /**
   * Under a program with models (seed 004): the model whose terms the partner earns on at the payment date, its
   * level considered (`level.rules.ts` › `effectiveModel`); rules naming `models` apply only to it.
   */
  model?: string | null;
}

export interface EvaluationInput {
  program: ProgramVersion;
  payment: {
    grossMinor: bigint;
    channel: Channel;
    paidAt: Date;
    productCode?: string | null;
    payer?: PayerIdentity;
    /** Billing's order of this payment was already paid by an earlier payment not refunded in full. */
    orderPaidBefore?: boolean;
    /** The price before a discount billing applied (`listMinor`): a client's discount is a share of it. */
    listMinor?: bigint | null;
  };
  /** The partner this payment is attributed to, and since when (pin valid-from, or the click's time). */
  attribution: { via: 'pin' | 'link' | 'code'; since: Date } | null;
  partner: EvaluationPartner | null;
  /** The attributed partner's referrers, nearest first (multi-level programs); absent or empty otherwise. */
  uplines?: PayablePartner[];
  client: {
    accountId: number;
    paidOrdersBefore: number;
    /** The partner's reward choice for this client (seed 004 Referral), its model's default when none was made. */
    rewardChoice?: string | null;
  };
}

/** What decides whether a partner's payout line may be paid (DOMAIN.md rules 3–4), and whose it is. */
export type PayablePartner = Pick<EvaluationPartner, 'id' | 'kind' | 'status' | 'contractSignedAt'> & {
  /** The partner's own amoCRM account, which a reward in points is credited to. */
  accountId?: number;
};

export interface RewardLine {
  ruleId: string;
  beneficiary: RewardRule['beneficiary'];
  /** The partner the line is for: the attributed partner, or a referrer up the chain; null for the client. */
  partnerId: string | null;
  /** The paying client account, for the client's side of a two-sided program; null otherwise. */
  clientAccountId: number | null;
  /** For a referrer's line: how far up from the attributed partner (1: its referrer); null otherwise. */
  uplineDepth: number | null;
  /**
   * A line in points: the amoCRM account they are credited to — the paying client's, or the partner's own (seed
   * 002 gives the referrer points too, which it spends on its own purchases); null for any other form.
   */
  pointsAccountId: number | null;
  form: RewardRule['form'];
  /** The effective rate, level multiplier included, rounded to a basis point for display and storage. */
  rateBps: number;
  amountMinor: bigint;
  /** Whether the line may be paid out; a kept or not-payable line carries its reason. */
  payable: boolean;
  reason: string | null;
  levelCode: string | null;
  /** The calculation in words, as the statement shows it. */
  calculation: string;
}

export type NoRewardReason =
  | 'not_attributed'
  | 'attribution_expired'
  | 'not_first_order'
  | 'outside_binding'
  | 'self_purchase'
  | 'order_paid_twice'
  | 'below_minimum'
  | 'conditions_not_met';

export interface Evaluation {
  programVersion: number;
  lines: RewardLine[];
  /** Why nothing was earned, recorded with the payment so the partner and admins see it. */
  noReward: { reason: NoRewardReason; explanation: string } | null;
}

const NO_REWARD_WORDS: Record<NoRewardReason, string> = {
  not_attributed: 'Платёж не привязан ни к одному партнёру',
  attribution_expired: 'Переход по ссылке или первая покупка по промокоду были раньше, чем окно атрибуции',
  not_first_order: 'Вознаграждение начисляется только за первый оплаченный заказ клиента',
  outside_binding: 'Платёж вне срока, за который программа начисляет вознаграждение',
  self_purchase: 'Покупка самим партнёром (совпадают данные плательщика): вознаграждение не начисляется',
  order_paid_twice: 'Заказ уже оплачен: за ошибочную повторную оплату вознаграждение не начисляется',
  below_minimum: 'Сумма заказа меньше минимальной, с которой программа начисляет вознаграждение',
  conditions_not_met: 'Платёж не подходит под условия правил программы (событие, канал или срок)',
};

function none(program: ProgramVersion, reason: NoRewardReason): Evaluation {
  return {
    programVersion: program.version,
    lines: [],
    noReward: { reason, explanation: NO_REWARD_WORDS[reason] },
  };
}

/** Which of the payer's identities match the partner's own, among those the program checks. */
export function selfPurchaseMatch(
  checks: ProgramDocument['policies']['selfPurchase'],
  partner: PayerIdentity,
  payer: PayerIdentity,
): string | null {
  const norm = (v: string | undefined) => v?.trim().toLowerCase() || undefined;
  const digits = (v: string | undefined) => v?.replace(/\D/g, '') || undefined;
  const pairs: Record<(typeof checks)[number], [unknown, unknown]> = {
    account: [partner.accountId, payer.accountId],
    email: [norm(partner.email), norm(payer.email)],
    phone: [digits(partner.phone), digits(payer.phone)],
    card_hash: [partner.cardHash, payer.cardHash],
    ip: [partner.ip, payer.ip],
  };
  for (const check of checks) {
    const [own, theirs] = pairs[check];
    if (own !== undefined && own === theirs) return check;
  }
  return null;
}

/**
 * The click that attributes an order (seed 000): among clicks no later than the order and at most
 * `windowDays` × 24 h before it, the last one (or the first, when the program says so).
 */
export function chooseClick<T extends { clickedAt: Date }>(
  clicks: readonly T[],
  paidAt: Date,
  windowDays: number,
  lastClickWins: boolean,
): T | null {
  const earliest = paidAt.getTime() - windowDays * DAY_MS;
  const inWindow = clicks.filter((c) => {
    const t = c.clickedAt.getTime();
    return t <= paidAt.getTime() && t >= earliest;
  });
  inWindow.sort((a, b) => a.clickedAt.getTime() - b.clickedAt.getTime());
  return (lastClickWins ? inWindow.at(-1) : inWindow[0]) ?? null;
}

/** The partner's level for a payment: the highest band whose minimum the measure reaches. */
export function levelFor(levels: Levels, measureBefore: number): Levels['bands'][number] {
  const measure = levels.appliesFrom === 'next_order' ? measureBefore : measureBefore + 1;
  const reached = levels.bands.filter((b) => b.min <= measure).sort((a, b) => b.min - a.min);
  return reached[0] ?? levels.bands.reduce((low, b) => (b.min < low.min ? b : low));
}

/** Why a payout-form reward may not be paid to this partner (DOMAIN.md rules 3–4); null when it may. */
export function notPayableReason(
  policy: ProgramDocument['policies']['payout'],
  partner: Pick<EvaluationPartner, 'kind' | 'status' | 'contractSignedAt'>,
): string | null {
  if (!policy.eligibleKinds.includes(partner.kind)) {
    // Individuals sign no contract (rule 3); the reason keeps the wording partners already see.
    return partner.kind === 'individual' ? 'no_contract_individual' : 'kind_not_eligible';
  }
  if (policy.contractRequired && partner.contractSignedAt === null) return 'contract_not_signed';
  if (partner.status === 'blocked') return 'partner_blocked';
  return null;
}

function baseRateBps(rule: RewardRule, input: EvaluationInput): number | null {
  const { amount } = rule;
  const channel = input.payment.channel;
  switch (amount.kind) {
    case 'percent': {
      const override =
        rule.beneficiary === 'partner' ? input.partner?.rateOverridesBps?.[channel] : undefined;
      return override ?? amount.byChannelBps?.[channel] ?? amount.rateBps ?? null;
    }
    case 'percent_by_product': {
      const product = input.payment.productCode;
      // An own-property check: a product code is user input and may be named like an Object method.
      const own =
        product !== null && product !== undefined && Object.hasOwn(amount.productsBps, product)
          ? amount.productsBps[product]
          : undefined;
      return own ?? amount.defaultBps;
    }
    default:
      return null;
  }
}

function ratioWords(numerator: number, denominator: number): string {
  return denominator === 1 ? `×${numerator}` : `×${numerator}/${denominator}`;
}

/** Whether a rule's event, channels and conditions (`on`, `channels`, `when`) take in this payment. */
function ruleApplies(rule: RewardRule, input: EvaluationInput): boolean {
  const { payment } = input;
  if (rule.channels && !rule.channels.includes(payment.channel)) return false;
  if (rule.models && !rule.models.includes(input.partner?.model ?? '')) return false;
  if (rule.choice !== undefined && rule.choice !== input.client.rewardChoice) return false;
  if (rule.on === 'first_payment' && input.client.paidOrdersBefore > 0) return false;
  if (rule.when?.minGrossMinor !== undefined && payment.grossMinor < BigInt(rule.when.minGrossMinor))
    return false;
  if (
    rule.when?.withinDaysOfAttribution !== undefined &&
    input.attribution &&
    payment.paidAt.getTime() - input.attribution.since.getTime() > rule.when.withinDaysOfAttribution * DAY_MS
  )
    return false;
  return true;
}

/** A rule's cap, applied once to the rounded amount, with the words the statement shows for it. */
function capped(rule: RewardRule, amountMinor: bigint, calculation: string) {
  if (rule.capMinor === undefined || amountMinor <= BigInt(rule.capMinor))
    return { amountMinor, calculation };
  const cap = BigInt(rule.capMinor);
  return { amountMinor: cap, calculation: `${calculation}, но не более ${formatRub(cap)}` };
}

/**
 * The amount of a percent or fixed rule on this payment: the rate (with the partner's level multiplier when the
 * rule takes it), rounded once, then capped; null for a rule whose amount is not of these kinds.
 */
function ruleAmount(
  rule: RewardRule,
  input: EvaluationInput,
  level: { multiplier: { numerator: number; denominator: number }; title: { ru: string } } | null,
  baseMinor: bigint = input.payment.grossMinor,
): { amountMinor: bigint; rateBps: number; calculation: string } | null {
  if (rule.amount.kind === 'fixed') {
    const amountMinor = BigInt(rule.amount.amountMinor);
    return {
      amountMinor,
      rateBps: 0,
      calculation: `${rule.title.ru}: фиксированно ${formatRub(amountMinor)}`,
    };
  }
  const base = baseRateBps(rule, input);
  if (base === null) return null;
  const numerator = BigInt(level?.multiplier.numerator ?? 1);
  const denominator = BigInt(level?.multiplier.denominator ?? 1);
  const amountMinor = divideRounded(baseMinor * BigInt(base) * numerator, BPS * denominator);
  const rateBps = Number(divideRounded(BigInt(base) * numerator, denominator));
  const levelPart = level
    ? ` ${ratioWords(level.multiplier.numerator, level.multiplier.denominator)} (уровень «${level.title.ru}»)`
    : '';
  const calculation = `${formatRub(baseMinor)} × ${formatPercent(base)}${levelPart} = ${formatRub(amountMinor)}`;
  return { rateBps, ...capped(rule, amountMinor, calculation) };
}

/**
 * Why a line of `form` may not be paid out to `partner`, whether it may (only a payout is ever paid), and where
 * points go: the partner's own account.
 */
function payability(doc: ProgramDocument, form: RewardRule['form'], partner: PayablePartner) {
  // A kept reward is already in the partner's hands (rule 15); only a payout may be paid, and only to an
  // eligible partner (rules 3–4). Points are credited to the partner's account; discounts billing applies.
  const reason =
    form === 'kept'
      ? 'kept_by_partner'
      : form === 'payout'
        ? notPayableReason(doc.policies.payout, partner)
        : form === 'points'
          ? 'paid_in_points'
          : null;
  return {
    payable: form === 'payout' && reason === null,
    reason,
    pointsAccountId: form === 'points' ? (partner.accountId ?? null) : null,
  };
}

/** One partner rule's line for the attributed partner, or null when the rule does not apply to this payment. */
function partnerLine(
  rule: RewardRule,
  input: EvaluationInput,
  partner: EvaluationPartner,
): RewardLine | null {
  const doc = input.program.document;
  if (!ruleApplies(rule, input)) return null;
  const level = rule.levelMultiplier && doc.levels ? levelFor(doc.levels, partner.levelMeasureBefore) : null;
  const amount = ruleAmount(rule, input, level);
  if (!amount) return null;
  const form = rule.formByChannel?.[input.payment.channel] ?? rule.form;
  // Seed 004's bonus for the partner's sales manager is owed to the partner, which hands it on; it is named in
  // the words so the statement tells it from the partner's own reward on the same payment.
  const manager = rule.beneficiary === 'sales_manager';
  return {
    ruleId: rule.id,
    beneficiary: manager ? 'sales_manager' : 'partner',
    partnerId: partner.id,
    clientAccountId: null,
    uplineDepth: null,
    form,
    ...amount,
    calculation: manager ? `${rule.title.ru}: ${amount.calculation}` : amount.calculation,
    ...payability(doc, form, { ...partner, accountId: partner.identity.accountId }),
    levelCode: level?.code ?? null,
  };
}

/**
 * The new client's side of a two-sided program (seed 002: points, a first-purchase discount, a welcome bonus):
 * a line for the paying account, never paid out; billing applies it (points through `/api/v1/points`).
 */
function clientLine(rule: RewardRule, input: EvaluationInput): RewardLine | null {
  if (!ruleApplies(rule, input)) return null;
  // A discount the client got on this purchase (MIF: the first purchase 30 % off) is a share of the price before
  // it, which billing sends as `listMinor`; without it the paid price is all there is to go by.
  const base = rule.form === 'discount' ? (input.payment.listMinor ?? input.payment.grossMinor) : undefined;
  const amount = ruleAmount(rule, input, null, base);
  if (!amount) return null;
  return {
    ruleId: rule.id,
    beneficiary: 'client',
    partnerId: null,
    clientAccountId: input.client.accountId,
    uplineDepth: null,
    form: rule.form,
    ...amount,
    payable: false,
    reason: null,
    pointsAccountId: rule.form === 'points' ? input.client.accountId : null,
    levelCode: null,
  };
}

/**
 * Multi-level (seed 002): the attributed partner's referrer, and its referrer, up to the program's depth, each
 * earn a share of the partner's line of the rule named by `share_of_rule`. The referrer at distance d takes
 * `policies.multiLevel.shareBps[d - 1]` when the program lists it, else the rule's own `shareBps`; the depth
 * counts the attributed partner too (depth 2: one referrer), and is 2 when the program sets none.
 */
function uplineLines(rule: RewardRule, input: EvaluationInput, partnerLines: RewardLine[]): RewardLine[] {
  const { amount } = rule;
  if (amount.kind !== 'share_of_rule' || !ruleApplies(rule, input)) return [];
  const base = partnerLines.find((line) => line.ruleId === amount.rule);
  if (!base) return [];
  const doc = input.program.document;
  const multiLevel = doc.policies.multiLevel;
  const reach = (multiLevel?.depth ?? 2) - 1;
  return (input.uplines ?? []).slice(0, reach).map((upline, index) => {
    const depth = index + 1;
    const shareBps = multiLevel?.shareBps[index] ?? amount.shareBps;
    const raw = divideRounded(base.amountMinor * BigInt(shareBps), BPS);
    const words =
      `${rule.title.ru} (${depth + 1}-й уровень): ${formatPercent(shareBps)} от вознаграждения ` +
      `${formatRub(base.amountMinor)} = ${formatRub(raw)}`;
    const form = rule.formByChannel?.[input.payment.channel] ?? rule.form;
    return {
      ruleId: rule.id,
      beneficiary: 'upline' as const,
      partnerId: upline.id,
      clientAccountId: null,
      uplineDepth: depth,
      form,
      rateBps: shareBps,
      ...capped(rule, raw, words),
      ...payability(doc, form, upline),
      levelCode: null,
    };
  });
}

/**
 * The band of a tier table a measure reaches (seed 003): the one with the highest `minMinor` not above it — lower
 * bounds decide, `min` inclusive, nothing carries over — or null below the lowest band.
 */
export function tierFor<B extends { minMinor: number }>(bands: readonly B[], measureMinor: bigint): B | null {
  let best: B | null = null;
  for (const band of bands) {
    if (BigInt(band.minMinor) <= measureMinor && (best === null || band.minMinor > best.minMinor))
      best = band;
  }
  return best;
}

/**
 * The most of a purchase an account's points may pay (seed 002: Zenden's bonuses pay at most 20 % of a
 * purchase): the balance, but no more than the program's share of the purchase, rounded down so the share is
 * never exceeded, and never more than the purchase itself.
 */
export function pointsRedeemableMinor(
  policies: Pick<ProgramDocument['policies'], 'pointsMaxShareBps'>,
  balanceMinor: bigint,
  purchaseMinor: bigint,
): bigint {
  const shareBps = BigInt(policies.pointsMaxShareBps ?? 10_000);
  const limit = (purchaseMinor * shareBps) / BPS;
  const most = balanceMinor < limit ? balanceMinor : limit;
  return most > 0n ? most : 0n;
}

/** Whether the program's binding lets this payment of an attributed client earn at all. */
function bindingRefusal(doc: ProgramDocument, input: EvaluationInput): NoRewardReason | null {
  const { binding } = doc;
  if (binding.earns === 'first_order' && input.client.paidOrdersBefore > 0) return 'not_first_order';
  if (binding.earns === 'first_months' && input.attribution) {
    const end = new Date(input.attribution.since);
    end.setUTCMonth(end.getUTCMonth() + binding.months);
    if (input.payment.paidAt >= end) return 'outside_binding';
  }
  return null;
}

/**
 * Evaluates one payment under one program version. The caller resolves attribution (the pin valid on the
 * payment date, or the winning click via `chooseClick`) and the partner's history; this function decides.
 */
export function evaluatePayment(input: EvaluationInput): Evaluation {
  const { program, partner, attribution } = input;
  const doc = program.document;
  if (!partner || !attribution) return none(program, 'not_attributed');
  // A link's click counts for `windowDays` (seed 000); a code binds its client for `withinDays` when set (seed 002).
  const windowDays =
    doc.attribution.via === 'link'
      ? doc.attribution.windowDays
      : doc.attribution.via === 'code'
        ? doc.attribution.withinDays
        : undefined;
  if (
    windowDays !== undefined &&
    attribution.via === doc.attribution.via &&
    input.payment.paidAt.getTime() - attribution.since.getTime() > windowDays * DAY_MS
  )
    return none(program, 'attribution_expired');
  if (
    input.payment.payer &&
    selfPurchaseMatch(doc.policies.selfPurchase, partner.identity, input.payment.payer)
  )
    return none(program, 'self_purchase');
  // Seed 000: an order paid twice by mistake earns once; the vendor returns the second payment.
  if (input.payment.orderPaidBefore) return none(program, 'order_paid_twice');
  const refused = bindingRefusal(doc, input);
  if (refused) return none(program, refused);

  const byBeneficiary = (b: RewardRule['beneficiary']) => doc.rewards.filter((r) => r.beneficiary === b);
  // The partner's own rules, and its sales manager's bonus (seed 004), which the partner is paid to hand on.
  const partnerLines = [...byBeneficiary('partner'), ...byBeneficiary('sales_manager')]
    .map((rule) => partnerLine(rule, input, partner))
    .filter((line): line is RewardLine => line !== null);
  const clientLines = byBeneficiary('client')
    .map((rule) => clientLine(rule, input))
    .filter((line): line is RewardLine => line !== null);
  if (partnerLines.length === 0 && clientLines.length === 0) {
    // Seed 002: a first order of 698 ₽ under a 699 ₽ threshold earns nothing, and says why.
    const belowMinimum = byBeneficiary('partner').some(
      (rule) =>
        rule.when?.minGrossMinor !== undefined && input.payment.grossMinor < BigInt(rule.when.minGrossMinor),
    );
    return none(program, belowMinimum ? 'below_minimum' : 'conditions_not_met');
  }
  const uplines = byBeneficiary('upline').flatMap((rule) => uplineLines(rule, input, partnerLines));
  return {
    programVersion: program.version,
    lines: [...partnerLines, ...clientLines, ...uplines],
    noReward: null,
  };
}

/** The version in force at `at`: the newest whose effective date is not later (versions in any order). */
export function versionInForce<T extends { effectiveFrom: Date; version: number }>(
  versions: readonly T[],
  at: Date,
): T | null {
  let best: T | null = null;
  for (const v of versions) {
    if (v.effectiveFrom.getTime() > at.getTime()) continue;
    if (
      !best ||
      v.effectiveFrom.getTime() > best.effectiveFrom.getTime() ||
      (v.effectiveFrom.getTime() === best.effectiveFrom.getTime() && v.version > best.version)
    )
      best = v;
  }
  return best;
}
