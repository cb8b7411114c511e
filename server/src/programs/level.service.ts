/**
 * Levels and models of a program (seed 004, Oblakoteka): the monthly level review of every partner, exams, model
 * history and a Referral partner's reward choice per client, and the partner's view of its level. The review
 * measures each calendar month once for all partners (`measure.repository.ts`, one statement per month and subject)
 * and decides in the pure `level.rules.ts`; payments are never loaded into Node.
 */
import type { Db, Tx } from '../db/pool';
import { AppError } from '../errors';
import { findPartnerById } from '../partners/partner.service';
import { programDate } from '../payouts/payout.rules';
import * as repo from './level.repository';
import {
  completeMonths,
  monthBounds,
  reviewLevels as review,
  type LevelReview,
  type MonthMeasure,
} from './level.rules';
import { partnerStandingOn } from './level.standing';
import { measureByPartner } from './measure.repository';
import { endOfDay, measureWindow } from './measure.rules';
import type { PresetName, ProgramDocument, ProgramVersion } from './program';
import { programInForce, programsInForce } from './program.service';

type Keep = NonNullable<NonNullable<ProgramDocument['levels']>['keep']>;

/** The level rules of a program version, or null when its levels are not exam-or-revenue ones. */
function keepOf(doc: ProgramDocument): { levels: NonNullable<ProgramDocument['levels']>; keep: Keep } | null {
  return doc.levels?.keep ? { levels: doc.levels, keep: doc.levels.keep } : null;
}

/**
 * The revenue of partners in one calendar month, summed over the program's subjects (own payments and/or attributed
 * clients' payments), as of the month's last day: one statement per subject for all the partners asked.
 */
async function monthRevenue(
  db: Db,
  levels: NonNullable<ProgramDocument['levels']>,
  keep: Keep,
  asOf: string,
  partnerIds?: readonly string[],
): Promise<Map<string, bigint>> {
  const totals = new Map<string, bigint>();
  for (const subject of keep.revenueOf) {
    const measured = await measureByPartner(db, {
      measure: { ...levels.measure, window: 'month' },
      subject,
      asOf,
      partnerIds,
    });
    for (const [id, value] of measured) totals.set(id, (totals.get(id) ?? 0n) + value);
  }
  return totals;
}

/**
 * Reviews the levels of the contracted partners (all, or those named) as of the Moscow date `asOf` under `program`
 * (the version in force that day): every complete month since the earliest contract is measured once for all of
 * them, each month against the minimum of the version in force at its end.
 */
async function reviewPartners(
  db: Db,
  asOf: string,
  program: ProgramVersion,
  preset: PresetName,
  partnerIds?: readonly string[],
): Promise<Map<string, LevelReview>> {
  const rules = keepOf(program.document)!;
  const partners = await repo.contractedPartners(db, asOf, partnerIds);
  const reviews = new Map<string, LevelReview>();
  if (partners.length === 0) return reviews;
  const exams = await repo.examDatesUpTo(db, asOf, partnerIds);
  const earliest = partners.reduce((min, p) => (p.contractDate < min ? p.contractDate : min), asOf);
  const versionAt = await programsInForce(db, preset);
  const byPartner = new Map<string, Map<string, MonthMeasure>>();
  for (const month of completeMonths(earliest, asOf)) {
    const { lastDate } = monthBounds(month);
    const keepThen = (await versionAt(endOfDay(lastDate))).document.levels?.keep ?? rules.keep;
    const minMinor = BigInt(keepThen.monthlyMinMinor);
    for (const [id, measureMinor] of await monthRevenue(db, rules.levels, rules.keep, lastDate, partnerIds)) {
      const months = byPartner.get(id) ?? new Map<string, MonthMeasure>();
      months.set(month, { measureMinor, minMinor });
      byPartner.set(id, months);
    }
  }
  const keep = { ...rules.keep, perkPaidAfterMonths: rules.keep.freePerk?.paidAfterMonths };
  for (const p of partners)
    reviews.set(
      p.id,
      review({
        keep,
        contractDate: p.contractDate,
        examDates: exams.get(p.id) ?? [],
        months: byPartner.get(p.id) ?? new Map(),
        defaultMinMinor: BigInt(rules.keep.monthlyMinMinor),
        asOf,
      }),
    );
  return reviews;
}

/**
 * The monthly level review (seed 004), for every month up to the Moscow date `asOf`: records each contracted
 * partner's level history as the review finds it (`partner_levels`). Run daily by the job for the day that ended
 * and by `POST /api/v1/admin/program/settle`, next to `recordTiers`; idempotent — a rerun, or a review of a past
 * that was already right, changes nothing. Returns the history rows written or removed; 0 under a program without
 * exam-or-revenue levels.
 */
export async function reviewLevels(
  trx: Tx,
  asOf: string,
  preset: PresetName,
  partnerIds?: readonly string[],
): Promise<number> {
  const program = await programInForce(trx, endOfDay(asOf), preset);
  if (!keepOf(program.document)) return 0;
  const reviews = await reviewPartners(trx, asOf, program, preset, partnerIds);
  const rows = [...reviews].flatMap(([partnerId, r]) => r.events.map((e) => ({ partnerId, ...e })));
  return repo.replaceLevelHistory(trx, {
    asOf,
    programVersion: program.version,
    partnerIds: partnerIds ?? null,
    rows,
  });
}

async function partnerOrThrow(db: Db, partnerId: string) {
  const partner = await findPartnerById(db, partnerId);
  if (!partner) throw new AppError('not_found', 'No such partner');
  return partner;
}

