import { roleRoutes } from '../auth/roles.routes';
import { partnerRoutes } from '../partners/partner.routes';
import type { RouteSpec } from './route';

/** Every API route, in one list: mounted by the app and published as OpenAPI from the same specs. */
export const allRoutes: RouteSpec<any, any, any>[] = [...partnerRoutes, ...roleRoutes];
