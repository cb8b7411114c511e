import type { Db } from '../db/pool';
import { isKnownAccount } from './pin.repository';
import type { VendorKnowledge } from './pin.rules';

/**
 * The vendor's amoCRM seen as a directory: does a company there carry this client account id? Implemented
 * by the amoCRM module (with a short cache). It throws when amoCRM cannot be asked right now.
 */
export interface VendorCrmDirectory {
  hasCompanyForAccount(clientAccountId: number): Promise<boolean>;
  /**
   * The vendor's company field holding client account ids (found or created), for staff widgets to read
   * from the card; undefined when amoCRM cannot say right now.
   */
  clientAccountFieldId?(): Promise<number | undefined>;
}

/**
 * Rule 9's "the vendor already knows this account": a recorded payment or a billing report (both land in
 * `known_accounts`), else a company in the vendor's amoCRM. Our own records are asked first, so the
 * network is only used for accounts we have never seen.
 */
export async function vendorKnowledge(
  db: Db,
  clientAccountId: number,
  crm: VendorCrmDirectory | undefined,
): Promise<VendorKnowledge> {
  if (await isKnownAccount(db, clientAccountId)) return 'known';
  if (!crm) return 'new';
  try {
    return (await crm.hasCompanyForAccount(clientAccountId)) ? 'known' : 'new';
  } catch {
    return 'unavailable';
  }
}
