import type { z } from 'zod';
import type { Db, Tx } from '../db/pool';
import type { Channel } from '../db/schema';
import { AppError } from '../errors';
import { findPartnerByAccountId } from '../partners/partner.service';
import { programDate } from '../payouts/payout.rules';
import { modelDiscount } from './level.rules';
import { partnerStandingOn } from './level.standing';
import { measureByPartner, measureQuery } from './measure.repository';
import { endOfDay, measureWindow } from './measure.rules';
import {
  DEFAULT_PRESET,
  ProgramDocument,
  type DiscountsView,
  type PartnerTerms,
  type PresetName,
  type PreviewBody,
  type ProgramPut,
  type ProgramVersion,
  type RewardRule,
} from './program';
import { loadPreset } from './program.presets';
import * as repo from './program.repository';
import {
  evaluatePayment,
  levelFor,
  tierFor,
  type Evaluation,
  type EvaluationInput,
  type PayerIdentity,
} from './program.rules';

// The measures other domains sum over (settlements' rebates): one statement for many partners, summed in the database.
export { measureQuery } from './measure.repository';
// The engine's read model for a batch of payments (commissions' batch): one statement for all of them.
export { batchEvaluationFacts, type PinEvaluationFacts } from './program.repository';
// The same read model for a single payment's one read (commissions' lean path), and the version head it reads.
export {
  pinEvaluationFactsOf,
  type PinFactsQuery,
  type PinFactsRow,
  type VersionHead,
} from './program.repository';

/**
 * The first version covers all history, like the program's first rate schedule (2000-01-01): payments
 * reported with old dates are evaluated under it.
 */
const FIRST_VERSION_FROM = new Date('2000-01-01T00:00:00Z');
/** How far in the past a new version may start, for clock skew between the admin's browser and us. */
const PAST_TOLERANCE_MS = 5 * 60 * 1000;

function toVersion(row: repo.ProgramVersionRow): ProgramVersion {
  return {
    version: row.version,
    effectiveFrom: row.effective_from,
    document: ProgramDocument.parse(row.document),
  };
}

/**
 * Stores the configured preset as version 1 on a database that has no program yet (`PROGRAM_PRESET`,
 * default leadsender). A database that already has a program keeps it: the variable only seeds.
 */
export async function ensureProgram(db: Db, preset: PresetName): Promise<void> {
  await repo.insertFirstVersion(db, {
    document: loadPreset(preset),
    effectiveFrom: FIRST_VERSION_FROM,
    createdBy: `preset:${preset}`,
  });
}

/**
 * Validated documents by the digest of their stored JSON: every payment asks for the version in force, and
 * reading, parsing and validating its document each time was most of the reward engine's cost. A digest names
 * one document for good (versions are never edited), so the cache is right across databases and processes;
 * the documents are frozen, so no caller can change what the next one reads.
 */
const documentsByDigest = new Map<string, ProgramDocument>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The program version in force at `at`, seeding the default preset first if the database has none. */
export async function programInForce(db: Db, at: Date, preset: PresetName): Promise<ProgramVersion> {
  let head = await repo.findVersionHeadInForce(db, at);
  if (!head) {
    await ensureProgram(db, preset);
    head = await repo.findVersionHeadInForce(db, at);
  }
  if (!head) throw new AppError('unprocessable', `No program version is in force at ${at.toISOString()}`);
  return programOfHead(db, head);
}

/**
 * The version a head names (`findVersionHeadInForce`, or a statement that read it beside other things), its
 * document from this process's cache, or read once.
 */
export async function programOfHead(db: Db, head: repo.VersionHead): Promise<ProgramVersion> {
  let document = documentsByDigest.get(head.digest);
  if (!document) {
    const row = await repo.findVersion(db, head.version);
    if (!row) throw new AppError('unprocessable', `Program version ${head.version} disappeared`);
    document = deepFreeze(toVersion(row).document);
    documentsByDigest.set(head.digest, document);
  }
  return { version: head.version, effectiveFrom: head.effective_from, document };
}

/**
 * `programInForce` for many dates from one read of the history (a batch of payments): the same choice — the
 * latest `effectiveFrom` at or before the date, the higher version on a tie — without a query and a document
 * parse per payment. The history is as it stood when this was called.
 */
