/**
 * The reward engine: one pure function from (program version, attribution, partner and its level, the payment,
 * the client's history) to reward lines, each with its calculation in words. No database, no clock: the
 * repository gathers the inputs, the payment service posts the lines through the ledger's recipes.
 * Rounding happens once per line, in shared/money.ts (half away from zero to the kopeck, DOMAIN.md rule 18).
 */
import { divideRounded } from '../../../shared/money';
import { formatPercent, formatRub } from '../documents/money-words';
import type { Channel } from '../db/schema';
import type { PartnerKind, PartnerStatus } from '../partners/partner';
import type { Levels, ProgramDocument, ProgramVersion, RewardRule } from './program';

const BPS = 10_000n;
const DAY_MS = 24 * 60 * 60 * 1000;

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
  };
  /** The partner this payment is attributed to, and since when (pin valid-from, or the click's time). */
  attribution: { via: 'pin' | 'link' | 'code'; since: Date } | null;
  partner: EvaluationPartner | null;
  client: { accountId: number; paidOrdersBefore: number };
}

export interface RewardLine {
  ruleId: string;
  beneficiary: RewardRule['beneficiary'];
  partnerId: string;
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
  | 'order_paid_twice';

export interface Evaluation {
  programVersion: number;
  lines: RewardLine[];
  /** Why nothing was earned, recorded with the payment so the partner and admins see it. */
  noReward: { reason: NoRewardReason; explanation: string } | null;
}

const NO_REWARD_WORDS: Record<NoRewardReason, string> = {
  not_attributed: 'Платёж не привязан ни к одному партнёру',
  attribution_expired: 'Переход по ссылке был раньше, чем окно атрибуции',
  not_first_order: 'Вознаграждение начисляется только за первый оплаченный заказ клиента',
  outside_binding: 'Платёж вне срока, за который программа начисляет вознаграждение',
  self_purchase: 'Покупка самим партнёром (совпадают данные плательщика): вознаграждение не начисляется',
  order_paid_twice: 'Заказ уже оплачен: за ошибочную повторную оплату вознаграждение не начисляется',
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

/** One rule's line for the attributed partner, or null when the rule does not apply to this payment. */
function evaluateRule(
  rule: RewardRule,
  input: EvaluationInput,
  partner: EvaluationPartner,
): RewardLine | null {
  const { payment, program } = input;
  const doc = program.document;
  if (rule.beneficiary !== 'partner') return null; // Client, upline and manager sides come with their presets.
  if (rule.channels && !rule.channels.includes(payment.channel)) return null;
  if (rule.on === 'first_payment' && input.client.paidOrdersBefore > 0) return null;
  if (rule.when?.minGrossMinor !== undefined && payment.grossMinor < BigInt(rule.when.minGrossMinor))
    return null;
  if (
    rule.when?.withinDaysOfAttribution !== undefined &&
    input.attribution &&
    payment.paidAt.getTime() - input.attribution.since.getTime() > rule.when.withinDaysOfAttribution * DAY_MS
  )
    return null;

  const level = rule.levelMultiplier && doc.levels ? levelFor(doc.levels, partner.levelMeasureBefore) : null;
  const numerator = BigInt(level?.multiplier.numerator ?? 1);
  const denominator = BigInt(level?.multiplier.denominator ?? 1);

  let amountMinor: bigint;
  let rateBps: number;
  let calculation: string;
  if (rule.amount.kind === 'fixed') {
    amountMinor = BigInt(rule.amount.amountMinor);
    rateBps = 0;
    calculation = `${rule.title.ru}: фиксированно ${formatRub(amountMinor)}`;
  } else {
    const base = baseRateBps(rule, input);
    if (base === null) return null;
    amountMinor = divideRounded(payment.grossMinor * BigInt(base) * numerator, BPS * denominator);
    rateBps = Number(divideRounded(BigInt(base) * numerator, denominator));
    const levelPart = level
      ? ` ${ratioWords(level.multiplier.numerator, level.multiplier.denominator)} (уровень «${level.title.ru}»)`
      : '';
    calculation = `${formatRub(payment.grossMinor)} × ${formatPercent(base)}${levelPart} = ${formatRub(amountMinor)}`;
  }
  if (rule.capMinor !== undefined && amountMinor > BigInt(rule.capMinor)) {
    amountMinor = BigInt(rule.capMinor);
    calculation += `, но не более ${formatRub(amountMinor)}`;
  }

  const form = rule.formByChannel?.[payment.channel] ?? rule.form;
  // A kept reward is already in the partner's hands (rule 15); only a payout may be paid, and only to an
  // eligible partner (rules 3–4). Discounts and points are applied by billing, not paid.
  const reason =
    form === 'kept'
      ? 'kept_by_partner'
      : form === 'payout'
        ? notPayableReason(doc.policies.payout, partner)
        : null;
  return {
    ruleId: rule.id,
    beneficiary: rule.beneficiary,
    partnerId: partner.id,
    form,
    rateBps,
    amountMinor,
    payable: form === 'payout' && reason === null,
    reason,
    levelCode: level?.code ?? null,
    calculation,
  };
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
  if (
    doc.attribution.via === 'link' &&
    attribution.via === 'link' &&
    input.payment.paidAt.getTime() - attribution.since.getTime() > doc.attribution.windowDays * DAY_MS
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

  const lines = doc.rewards
    .map((rule) => evaluateRule(rule, input, partner))
    .filter((line): line is RewardLine => line !== null);
  return { programVersion: program.version, lines, noReward: null };
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
