import type { PartnerKind, PartnerStatus } from './partner';

/**
 * Status right after registration (API.md): an individual gets no contract (rule 3), so it is active at
 * once for `partner_net`; everyone else waits for the signed contract.
 */
export function initialStatus(kind: PartnerKind): PartnerStatus {
  return kind === 'individual' ? 'active' : 'pending_contract';
}

/** Kinds that can sign a contract at all (rule 3: individuals get none). */
export function canSignContract(kind: PartnerKind): boolean {
  return kind !== 'individual';
}

/**
 * LeadSender's payout rule as the seed states it (DOMAIN.md rules 3–4: legal entities, ИП and self-employed are
 * paid once their contract is signed, never while blocked; individuals get no contract): why a reward is not
 * payable, null when it is. The reference the engine's `leadsender` preset is held to (`program.rules.test.ts`);
 * the server itself asks the program in force (`program.rules` › `notPayableReason`), whose document may say
 * otherwise.
 */
export function notPayableReason(partner: {
  kind: PartnerKind;
  status: PartnerStatus;
  contractSignedAt: Date | null;
}): string | null {
  if (partner.kind === 'individual') return 'no_contract_individual';
  if (partner.contractSignedAt === null) return 'contract_not_signed';
  if (partner.status === 'blocked') return 'partner_blocked';
  return null;
}
