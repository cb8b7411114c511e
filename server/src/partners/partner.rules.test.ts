import { initialStatus, notPayableReason } from './partner.rules';

const signed = new Date('2026-01-10T00:00:00Z');

describe('partner rules', () => {
  it.each([
    ['legal_entity', 'pending_contract'],
    ['sole_proprietor', 'pending_contract'],
    ['self_employed', 'pending_contract'],
    ['individual', 'active'],
  ] as const)('a new %s partner starts as %s', (kind, status) => {
    expect(initialStatus(kind)).toBe(status);
  });

  it.each([
    ['legal_entity', 'active', signed, true, null],
    ['sole_proprietor', 'active', signed, true, null],
    ['self_employed', 'active', signed, true, null],
    ['sole_proprietor', 'pending_contract', null, false, 'contract_not_signed'],
    ['individual', 'active', null, false, 'no_contract_individual'],
    ['legal_entity', 'blocked', signed, false, 'partner_blocked'],
  ] as const)(
    '%s with status %s and contract %s: payout eligible %s, reason %s',
    (kind, status, contractSignedAt, eligible, reason) => {
      expect(notPayableReason({ kind, status, contractSignedAt })).toBe(reason);
      expect(notPayableReason({ kind, status, contractSignedAt }) === null).toBe(eligible);
    },
  );
});
