import { defineRoute, type CallerFor } from './route';

/**
 * The route's `auth` decides the caller's type, so handlers read `caller.accountId` without a cast. The
 * `@ts-expect-error` lines are the test: `npm run typecheck` fails if one of them stops being an error.
 */
describe('defineRoute narrows the caller by auth', () => {
  it('gives account routes an account caller and staff routes a staff caller', () => {
    const account = defineRoute({
      method: 'get',
      path: '/x',
      summary: 'x',
      tag: 'x',
      auth: 'account',
      responses: {},
      handler: async ({ caller }) => ({ status: 200, body: { id: caller.accountId, kind: caller.kind } }),
    });
    const staff = defineRoute({
      method: 'get',
      path: '/y',
      summary: 'y',
      tag: 'y',
      auth: 'admin',
      responses: {},
      handler: async ({ caller }) => ({ status: 200, body: { role: caller.role } }),
    });
    defineRoute({
      method: 'get',
      path: '/z',
      summary: 'z',
      tag: 'z',
      auth: 'public',
      responses: {},
      // @ts-expect-error a public caller has no account
      handler: async ({ caller }) => ({ status: 200, body: caller.accountId }),
    });
    defineRoute({
      method: 'get',
      path: '/w',
      summary: 'w',
      tag: 'w',
      auth: 'account',
      responses: {},
      // @ts-expect-error an account caller has no staff role
      handler: async ({ caller }) => ({ status: 200, body: caller.role }),
    });
    const billing: CallerFor<'billing'> = { kind: 'billing' };
    expect([account.auth, staff.auth, billing.kind]).toEqual(['account', 'admin', 'billing']);
  });
});
