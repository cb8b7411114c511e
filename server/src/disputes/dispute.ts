import { z } from 'zod';

/** A partner's dispute (rules 10 and 12) and its decision; a compensation is in the ledger too. */
export const DisputeView = z.object({
  id: z.string(),
  partnerId: z.string(),
  kind: z.enum(['rejected_pin', 'missing_commission']),
  pinId: z.string().nullable(),
  paymentExternalId: z.string().nullable(),
  text: z.string(),
  status: z.enum(['open', 'decided_for_partner', 'decided_against_partner']),
  decisionReason: z.string().nullable(),
  compensationMinor: z.number().nullable(),
  currency: z.string().nullable(),
  decidedAt: z.string().nullable(),
  createdAt: z.string(),
});