/**
 * Records an exam the partner passed (a Moscow date up to today), once per day, and reviews its levels up to today
 * at once: a demoted partner is back at the kept level from the exam's day.
 */
export async function recordExam(
  trx: Tx,
  partnerId: string,
  passedOn: string,
  today: string,
  preset: PresetName,
): Promise<{ created: boolean; exams: string[]; levelChanges: number }> {
  await partnerOrThrow(trx, partnerId);
  const created = await repo.insertExam(trx, partnerId, passedOn);
  const levelChanges = await reviewLevels(trx, today, preset, [partnerId]);
  return { created, exams: await repo.examDatesOf(trx, partnerId), levelChanges };
}

/**
 * Sets the partner's model from a Moscow date on (seed 004); the model must be one of the program in force then.
 * A second change on the same day replaces the first.
 */
export async function setModel(
  trx: Tx,
  partnerId: string,
  model: string,
  fromDate: string,
  preset: PresetName,
): Promise<{ model: string; fromDate: string; history: Array<{ model: string; fromDate: string }> }> {
  await partnerOrThrow(trx, partnerId);
  const { document } = await programInForce(trx, endOfDay(fromDate), preset);
  if (!document.models?.some((m) => m.code === model))
    throw new AppError('unprocessable', 'The program in force has no such model', [
      {
        path: 'model',
        message: `must be one of the program's models: ${(document.models ?? []).map((m) => m.code).join(', ') || 'none'}`,
        messageRu: 'В программе нет такой модели партнёрства',
      },
    ]);
  await repo.upsertModel(trx, partnerId, fromDate, model);
  return { model, fromDate, history: await repo.modelHistoryOf(trx, partnerId) };
}

/**
 * A partner's reward choice for one of its clients (seed 004 Referral: 10 % monthly, or 100 % of the first month
 * once), under the model it earns on today. Fixed once the client has paid: a choice made after the first month
 * would take both.
 */
export async function chooseReward(
  trx: Tx,
  partnerId: string,
  clientAccountId: number,
  choice: string,
  now: Date,
  preset: PresetName,
): Promise<{ clientAccountId: number; choice: string; model: string }> {
  const today = programDate(now);
  const { document } = await programInForce(trx, now, preset);
  const standing = await partnerStandingOn(trx, document, partnerId, today, clientAccountId);
  const choices = document.models?.find((m) => m.code === standing.earnsAs)?.choices;
  if (!choices || !standing.earnsAs)
    throw new AppError('unprocessable', "The partner's model has no reward choice per client");
  if (!choices.includes(choice))
    throw new AppError('unprocessable', 'No such choice', [
      {
        path: 'choice',
        message: `must be one of: ${choices.join(', ')}`,
        messageRu: 'Такого варианта вознаграждения нет',
      },
    ]);
  if (await repo.clientHasPaid(trx, clientAccountId))
    throw new AppError('conflict', 'The client has paid already: its reward choice is fixed');
  await repo.upsertRewardChoice(trx, partnerId, clientAccountId, choice);
  return { clientAccountId, choice, model: standing.earnsAs };
}

const titleOf = (doc: ProgramDocument, level: string) =>
  doc.levels?.bands.find((b) => b.code === level)?.title ?? { ru: level };

/**
 * The partner's standing under exam-or-revenue levels today (`GET /api/v1/program`): its level and history as the
 * review finds them now, this month's revenue against the minimum, the months left before a demotion, its exams,
 * the free perk's paid-from date; and its model. Null under a program without such levels and models.
 */
export async function partnerLevelTerms(
  db: Db,
  partnerId: string,
  program: ProgramVersion,
  now: Date,
  preset: PresetName,
) {
  const doc = program.document;
  const today = programDate(now);
  const rules = keepOf(doc);
  let levelKeep = null;
  if (rules) {
    const found = (await reviewPartners(db, today, program, preset, [partnerId])).get(partnerId);
    const month = measureWindow('month', today)!;
    const revenueMinor =
      (await monthRevenue(db, rules.levels, rules.keep, today, [partnerId])).get(partnerId) ?? 0n;
    const minMinor = BigInt(rules.keep.monthlyMinMinor);
    const exams = await repo.examDatesOf(db, partnerId);
    levelKeep = {
      code: found?.level ?? null,
      title: found?.level ? titleOf(doc, found.level) : null,
      since: found?.since ?? null,
      history: (found?.events ?? []).map((e) => ({ ...e, title: titleOf(doc, e.level) })),
      month: {
        ...month,
        revenueMinor: Number(revenueMinor),
        minMinor: Number(minMinor),
        remainingMinor: Number(revenueMinor >= minMinor ? 0n : minMinor - revenueMinor),
      },
      examsPassedOn: exams.filter((d) => d <= today),
      missedMonths: found?.missedMonths ?? 0,
      monthsLeft: found?.monthsLeft ?? null,
      freePerk: rules.keep.freePerk
        ? { title: rules.keep.freePerk.title, paidFrom: found?.perkPaidFrom ?? null }
        : null,
    };
  }
  let model = null;
  if (doc.models) {
    const standing = await partnerStandingOn(db, doc, partnerId, today, null);
    const history = await repo.modelHistoryOf(db, partnerId);
    const titled = (code: string | null) => doc.models?.find((m) => m.code === code)?.title ?? null;
    model = {
      code: standing.model,
      title: titled(standing.model),
      earnsAs: standing.earnsAs,
      earnsAsTitle: titled(standing.earnsAs),
      since: [...history].reverse().find((h) => h.fromDate <= today)?.fromDate ?? null,
      history: history.filter((h) => h.fromDate <= today),
    };
  }
  return { levelKeep, model };
}
