import { z } from 'zod';

/** A link code: 16 random bytes in base64url (128 bits), so codes can be neither guessed nor enumerated. */
export const LINK_CODE = /^[A-Za-z0-9_-]{22}$/;
/** The visitor cookie set by `GET /r/:code`; its value is what the landing passes to billing as `referral.visitorId`. */
export const VISITOR_COOKIE = 'amop_visitor';
/** A visitor id: `vis_` and 22 base64url characters (128 random bits). */
export const VISITOR_ID = /^vis_[A-Za-z0-9_-]{22}$/;
export const VISITOR_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;
/**
 * A partner's promo code as stored: eight characters a client reads off a page and types at checkout, from an
 * alphabet without the look-alikes 0/O and 1/I/L (31 letters and digits, about 40 bits). Guessing one only attributes
 * the guesser's own order to a random partner, which the program's self-purchase and first-order rules bound.
 */
export const PROMO_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PROMO_CODE = /^[A-HJKMNP-Z2-9]{8}$/;

/** A typed code as billing may pass it: case, spaces and dashes are the client's, not part of the code. */
export function normalizePromoCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}

export const CreateLinkBody = z.strictObject({
  /** The product the link promotes (its per-product rate applies); absent: the partner's general link. */
  productCode: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a lowercase product code: letters, digits, "_", "-", "."')
    .optional(),
});
export type CreateLinkBody = z.infer<typeof CreateLinkBody>;

export const LinkOut = z.object({
  code: z.string(),
  url: z.string(),
  productCode: z.string().nullable(),
  createdAt: z.string(),
  /** The partner's personal promo code (one per partner, made with its first link): billing's `referral.code`. */
  promoCode: z.string(),
});

export const LinkListOut = z.object({
  items: z.array(LinkOut.omit({ promoCode: true }).extend({ clicks: z.number(), visitors: z.number() })),
  /** Null until the partner asked for its first link. */
  promoCode: z.string().nullable(),
});

/** Any string: a code of the wrong shape is an unknown link (a 404 page), not a 400 for a visitor's browser. */
export const LinkCodeParams = z.object({ code: z.string() });
