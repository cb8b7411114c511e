import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { PostingKind } from '../ledger/postings';

/**
 * The database as Kysely sees it. Money columns are BIGINT kopecks (`*_minor`) parsed to `bigint`
 * (see pool.ts); account ids of amoCRM are BIGINT too.
 */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills when the insert leaves it out (`DEFAULT now()`). */
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface PartnersTable {
  id: string;
  account_id: bigint;
  kind: 'legal_entity' | 'sole_proprietor' | 'self_employed' | 'individual';
  status: 'pending_contract' | 'active' | 'blocked';
  name: string;
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  /** AES-256-GCM ciphertext of `{ series, number }`; never selected into logs or responses. */
  passport_enc: string | null;
  passport_masked: string | null;
  /** A person's ИНН (self-employed, individual), sealed like the passport; `inn` is null for them. */
  inn_enc: string | null;
  inn_masked: string | null;
  bank: JSONColumnType<BankRequisites | null>;
  contacts: JSONColumnType<PartnerContacts>;
  contract_number: string | null;
  contract_signed_at: Date | null;
  /** The partner whose code or link referred this one at registration (multi-level programs, seed 002). */
  referred_by: Generated<string | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface BankRequisites {
  bik: string;
  account: string;
  correspondentAccount: string;
  bankName: string;
}

export interface PartnerContacts {
  email?: string;
  phone?: string;
  telegram?: string;
  site?: string;
}

export interface AuditLogTable {
  id: Generated<bigint>;
  at: CreatedAt;
  actor_kind: 'partner' | 'visitor' | 'staff' | 'admin' | 'billing' | 'amocrm' | 'system';
  actor_account_id: bigint | null;
  actor_user_id: bigint | null;
  /** The amoCRM token's `jti`, recorded instead of refusing reuse (API.md). */
  token_jti: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  details: JSONColumnType<Record<string, unknown>>;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: JSONColumnType<object | null>;
  created_at: CreatedAt;
}

export interface StaffRolesTable {
  user_id: bigint;
  role: 'admin' | 'staff';
  granted_by_user_id: bigint | null;
  granted_at: DefaultedTimestamp;
}

export interface LedgerAccountsTable {
  id: Generated<bigint>;
  /** Chart-of-accounts code, e.g. `vendor:commission_expense` or `partner:ptn_…:payable`. */
  code: string;
  currency: string;
  partner_id: string | null;
  /** Cached sums of this account's entries, in minor units; rebuildable from ledger_entries. */
  debits_minor: Generated<bigint>;
  credits_minor: Generated<bigint>;
  created_at: CreatedAt;
}

export interface LedgerPostingsTable {
  id: string;
  /** Unique idempotency key of the business event that caused the posting. */
  posting_key: string;
  kind: PostingKind;
  reason: JSONColumnType<Record<string, unknown>>;
  effective_at: Timestamp;
  created_at: CreatedAt;
}

export interface LedgerEntriesTable {
  id: Generated<bigint>;
  posting_id: string;
  account_id: bigint;
  side: 'debit' | 'credit';
  /** Always positive, in minor units; the direction is `side`. */
  amount_minor: bigint;
  currency: string;
  created_at: CreatedAt;
}

export type PinStatus =
  | 'pinned'
  | 'attributed'
  | 'pending_client_request'
  | 'pending_check'
  | 'rejected'
  | 'released'
  | 'transferred';

export interface KnownAccountsTable {
  account_id: bigint;
  source: string;
  first_seen_at: CreatedAt;
}

export interface PinsTable {
  id: string;
  client_account_id: bigint;
  client_subdomain: string | null;
  partner_id: string;
  status: PinStatus;
  exclusive: boolean;
  reason: string | null;
  comment: string | null;
  valid_from: Date | null;
  valid_to: Date | null;
  client_request_at: Date | null;
  client_request_source: string | null;
  transferred_from_pin_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PinEventsTable {
  id: Generated<bigint>;
  pin_id: string;
  at: CreatedAt;
  event: string;
  details: JSONColumnType<Record<string, unknown>>;
}

export interface ClientRequestLinksTable {
  code_hash: string;
  pin_id: string;
  expires_at: Date;
  used_at: Date | null;
  created_at: CreatedAt;
}

export interface QuestionsTable {
  id: string;
  client_account_id: bigint;
  pin_id: string;
  partner_id: string;
  text: string;
  asked_by_user_id: bigint;
  created_at: CreatedAt;
  answered_at: Date | null;
  answered_by_user_id: bigint | null;
}

export interface DisputesTable {
  id: string;
  partner_id: string;
  kind: 'rejected_pin' | 'missing_commission';
  pin_id: string | null;
  payment_external_id: string | null;
  text: string;
  status: 'open' | 'decided_for_partner' | 'decided_against_partner';
  decision_reason: string | null;
  compensation_minor: bigint | null;
  currency: string | null;
  decided_at: Date | null;
  decided_by_user_id: bigint | null;
  created_at: CreatedAt;
}

export interface OutboxTable {
  id: Generated<bigint>;
  kind: string;
  target_account_id: bigint;
  dedupe_key: string;
  payload: JSONColumnType<Record<string, unknown>>;
  status: ColumnType<
    'pending' | 'done' | 'failed' | 'skipped',
    'pending' | 'done' | 'failed' | 'skipped' | undefined
  >;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
  result: JSONColumnType<Record<string, unknown> | null> | null;
  created_at: CreatedAt;
  delivered_at: Date | null;
}

export type Channel = 'vendor_direct' | 'partner_net';

export interface ProgramSettingsTable {
  key: string;
  /** JSON; written as a JSON string. */
  value: ColumnType<unknown, string, string>;
  updated_at: DefaultedTimestamp;
}

export interface RateSchedulesTable {
  id: Generated<bigint>;
  partner_id: string | null;
  channel: Channel;
  rate_bps: number;
  effective_from: Timestamp;
  created_at: CreatedAt;
}

export interface PaymentsTable {
  id: string;
  external_id: string;
  request_hash: string;
  client_account_id: bigint;
  gross_minor: bigint;
  currency: string;
  channel: Channel;
  paid_at: Timestamp;
  product_code: string | null;
  period_end: Date | null;
  net_invoice_id: string | null;
  /** Billing's order the payment pays, when billing says: a second payment of the same order earns nothing. */
  order_id: Generated<string | null>;
  /** Kopecks: the price before the partner's discount, when billing says (measures of revenue before discount). */
  list_minor: Generated<bigint | null>;
  product_category: Generated<string | null>;
  refunded_minor: Generated<bigint>;
  /** A payment attributed to a partner that the program gave nothing: the partner, and why. */
  no_reward_partner_id: Generated<string | null>;
  no_reward_reason: Generated<string | null>;
  /** The partner's promo code the payment came with; the client's first one binds it to that partner. */
  promo_code: Generated<string | null>;
  created_at: CreatedAt;
}

export interface CommissionsTable {
  id: string;
  payment_id: string;
  partner_id: string;
  /** What attributed the payment: the client's pin, a partner link's click, or the partner's promo code. */
  pin_id: string | null;
  link_click_id: bigint | null;
  promo_code: Generated<string | null>;
  channel: Channel;
  gross_minor: bigint;
  rate_bps: number;
  commission_minor: bigint;
  currency: string;
  payable: boolean;
  reason: string | null;
  reversed_minor: Generated<bigint>;
  accrued_at: Timestamp;
  /** The program version and rule that made it, and the calculation in words (NULL before the engine). */
  program_version: number | null;
  rule_id: string | null;
  calculation: string | null;
  /** A referrer's share of the attributed partner's reward: 1 for its referrer, 2 above; NULL for the partner. */
  upline_depth: Generated<number | null>;
  /** A reward paid in points: the partner's amoCRM account they are credited to (never paid out in money). */
  points_account_id: Generated<bigint | null>;
  created_at: CreatedAt;
}

/** What one refund reversed of one commission of the payment (the partner's, and each referrer's share). */
export interface CommissionReversalsTable {
  refund_id: string;
  commission_id: string;
  reversal_minor: bigint;
}

/** The new client's side of a two-sided reward (seed 002): points, a first-purchase discount, a bonus. */
export interface ClientRewardsTable {
  id: string;
  payment_id: string;
  client_account_id: bigint;
  partner_id: string;
  rule_id: string;
  form: 'points' | 'discount';
  amount_minor: bigint;
  reversed_minor: Generated<bigint>;
  currency: string;
  calculation: string;
  program_version: number;
  accrued_at: Timestamp;
  created_at: CreatedAt;
}

/** Points a client spent on a purchase, as billing reported it (idempotent by `external_id`). */
export interface PointRedemptionsTable {
  id: string;
  external_id: string;
  request_hash: string;
  client_account_id: bigint;
  amount_minor: bigint;
  purchase_minor: bigint | null;
  currency: string;
  redeemed_at: Timestamp;
}

/** A partner's settlement of one period (seed 004: a rebate, the growth rebate), revised in place on recompute. */
export interface PartnerSettlementsTable {
  id: string;
  partner_id: string;
  settlement_id: string;
  kind: 'rebate' | 'growth';
  period_from: string;
  period_to: string;
  measure_minor: bigint;
  previous_minor: bigint | null;
  amount_minor: bigint;
  form: 'payout' | 'one_time_discount';
  payable: boolean;
  reason: string | null;
  calculation: string;
  program_version: number;
  revision: Generated<number>;
  settled_at: DefaultedTimestamp;
}

/** A bounty an admin recorded for a partner's publication (seed 004: a case study, a Telegram comment). */
export interface PartnerBountiesTable {
  id: string;
  partner_id: string;
  bounty_id: string;
  amount_minor: bigint;
  published_at: Timestamp;
  payable: boolean;
  reason: string | null;
  recorded_by: string;
  request_hash: string;
  program_version: number;
  created_at: CreatedAt;
}

export interface RefundsTable {
  id: string;
  external_id: string;
  request_hash: string;
  payment_id: string;
  amount_minor: bigint;
  reversal_minor: bigint;
  refunded_at: Timestamp;
  created_at: CreatedAt;
}

export interface PayoutRunsTable {
  id: string;
  as_of: string;
  status: 'done';
  invoices_created: number;
  total_minor: bigint;
  created_at: CreatedAt;
}

export interface InvoicesTable {
  id: string;
  number: string;
  kind: 'net' | 'reward';
  partner_id: string;
  status: 'issued' | 'paid' | 'cancelled';
  amount_minor: bigint;
  currency: string;
  issued_at: Timestamp;
  paid_at: Date | null;
  payment_method: 'bank' | 'card' | null;
  payout_run_id: string | null;
  client_account_id: bigint | null;
  product_code: string | null;
  gross_minor: bigint | null;
  reward_minor: bigint | null;
  created_at: CreatedAt;
}

export interface CertificatesTable {
  code: string;
  partner_id: string;
  issued_at: CreatedAt;
  revoked_at: Date | null;
}

// --- amoCRM integration (migration 004) -------------------------------------------------------------------

export type AmoConnectionStatus = 'active' | 'broken' | 'blocked' | 'disconnected';

export interface AmoInstallsTable {
  id: Generated<bigint>;
  code_hash: string;
  /** The authorization code, sealed: it is a credential for 20 minutes. */
  code_enc: string;
  referer: string;
  from_widget: Generated<boolean>;
  state: string | null;
  platform: string | null;
  status: ColumnType<
    'pending' | 'exchanged' | 'failed',
    'pending' | undefined,
    'pending' | 'exchanged' | 'failed'
  >;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
  account_id: bigint | null;
  received_at: CreatedAt;
  finished_at: Date | null;
}

export interface AmoConnectionsTable {
  account_id: bigint;
  host: string;
  status: AmoConnectionStatus;
  status_reason: string | null;
  /** Sealed `{ accessToken, refreshToken }`; never selected into logs or responses. */
  tokens_enc: string | null;
  access_expires_at: Date | null;
  token_version: Generated<number>;
  user_id: bigint | null;
  from_widget: boolean | null;
  connected_at: DefaultedTimestamp;
  refreshed_at: Date | null;
  status_changed_at: DefaultedTimestamp;
  last_probe_at: Date | null;
  updated_at: DefaultedTimestamp;
}

export interface AmoAlertsTable {
  id: Generated<bigint>;
  account_id: bigint | null;
  kind: string;
  message: string;
  details: JSONColumnType<Record<string, unknown>>;
  dedupe_key: string;
  occurrences: Generated<number>;
  created_at: CreatedAt;
  last_seen_at: DefaultedTimestamp;
  resolved_at: Date | null;
  resolved_by_user_id: bigint | null;
  resolution: string | null;
}

export interface AmoVendorCompaniesTable {
  client_account_id: bigint;
  company_id: bigint | null;
  create_started_at: Date | null;
  state: Generated<'active' | 'mismatch'>;
  lease_owner: string | null;
  lease_until: Date | null;
  synced_at: Date | null;
  updated_at: DefaultedTimestamp;
}

export interface AmoWebhookEventsTable {
  id: Generated<bigint>;
  received_at: CreatedAt;
  account_id: bigint | null;
  /** The raw form body as amoCRM sent it (processed again from here if parsing ever changes). */
  body: string;
  status: ColumnType<
    'pending' | 'processed' | 'ignored' | 'failed',
    'pending' | 'ignored' | undefined,
    'pending' | 'processed' | 'ignored' | 'failed'
  >;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
  processed_at: Date | null;
}

/** Program versions (docs/PROGRAMS.md): append-only, in force from `effective_from`. */
export interface ProgramVersionsTable {
  version: number;
  /** The program document; written as a JSON string. */
  document: ColumnType<unknown, string, never>;
  effective_from: ColumnType<Date, Date | string, never>;
  created_by: ColumnType<string, string, never>;
  created_at: CreatedAt;
}

/** Partner links (`/r/<code>`), one per partner and product. */
export interface PartnerLinksTable {
  code: string;
  partner_id: string;
  product_code: string | null;
  created_at: CreatedAt;
}

/** A partner's tier on one day (seed 003), recorded by the daily job or an admin's settle. */
export interface PartnerTierDaysTable {
  partner_id: string;
  on_date: ColumnType<Date, string, string>;
  program_version: number;
  measure_minor: bigint;
  band_min_minor: bigint | null;
  discounts: ColumnType<unknown, string, string>;
  recorded_at: CreatedAt;
}

/** An exam a partner passed (seed 004), one per day. */
export interface PartnerExamsTable {
  partner_id: string;
  passed_on: ColumnType<Date, string, string>;
  recorded_at: CreatedAt;
}

/** A change of a partner's level (seed 004) as the monthly review finds it. */
export interface PartnerLevelsTable {
  partner_id: string;
  from_date: ColumnType<Date, string, string>;
  level_code: string;
  reason: 'contract' | 'demotion' | 'exam' | 'revenue';
  program_version: number;
  recorded_at: CreatedAt;
}

/** A partner's model (seed 004) from a date on, set by an admin. */
export interface PartnerModelsTable {
  partner_id: string;
  from_date: ColumnType<Date, string, string>;
  model: string;
  recorded_at: CreatedAt;
}

/** A partner's reward choice for one client (seed 004 Referral: monthly or the first month once). */
export interface PartnerRewardChoicesTable {
  partner_id: string;
  client_account_id: bigint;
  choice: string;
  chosen_at: CreatedAt;
}

/** A partner's personal promo code (seed 002), one per partner. */
export interface PartnerPromoCodesTable {
  code: string;
  partner_id: string;
  created_at: CreatedAt;
}

/** One visit through a partner link; `visitor_id` is the `amop_visitor` cookie. */
export interface LinkClicksTable {
  id: Generated<bigint>;
  link_code: string;
  partner_id: string;
  visitor_id: string;
  clicked_at: Timestamp;
}

/**
 * A bonus code or a free month a partner granted its client (seed 004), with its place in the partner's quarter
 * and the client's grants and the limits it was checked against (migration 024). Append-only.
 */
export interface AllowanceGrantsTable {
  id: string;
  kind: 'bonus_codes' | 'free_months';
  allowance_id: string;
  program_version: number;
  partner_id: string;
  client_account_id: bigint;
  granted_at: Date;
  quarter: string;
  partner_ordinal: number;
  partner_quota: number | null;
  client_ordinal: number;
  client_quota: number | null;
  code: string | null;
  amount_minor: bigint | null;
  currency: 'RUB' | null;
  quarter_total_minor: bigint | null;
  quarter_quota_minor: bigint | null;
  /** The month's first day; read it as `to_char(month, 'YYYY-MM')` (a date column parses to a local Date). */
  month: ColumnType<Date | null, string | null, never>;
  not_consecutive: boolean | null;
}

export interface Database {
  partners: PartnersTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  staff_roles: StaffRolesTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_entries: LedgerEntriesTable;
  known_accounts: KnownAccountsTable;
  pins: PinsTable;
  pin_events: PinEventsTable;
  client_request_links: ClientRequestLinksTable;
  questions: QuestionsTable;
  disputes: DisputesTable;
  outbox: OutboxTable;
  program_settings: ProgramSettingsTable;
  rate_schedules: RateSchedulesTable;
  payments: PaymentsTable;
  commissions: CommissionsTable;
  refunds: RefundsTable;
  commission_reversals: CommissionReversalsTable;
  client_rewards: ClientRewardsTable;
  point_redemptions: PointRedemptionsTable;
  partner_settlements: PartnerSettlementsTable;
  partner_bounties: PartnerBountiesTable;
  payout_runs: PayoutRunsTable;
  invoices: InvoicesTable;
  certificates: CertificatesTable;
  amo_installs: AmoInstallsTable;
  amo_connections: AmoConnectionsTable;
  amo_alerts: AmoAlertsTable;
  amo_vendor_companies: AmoVendorCompaniesTable;
  amo_webhook_events: AmoWebhookEventsTable;
  program_versions: ProgramVersionsTable;
  partner_links: PartnerLinksTable;
  partner_promo_codes: PartnerPromoCodesTable;
  partner_tier_days: PartnerTierDaysTable;
  partner_exams: PartnerExamsTable;
  partner_levels: PartnerLevelsTable;
  partner_models: PartnerModelsTable;
  partner_reward_choices: PartnerRewardChoicesTable;
  link_clicks: LinkClicksTable;
  allowance_grants: AllowanceGrantsTable;
}
