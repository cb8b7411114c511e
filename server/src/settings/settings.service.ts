/**
 * The settings domain's door: other domains read the program settings, the vendor's requisites and the
 * price list through here, never through the repository. The settings have no transitions of their own;
 * their only writer is `settings.routes.ts` (admin), through the repository below.
 */
export {
  getPriceList,
  getProgramSettings,
  getVendorRequisites,
  insertRateSchedule,
  updateProgramSettings,
} from './settings.repository';
