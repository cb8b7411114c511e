/**
 * The pure rules of allowances (seed 004, items 12 and 13): whether a partner may grant its client a bonus code or
 * a free month under the program's `allowances`, and if not, which rule refuses it, in words. Plain values in and
 * out: the counts come from the database under the partner's and the client's locks (allowance.service.ts).
 *
 * Calendar: Moscow time, UTC+3 all year. A quarter is the Moscow calendar quarter of the moment a grant is made
 * ('2026-Q2'); a month is `YYYY-MM`.
 */
import type { z } from 'zod';
import { formatRub } from '../documents/money-words';
import type { Allowance } from '../programs/program';
import { programDate } from '../payouts/payout.rules';

export type AllowanceTerms = z.infer<typeof Allowance>;
export type AllowanceKind = AllowanceTerms['kind'];

/** The field of the request a refusal is about; `body` when it is about no one field (a quota of the quarter). */
export type RefusedField = 'amountMinor' | 'month' | 'clientAccountId' | 'body';

/** Why a grant is refused: the rule (its place in the program document), the field, and the words. */
export interface Refusal {
  rule: string;
  path: RefusedField;
  message: string;
  messageRu: string;
}

/** The program's allowance of this kind: the first one the document lists, or null when it grants none. */
export function allowanceOf(
  allowances: readonly AllowanceTerms[] | undefined,
  kind: AllowanceKind,
): AllowanceTerms | null {
  return allowances?.find((a) => a.kind === kind) ?? null;
}

