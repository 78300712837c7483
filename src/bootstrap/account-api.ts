import type { Organization } from '../config/schema.js';

/**
 * The account that calls the Account Management API (contacts, Regions) for the
 * organization, and so the one whose default bus receives its `aws.account` events: the
 * delegated administrator, or the management account when there is none. Apart from
 * topology.ts, so that scps/ (validate) need not load the requests' schemas it imports.
 */
export function accountApiCaller(org: Pick<Organization, 'delegated_admin_account_id' | 'management_account_id'>): string {
  return org.delegated_admin_account_id ?? org.management_account_id;
}
