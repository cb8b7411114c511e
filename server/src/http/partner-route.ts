import { getPartnerOrThrow, type PartnerRow } from '../partners/partner.service';
import {
  defineRoute,
  type HandlerContext,
  type Method,
  type RouteDeclaration,
  type RouteResult,
} from './route';

/** What a partner's own route works with: the usual context and the caller's partner, already looked up. */
export type PartnerHandlerContext<B, Q, P, M extends Method> = HandlerContext<B, Q, P, 'account', M> & {
  partner: PartnerRow;
};

/**
 * Declares a route a partner calls about itself ("my pins", "my invoices"): any amoCRM account's widget
 * may call it, and an account that has not registered gets 404 `partner_not_found` before the handler
 * runs. The partner is read with the route's own handle (the transaction of a write, the pool of a read).
 */
export function definePartnerRoute<B = undefined, Q = undefined, P = undefined, M extends Method = Method>(
  spec: RouteDeclaration<B, Q, P, M> & {
    handler(ctx: PartnerHandlerContext<B, Q, P, M>): Promise<RouteResult>;
  },
) {
  const { handler, ...declaration } = spec;
  return defineRoute<B, Q, P, 'account', M>({
    ...declaration,
    auth: 'account',
    async handler(ctx) {
      return handler({ ...ctx, partner: await getPartnerOrThrow(ctx.db, ctx.caller.accountId) });
    },
  });
}
