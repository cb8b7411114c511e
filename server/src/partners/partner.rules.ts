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
 * Whether `vendor_direct` rewards (40 %) may be paid out (rules 3–4): legal entities, ИП and
 * self-employed, only after the contract is signed, and never while blocked.
 */
export function payoutEligible(partner: {
  kind: PartnerKind;
  status: PartnerStatus;
  contractSignedAt: Date | null;
}): boolean {
  return canSignContract(partner.kind) && partner.contractSignedAt !== null && partner.status === 'active';
}

/** Why a reward is not payable, in words the partner sees; null when it is payable. */
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
