import { defineRoute } from '../http/route';
import { findPartnerByAccountId } from '../partners/partner.service';
import { WhoAmIView } from './whoami';

/** Lets the widget choose its screens: partner or visitor (registration), staff or admin. */
export const whoamiRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/whoami',
    summary: 'Who the verified token says the caller is, and which widget mode applies',
    tag: 'widget',
    auth: 'widget',
    responses: { 200: { description: 'Identity', schema: WhoAmIView } },
    async handler({ db, caller, app }) {
      // Who the token says; then what we know: a staff user's role, or whether the account is a partner.
      const identity = { accountId: caller.accountId, userId: caller.userId, subdomain: caller.subdomain };
      if (caller.kind === 'staff') {
        const fieldId =
          app.config.amo.clientAccountFieldId ?? (await app.vendorCrm?.clientAccountFieldId?.()) ?? null;
        return {
          status: 200,
          body: {
            ...identity,
            role: caller.role,
            partnerId: null,
            partnerStatus: null,
            clientAccountFieldId: fieldId,
          },
        };
      }
      if (caller.kind !== 'account') throw new Error('widget routes always have a token caller');
      const partner = await findPartnerByAccountId(db, caller.accountId);
      return {
        status: 200,
        body: {
          ...identity,
          role: partner ? 'partner' : 'visitor',
          partnerId: partner?.id ?? null,
          partnerStatus: partner?.status ?? null,
          clientAccountFieldId: null,
        },
      };
    },
  }),
];
