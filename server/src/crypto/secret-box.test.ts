import { randomBytes } from 'node:crypto';
import { open, seal } from './secret-box';

const key = randomBytes(32);

describe('secret box', () => {
  it('round-trips text and never stores it in the clear', () => {
    const sealed = seal(key, '4512 345678', 'partner:ptn_1');
    expect(sealed).not.toContain('4512');
    expect(open(key, sealed, 'partner:ptn_1')).toBe('4512 345678');
  });

  it('refuses a ciphertext moved to another row', () => {
    const sealed = seal(key, 'secret', 'partner:ptn_1');
    expect(() => open(key, sealed, 'partner:ptn_2')).toThrow();
  });

  it('refuses a tampered ciphertext and a wrong key', () => {
    const sealed = seal(key, 'secret', 'x');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('SECRET').toString('base64url');
    expect(() => open(key, parts.join('.'), 'x')).toThrow();
    expect(() => open(randomBytes(32), sealed, 'x')).toThrow();
  });
});