export async function programsInForce(
  db: Db,
  preset: PresetName,
): Promise<(at: Date) => Promise<ProgramVersion>> {
  let history = await programHistory(db);
  if (history.length === 0) {
    await ensureProgram(db, preset);
    history = await programHistory(db);
  }
  // programHistory is ordered by effectiveFrom, then version, both descending: the first match wins.
  return async (at) => {
    const version = history.find((v) => v.effectiveFrom.getTime() <= at.getTime());
    if (!version)
      throw new AppError('unprocessable', `No program version is in force at ${at.toISOString()}`);
    return version;
  };
}

export async function programHistory(db: Db): Promise<ProgramVersion[]> {
  return (await repo.listVersions(db)).map(toVersion);
}

/**
 * Saves a new version from a full document or a preset, in force from `effectiveFrom` (default now). A
 * version never starts in the past: rewards already made keep the version that made them.
 */
export async function saveProgram(
  trx: Tx,
  body: ProgramPut,
  createdBy: string,
  now: Date,
): Promise<ProgramVersion> {
  const effectiveFrom = body.effectiveFrom ? new Date(body.effectiveFrom) : now;
  if (effectiveFrom.getTime() < now.getTime() - PAST_TOLERANCE_MS) {
    throw new AppError('validation_failed', 'A program version cannot start in the past', [
      {
        path: 'effectiveFrom',
        message: 'must not be earlier than now',
        messageRu: 'Дата вступления в силу не может быть в прошлом',
      },
    ]);
  }
  const { preset, effectiveFrom: _ignored, ...rest } = body;
  const document = preset ? loadPreset(preset) : ProgramDocument.parse(rest);
  refuseUnpostedRules(document);
  refuseUnknownNames(document);
  return toVersion(await repo.appendVersion(trx, { document, effectiveFrom, createdBy }));
}

/**
 * What the payment path cannot post is refused rather than stored, each problem naming its rule:
 * - a client's side other than points or a discount on the purchase itself: a client holds no partner's money,
 *   and no endpoint lets billing spend a one-time discount kept for a later purchase;
 * - one partner's rules (its own and its sales manager's bonus) mixing points with money: its lines of a payment
 *   are one commission row, in one or the other; likewise the referrers' rules.
 */
function refuseUnpostedRules(document: ProgramDocument): void {
  const problems: Array<{ path: string; message: string; messageRu: string }> = [];
  document.rewards.forEach((rule, index) => {
    if (rule.beneficiary === 'client' && rule.form !== 'points' && rule.form !== 'discount')
      problems.push({
        path: `rewards.${index}.form`,
        message:
          "a client's reward is points or a discount on the purchase that earns it (billing asks /api/v1/discounts with the code)",
        messageRu: 'Клиенту начисляются баллы или скидка на покупку, за которую он получает вознаграждение',
      });
  });
  const groups: Array<[string, Array<RewardRule['beneficiary']>]> = [
    ['partner', ['partner', 'sales_manager']],
    ['upline', ['upline']],
  ];
  for (const [name, beneficiaries] of groups) {
    const rules = document.rewards.filter((rule) => beneficiaries.includes(rule.beneficiary));
    const inPoints = rules.filter((rule) => rule.form === 'points');
    if (inPoints.length > 0 && inPoints.length < rules.length)
      problems.push({
        path: `rewards.${document.rewards.indexOf(inPoints[0]!)}.form`,
        message: `the "${name}" rules must all be in points or none`,
        messageRu: 'Правила одного получателя начисляют либо только баллы, либо только деньги',
      });
  }
  if (problems.length > 0)
    throw new AppError('validation_failed', 'This program has rewards that payments cannot post', problems);
}

/**
 * Levels and models name each other (seed 004): a kept level and the level demoted to are levels of the document,
 * a model needs a level the document has and falls back to a model it has, and a rule names models and choices
 * that exist. A name that does not resolve would silently give nobody anything, so it is refused, naming the field.
 */
