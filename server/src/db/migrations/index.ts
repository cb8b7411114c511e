import type { Migration } from 'kysely';
import * as m001 from './001_foundation';
import * as m002 from './002_pins';
import * as m003 from './003_money';
import * as m004 from './004_amo';
import * as m005 from './005_person_inn';
import * as m006 from './006_programs';
import * as m010 from './010_links';
import * as m011 from './011_commission_program';
import * as m012 from './012_link_attribution';
import * as m013 from './013_payout_policy_in_program';
import * as m015 from './015_partner_orders';
import * as m016 from './016_evaluation_facts';
import * as m017 from './017_record_link_clicks';
import * as m018 from './018_amo_rate_windows';
import * as m019 from './019_payment_order';
import * as m020 from './020_promo_codes';
import * as m021 from './021_payment_measures';
import * as m022 from './022_partner_tier_days';
import * as m023 from './023_referrals';
import * as m024 from './024_allowances';
import * as m025 from './025_levels';
import * as m026 from './026_settlements';
import * as m027 from './027_set_based_settlements';
import * as m028 from './028_single_payment_read';

/**
 * All migrations, in order. A static list (rather than reading a folder) works the same from the
 * TypeScript sources under Jest and from the swc-compiled `dist/`.
 */
export const migrations: Record<string, Migration> = {
  '001_foundation': m001,
  '002_pins': m002,
  '003_money': m003,
  '004_amo': m004,
  '005_person_inn': m005,
  '006_programs': m006,
  '010_links': m010,
  '011_commission_program': m011,
  '012_link_attribution': m012,
  '013_payout_policy_in_program': m013,
  '015_partner_orders': m015,
  '016_evaluation_facts': m016,
  '017_record_link_clicks': m017,
  '018_amo_rate_windows': m018,
  '019_payment_order': m019,
  '020_promo_codes': m020,
  '021_payment_measures': m021,
  '022_partner_tier_days': m022,
  '023_referrals': m023,
  '024_allowances': m024,
  '025_levels': m025,
  '026_settlements': m026,
  '027_set_based_settlements': m027,
  '028_single_payment_read': m028,
};
