import { z } from 'zod';
import { PastInstant } from '../instants';
import { idOf } from '../ids';

export const AccountId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Account id in a path: digits only, parsed to a number. */
export const AccountIdParam = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be an amoCRM account id')
  .transform(Number)
  .pipe(AccountId);
export const PinIdParams = z.strictObject({
  id: idOf('pin'),
});

export const PIN_STATUSES = [
  'pinned',
  'attributed',
  'pending_client_request',
  'pending_check',
  'rejected',
  'released',
  'transferred',
] as const;

export const CreatePinBody = z.strictObject({
  clientAccountId: AccountId,
  clientSubdomain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an amoCRM subdomain (the part before .amocrm.ru)')
    .optional(),
  comment: z.string().trim().max(1000).optional(),
});

export const PinView = z.object({
  id: z.string(),
  clientAccountId: z.number(),
  clientSubdomain: z.string().nullable(),
  status: z.enum(PIN_STATUSES),
  exclusive: z.boolean(),
  reason: z.string().nullable(),
  comment: z.string().nullable(),
  since: z.string().nullable(),
  until: z.string().nullable(),
  createdAt: z.string(),
});
export type PinView = z.infer<typeof PinView>;
/** A partner's own pin in its client list, with what the client pays for and until when. */
export const PartnerPinView = PinView.extend({
  products: z.array(z.string()),
  paidUntil: z.string().nullable(),
});
/** A pin as admins list it: whose it is. */
export const AdminPinView = PinView.extend({ partnerId: z.string() });

/** `POST /pins/:id/confirmation-link`: the single-use link the client opens from its own amoCRM account. */
export const ConfirmationLinkView = z.object({ code: z.string(), url: z.string(), expiresAt: z.string() });
/** `GET /client-requests/:code`: what a confirmation link asks, as the client sees it. */
export const ClientRequestView = z.object({
  pinId: z.string(),
  clientAccountId: z.number(),
  partner: z.object({ name: z.string() }),
  expiresAt: z.string(),
});

export const PinEventView = z.object({
  at: z.string(),
  event: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const PartnerPublic = z.object({
  id: z.string(),
  name: z.string(),
  contacts: z.object({
    email: z.string().optional(),
    phone: z.string().optional(),
    telegram: z.string().optional(),
    site: z.string().optional(),
  }),
});

export const StaffClientView = z.object({
  clientAccountId: z.number(),
  pin: z
    .object({
      id: z.string(),
      partner: PartnerPublic,
      status: z.enum(PIN_STATUSES),
      exclusive: z.boolean(),
      since: z.string().nullable(),
    })
    .nullable(),
  salesMayContact: z.boolean(),
  supportRouteTo: PartnerPublic.nullable(),
});

export const ReasonBody = z.strictObject({ reason: z.string().trim().min(3).max(1000) });
export const ClientRequestBody = z.strictObject({ note: z.string().trim().max(1000).optional() });
export const TransferBody = z.strictObject({
  toPartnerId: idOf('ptn'),
  reason: z.string().trim().min(3).max(1000),
  /** A transfer needs the client's own request (rule 9 applies to moving a client as well). */
  clientRequest: z.strictObject({
    receivedAt: PastInstant,
    note: z.string().trim().min(3).max(1000),
  }),
});

export const KnownAccountsBody = z.strictObject({
  accountIds: z.array(AccountId).min(1).max(10_000),
  source: z.string().trim().min(1).max(50).optional(),
});

export const ConfirmationCodeParams = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'must be a confirmation code'),
});
