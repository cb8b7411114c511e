import { z } from 'zod';

/** Who the verified token says the caller is: the widget picks its screens by `role`. */
export const WhoAmIView = z.object({
  accountId: z.number(),
  userId: z.number(),
  subdomain: z.string(),
  role: z.enum(['visitor', 'partner', 'staff', 'admin']),
  partnerId: z.string().nullable(),
  partnerStatus: z.enum(['pending_contract', 'active', 'blocked']).nullable(),
  /**
   * Staff only: the vendor's company custom field whose value is the client's account id
   * (AMO_CLIENT_ACCOUNT_FIELD_ID, else the one the server found or created), so the staff card reads it with
   * no widget setting. null for partners and visitors, and while amoCRM cannot say.
   */
  clientAccountFieldId: z.number().int().positive().nullable(),
});
