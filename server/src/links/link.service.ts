import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool';
import type { Attribution, PresetName } from '../programs/program';
import { programInForce } from '../programs/program.service';
import * as repo from './link.repository';
import {
  LINK_CODE,
  normalizePromoCode,
  PROMO_CODE,
  PROMO_CODE_ALPHABET,
  VISITOR_COOKIE,
  VISITOR_COOKIE_MAX_AGE_S,
  VISITOR_ID,
} from './link';

// The links domain's door for the payment's attribution: the visitor's winning click.
export { winningClick, type Click } from './link.repository';
// … and for the partner's order statistics: its clicks and visitors.
export { partnerClickTotals } from './link.repository';

export const newLinkCode = (): string => randomBytes(16).toString('base64url');

/** Eight symbols of the promo-code alphabet (31 symbols: the modulo bias of a byte is immaterial for a code). */
export function newPromoCode(): string {
  return Array.from(randomBytes(8), (b) => PROMO_CODE_ALPHABET[b % PROMO_CODE_ALPHABET.length]).join('');
}

/** The partner's promo code, made on first request; a code another partner drew already is drawn again. */
export async function promoCodeFor(db: Db, partnerId: string): Promise<{ code: string; created: boolean }> {
  for (;;) {
    const found = await repo.findOrCreatePromoCode(db, { code: newPromoCode(), partnerId });
    if (found) return found;
  }
}

/**
 * The partner whose promo code the client typed (billing's `referral.code`), or null when the code is nobody's:
 * a mistyped code, or a promotion of the vendor's own that no partner owns.
 */
export async function partnerOfTypedCode(db: Db, typed: string): Promise<string | null> {
  const code = normalizePromoCode(typed);
  return PROMO_CODE.test(code) ? repo.partnerOfCode(db, 'partner_promo_codes', code) : null;
}

/**
 * The partner a new partner names as its referrer at registration (`referredBy`): its promo code as typed (any
 * case, with spaces or dashes), the code of one of its links, or the link itself pasted whole (`…/r/<code>`).
 * Null when the text names nobody. A link code is tried first and as is: its case is part of it, and at 22
 * characters it can never be mistaken for an 8-character promo code.
 */
export async function partnerOfReferralCode(db: Db, typed: string): Promise<string | null> {
  const text = typed.trim();
  const linkCode = /\/r\/([A-Za-z0-9_-]{22})\/?$/.exec(text)?.[1] ?? text;
  if (LINK_CODE.test(linkCode)) return repo.partnerOfCode(db, 'partner_links', linkCode);
  return partnerOfTypedCode(db, text);
}

export { findPromoCodeOf } from './link.repository';
export const newVisitorId = (): string => `vis_${randomBytes(16).toString('base64url')}`;

export function linkUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/r/${code}`;
}

/** The visitor id from the request's `amop_visitor` cookie, when it is one we could have issued. */
export function visitorFromCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== VISITOR_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (VISITOR_ID.test(value)) return value;
  }
  return null;
}

/**
 * The cookie for one year from this click (each click renews it, keeping the id). HttpOnly: only we and
 * the landing (through the URL) need the id, never page scripts; SameSite=Lax so it is sent on the top-level
 * navigation a link click is; Secure when we are served over https.
 */
export function visitorCookie(visitorId: string, secure: boolean): string {
  return `${VISITOR_COOKIE}=${visitorId}; Max-Age=${VISITOR_COOKIE_MAX_AGE_S}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * The landing page with the visitor id added as `amop_visitor`: the cookie lives on our domain, so this is
 * how the vendor's landing learns the id it passes to billing (`referral.visitorId`) or to amoCRM (`state`).
 */
export function landingWithVisitor(landingUrl: string, visitorId: string): string {
  const url = new URL(landingUrl);
  url.searchParams.set(VISITOR_COOKIE, visitorId);
  return url.toString();
}

export type ClickOutcome =
  { kind: 'redirect'; location: string } | { kind: 'unknown_link' } | { kind: 'links_not_in_program' };

type ClickResult = Awaited<ReturnType<typeof repo.recordClicks>>[number];

/**
 * Group commit for clicks. A redirect is answered only after its click is committed (a lost click is a lost
 * reward), but one statement and one commit per click made PostgreSQL the limit of `GET /r/:code`. Clicks that
 * arrive while a batch is being written wait for the next batch, so under load many clicks share a statement
 * and a commit, and a lone click is written at once, with no added wait. At most `MAX_IN_FLIGHT` batches run at
 * a time (the pool serves the rest of the API meanwhile); a failed batch fails each of its clicks' requests.
 */
class ClickBatcher {
  private static readonly MAX_BATCH = 500;
  private static readonly MAX_IN_FLIGHT = 2;
  private waiting: Array<{ click: repo.ClickInput; done(result: ClickResult | Error): void }> = [];
  private inFlight = 0;

  constructor(private readonly db: Db) {}

  record(click: repo.ClickInput): Promise<ClickResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ click, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      if (this.inFlight < ClickBatcher.MAX_IN_FLIGHT) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight += 1;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, ClickBatcher.MAX_BATCH);
      try {
        const results = await repo.recordClicks(
          this.db,
          batch.map((b) => b.click),
        );
        batch.forEach((b, i) => b.done(results[i]!));
      } catch (error) {
        for (const b of batch) b.done(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.inFlight -= 1;
  }
}

const batchers = new WeakMap<Db, ClickBatcher>();

async function recordClick(db: Db, q: repo.ClickInput): Promise<ClickResult> {
  // Inside a transaction the click must be part of it; on the pool it joins the next batch.
  if (db.isTransaction) return (await repo.recordClicks(db, [q]))[0]!;
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new ClickBatcher(db)));
  return batcher.record(q);
}

/**
 * A visit through a link: one statement with the program lookup and the INSERT together, shared with the other
 * clicks of the moment (`ClickBatcher`); only a database with no program yet takes a second trip to seed it.
 */
export async function click(
  db: Db,
  q: { code: string; visitorId: string; at: Date; preset: PresetName },
): Promise<ClickOutcome> {
  if (!LINK_CODE.test(q.code)) return { kind: 'unknown_link' };
  let result = await recordClick(db, q);
  if (result.attribution === null) {
    await programInForce(db, q.at, q.preset);
    result = await recordClick(db, q);
  }
  if (!result.linkExists) return { kind: 'unknown_link' };
  const attribution: Attribution | null = result.attribution;
  if (attribution?.via !== 'link') return { kind: 'links_not_in_program' };
  return { kind: 'redirect', location: landingWithVisitor(attribution.landingUrl, q.visitorId) };
}
