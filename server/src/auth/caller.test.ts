import { verifyBillingKey } from './caller';

describe('billing key check', () => {
  const key = 'k3y-of-the-billing-system-0123456789';

  it('accepts the exact key as a bearer token', () => {
    expect(() => verifyBillingKey(`Bearer ${key}`, key)).not.toThrow();
  });

  it.each([undefined, '', key, `Bearer ${key}x`, `Bearer ${key.slice(1)}`, 'Basic abc', 'Bearer '])(
    'refuses %p',
    (header) => {
      expect(() => verifyBillingKey(header, key)).toThrow(
        expect.objectContaining({ code: 'billing_key_invalid', status: 401 }),
      );
    },
  );
});
