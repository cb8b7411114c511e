import {
  decideInstallAttribution,
  decideNewPin,
  pinCoversDate,
  staffView,
  type VendorKnowledge,
} from './pin.rules';

const base = {
  partnerAccountId: 100,
  clientAccountId: 200,
  vendorAccountId: 1,
  heldByAnotherPartner: false,
  vendorKnowledge: 'new' as VendorKnowledge,
};

describe('deciding a new pin', () => {
  it.each([
    ['a new account is pinned exclusively', {}, { status: 'pinned', exclusive: true, reason: null }],
    [
      'an account the vendor knows waits for the client',
      { vendorKnowledge: 'known' },
      { status: 'pending_client_request', exclusive: false, reason: 'existing_customer' },
    ],
    [
      'an unanswered vendor check waits, never pins silently',
      { vendorKnowledge: 'unavailable' },
      { status: 'pending_check', exclusive: false, reason: 'vendor_check_pending' },
    ],
    [
      'an account held by another partner is refused',
      { heldByAnotherPartner: true },
      { status: 'rejected', exclusive: false, reason: 'already_pinned' },
    ],
    [
      'a partner cannot pin its own account',
      { clientAccountId: 100 },
      { status: 'rejected', exclusive: false, reason: 'own_account' },
    ],
    [
      'own account is refused even when someone else holds it',
      { clientAccountId: 100, heldByAnotherPartner: true },
      { status: 'rejected', exclusive: false, reason: 'own_account' },
    ],
    [
      "the vendor's own account cannot be pinned",
      { clientAccountId: 1 },
      { status: 'rejected', exclusive: false, reason: 'vendor_account' },
    ],
  ] as const)('%s', (_name, overrides, expected) => {
    expect(decideNewPin({ ...base, ...overrides })).toEqual(expected);
  });
});

describe("attributing an install that came through a partner's link", () => {
  const install = {
    clientAccountId: 200,
    vendorAccountId: 1,
    partnerAccountId: 100,
    partnerBlocked: false,
    held: false,
    exclusive: false,
  };
  it.each([
    [
      'a free account is attributed without exclusivity',
      {},
      { pin: { status: 'attributed', exclusive: false } },
    ],
    [
      'a program with exclusive links pins it exclusively',
      { exclusive: true },
      { pin: { status: 'pinned', exclusive: true } },
    ],
    ['an account someone holds stays with its holder', { held: true }, { skip: 'already_pinned' }],
    ["the partner's own account is a self-install", { clientAccountId: 100 }, { skip: 'own_account' }],
    ["the vendor's account is never pinned", { clientAccountId: 1 }, { skip: 'vendor_account' }],
    ['a blocked partner gets nothing', { partnerBlocked: true }, { skip: 'partner_blocked' }],
    [
      'a self-install is named so even when the account is held',
      { clientAccountId: 100, held: true },
      { skip: 'own_account' },
    ],
  ] as const)('%s', (_name, overrides, expected) => {
    expect(decideInstallAttribution({ ...install, ...overrides })).toEqual(expected);
  });
});

describe('what staff see', () => {
  it.each([
    ['no pin: sales may contact, nobody to route to', null, { salesMayContact: true, routeToPartner: false }],
    [
      'exclusive pin: hands off, route to partner',
      { status: 'pinned', exclusive: true },
      { salesMayContact: false, routeToPartner: true },
    ],
    [
      'attribution: sales may contact, partner still supports',
      { status: 'attributed', exclusive: false },
      { salesMayContact: true, routeToPartner: true },
    ],
    [
      'pending client request: not pinned yet',
      { status: 'pending_client_request', exclusive: false },
      { salesMayContact: true, routeToPartner: false },
    ],
  ] as const)('%s', (_name, pin, expected) => {
    expect(staffView(pin)).toEqual(expected);
  });
});

describe('the earning period of a pin', () => {
  const pin = { validFrom: new Date('2026-01-01T00:00:00Z'), validTo: new Date('2026-06-01T00:00:00Z') };
  it.each([
    ['before the pin', '2025-12-31T23:59:59Z', false],
    ['at the start', '2026-01-01T00:00:00Z', true],
    ['inside', '2026-03-01T00:00:00Z', true],
    ['at the end (exclusive)', '2026-06-01T00:00:00Z', false],
  ])('a payment %s: %s', (_name, at, covered) => {
    expect(pinCoversDate(pin, new Date(at))).toBe(covered);
  });

  it('an open pin covers every later date; a pin never valid covers none', () => {
    expect(pinCoversDate({ validFrom: pin.validFrom, validTo: null }, new Date('2036-01-01'))).toBe(true);
    expect(pinCoversDate({ validFrom: null, validTo: null }, new Date('2026-03-01'))).toBe(false);
  });
});
