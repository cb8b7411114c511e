import type { Db } from '../db/pool';

export type GrantedRole = 'admin' | 'staff';

export async function findStaffRole(db: Db, userId: number): Promise<GrantedRole | undefined> {
  const row = await db
    .selectFrom('staff_roles')
    .select('role')
    .where('user_id', '=', BigInt(userId))
    .executeTakeFirst();
  return row?.role;
}

/** Sets (or replaces) a vendor user's granted role, remembering who granted it and when. */
export async function upsertStaffRole(
  db: Db,
  grant: { userId: number; role: GrantedRole; grantedByUserId: number | null },
): Promise<void> {
  const grantedBy = grant.grantedByUserId === null ? null : BigInt(grant.grantedByUserId);
  await db
    .insertInto('staff_roles')
    .values({ user_id: BigInt(grant.userId), role: grant.role, granted_by_user_id: grantedBy })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ role: grant.role, granted_by_user_id: grantedBy, granted_at: new Date() }),
    )
    .execute();
}
