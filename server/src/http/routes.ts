import { allowanceRoutes } from '../allowances/allowance.routes';
import { amoRoutes } from '../amo';
import { roleRoutes } from '../auth/roles.routes';
import { whoamiRoutes } from '../auth/whoami.routes';
import { commissionRoutes } from '../commissions/commission.routes';
import { paymentBatchRoutes } from '../commissions/payment-batch.routes';
import { invoiceRoutes } from '../invoices/invoice.routes';
import { linkRoutes } from '../links/link.routes';
import { payoutRoutes } from '../payouts/payout.routes';
import { settingsRoutes } from '../settings/settings.routes';
import { documentRoutes } from '../certificates/certificate.routes';
import { disputeRoutes } from '../disputes/dispute.routes';
import { partnerRoutes } from '../partners/partner.routes';
import { programRoutes } from '../programs/program.routes';
import { pointsRoutes } from '../points/points.routes';
import { settlementRoutes } from '../settlements/settlement.routes';
import { confirmPageRoute, pinRoutes } from '../pins/pin.routes';
import { questionRoutes } from '../questions/question.routes';
import { referralRoutes } from '../referrals/referral.routes';
import type { RouteSpec } from './route';

/** Every API route, in one list: mounted by the app and published as OpenAPI from the same specs. */
export const allRoutes: RouteSpec<any, any, any>[] = [
  ...partnerRoutes,
  ...pinRoutes,
  confirmPageRoute,
  ...questionRoutes,
  ...disputeRoutes,
  ...commissionRoutes,
  ...paymentBatchRoutes,
  ...invoiceRoutes,
  ...payoutRoutes,
  ...settingsRoutes,
  ...documentRoutes,
  ...roleRoutes,
  ...whoamiRoutes,
  ...amoRoutes,
  ...programRoutes,
  ...pointsRoutes,
  ...settlementRoutes,
  ...linkRoutes,
  ...referralRoutes,
  ...allowanceRoutes,
];
