import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db/pool';

/** Everything a route handler may reach besides its request: passed explicitly, never imported as a global. */
export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
}
