/**
 * The shapes of our API as the widget reads them: inferred from the server's response schemas, the same
 * ones that build the OpenAPI document (`GET /api/v1/openapi.json`) and that the API tests hold every answer
 * to (`test/support/contract.ts`), so a field the server renames breaks the widget's type-check, not a
 * partner's screen. Type-only imports: neither the server's code nor zod enters the bundle.
 * Money fields end in `Minor` (integer minor units) and are only displayed.
 */
import type { z } from 'zod';
import type { WhoAmIView } from '../../server/src/auth/whoami';
import type {
  Balance as BalanceView,
  CommissionRow,
  MonthlyEarning as MonthView,
  OrderSummary as OrderSummaryView,
  OrderView,
  SelfPurchaseView,
} from '../../server/src/commissions/commission';
import type { DisputeView } from '../../server/src/disputes/dispute';
import type { InvoiceView, PaymentOption as PaymentOptionView } from '../../server/src/invoices/invoice';
import type { LinkListOut } from '../../server/src/links/link';
import type { PartnerProfile } from '../../server/src/partners/partner';
import type { PartnerTerms } from '../../server/src/programs/program';
import type { PayoutRunListView, PayoutRunView } from '../../server/src/payouts/payout';
import type {
  AdminPinView,
  ClientRequestView,
  ConfirmationLinkView,
  PartnerPinView,
  PartnerPublic,
  PinView,
  StaffClientView,
} from '../../server/src/pins/pin';
import type { AdminProgramResult, PresetName, PreviewResult } from '../../server/src/programs/program';
import type { QuestionView } from '../../server/src/questions/question';
import type { ReferralLevelView } from '../../server/src/referrals/referral';
import type { AllowancesView, BonusCodeOut, FreeMonthOut } from '../../server/src/allowances/allowance';
import type { BountyView, ExtraRewardList } from '../../server/src/settlements/settlement';
import type { ExamResult, ModelResult, SettleResult } from '../../server/src/programs/program';

export type WhoAmI = z.infer<typeof WhoAmIView>;
export type Role = WhoAmI['role'];

export type Partner = z.infer<typeof PartnerProfile>;
export type PartnerKind = Partner['kind'];
export type PartnerStatus = Partner['status'];
export type Contacts = Partner['contacts'];
/** A partner as the vendor's staff see it on a client's card. */
export type PublicPartner = z.infer<typeof PartnerPublic>;

/** A pin as every pin route answers it. */
export type Pin = z.infer<typeof PinView>;
export type PinStatus = Pin['status'];
/** `GET /api/v1/pins`: this partner's pins, with what each client pays for and until when. */
export type PartnerPin = z.infer<typeof PartnerPinView>;
/** `GET /api/v1/admin/pins`: a pin with whose it is. */
export type AdminPin = z.infer<typeof AdminPinView>;
export type ConfirmationLink = z.infer<typeof ConfirmationLinkView>;
export type ClientRequest = z.infer<typeof ClientRequestView>;
export type StaffClient = z.infer<typeof StaffClientView>;

export type Question = z.infer<typeof QuestionView>;
export type Dispute = z.infer<typeof DisputeView>;

export type Commission = z.infer<typeof CommissionRow>;
export type Balance = z.infer<typeof BalanceView>;
/** `GET /api/v1/commissions/monthly`: the server's sums per month (Moscow time), for the chart. */
export type MonthlyEarning = z.infer<typeof MonthView>;

/** `GET /api/v1/program`, `GET /api/v1/links`, `GET /api/v1/orders(/summary)`: the partner's program page. */
export type ProgramTerms = z.infer<typeof PartnerTerms>;
export type PartnerLink = z.infer<typeof LinkListOut>['items'][number];
export type Order = z.infer<typeof OrderView>;
export type OrderSummary = z.infer<typeof OrderSummaryView>;

export type Invoice = z.infer<typeof InvoiceView>;
/** How a net invoice may be paid, with the server's own words (rule 15: card gives no closing documents). */
export type PaymentOption = z.infer<typeof PaymentOptionView>;

export type PayoutRun = z.infer<typeof PayoutRunView>;
export type PayoutRunList = z.infer<typeof PayoutRunListView>;

/** `GET /api/v1/admin/program`: the version in force and every version. */
export type AdminProgram = z.infer<typeof AdminProgramResult>;
export type ProgramDoc = AdminProgram['inForce']['document'];
export type ProgramPreview = z.infer<typeof PreviewResult>;
export type { PresetName };
/** `GET /api/v1/admin/fraud-queue`: a payment refused as the partner's own purchase. */
export type SelfPurchase = z.infer<typeof SelfPurchaseView>;

/** `GET /api/v1/referrals`, `GET /api/v1/admin/referrals`: one level of a referral tree. */
export type ReferralLevel = z.infer<typeof ReferralLevelView>;
export type ReferredPartner = ReferralLevel['partners']['items'][number];

/** Seed 004 (`oblakoteka`): the partner's kept level and model, as `GET /api/v1/program` sends them. */
export type LevelKeep = NonNullable<ProgramTerms['levelKeep']>;
export type PartnerModelView = NonNullable<ProgramTerms['model']>;
/** `GET /api/v1/settlements`: the partner's rebates, growth rebates and bounties. */
export type ExtraReward = z.infer<typeof ExtraRewardList>['items'][number];
/** `GET /api/v1/allowances`, `POST /api/v1/bonus-codes`, `POST /api/v1/free-months`. */
export type Allowances = z.infer<typeof AllowancesView>;
export type BonusCode = z.infer<typeof BonusCodeOut>;
export type FreeMonth = z.infer<typeof FreeMonthOut>;
/** The admin's seed 004 actions: an exam, a model, a bounty, a settlement run. */
export type ExamRecorded = z.infer<typeof ExamResult>;
export type ModelSet = z.infer<typeof ModelResult>;
export type BountyRecorded = z.infer<typeof BountyView>;
export type Settled = z.infer<typeof SettleResult>;

/** A page of a list answer (API.md, "Lists"). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A list answer: `{ items, nextCursor }` (API.md), tolerating a bare array. */
export function itemsOf<T>(answer: { items?: T[] } | T[] | null | undefined): T[] {
  if (Array.isArray(answer)) return answer;
  return answer?.items ?? [];
}
