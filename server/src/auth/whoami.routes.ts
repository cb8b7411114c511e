import { z } from 'zod';
import { defineRoute } from '../http/route';
import { findPartnerByAccountId } from '../partners/partner.repository';

const WhoAmI = z.object({
  accountId: z.number(),
  userId: z.number(),
  subdomain: z.string(),
  role: z.enum(['visitor', 'partner', 'staff', 'admin']),
  partnerId: z.string().nullable(),
  partnerStatus: z.enum(['pending_contract', 'active', 'blocked']).nullable(),
});

/** Lets the widget choose its screens: partner or visitor (registration), staff or admin. */
export const whoamiRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/whoami',
    summary: 'Who the verified token says the caller is, and which widget mode applies',
    tag: 'widget',
    auth: 'widget',
    responses: { 200: { description: 'Identity', schema: WhoAmI } },
    async handler({ db, caller }) {
      if (caller.kind === 'staff') {
        return {
          status: 200,
          body: {
            accountId: caller.accountId,
            userId: caller.userId,
            subdomain: caller.subdomain,
            role: caller.role,
            partnerId: null,
            partnerStatus: null,
          },
        };
      }
      if (caller.kind !== 'account') throw new Error('widget routes always have a token caller');
      const partner = await findPartnerByAccountId(db, caller.accountId);
      return {
        status: 200,
        body: {
          accountId: caller.accountId,
          userId: caller.userId,
          subdomain: caller.subdomain,
          role: partner ? 'partner' : 'visitor',
          partnerId: partner?.id ?? null,
          partnerStatus: partner?.status ?? null,
        },
      };
    },
  }),
];
