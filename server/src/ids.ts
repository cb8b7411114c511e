import { randomBytes } from 'node:crypto';

/**
 * Ids with a type prefix that sort by creation time (`ptn_`, `pin_`, `pay_`, `inv_`…): 9 base-36 characters
 * of milliseconds since the epoch, then 12 random base-36 characters. The prefix tells a reader what an
 * id in a log line is; the time part keeps B-tree inserts local and lists naturally ordered.
 */
export function createId(prefix: string, now = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  const bytes = randomBytes(12);
  let random = '';
  for (const byte of bytes) random += (byte % 36).toString(36);
  return `${prefix}_${time}${random}`;
}
