import type { AppError } from '../errors';
import { statusOf } from '../http/errors';
import { verifyBillingKey } from './caller';

describe('billing key check', () => {
  const key = 'k3y-of-the-billing-system-0123456789';

  it('accepts the exact key as a bearer token', () => {
    expect(() => verifyBillingKey(`Bearer ${key}`, key)).not.toThrow();
  });

  it.each([undefined, '', key, `Bearer ${key}x`, `Bearer ${key.slice(1)}`, 'Basic abc', 'Bearer '])(
    'refuses %p',
    (header) => {
      let thrown: unknown;
      try {
        verifyBillingKey(header, key);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toEqual(expect.objectContaining({ code: 'billing_key_invalid' }));
      expect(statusOf(thrown as AppError)).toBe(401);
    },
  );
});
