import { z } from 'zod';
import { idOf } from '../ids';

/**
 * Referral trees (multi-level programs, seed 002): who referred whom at registration (`partners.referred_by`),
 * read one level at a time. A level is a partner (the node), its referrer, the partners it referred and the
 * clients its code or link brought who got a client reward.
 */

const limit = z.coerce.number().int().min(1).max(500).default(50);
const cursor = z.string().max(500).optional();

/**
 * `GET /api/v1/referrals`: the caller's own level, or with `of` one of its descendants' (any depth);
 * `GET /api/v1/admin/referrals`: any partner's level, or without `of` the roots of every tree.
 */
export const ReferralsQuery = z.strictObject({
  of: idOf('ptn').optional(),
  /** At most this many partners and this many clients (API.md "Lists": default 50, max 500). */
  limit,
  /** The `nextCursor` of `partners`, for its next page. */
  partnersCursor: cursor,
  /** The `nextCursor` of `clients`, for its next page. */
  clientsCursor: cursor,
});
export type ReferralsQuery = z.infer<typeof ReferralsQuery>;

const PartnerRef = z.object({ partnerId: z.string(), name: z.string() });

export const ReferredPartnerView = z.object({
  partnerId: z.string(),
  name: z.string(),
  registeredAt: z.string(),
  /** How many partners this one referred itself (its own direct referrals). */
  referredCount: z.number().int(),
  /**
   * Kopecks: the referrer shares earned through this partner's subtree (payments attributed to it or to any
   * partner below it), net of reversals. Whose shares: the caller's on a partner's screen, the shown partner's
   * (`partner`) on an admin's; at the roots level, all the root's own referrer shares.
   */
  rewardMinor: z.number().int(),
});

export const ReferredClientView = z.object({
  clientAccountId: z.number().int(),
  /** When the client's first reward (its side of a two-sided reward) was accrued. */
  firstRewardAt: z.string(),
  /** Kopecks: the client's side (points, discounts), net of reversals. */
  clientRewardMinor: z.number().int(),
  /**
   * Kopecks: what its payments that brought it to `partner` earned the viewer (the caller on a partner's screen,
   * `partner` itself on an admin's), net of reversals.
   */
  myRewardMinor: z.number().int(),
});

/** One page of a list (API.md "Lists"), as each of a level's two lists is paged on its own. */
const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const ReferralLevelView = z.object({
  /** The partner whose level this is; null for the admin's list of roots. */
  partner: PartnerRef.nullable(),
  referrer: PartnerRef.nullable(),
  /** The partners it referred, in registration order. */
  partners: listOf(ReferredPartnerView),
  /** The clients its code or link brought who got a client reward, by account id. */
  clients: listOf(ReferredClientView),
  currency: z.string(),
});
export type ReferralLevelView = z.infer<typeof ReferralLevelView>;