function refuseUnknownNames(document: ProgramDocument): void {
  const problems: Array<{ path: string; message: string; messageRu: string }> = [];
  const levels = new Set(document.levels?.bands.map((b) => b.code) ?? []);
  const models = new Map((document.models ?? []).map((m) => [m.code, m]));
  const unknown = (path: string, what: string, name: string) =>
    problems.push({
      path,
      message: `no ${what} "${name}" in this document`,
      messageRu: `В документе нет ${what === 'level' ? 'уровня' : what === 'model' ? 'модели' : 'варианта'} «${name}»`,
    });
  const keep = document.levels?.keep;
  if (keep) {
    if (!levels.has(keep.level)) unknown('levels.keep.level', 'level', keep.level);
    if (!levels.has(keep.demoteTo)) unknown('levels.keep.demoteTo', 'level', keep.demoteTo);
    if (document.levels!.measure.window !== 'month')
      problems.push({
        path: 'levels.measure.window',
        message: 'levels kept month by month measure calendar months: "month"',
        messageRu: 'Уровни с ежемесячной проверкой считают выручку за календарный месяц: "month"',
      });
  }
  (document.models ?? []).forEach((model, index) => {
    if (model.level !== undefined && !levels.has(model.level))
      unknown(`models.${index}.level`, 'level', model.level);
    if (model.belowLevel !== undefined && !models.has(model.belowLevel))
      unknown(`models.${index}.belowLevel`, 'model', model.belowLevel);
  });
  document.rewards.forEach((rule, index) => {
    rule.models?.forEach((name, at) => {
      if (!models.has(name)) unknown(`rewards.${index}.models.${at}`, 'model', name);
    });
    if (
      rule.choice !== undefined &&
      !(rule.models ?? []).some((name) => models.get(name)?.choices?.includes(rule.choice!))
    )
      unknown(`rewards.${index}.choice`, 'choice', rule.choice);
  });
  if (problems.length > 0)
    throw new AppError('validation_failed', 'This program names levels or models it does not have', problems);
}

/**
 * The referrers a program's upline rules reach above `partnerId` (multi-level, seed 002), nearest first; none
 * under a program without upline rules, so single-level programs pay no look-up for them. The depth counts the
 * attributed partner too (depth 2: its referrer only), 2 when the program sets none.
 */
async function uplinesFor(db: Db, doc: ProgramDocument, partnerId: string) {
  if (!doc.rewards.some((rule) => rule.beneficiary === 'upline')) return [];
  return repo.uplinesOf(db, partnerId, (doc.policies.multiLevel?.depth ?? 2) - 1);
}

/**
 * The guarantee period of the version that made a reward: a refund within it reverses the reward in full
 * (seed 000's 30 days). Rewards made before versions were recorded (`null`) have none.
 */
export async function guaranteeDaysOf(db: Db, version: number | null): Promise<number | undefined> {
  if (version === null) return undefined;
  const row = await repo.findVersion(db, version);
  return row ? toVersion(row).document.policies.fullReversalWithinDays : undefined;
}

type PayoutPolicy = ProgramDocument['policies']['payout'];

/** The payout policy (days, minimum, hold, who may be paid) of the version in force at `at`. */
export async function payoutPolicyInForce(db: Db, at: Date, preset: PresetName): Promise<PayoutPolicy> {
  return (await programInForce(db, at, preset)).document.policies.payout;
}

/**
 * A change of the payout policy alone (the admin's settings form): a new program version, in force from now,
 * that differs from the one in force only in `policies.payout`.
 */
export async function amendPayoutPolicy(
  trx: Tx,
  patch: Partial<PayoutPolicy>,
  createdBy: string,
  now: Date,
  preset: PresetName,
): Promise<ProgramVersion> {
  const { document } = await programInForce(trx, now, preset);
  const policies = { ...document.policies, payout: { ...document.policies.payout, ...patch } };
  return saveProgram(trx, { ...document, policies, effectiveFrom: now.toISOString() }, createdBy, now);
}

/**
 * What a payment would earn now under the program in force at its date, for the partner named or the one the
 * client is pinned to on that date; writes nothing (`POST /api/v1/admin/program/preview`).
 */
export async function previewPayment(
  db: Db,
  payment: PreviewBody,
  preset: PresetName,
): Promise<{ partnerId: string | null; evaluation: Evaluation }> {
  const paidAt = payment.paidAt ? new Date(payment.paidAt) : new Date();
  const program = await programInForce(db, paidAt, preset);
  const facts = await repo.evaluationFacts(db, {
    clientAccountId: payment.clientAccountId,
    partnerId: payment.partnerId,
    channel: payment.channel,
    at: paidAt,
  });
  if (payment.partnerId && !facts.partner) throw new AppError('not_found', 'No such partner');
  const standing = await modelStanding(db, program.document, facts.partner, paidAt, payment.clientAccountId);
  const input: EvaluationInput = {
    program,
    payment: {
      grossMinor: BigInt(payment.grossMinor),
      channel: payment.channel,
      paidAt,
      productCode: payment.productCode ?? null,
      payer: payment.payer,
    },
    attribution: facts.partner ? { via: 'pin', since: facts.attributedSince ?? paidAt } : null,
    partner: facts.partner && { ...facts.partner, model: standing.model },
    uplines: facts.partner ? await uplinesFor(db, program.document, facts.partner.id) : [],
    client: {
      accountId: payment.clientAccountId,
      paidOrdersBefore: facts.clientPaidOrdersBefore,
      rewardChoice: standing.choice,
    },
  };
  return { partnerId: facts.partner?.id ?? null, evaluation: evaluatePayment(input) };
}

