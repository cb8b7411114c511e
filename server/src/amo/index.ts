/**
 * The amoCRM integration (docs/AMOCRM.md): OAuth installs and token refresh, a throttled API client, the
 * outbox deliveries (vendor companies, partner tasks), renewal reminders, CRM webhooks and the vendor's
 * amoCRM as the known-customer directory.
 */
export { amoRoutes } from './amo.routes';
export {
  AMO_JOBS,
  AmoIntegration,
  createAmoIntegration,
  startAmoWorkers,
  type AmoIntegrationOptions,
  type AmoWorkers,
} from './amo.integration';
