import type { PinStatus } from '../db/schema';

/** Statuses in which a pin holds its client account against other partners. */
export const HOLDING_STATUSES: PinStatus[] = [
  'pinned',
  'attributed',
  'pending_client_request',
  'pending_check',
];

/** Statuses in which a pin earns commission (rule 11: attribution earns too). */
export const EARNING_STATUSES: PinStatus[] = ['pinned', 'attributed'];

/**
 * Statuses of a pin with an earning period: earning now, or earned until it was released or transferred (its
 * `valid_to`). A payment's commission follows the pin whose period covers the payment's date (rule 11). The SQL
 * functions of migrations 016 and 028 spell the same list (history, not edited; `test/api/payment-lean.test.ts`
 * holds 028's function to the queries that use this one).
 */
export const EARNING_PERIOD_STATUSES: PinStatus[] = [...EARNING_STATUSES, 'released', 'transferred'];

/** Statuses in which a pin holds its client but does not earn yet: it can still be attributed (rule 11). */
export const WAITING_STATUSES: PinStatus[] = ['pending_client_request', 'pending_check'];

export type PinReason =
  | 'already_pinned'
  | 'existing_customer'
  | 'link_click'
  | 'own_account'
  | 'vendor_account'
  | 'vendor_check_pending'
  | null;

/**
 * What the vendor knows about a client account: `known` — it paid, has installs, or is a company in the
 * vendor's amoCRM; `new` — none of that; `unavailable` — the vendor's amoCRM could not be asked right now.
 */
export type VendorKnowledge = 'known' | 'new' | 'unavailable';

export interface PinDecision {
  status: Extract<PinStatus, 'pinned' | 'pending_client_request' | 'pending_check' | 'rejected'>;
  exclusive: boolean;
  reason: PinReason;
}

/** Why an install that came through a partner's link pins nobody (each is written to the install's log). */
export type InstallSkip = 'vendor_account' | 'own_account' | 'partner_blocked' | 'already_pinned';

/**
 * Seed 000: the visitor of a partner's link installed the widget, and the install button passed the visitor id
 * on (`state`). The winning click attributes the new account to its partner as the program says — in the
 * `cloudlessons` preset non-exclusively, so sales may still contact the client. The vendor's own account and
 * the partner's own account are never pinned (a self-install earns nothing, like a self-purchase); a blocked
 * partner gets nothing; an account already held stays with its holder (the first valid pin wins, rule 10).
 */
export function decideInstallAttribution(input: {
  clientAccountId: number;
  vendorAccountId: number;
  partnerAccountId: number;
  partnerBlocked: boolean;
  /** Someone (this partner or another) holds the account already. */
  held: boolean;
  exclusive: boolean;
}): { pin: { status: 'pinned' | 'attributed'; exclusive: boolean } } | { skip: InstallSkip } {
  if (input.clientAccountId === input.vendorAccountId) return { skip: 'vendor_account' };
  if (input.clientAccountId === input.partnerAccountId) return { skip: 'own_account' };
  if (input.partnerBlocked) return { skip: 'partner_blocked' };
  if (input.held) return { skip: 'already_pinned' };
  return {
    pin: input.exclusive ? { status: 'pinned', exclusive: true } : { status: 'attributed', exclusive: false },
  };
}

/**
 * The immediate answer to "pin this client" (rules 7–10), for a pin that no one holds yet. The caller has
 * already returned the partner's own existing pin (a repeat is not a new pin) and turned a concurrent
 * holder into `already_pinned`.
 */
export function decideNewPin(input: {
  partnerAccountId: number;
  clientAccountId: number;
  vendorAccountId: number;
  heldByAnotherPartner: boolean;
  vendorKnowledge: VendorKnowledge;
}): PinDecision {
  if (input.clientAccountId === input.partnerAccountId)
    return { status: 'rejected', exclusive: false, reason: 'own_account' };
  if (input.clientAccountId === input.vendorAccountId)
    return { status: 'rejected', exclusive: false, reason: 'vendor_account' };
  if (input.heldByAnotherPartner) return { status: 'rejected', exclusive: false, reason: 'already_pinned' };
  switch (input.vendorKnowledge) {
    case 'new':
      return { status: 'pinned', exclusive: true, reason: null };
    case 'known':
      return { status: 'pending_client_request', exclusive: false, reason: 'existing_customer' };
    case 'unavailable':
      // Never pin silently when the vendor's own records could not be checked (AMOCRM issue): wait.
      return { status: 'pending_check', exclusive: false, reason: 'vendor_check_pending' };
  }
}

/**
 * What sales and support see (rules 8, 11, 13): sales stay away only from an exclusive pin; support routes
 * setup questions to the partner of a pinned or attributed client.
 */
export function staffView(pin: { status: PinStatus; exclusive: boolean } | null): {
  salesMayContact: boolean;
  routeToPartner: boolean;
} {
  if (!pin) return { salesMayContact: true, routeToPartner: false };
  const earning = EARNING_STATUSES.includes(pin.status);
  return { salesMayContact: !(earning && pin.exclusive), routeToPartner: earning };
}

/** Whether a payment made at `paidAt` belongs to the pin's earning period [validFrom, validTo). */
export function pinCoversDate(pin: { validFrom: Date | null; validTo: Date | null }, paidAt: Date): boolean {
  if (!pin.validFrom || paidAt < pin.validFrom) return false;
  return pin.validTo === null || paidAt < pin.validTo;
}
