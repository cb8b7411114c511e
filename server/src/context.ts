import type { Logger } from 'pino';
import type { Config } from './config';
import type { Db } from './db/pool';
import type { VendorCrmDirectory } from './pins/vendor-knowledge';

/** Everything a route handler may reach besides its request: passed explicitly, never imported as a global. */
export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
  /** The vendor's amoCRM as a directory of known clients; absent until an amoCRM connection is configured. */
  vendorCrm?: VendorCrmDirectory;
}
