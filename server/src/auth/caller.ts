import { timingSafeEqual, createHash } from 'node:crypto';
import type { Db } from '../db/pool';
import { AppError } from '../http/errors';
import type { AmoTokenClaims } from './amo-token';

/**
 * Who is calling. Built only from a verified amoCRM token or the billing key: never from anything
 * else the client sends.
 */
export type Caller =
  | ({ kind: 'account' } & AmoTokenClaims)
  | ({ kind: 'staff'; role: 'staff' | 'admin' } & AmoTokenClaims)
  | { kind: 'billing' }
  | { kind: 'public' };

export type AccountCaller = Extract<Caller, { kind: 'account' }>;
export type StaffCaller = Extract<Caller, { kind: 'staff' }>;

/**
 * Vendor account users are staff; admins are ADMIN_USER_IDS plus users an admin granted the role to.
 * Every other account is a partner's (or a visitor's who may register).
 */
export async function callerFromToken(
  db: Db,
  claims: AmoTokenClaims,
  settings: { vendorAccountId: number; adminUserIds: number[] },
): Promise<Caller> {
  if (claims.accountId !== settings.vendorAccountId) return { kind: 'account', ...claims };
  if (settings.adminUserIds.includes(claims.userId)) return { kind: 'staff', role: 'admin', ...claims };
  const granted = await db
    .selectFrom('staff_roles')
    .select('role')
    .where('user_id', '=', BigInt(claims.userId))
    .executeTakeFirst();
  return { kind: 'staff', role: granted?.role === 'admin' ? 'admin' : 'staff', ...claims };
}

/** Compares the billing bearer key in constant time (hashing first makes the lengths equal). */
export function verifyBillingKey(header: string | undefined, expectedKey: string): void {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(match?.[1]?.trim() ?? '')
    .digest();
  const expected = createHash('sha256').update(expectedKey).digest();
  if (!match || !timingSafeEqual(given, expected)) {
    throw new AppError('billing_key_invalid', 'Send the billing key as Authorization: Bearer <key>');
  }
}

/** Stable string naming the caller, used to scope idempotency keys so callers cannot collide. */
export function callerScope(caller: Caller): string {
  switch (caller.kind) {
    case 'account':
    case 'staff':
      return `amo:${caller.accountId}:${caller.userId}`;
    case 'billing':
      return 'billing';
    case 'public':
      return 'public';
  }
}
