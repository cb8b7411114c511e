/**
 * Allowances (seed 004, PROGRAMS.md "Allowance"): what a partner may grant its own clients to win a deal — bonus
 * codes that top up the client's balance, and free months of service — within the quotas of the program version
 * in force (`allowances` of the program document). The request and response schemas of the three routes.
 */
import { z } from 'zod';

const clientAccountId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** `POST /api/v1/bonus-codes`: a code worth `amountMinor` kopecks for the partner's client. */
export const BonusCodeBody = z.strictObject({
  clientAccountId,
  amountMinor: z.number().int().positive().max(1e13),
});
export type BonusCodeBody = z.infer<typeof BonusCodeBody>;

/** A calendar month, `YYYY-MM`, of the years the program has (2000–2099). */
export const CalendarMonth = z.string().refine((month) => /^20[0-9]{2}-(0[1-9]|1[0-2])$/.test(month), {
  message: 'must be a month YYYY-MM (2000-01 to 2099-12)',
  params: { ru: 'месяц в виде ГГГГ-ММ (с 2000-01 по 2099-12)' },
});

/** `POST /api/v1/free-months`: the month of service the client gets free. */
export const FreeMonthBody = z.strictObject({ clientAccountId, month: CalendarMonth });
export type FreeMonthBody = z.infer<typeof FreeMonthBody>;

/** What every grant says: to which client, when, and under which program version. */
const GrantOut = z.object({
  id: z.string(),
  clientAccountId: z.number(),
  /** The Moscow calendar quarter whose quota the grant counts against, `2026-Q2`. */
  quarter: z.string(),
  grantedAt: z.string(),
  programVersion: z.number(),
});

export const BonusCodeOut = GrantOut.extend({
  /** What the client types in billing: twelve characters without look-alikes, in groups of four. */
  code: z.string(),
  amountMinor: z.number(),
  currency: z.literal('RUB'),
});
export type BonusCodeOut = z.infer<typeof BonusCodeOut>;

export const FreeMonthOut = GrantOut.extend({ month: z.string() });
export type FreeMonthOut = z.infer<typeof FreeMonthOut>;

/** A quota of the quarter: the limit (null: none), what is used, and what is left (null: no limit). */
const Quota = z.object({ limit: z.number().nullable(), used: z.number(), left: z.number().nullable() });

/** What the program in force says of either allowance: its id and title, the count quota, the limit per client. */
const AllowanceOut = z.object({
  allowanceId: z.string(),
  title: z.object({ ru: z.string(), en: z.string().optional() }),
  count: Quota,
  perClient: z.number().nullable(),
});

/** `GET /api/v1/allowances`: the partner's quotas left this quarter and what it granted. */
export const AllowancesView = z.object({
  programVersion: z.number(),
  quarter: z.string(),
  /** Null when the program in force grants no bonus codes. */
  bonusCodes: AllowanceOut.extend({
    amountMinor: Quota,
    /** Every code the partner granted, newest first. */
    codes: z.array(BonusCodeOut),
  }).nullable(),
  /** Null when the program in force grants no free months. */
  freeMonths: AllowanceOut.extend({
    notAfterTrialMonth: z.boolean(),
    notConsecutive: z.boolean(),
    /**
     * Each client the partner granted a free month: all its free months (whoever granted them: the limits are
     * the client's), and how many more it may get (null: no limit).
     */
    clients: z.array(
      z.object({ clientAccountId: z.number(), months: z.array(z.string()), left: z.number().nullable() }),
    ),
  }).nullable(),
});
export type AllowancesView = z.infer<typeof AllowancesView>;
