import { z } from 'zod';
import { PlannedInstant } from '../instants';
import { idOf } from '../ids';

/** Program settings (DOMAIN.md rule 16 and the issue defaults), stored as JSON rows in program_settings. */
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

export const SETTING_KEYS: Record<keyof ProgramSettings, string> = {
  holdDays: 'hold_days',
  minPayoutMinor: 'min_payout_minor',
  payoutDaysOfMonth: 'payout_days_of_month',
  renewalReminderDays: 'renewal_reminder_days',
};

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