/**
 * Under a program with models (seed 004): the model the partner earns on at the payment's date (its level
 * considered) and its reward choice for the client, read in one small query; nothing under other programs.
 */
async function modelStanding(
  db: Db,
  doc: ProgramDocument,
  partner: { id: string } | null,
  paidAt: Date,
  clientAccountId: number,
): Promise<{ model: string | null; choice: string | null }> {
  if (!doc.models || !partner) return { model: null, choice: null };
  const s = await partnerStandingOn(db, doc, partner.id, programDate(paidAt), clientAccountId);
  return { model: s.earnsAs, choice: s.choice };
}

/** Which of the costlier facts a program's rules read: the partner's level, the client's earlier orders. */
export function factsNeeded(doc: ProgramDocument): { level: boolean; clientHistory: boolean } {
  return {
    level: doc.levels !== undefined && doc.rewards.some((rule) => rule.levelMultiplier),
    clientHistory:
      doc.binding.earns === 'first_order' || doc.rewards.some((rule) => rule.on === 'first_payment'),
  };
}

/**
 * Evaluates a payment attributed to `partnerId` (by the client's pin, or by a partner link's click) under the
 * program version in force on its date — the commission step of the payment path, and the reward of a net
 * invoice. Reads, never writes (but for seeding the default preset on a database that has no program yet).
 */
export async function evaluateAttributedPayment(
  db: Db,
  p: {
    partnerId: string;
    attribution: { via: 'pin' | 'link' | 'code'; since: Date };
    clientAccountId: number;
    grossMinor: bigint;
    channel: Channel;
    paidAt: Date;
    productCode: string | null;
    payer?: PayerIdentity;
    orderPaidBefore?: boolean;
    /** The price before billing's discount, when it applied one. */
    listMinor?: bigint | null;
    /** The version in force when the caller has read it already; else it is read (seeding `preset`). */
    program?: ProgramVersion;
    preset?: PresetName;
  },
): Promise<Evaluation> {
  const program = p.program ?? (await programInForce(db, p.paidAt, p.preset ?? DEFAULT_PRESET));
  const facts = await repo.evaluationFacts(db, {
    clientAccountId: p.clientAccountId,
    partnerId: p.partnerId,
    channel: p.channel,
    at: p.paidAt,
    need: factsNeeded(program.document),
  });
  const standing = await modelStanding(db, program.document, facts.partner, p.paidAt, p.clientAccountId);
  return evaluatePayment(
    attributedEvaluationInput(p, program, {
      partner: facts.partner && { ...facts.partner, model: standing.model },
      uplines: await uplinesFor(db, program.document, p.partnerId),
      clientPaidOrdersBefore: facts.clientPaidOrdersBefore,
      rewardChoice: standing.choice,
    }),
  );
}

/** An attributed payment as `evaluateAttributedPayment` describes it, for the pure engine. */
type AttributedPayment = Pick<
  Parameters<typeof evaluateAttributedPayment>[1],
  | 'attribution'
  | 'clientAccountId'
  | 'grossMinor'
  | 'channel'
  | 'paidAt'
  | 'productCode'
  | 'payer'
  | 'orderPaidBefore'
  | 'listMinor'
>;

/**
 * The engine's input for an attributed payment once its facts are read: the single path reads them for one
 * payment (`evaluateAttributedPayment`), a batch for all of its payments at once (`batchEvaluationFacts`).
 */
