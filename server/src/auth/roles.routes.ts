import { z } from 'zod';
import { defineRoute } from '../http/route';
import { grantRole } from './caller';

const RoleBody = z.strictObject({
  userId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  role: z.enum(['admin', 'staff']),
});

/** Admins (ADMIN_USER_IDS) can make more vendor users admins, or take the role back (API.md). */
export const roleRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/staff-roles',
    summary: 'Admin: grant a vendor user the admin role (or set it back to staff)',
    tag: 'admin',
    auth: 'admin',
    body: RoleBody,
    responses: { 200: { description: 'Role set', schema: RoleBody } },
    async handler({ db, body, caller, audit }) {
      await grantRole(db, { userId: body.userId, role: body.role, grantedByUserId: caller.userId });
      await audit('staff.role_set', { type: 'user', id: String(body.userId) }, { role: body.role });
      return { status: 200, body };
    },
  }),
];
