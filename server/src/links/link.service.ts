import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool';
import type { Attribution, PresetName } from '../programs/program';
import { programInForce } from '../programs/program.service';
import * as repo from './link.repository';
import { LINK_CODE, VISITOR_COOKIE, VISITOR_COOKIE_MAX_AGE_S, VISITOR_ID } from './link';

// The links domain's door for the payment's attribution: the visitor's winning click.
export { winningClick, type Click } from './link.repository';
// … and for the partner's order statistics: its clicks and visitors.
export { partnerClickTotals } from './link.repository';

export const newLinkCode = (): string => randomBytes(16).toString('base64url');
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

/**
 * A visit through a link. Normally one statement (the program lookup and the INSERT together); only a
 * database with no program yet takes a second trip to seed the preset.
 */
export async function click(
  db: Db,
  q: { code: string; visitorId: string; at: Date; preset: PresetName },
): Promise<ClickOutcome> {
  if (!LINK_CODE.test(q.code)) return { kind: 'unknown_link' };
  let result = await repo.recordClick(db, q);
  if (result.attribution === null) {
    await programInForce(db, q.at, q.preset);
    result = await repo.recordClick(db, q);
  }
  if (!result.linkExists) return { kind: 'unknown_link' };
  const attribution: Attribution | null = result.attribution;
  if (attribution?.via !== 'link') return { kind: 'links_not_in_program' };
  return { kind: 'redirect', location: landingWithVisitor(attribution.landingUrl, q.visitorId) };
}
