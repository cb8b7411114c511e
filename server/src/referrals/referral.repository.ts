// Reads of the referral trees: `partners.referred_by`, the referrer shares among `commissions` (`upline_depth`
// 1, 2, …) and `client_rewards`. Every statement reads one level (one page of it), never a whole table: the
// recursive walks go upward from a partner, at most as many steps as the tree is deep.
import { sql } from 'kysely';
import type { Db } from '../db/pool';

/**
 * A guard against a chain that loops. None can (a referrer is set only when a partner with no referrals yet
 * registers, and then only cleared), but a walk must end even on data written by hand.
 */
const MAX_HOPS = 64;

export interface ReferredPartnerRow {
  id: string;
  name: string;
  created_at: Date;
  referred_count: number;
  reward_minor: bigint;
}

export interface ReferredClientRow {
  client_account_id: bigint;
  first_reward_at: Date;
  client_reward_minor: bigint;
  my_reward_minor: bigint;
}

/** Whether `descendantId` is `ancestorId` itself or below it: a walk up from the descendant, never down. */
export async function isInSubtree(db: Db, ancestorId: string, descendantId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    WITH RECURSIVE up (id, referred_by, hops) AS (
      SELECT id, referred_by, 0 FROM partners WHERE id = ${descendantId}
      UNION ALL
      SELECT p.id, p.referred_by, up.hops + 1
        FROM up JOIN partners p ON p.id = up.referred_by
       WHERE up.id <> ${ancestorId} AND up.hops < ${MAX_HOPS}
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE id = ${ancestorId}) AS found
  `.execute(db);
  return rows[0]?.found ?? false;
}

/**
 * One page of the partners `nodeId` referred (by id, which is registration order), each with its own count of
 * referrals and the referrer shares `beneficiaryId` earned through its subtree, net of reversals: the
 * beneficiary's shares are taken with the partner each payment was attributed to, and a walk up from that
 * partner finds which child of the node the payment came through. A share whose payment came from a partner no
 * longer under the node (a link broken since) counts under no child.
 */
export async function referredPartners(
  db: Db,
  q: { nodeId: string; beneficiaryId: string; afterId?: string; limit: number },
): Promise<ReferredPartnerRow[]> {
  const { rows } = await sql<ReferredPartnerRow>`
    WITH RECURSIVE
    children AS (
      SELECT id, name, created_at FROM partners
       WHERE referred_by = ${q.nodeId} AND (${q.afterId ?? null}::text IS NULL OR id > ${q.afterId ?? null})
       ORDER BY id LIMIT ${q.limit}
    ),
    shares AS (
      SELECT a.partner_id AS source, u.commission_minor - u.reversed_minor AS net_minor
        FROM commissions u
        JOIN commissions a ON a.payment_id = u.payment_id AND a.upline_depth IS NULL
       WHERE u.partner_id = ${q.beneficiaryId} AND u.upline_depth IS NOT NULL
    ),
    up (source, id, referred_by, hops) AS (
      SELECT s.source, p.id, p.referred_by, 0
        FROM (SELECT DISTINCT source FROM shares) s JOIN partners p ON p.id = s.source
      UNION ALL
      SELECT up.source, p.id, p.referred_by, up.hops + 1
        FROM up JOIN partners p ON p.id = up.referred_by
       WHERE up.referred_by <> ${q.nodeId} AND up.hops < ${MAX_HOPS}
    ),
    reward AS (
      SELECT up.id AS child_id, sum(shares.net_minor) AS reward_minor
        FROM up JOIN shares ON shares.source = up.source
       WHERE up.referred_by = ${q.nodeId}
       GROUP BY up.id
    )
    SELECT c.id, c.name, c.created_at,
           (SELECT count(*) FROM partners g WHERE g.referred_by = c.id)::int AS referred_count,
           COALESCE(r.reward_minor, 0)::bigint AS reward_minor
      FROM children c LEFT JOIN reward r ON r.child_id = c.id
     ORDER BY c.id
  `.execute(db);
  return rows;
}

/**
 * One page of the roots of the referral trees: partners referred by nobody who referred someone, each with its
 * own count of referrals and all the referrer shares it earned, net of reversals. Read from the referrers
 * (the partial index on `referred_by`), not from every partner.
 */
export async function rootPartners(
  db: Db,
  q: { afterId?: string; limit: number },
): Promise<ReferredPartnerRow[]> {
  const { rows } = await sql<ReferredPartnerRow>`
    WITH referrers AS (
      SELECT DISTINCT referred_by AS id FROM partners
       WHERE referred_by IS NOT NULL AND (${q.afterId ?? null}::text IS NULL OR referred_by > ${q.afterId ?? null})
    )
    SELECT p.id, p.name, p.created_at,
           (SELECT count(*) FROM partners g WHERE g.referred_by = p.id)::int AS referred_count,
           COALESCE((SELECT sum(u.commission_minor - u.reversed_minor) FROM commissions u
                      WHERE u.partner_id = p.id AND u.upline_depth IS NOT NULL), 0)::bigint AS reward_minor
      FROM referrers JOIN partners p ON p.id = referrers.id
     WHERE p.referred_by IS NULL
     ORDER BY p.id LIMIT ${q.limit}
  `.execute(db);
  return rows;
}

/**
 * One page of the clients `nodeId`'s code or link brought who got a client reward (by account id): when the
 * first was accrued, the client's side net of reversals, and what the payments attributed to the node for that
 * client earned `beneficiaryId` (the node's own commission, or a referrer's share), net of reversals.
 */
export async function referredClients(
  db: Db,
  q: { nodeId: string; beneficiaryId: string; afterAccountId?: number; limit: number },
): Promise<ReferredClientRow[]> {
  const { rows } = await sql<ReferredClientRow>`
    WITH clients AS (
      SELECT client_account_id, min(accrued_at) AS first_reward_at,
             sum(amount_minor - reversed_minor)::bigint AS client_reward_minor
        FROM client_rewards
       WHERE partner_id = ${q.nodeId}
         AND (${q.afterAccountId ?? null}::bigint IS NULL OR client_account_id > ${q.afterAccountId ?? null})
       GROUP BY client_account_id
       ORDER BY client_account_id LIMIT ${q.limit}
    )
    SELECT c.client_account_id, c.first_reward_at, c.client_reward_minor,
           COALESCE((SELECT sum(m.commission_minor - m.reversed_minor)
                       FROM payments p
                       JOIN commissions a ON a.payment_id = p.id AND a.upline_depth IS NULL
                                         AND a.partner_id = ${q.nodeId}
                       JOIN commissions m ON m.payment_id = p.id AND m.partner_id = ${q.beneficiaryId}
                      WHERE p.client_account_id = c.client_account_id), 0)::bigint AS my_reward_minor
      FROM clients c
     ORDER BY c.client_account_id
  `.execute(db);
  return rows;
}