export function attributedEvaluationInput(
  p: AttributedPayment,
  program: ProgramVersion,
  facts: {
    partner: EvaluationInput['partner'];
    uplines: NonNullable<EvaluationInput['uplines']>;
    clientPaidOrdersBefore: number;
    rewardChoice: string | null;
  },
): EvaluationInput {
  return {
    program,
    payment: {
      grossMinor: p.grossMinor,
      channel: p.channel,
      paidAt: p.paidAt,
      productCode: p.productCode,
      // The paying account is part of who paid: the partner's own account is a self-purchase.
      payer: { ...p.payer, accountId: p.clientAccountId },
      orderPaidBefore: p.orderPaidBefore,
      listMinor: p.listMinor,
    },
    attribution: p.attribution,
    partner: facts.partner,
    uplines: facts.uplines,
    client: {
      accountId: p.clientAccountId,
      paidOrdersBefore: facts.clientPaidOrdersBefore,
      rewardChoice: facts.rewardChoice,
    },
  };
}

/**
 * The partner's level now under `doc` (null when the program has none): the band its lifetime earning orders
 * reach, and how many more the next band needs. `GET /api/v1/program` and the order statistics show it.
 */
export async function partnerLevelNow(
  db: Db,
  partner: { id: string; accountId: number },
  doc: ProgramDocument,
  now: Date,
): Promise<z.infer<typeof PartnerTerms>['level']> {
  // Exam-or-revenue levels (seed 004) are not bands of a measure: `levelKeep` of the terms shows them.
  if (!doc.levels || doc.levels.keep) return null;
  const facts = await repo.evaluationFacts(db, {
    clientAccountId: partner.accountId,
    partnerId: partner.id,
    channel: 'vendor_direct',
    at: now,
  });
  const measure = facts.partner?.levelMeasureBefore ?? 0;
  const current = levelFor({ ...doc.levels, appliesFrom: 'next_order' }, measure);
  const next = doc.levels.bands.filter((b) => b.min > measure).sort((a, b) => a.min - b.min)[0];
  return {
    code: current.code,
    title: current.title,
    measure,
    next: next ? { code: next.code, title: next.title, min: next.min, remaining: next.min - measure } : null,
  };
}

/**
 * The level code a reward of `version` was made at: the band the partner's earlier orders reached, when the
 * rule that made it (`ruleId`, rules joined by "+") applies the level multiplier; else null.
 */
export function rewardLevelCode(
  version: ProgramVersion | undefined,
  ruleId: string | null,
  measureBefore: number,
): string | null {
  const doc = version?.document;
  if (!doc?.levels || !ruleId) return null;
  const ids = ruleId.split('+');
  const levelled = doc.rewards.some((rule) => ids.includes(rule.id) && rule.levelMultiplier);
  return levelled ? levelFor(doc.levels, measureBefore).code : null;
}

/**
 * The discounts in force for `accountId` on the Moscow date `on` (seed 003, `GET /api/v1/discounts/:accountId`):
 * under a program whose partners pay for themselves (`attribution: self`) and whose rewards come from a tier
 * table, the tier the account's partner reached with its measure over the window ending that day — computed from
 * the payments and refunds as they stood on that day, so any past day answers as it did then. No discount for an
 * account that is no active partner, or under a program without tiers.
 */
export async function discountsOn(
  db: Db,
  accountId: number,
  on: string,
  preset: PresetName,
): Promise<DiscountsView> {
  const answer = await discountAnswerOn(db, accountId, on, preset);
  const { doc, none } = answer;
  const tiers = tiersOf(doc);
  if (!tiers) return doc.models ? modelDiscountOn(db, answer, accountId, on) : none;
  const partner = await findPartnerByAccountId(db, accountId);
  if (!partner || partner.status !== 'active') return none;
  const standing = await tierStanding(db, partner.id, tiers, on);
  if (!standing.band) return none;
  return answer.grant(standing.discounts, {
    kind: 'tier',
    partnerId: partner.id,
    measureMinor: standing.measureMinor,
    window: standing.window,
    bandMinMinor: standing.band.minMinor,
    next: standing.next,
  });
}

/**
 * The discount a partner's model gives it on its own purchases on the Moscow date `on` (seed 004: a Reseller 12 %, a
 * White Label 27 %, on every category): the model in force that day, as the partner's level that day makes it (a
 * White Label demoted to Basic gets the Reseller's). None for an account that is no active partner, or whose model
 * pays in money.
 */
