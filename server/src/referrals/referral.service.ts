import type { Db } from '../db/pool';
import { AppError } from '../errors';
import { partnerOfReferralCode } from '../links/link.service';
import { findPartnerById, type PartnerRow } from '../partners/partner.service';
import * as repo from './referral.repository';

export type { ReferredClientRow, ReferredPartnerRow } from './referral.repository';

/**
 * The partner a new partner's `referredBy` names (a promo code as typed, a link code or a link), or 422 naming
 * `referredBy` when it names nobody: a typo must not register the partner as referred by no one, silently.
 *
 * A blocked referrer is still recorded. The new partner is not at fault and must not learn another partner's
 * status from a refusal; the tree records who brought whom, while what a referrer earns is decided per payment
 * (the engine pays shares only to an eligible referrer), so a blocked referrer earns nothing while blocked. If
 * the block is for abuse, the admin breaks the link (`DELETE /api/v1/admin/partners/:id/referrer`).
 */
export async function referrerOfCode(db: Db, typed: string): Promise<string> {
  const partnerId = await partnerOfReferralCode(db, typed);
  if (partnerId === null)
    throw new AppError('unprocessable', 'referredBy names no partner', [
      {
        path: 'referredBy',
        message: "not a partner's promo code or link",
        messageRu: 'нет партнёра с таким промокодом или ссылкой',
      },
    ]);
  return partnerId;
}

/** Where a page of each list starts, and how many rows to read of each (the route reads one more than it shows). */
export interface LevelPage {
  partnersAfterId?: string;
  clientsAfterAccountId?: number;
  rows: number;
}

export interface Level {
  partner: { id: string; name: string } | null;
  referrer: { id: string; name: string } | null;
  partners: repo.ReferredPartnerRow[];
  clients: repo.ReferredClientRow[];
}

/** The node's level, with the rewards that are `beneficiaryId`'s. */
async function levelOf(db: Db, node: PartnerRow, beneficiaryId: string, page: LevelPage): Promise<Level> {
  const [referrer, partners, clients] = await Promise.all([
    node.referred_by === null ? undefined : findPartnerById(db, node.referred_by),
    repo.referredPartners(db, {
      nodeId: node.id,
      beneficiaryId,
      afterId: page.partnersAfterId,
      limit: page.rows,
    }),
    repo.referredClients(db, {
      nodeId: node.id,
      beneficiaryId,
      afterAccountId: page.clientsAfterAccountId,
      limit: page.rows,
    }),
  ]);
  return {
    partner: { id: node.id, name: node.name },
    referrer: referrer ? { id: referrer.id, name: referrer.name } : null,
    partners,
    clients,
  };
}

/**
 * A partner's own level, or (`ofId`) the level of one of its descendants at any depth. The rewards shown are
 * always the caller's own: what it earned through each partner below, and on each client's payments; never a
 * descendant's money. A partner outside the caller's subtree is 404, like one that does not exist, so the
 * answer does not tell which ids exist.
 */
export async function partnerLevel(
  db: Db,
  viewer: PartnerRow,
  ofId: string | undefined,
  page: LevelPage,
): Promise<Level> {
  if (ofId === undefined || ofId === viewer.id) return levelOf(db, viewer, viewer.id, page);
  const node = (await repo.isInSubtree(db, viewer.id, ofId)) ? await findPartnerById(db, ofId) : undefined;
  if (!node) throw new AppError('not_found', 'No such partner among your referrals');
  return levelOf(db, node, viewer.id, page);
}

/**
 * For an admin: any partner's level, with that partner's own rewards; without `ofId`, the roots of every tree
 * (partners referred by nobody who referred someone), each with all the referrer shares it earned.
 */
export async function adminLevel(db: Db, ofId: string | undefined, page: LevelPage): Promise<Level> {
  if (ofId === undefined) {
    const partners = await repo.rootPartners(db, { afterId: page.partnersAfterId, limit: page.rows });
    return { partner: null, referrer: null, partners, clients: [] };
  }
  const node = await findPartnerById(db, ofId);
  if (!node) throw new AppError('not_found', 'No such partner');
  return levelOf(db, node, node.id, page);
}
