/**
 * The shapes of our API as the widget reads them (API.md; the server publishes the full contract at
 * `GET /api/v1/openapi.json`). Money fields end in `Minor` (integer minor units) and are only displayed.
 * Fields marked optional are tolerated when missing, so the widget keeps working while the API grows.
 */

export type Role = 'visitor' | 'partner' | 'staff' | 'admin';
export type PartnerKind = 'legal_entity' | 'sole_proprietor' | 'self_employed' | 'individual';
export type PartnerStatus = 'pending_contract' | 'active' | 'blocked';
export type PinStatus =
  | 'pinned'
  | 'attributed'
  | 'pending_client_request'
  | 'pending_check'
  | 'rejected'
  | 'released'
  | 'transferred';

export interface WhoAmI {
  accountId: number;
  userId: number;
  subdomain: string;
  role: Role;
  partnerId?: string | null;
  partnerStatus?: PartnerStatus | null;
  /** Staff: the vendor's company field holding the client's account id (the server knows it). */
  clientAccountFieldId?: number | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Contacts {
  email?: string;
  phone?: string;
  telegram?: string;
  site?: string;
}

export interface Partner {
  id: string;
  accountId: number;
  kind: PartnerKind;
  status: PartnerStatus;
  payoutEligible: boolean;
  name: string;
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  passport: { masked: string } | null;
  bank: { bik: string; account: string; correspondentAccount: string; bankName: string } | null;
  contacts: Contacts;
  contract: { number: string; signedAt: string } | null;
  createdAt: string;
}

export interface Pin {
  id: string;
  clientAccountId: number;
  clientSubdomain?: string | null;
  status: PinStatus;
  exclusive: boolean;
  reason?: string | null;
  comment?: string | null;
  since?: string | null;
  until?: string | null;
  createdAt?: string;
  partnerId?: string;
  /** Products the client pays for and until when (from its payments). */
  products?: string[];
  paidUntil?: string | null;
}

export interface PublicPartner {
  id: string;
  name: string;
  contacts: Contacts;
}

export interface StaffClient {
  clientAccountId: number;
  pin: null | {
    id: string;
    partner: PublicPartner;
    status: PinStatus;
    exclusive: boolean;
    since: string | null;
  };
  salesMayContact: boolean;
  supportRouteTo: PublicPartner | null;
}

export interface Question {
  id: string;
  clientAccountId: number;
  pinId: string;
  text: string;
  createdAt: string;
  answeredAt: string | null;
}

export interface Dispute {
  id: string;
  partnerId: string;
  kind: 'rejected_pin' | 'missing_commission';
  pinId: string | null;
  paymentExternalId: string | null;
  text: string;
  status: 'open' | 'decided_for_partner' | 'decided_against_partner';
  decisionReason: string | null;
  compensationMinor: number | null;
  currency: string | null;
  decidedAt: string | null;
  createdAt: string;
}

export interface Commission {
  id?: string;
  paymentId: string;
  clientAccountId: number;
  channel: 'vendor_direct' | 'partner_net' | string;
  grossMinor: number;
  rateBps: number;
  commissionMinor: number;
  currency?: string;
  payable: boolean;
  reason?: string | null;
  status: string;
  reversedMinor?: number;
  productCode?: string | null;
  paidAt?: string;
  accruedAt?: string;
  createdAt?: string;
}

export interface Balance {
  currency: string;
  earnedMinor: number;
  reversedMinor: number;
  paidOutMinor: number;
  payableMinor: number;
  notPayableMinor: number;
  /** `partner_net` rewards the partner kept when paying the vendor's net invoice. */
  keptMinor?: number;
  /** Rewards already on an issued reward invoice, waiting for the vendor's payment. */
  invoicedMinor?: number;
  /** Dispute compensations (rule 12). */
  compensationMinor?: number;
}

/** `GET /api/v1/commissions/monthly`: the server's sums per month (Moscow time), for the chart. */
export interface MonthlyEarning {
  month: string;
  commissionMinor: number;
  reversedMinor: number;
}

/** How a net invoice may be paid, with the server's own words (rule 15: card gives no closing documents). */
export interface PaymentOption {
  method: 'bank' | 'card';
  closingDocuments: boolean;
  note: { ru: string; en: string };
}

export interface Invoice {
  id: string;
  number?: string;
  kind: 'net' | 'reward' | string;
  status: 'issued' | 'paid' | 'cancelled' | string;
  amountMinor: number;
  currency?: string;
  issuedAt?: string;
  paidAt?: string | null;
  paymentMethod?: 'bank' | 'card' | null;
  partnerId?: string;
  partnerName?: string;
  clientAccountId?: number | null;
  productCode?: string | null;
  grossMinor?: number | null;
  rewardMinor?: number | null;
  /** A path (or URL) of the PDF when the server names it; otherwise the widget uses the documented one. */
  pdfUrl?: string;
}

export interface PayoutRun {
  runId: string;
  asOf: string;
  /** false when this date had already run: the same run is answered again. */
  created?: boolean;
  invoicesCreated: number;
  totalMinor: number;
}

/** A list answer: `{ items, nextCursor }` (API.md), tolerating a bare array. */
export function itemsOf<T>(answer: { items?: T[] } | T[] | null | undefined): T[] {
  if (Array.isArray(answer)) return answer;
  return answer?.items ?? [];
}
