import { z } from 'zod';
import { PastInstant } from '../instants';
import * as check from '../../../shared/requisites';
import type { RequisiteResult } from '../../../shared/requisites';
import { idOf } from '../ids';

export const PARTNER_KINDS = ['legal_entity', 'sole_proprietor', 'self_employed', 'individual'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];
export type PartnerStatus = 'pending_contract' | 'active' | 'blocked';

/** Reports a failed requisite check as a zod issue that carries the Russian text for the widget. */
function addRequisiteIssue(ctx: z.RefinementCtx, error: NonNullable<RequisiteResult>, path?: string[]) {
  ctx.addIssue({
    code: 'custom',
    ...(path ? { path } : {}),
    message: error.message.en,
    params: { ru: error.message.ru, code: error.code },
  });
}

/** A requisite field checked by its check digits. */
function requisite(validate: (value: string) => RequisiteResult) {
  return z.string().superRefine((value, ctx) => {
    const error = validate(value);
    if (error) addRequisiteIssue(ctx, error);
  });
}

const Contacts = z.strictObject({
  email: z.email().max(200).optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{5,25}$/, 'must be a phone number')
    .optional(),
  telegram: z
    .string()
    .regex(/^@?[A-Za-z0-9_]{3,64}$/, 'must be a Telegram user name')
    .optional(),
  site: z.url().max(300).optional(),
});

const Bank = z
  .strictObject({
    bik: requisite(check.validateBik),
    account: z.string(),
    correspondentAccount: z.string(),
    bankName: z.string().trim().min(2).max(300),
  })
  .superRefine((bank, ctx) => {
    // Accounts are keyed with the БИК, so they are checked together; a bad БИК is reported once, on `bik`.
    const account = check.validateBankAccount(bank.account, bank.bik);
    if (account && account.code !== 'bank_account_bik_invalid') addRequisiteIssue(ctx, account, ['account']);
    const corr = check.validateCorrespondentAccount(bank.correspondentAccount, bank.bik);
    if (corr && corr.code !== 'correspondent_account_bik_invalid')
      addRequisiteIssue(ctx, corr, ['correspondentAccount']);
  });

const Name = z.string().trim().min(2).max(300);

/**
 * The partner that referred this one (multi-level programs, seed 002): its promo code as the new partner types
 * it (any case, spaces and dashes allowed), one of its link codes (`/r/<code>`), or that link pasted whole.
 * Resolved to the partner at registration; a code that names nobody is a 422 naming `referredBy`.
 */
const ReferredBy = z.string().trim().min(1).max(300).optional();

/** Registration body (API.md): requisites required per kind, check digits verified, unknown fields refused. */
export const RegisterPartnerBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('legal_entity'),
    name: Name,
    inn: requisite(check.validateLegalEntityInn),
    kpp: requisite(check.validateKpp),
    ogrn: requisite(check.validateOgrn),
    bank: Bank,
    contacts: Contacts,
    referredBy: ReferredBy,
  }),
  z.strictObject({
    kind: z.literal('sole_proprietor'),
    name: Name,
    inn: requisite(check.validatePersonInn),
    ogrn: requisite(check.validateOgrnip),
    bank: Bank,
    contacts: Contacts,
    referredBy: ReferredBy,
  }),
  z.strictObject({
    kind: z.literal('self_employed'),
    name: Name,
    inn: requisite(check.validatePersonInn),
    passport: z.strictObject({
      series: requisite(check.validatePassportSeries),
      number: requisite(check.validatePassportNumber),
    }),
    bank: Bank,
    contacts: Contacts,
    referredBy: ReferredBy,
  }),
  z.strictObject({
    kind: z.literal('individual'),
    name: Name,
    contacts: Contacts,
    referredBy: ReferredBy,
  }),
]);
export type RegisterPartnerBody = z.infer<typeof RegisterPartnerBody>;

/** The profile as the API shows it: requisites masked where they are personal data. */
export const PartnerProfile = z.object({
  id: z.string(),
  accountId: z.number().int(),
  kind: z.enum(PARTNER_KINDS),
  status: z.enum(['pending_contract', 'active', 'blocked']),
  payoutEligible: z.boolean(),
  name: z.string(),
  inn: z.string().nullable(),
  kpp: z.string().nullable(),
  ogrn: z.string().nullable(),
  passport: z.object({ masked: z.string() }).nullable(),
  bank: z
    .object({ bik: z.string(), account: z.string(), correspondentAccount: z.string(), bankName: z.string() })
    .nullable(),
  contacts: Contacts,
  contract: z.object({ number: z.string(), signedAt: z.string() }).nullable(),
  /** The partner that referred this one at registration; null when none, or after an admin broke the link. */
  referredBy: z.string().nullable(),
  createdAt: z.string(),
});
export type PartnerProfile = z.infer<typeof PartnerProfile>;

export const SignContractBody = z.strictObject({
  contractNumber: z.string().trim().min(1).max(100),
  signedAt: PastInstant,
});

export const PartnerIdParams = z.strictObject({
  id: idOf('ptn'),
});

export const SetPartnerStatusBody = z.strictObject({
  status: z.enum(['active', 'blocked']),
  reason: z.string().trim().min(3).max(1000),
  /**
   * Blocking under a program that blocks without payout (`forfeitOnBlock`, seed 000) forfeits what the partner is
   * owed; `false` blocks without forfeiting (a block that is not for a violation). Ignored when unblocking.
   */
  forfeit: z.boolean().optional(),
});