/** The Moscow calendar quarter of an instant: `2026-Q2`. */
export function quarterOf(at: Date): string {
  const date = programDate(at);
  return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** The Moscow calendar month of an instant: `2026-04`. */
export function monthOf(at: Date): string {
  return programDate(at).slice(0, 7);
}

const monthIndex = (month: string): number => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

/** `month` moved by `n` months: `addMonths('2026-12', 1)` → `2027-01`. */
export function addMonths(month: string, n: number): string {
  const i = monthIndex(month) + n;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/**
 * The client's trial month: the Moscow calendar month in which its first pin took effect. Seed 004 gives Referral
 * and Reseller clients 14 days of testing from when they come to a partner; we know when that was (the pin's
 * start), not when billing's trial began, so the pin stands for it. The earliest pin of the client counts (with any
 * partner): a transfer to another partner starts no new trial. Null for a client that was never pinned.
 */
export function trialMonthOf(pinStarts: readonly Date[]): string | null {
  if (pinStarts.length === 0) return null;
  return monthOf(new Date(Math.min(...pinStarts.map((d) => d.getTime()))));
}

/** What the partner used of a quarterly quota: codes or months granted, and the codes' total in kopecks. */
export interface QuarterUse {
  count: number;
  amountMinor: bigint;
}

/** A count quota left: null when the program sets no such limit; never below zero (a limit lowered mid-quarter). */
export function countLeft(limit: number | undefined, used: number): number | null {
  return limit === undefined ? null : Math.max(0, limit - used);
}

/** An amount quota left in kopecks, never below zero. */
export function amountLeft(limit: bigint, used: bigint): bigint {
  return limit > used ? limit - used : 0n;
}

/** «в I квартале 2026 г.», «во II квартале 2026 г.» (во втором), … */
const QUARTER_RU: Record<string, string> = { Q1: 'в I', Q2: 'во II', Q3: 'в III', Q4: 'в IV' };
const inQuarterRu = (quarter: string) => `${QUARTER_RU[quarter.slice(5)]} квартале ${quarter.slice(0, 4)} г.`;

/** The per-client count of either kind: one code per client, two free months per client (seed 004). */
function perClientRefusal(allowance: AllowanceTerms, granted: number, thing: string, thingRu: string) {
  const limit = allowance.perClient?.count;
  if (limit === undefined || granted < limit) return null;
  return {
    rule: `allowances.${allowance.kind}.perClient.count`,
    path: 'clientAccountId',
    message: `allowances.${allowance.kind}.perClient.count: ${limit} ${thing} per client, ${granted} granted to this client`,
    messageRu: `Клиенту можно не больше ${limit} ${thingRu}: уже предоставлено ${granted}`,
  } satisfies Refusal;
}

/** The partner's count per quarter of either kind: 10 codes a quarter (seed 004). */
function perQuarterCountRefusal(
  allowance: AllowanceTerms,
  quarter: string,
  used: number,
  thing: string,
  thingRu: string,
) {
  const limit = allowance.perPartnerPerQuarter?.count;
  if (limit === undefined || used < limit) return null;
  return {
    rule: `allowances.${allowance.kind}.perPartnerPerQuarter.count`,
    path: 'body',
    message: `allowances.${allowance.kind}.perPartnerPerQuarter.count: ${limit} ${thing} per quarter, ${used} granted in ${quarter}`,
    messageRu: `Не больше ${limit} ${thingRu} в квартал: ${inQuarterRu(quarter)} уже предоставлено ${used}`,
  } satisfies Refusal;
}

/**
 * Whether the partner may grant its client a bonus code of `amountMinor` now (seed 004 item 12): one code per client
 * (ever, whoever granted it: «один клиент может использовать только один бонусный код»), at most `count` codes and
 * `amountMinor` in total per partner per quarter. The first rule that refuses is named; null when none does.
 */
export function bonusCodeRefusal(input: {
  allowance: AllowanceTerms;
  amountMinor: bigint;
  quarter: string;
  used: QuarterUse;
  clientCodes: number;
}): Refusal | null {
  const { allowance, amountMinor, quarter, used } = input;
  const byClient = perClientRefusal(allowance, input.clientCodes, 'code(s)', 'бонусных кодов');
  if (byClient) return byClient;
  const byCount = perQuarterCountRefusal(allowance, quarter, used.count, 'codes', 'бонусных кодов');
  if (byCount) return byCount;
  const limit = allowance.perPartnerPerQuarter?.amountMinor;
  if (limit !== undefined && used.amountMinor + amountMinor > BigInt(limit)) {
    const quota = BigInt(limit);
    return {
      rule: `allowances.${allowance.kind}.perPartnerPerQuarter.amountMinor`,
      path: 'amountMinor',
      message:
        `allowances.${allowance.kind}.perPartnerPerQuarter.amountMinor: ${formatRub(quota)} per quarter, ` +
        `${formatRub(used.amountMinor)} used in ${quarter}, ${formatRub(amountLeft(quota, used.amountMinor))} left`,
      messageRu:
        `Бонусных кодов в квартал — не больше чем на ${formatRub(quota)}: ${inQuarterRu(quarter)} выдано на ` +
        `${formatRub(used.amountMinor)}, осталось ${formatRub(amountLeft(quota, used.amountMinor))}`,
    };
  }
  return null;
}

/**
 * Whether the partner may grant its client `month` free (seed 004 item 13): at most `perClient.count` months per
 * client; never the month right after the client's trial month; never two in a row (at least one paid calendar
 * month between two free ones); a month once; and, a decision of ours, not a month already past. The first rule
 * that refuses is named; null when none does.
 */
export function freeMonthRefusal(input: {
  allowance: AllowanceTerms;
  month: string;
  /** The Moscow month now: a free month is granted ahead or for the month running, never for one that ended. */
  currentMonth: string;
  trialMonth: string | null;
  /** The client's free months already granted (by any partner: the limits are the client's). */
  clientMonths: readonly string[];
  quarter: string;
  usedInQuarter: number;
}): Refusal | null {
  const { allowance, month, trialMonth, clientMonths } = input;
  const kind = allowance.kind;
  const byClient = perClientRefusal(allowance, clientMonths.length, 'free month(s)', 'бесплатных месяцев');
  if (byClient) return byClient;
  if (month < input.currentMonth)
    return {
      rule: `allowances.${kind}.month`,
      path: 'month',
      message: `allowances.${kind}.month: ${month} has passed; a free month is this month (${input.currentMonth}) or later`,
      messageRu: `Месяц ${month} уже прошёл: бесплатным может быть текущий месяц (${input.currentMonth}) или следующие`,
    };
  if (clientMonths.includes(month))
    return {
      rule: `allowances.${kind}.month`,
      path: 'month',
      message: `allowances.${kind}.month: ${month} is already a free month of this client`,
      messageRu: `Месяц ${month} уже предоставлен клиенту бесплатно`,
    };
  if (allowance.notAfterTrialMonth && trialMonth !== null && month === addMonths(trialMonth, 1))
    return {
      rule: `allowances.${kind}.notAfterTrialMonth`,
      path: 'month',
      message: `allowances.${kind}.notAfterTrialMonth: ${month} is the month right after the trial month ${trialMonth}`,
      messageRu: `Бесплатным не может быть месяц, следующий за тестовым (${trialMonth})`,
    };
  const adjacent = allowance.notConsecutive
    ? clientMonths.find((m) => m === addMonths(month, -1) || m === addMonths(month, 1))
    : undefined;
  if (adjacent !== undefined)
    return {
      rule: `allowances.${kind}.notConsecutive`,
      path: 'month',
      message: `allowances.${kind}.notConsecutive: ${month} is next to the free month ${adjacent}; free months need a paid month between them`,
      messageRu: `Бесплатные месяцы не могут идти подряд: ${adjacent} уже бесплатный, нужен перерыв не меньше календарного месяца`,
    };
  return perQuarterCountRefusal(
    allowance,
    input.quarter,
    input.usedInQuarter,
    'free months',
    'бесплатных месяцев',
  );
}
