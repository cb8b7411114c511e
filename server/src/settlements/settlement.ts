/**
 * Settlements and bounties (seed 004) as the API shows them: the admin records a publication's bounty, the partner
 * reads its rebates and bounties with their calculations.
 */
import { z } from 'zod';
import { PastInstant } from '../instants';
import { Payability } from '../programs/program';

export const BountyBody = z.strictObject({
  /** A bounty of the program in force on the publication date (`bounties[].id`). */
  bountyId: z.string().min(1).max(64),
  /** Required for a bounty with a range (a Telegram comment: 10 000–30 000 ₽); a fixed bounty's when absent. */
  amountMinor: z.number().int().positive().max(1e13).optional(),
  publishedAt: PastInstant,
});
export type BountyBody = z.infer<typeof BountyBody>;

export const BountyView = z.object({
  id: z.string(),
  partnerId: z.string(),
  bountyId: z.string(),
  amountMinor: z.number(),
  publishedAt: z.string(),
  ...Payability,
});

/** One of the partner's extra rewards: a period's rebate or growth rebate, or a bounty. */
export const ExtraReward = z.object({
  kind: z.enum(['rebate', 'growth', 'bounty']),
  id: z.string(),
  ruleId: z.string(),
  period: z.object({ fromDate: z.string(), toDate: z.string() }).nullable(),
  at: z.string(),
  amountMinor: z.number(),
  form: z.string(),
  ...Payability,
  calculation: z.string().nullable(),
});
export type ExtraReward = z.infer<typeof ExtraReward>;
export const ExtraRewardList = z.object({ items: z.array(ExtraReward) });
