import { z } from 'zod';
import { definePartnerRoute } from '../http/partner-route';
import { decodeCursor, page } from '../http/pagination';
import { defineRoute } from '../http/route';
import { ReferralLevelView, ReferralsQuery } from './referral';
import {
  adminLevel,
  partnerLevel,
  type Level,
  type LevelPage,
  type ReferredClientRow,
  type ReferredPartnerRow,
} from './referral.service';

const tag = 'referrals';
const IdCursor = z.object({ id: z.string() });
const AccountCursor = z.object({ account: z.number().int() });

/** Where each list's page starts, from its own cursor; one row more than the limit tells whether more follow. */
function levelPage(query: ReferralsQuery): LevelPage {
  return {
    partnersAfterId: decodeCursor(query.partnersCursor, IdCursor, 'partnersCursor')?.id,
    clientsAfterAccountId: decodeCursor(query.clientsCursor, AccountCursor, 'clientsCursor')?.account,
    rows: query.limit + 1,
  };
}

const ref = (p: { id: string; name: string } | null) => p && { partnerId: p.id, name: p.name };

function levelView(level: Level, limit: number): ReferralLevelView {
  return {
    partner: ref(level.partner),
    referrer: ref(level.referrer),
    partners: page(
      level.partners,
      limit,
      (p: ReferredPartnerRow) => ({
        partnerId: p.id,
        name: p.name,
        registeredAt: p.created_at.toISOString(),
        referredCount: p.referred_count,
        rewardMinor: Number(p.reward_minor),
      }),
      (p) => ({ id: p.id }),
    ),
    clients: page(
      level.clients,
      limit,
      (c: ReferredClientRow) => ({
        clientAccountId: Number(c.client_account_id),
        firstRewardAt: c.first_reward_at.toISOString(),
        clientRewardMinor: Number(c.client_reward_minor),
        myRewardMinor: Number(c.my_reward_minor),
      }),
      (c) => ({ account: Number(c.client_account_id) }),
    ),
    currency: 'RUB',
  };
}

export const referralRoutes = [
  definePartnerRoute({
    method: 'get',
    path: '/api/v1/referrals',
    summary:
      'Partner: its referral tree one level at a time — its referrer, the partners it referred (with what each subtree earned it) and the clients its code brought; `of` opens a descendant’s level',
    tag,
    query: ReferralsQuery,
    responses: {
      200: { description: 'The level', schema: ReferralLevelView },
      404: { description: '`of` is not the caller or a partner below it (not_found)' },
    },
    async handler({ db, partner, query }) {
      const level = await partnerLevel(db, partner, query.of, levelPage(query));
      return { status: 200, body: levelView(level, query.limit) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/referrals',
    summary:
      'Admin: any partner’s referral level (`of`), with that partner’s own rewards; without `of`, the roots of every referral tree',
    tag,
    auth: 'admin',
    query: ReferralsQuery,
    responses: {
      200: { description: 'The level', schema: ReferralLevelView },
      404: { description: 'No such partner (not_found)' },
    },
    async handler({ db, query }) {
      const level = await adminLevel(db, query.of, levelPage(query));
      return { status: 200, body: levelView(level, query.limit) };
    },
  }),
];
