import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Every id prefix the program mints, closed: a prefix tells a reader what an id in a log line is, so two
 * kinds of row must never share one and a typo must not mint a new one.
 */
export const ID_PREFIXES = {
  /** partners */
  ptn: 'partner',
  /** pins (and the new pin a transfer starts) */
  pin: 'pin',
  /** client payments reported by billing */
  pay: 'payment',
  /** refunds of payments */
  rfd: 'refund',
  /** commissions: the attributed partner's, one per payment at most, and each referrer's share of it */
  com: 'commission',
  /** the new client's side of a two-sided reward (points, a discount) */
  crw: 'client reward',
  /** points a client spent on a purchase */
  ptr: 'point redemption',
  /** a partner's settlement of one period (a rebate) */
  stl: 'settlement',
  /** a bounty recorded for a partner's publication */
  bty: 'bounty',
  /** net and reward invoices */
  inv: 'invoice',
  /** payout runs */
  pyr: 'payout run',
  /** disputes */
  dsp: 'dispute',
  /** routed client questions */
  qst: 'question',
  /** allowances a partner granted its client: a bonus code or a free month (seed 004) */
  alw: 'allowance grant',
  /** ledger postings */
  lpo: 'ledger posting',
} as const;
export type IdPrefix = keyof typeof ID_PREFIXES;

/**
 * Ids with a type prefix that sort by creation time (`ptn_`, `pin_`, `pay_`, `inv_`…): 9 base-36 characters
 * of milliseconds since the epoch, then 12 random base-36 characters. The time part keeps B-tree inserts
 * local and lists naturally ordered.
 */
export function createId(prefix: IdPrefix, now = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  let random = '';
  for (const byte of randomTwelve()) random += BASE36[byte % 36];
  return `${prefix}_${time}${random}`;
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Twelve random bytes from a pool drawn 4 KiB at a time: a call of `randomBytes` costs far more than the bytes
 * it returns, and a batch of a thousand payments mints three thousand ids. The bytes are the same CSPRNG's.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;
function randomTwelve(): Buffer {
  if (used + 12 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += 12;
  return pool.subarray(used - 12, used);
}

/**
 * The one validator of an id of this kind in a request (path, body or query): the prefix and the shape
 * `createId` writes (with room for ids minted by earlier formats), and an error that names the kind.
 */
export function idOf(prefix: IdPrefix) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{10,40}$`), `must be ${article(ID_PREFIXES[prefix])} id`);
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);
