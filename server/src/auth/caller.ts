import { timingSafeEqual, createHash } from 'node:crypto';
import type { Db } from '../db/pool';
import { AppError } from '../errors';
import type { AmoTokenClaims } from './amo-token';
import { findStaffRole, upsertStaffRole } from './staff-role.repository';

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
  return { kind: 'staff', role: await grantedRole(db, claims.userId), ...claims };
}

/**
 * Roles granted through the API, cached for a few seconds: staff check clients on every card they open,
 * and a database round trip per request for a value that changes a few times a year is most of a look-up's
 * cost. A grant in this process takes effect at once (`grantRole`); in another process within
 * ROLE_CACHE_MS.
 */
const ROLE_CACHE_MS = 5_000;
const roleCache = new Map<number, { role: 'admin' | 'staff'; at: number }>();

async function grantedRole(db: Db, userId: number): Promise<'admin' | 'staff'> {
  const cached = roleCache.get(userId);
  if (cached && Date.now() - cached.at < ROLE_CACHE_MS) return cached.role;
  const role = (await findStaffRole(db, userId)) === 'admin' ? 'admin' : 'staff';
  if (roleCache.size > 10_000) roleCache.clear();
  roleCache.set(userId, { role, at: Date.now() });
  return role;
}

/** An admin grants a vendor user a role; it takes effect at once in this process (the cache forgets it). */
export async function grantRole(
  db: Db,
  grant: { userId: number; role: 'admin' | 'staff'; grantedByUserId: number | null },
): Promise<void> {
  await upsertStaffRole(db, grant);
  roleCache.delete(grant.userId);
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
