/**
 * Points of a client account (seed 002's two-sided rewards): the new client's side of a referral is credited as
 * points on its amoCRM account; the vendor's billing asks how much of a purchase they may pay (at most the
 * program's share, 20 % in the `referral` preset) and reports each redemption, idempotently by its id.
 */
import { z } from 'zod';

const minor = z.number().int().positive().max(1e13);

/** `GET /api/v1/points/:accountId?purchaseMinor=`: the purchase billing is about to take payment for. */
export const PointsQuery = z.strictObject({
  purchaseMinor: z.coerce.number().int().positive().max(1e13).optional(),
});

export const PointsView = z.object({
  accountId: z.number(),
  currency: z.literal('RUB'),
  /** Points left in kopecks: a point is worth 1 ₽, so 40 000 is 400 points; below zero after a refund clawed back spent points. */
  balanceMinor: z.number(),
  /** The most of `purchaseMinor` points may pay; null when no purchase was named. */
  purchaseMinor: z.number().nullable(),
  redeemableMinor: z.number().nullable(),
  /** The program's cap on the share of a purchase paid in points, in basis points (10 000 = no cap). */
  maxShareBps: z.number(),
});
export type PointsView = z.infer<typeof PointsView>;

/** `POST /api/v1/points/redemptions`: billing took `amountMinor` of a purchase in points. */
export const RedemptionBody = z.strictObject({
  externalId: z.string().min(1).max(200),
  clientAccountId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  amountMinor: minor,
  /** The purchase's price: when given, the program's share cap is checked against it. */
  purchaseMinor: minor.optional(),
  redeemedAt: z.iso.datetime({ offset: true }).optional(),
});
export type RedemptionBody = z.infer<typeof RedemptionBody>;

export const RedemptionResult = z.object({
  id: z.string(),
  externalId: z.string(),
  clientAccountId: z.number(),
  amountMinor: z.number(),
  balanceAfterMinor: z.number(),
});
export type RedemptionResult = z.infer<typeof RedemptionResult>;