async function modelDiscountOn(
  db: Db,
  { doc, none, grant }: DiscountAnswer,
  accountId: number,
  on: string,
): Promise<DiscountsView> {
  const partner = await findPartnerByAccountId(db, accountId);
  if (!partner || partner.status !== 'active') return none;
  const standing = await partnerStandingOn(db, doc, partner.id, on, null);
  const discount = modelDiscount(doc.rewards, standing.earnsAs);
  if (!discount || !standing.earnsAs) return none;
  return grant([{ category: '*', discountBps: discount.discountBps }], {
    kind: 'model',
    partnerId: partner.id,
    model: standing.earnsAs,
    level: standing.level,
    ruleId: discount.ruleId,
  });
}

/** How billing is answered about one account's discounts on one day, under the program in force that day. */
export interface DiscountAnswer {
  /** The program document in force on that day. */
  doc: ProgramDocument;
  /** Nothing: no discount, and nothing said about other promotions. */
  none: DiscountsView;
  /** These discounts, for this reason; whether they exclude other promotions is the program's to say. */
  grant(discounts: DiscountsView['discounts'], reason: NonNullable<DiscountsView['reason']>): DiscountsView;
}

/** The answer to billing for `accountId` on the Moscow date `on`: the one place a discount answer is built. */
export async function discountAnswerOn(
  db: Db,
  accountId: number,
  on: string,
  preset: PresetName,
): Promise<DiscountAnswer> {
  const program = await programInForce(db, endOfDay(on), preset);
  const doc = program.document;
  const none: DiscountsView = {
    accountId,
    on,
    programVersion: program.version,
    discounts: [],
    reason: null,
    excludesOtherPromotions: false,
  };
  return {
    doc,
    none,
    grant: (discounts, reason) => ({
      ...none,
      discounts,
      reason,
      excludesOtherPromotions: doc.policies.excludesOtherPromotions,
    }),
  };
}

/** The tier table of a program whose partners pay for themselves (seed 003), or null for any other program. */
export function tiersOf(doc: ProgramDocument): NonNullable<ProgramDocument['tiers']> | null {
  return doc.tiers && doc.attribution.via === 'self' ? doc.tiers : null;
}

/**
 * Where a partner stands in the program's tier table on the Moscow date `on`: its measure over the window that
 * ends that day, the band it reached (null below the lowest) with the discount per category, and the next band
 * with how much more the window needs for it.
 */
export async function tierStanding(
  db: Db,
  partnerId: string,
  tiers: NonNullable<ProgramDocument['tiers']>,
  on: string,
) {
  const measured = await measureByPartner(db, {
    measure: tiers.measure,
    subject: 'own_payments',
    asOf: on,
    partnerIds: [partnerId],
  });
  const measureMinor = measured.get(partnerId) ?? 0n;
  const band = tierFor(tiers.bands, measureMinor);
  const next = tiers.bands
    .filter((b) => BigInt(b.minMinor) > measureMinor)
    .sort((a, b) => a.minMinor - b.minMinor)[0];
  return {
    measureMinor: Number(measureMinor),
    window: measureWindow(tiers.measure.window, on),
    band,
    discounts: band
      ? tiers.categories.map((category) => ({ category, discountBps: band.valuesBps[category] ?? 0 }))
      : [],
    next: next
      ? { minMinor: next.minMinor, remainingMinor: Number(BigInt(next.minMinor) - measureMinor) }
      : null,
  };
}

/**
 * Records every partner's tier on the Moscow date `on` (seed 003: "recomputed daily"): the measure over the window
 * that ends that day and the band each reached, measured and written in one statement in the database (no row
 * per partner comes into Node, so memory is flat in the partner count). Run by the daily job for the day that
 * just ended and by `POST /api/v1/admin/program/settle` for any past day; a rerun for the same day changes nothing
 * once the day is over. Partners with nothing in the window get no row (no
 * tier). Returns how many partners were recorded; 0 under a program without tiers.
 */
export async function recordTiers(trx: Tx, on: string, preset: PresetName): Promise<number> {
  const program = await programInForce(trx, endOfDay(on), preset);
  const tiers = tiersOf(program.document);
  if (!tiers) return 0;
  const bands = tiers.bands.map((band) => ({
    minMinor: band.minMinor,
    discounts: tiers.categories.map((category) => ({ category, discountBps: band.valuesBps[category] ?? 0 })),
  }));
  const measured = measureQuery({ measure: tiers.measure, subject: 'own_payments', asOf: on });
  return repo.upsertTierDays(trx, on, program.version, measured, bands);
}
