import { z } from 'zod';
import { PlannedInstant } from '../instants';
import { idOf } from '../ids';

/**
 * The settings an admin edits on one form (`/api/v1/admin/settings`). The payout policy (hold, minimum, days) is
 * the program document's `policies.payout` (docs/PROGRAMS.md): reading it here shows the version in force, and
 * changing it saves a new program version. Only the renewal reminder days are a row of `program_settings`.
 */
export const ProgramSettings = z.object({
  holdDays: z.number().int().min(0).max(365),
  minPayoutMinor: z.number().int().min(0).max(1e12),
  payoutDaysOfMonth: z.array(z.number().int().min(1).max(28)).min(1).max(28),
  renewalReminderDays: z.number().int().min(1).max(90),
});
export type ProgramSettings = z.infer<typeof ProgramSettings>;

export const PartyRequisites = z.object({
  kind: z.enum(['legal_entity', 'sole_proprietor', 'self_employed', 'individual']),
  name: z.string(),
  inn: z.string().optional(),
  kpp: z.string().optional(),
  ogrn: z.string().optional(),
  address: z.string().optional(),
  bank: z
    .object({ bik: z.string(), account: z.string(), correspondentAccount: z.string(), bankName: z.string() })
    .optional(),
  vatMode: z.enum(['none', 'vat20', 'vat22']).default('none'),
});
export type PartyRequisites = z.infer<typeof PartyRequisites>;

export const RENEWAL_REMINDER_DAYS_KEY = 'renewal_reminder_days';
export const DEFAULT_RENEWAL_REMINDER_DAYS = 14;

/**
 * A partner's personal rate from a date on (rule 16). The program's own rates are in the program document
 * (`PUT /api/v1/admin/program`, versioned by effective date), so a rate always names its partner.
 */
export const RateBody = z.strictObject({
  partnerId: idOf('ptn'),
  channel: z.enum(['vendor_direct', 'partner_net']),
  rateBps: z.number().int().min(0).max(5000),
  effectiveFrom: PlannedInstant,
});
