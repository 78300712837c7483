/**
 * Which accounts carry orgvend's infrastructure and what each one does, from the DSL's
 * organization section. Pure.
 */
import type { Organization } from '../config/schema.js';
import { REQUEST_TYPES, REQUESTS, permissionsFor, servedTypes, type AccountRole, type RequestType } from '../protocol/requests.js';

export interface BootstrapAccount {
  id: string;
  roles: AccountRole[];
  isCicd: boolean;
  isAudit: boolean;
}

/** The accounts bootstrapped before any other: management, CICD, audit, delegated administrator. */
export function coreAccounts(org: Organization): BootstrapAccount[] {
  const accounts: BootstrapAccount[] = [
    { id: org.management_account_id, roles: ['management'], isCicd: false, isAudit: false },
    { id: org.cicd_account_id, roles: ['member'], isCicd: true, isAudit: false },
    { id: org.audit_account_id, roles: ['member'], isCicd: false, isAudit: true },
  ];
  if (org.delegated_admin_account_id) {
    accounts.push({ id: org.delegated_admin_account_id, roles: ['delegated-admin', 'member'], isCicd: false, isAudit: false });
  }
  return accounts;
}

/**
 * The account that calls the Account Management API (contacts, Regions) for the
 * organization, and so the one whose default bus receives its `aws.account` events: the
 * delegated administrator, or the management account when there is none.
 */
export function accountApiCaller(org: Organization): string {
  return org.delegated_admin_account_id ?? org.management_account_id;
}

/**
 * Account Management monitoring: the caller's rule forwards `aws.account` events to the
 * audit bus, where they go to this log group and topic. Named here, not in protocol/names,
 * because only the bootstrap template and its readers use them.
 */
export const ACCOUNT_EVENTS = {
  forwardRule: 'orgvend-account-events',
  logGroup: '/orgvend/account-events',
  topic: 'orgvend-account-events',
} as const;

/** A member account's bootstrap: no role but answering requests addressed to it. */
export function memberAccount(id: string): BootstrapAccount {
  return { id, roles: ['member'], isCicd: false, isAudit: false };
}

export function served(account: BootstrapAccount, org: Organization): { byType: RequestType[]; byTarget: RequestType[]; permissions: ReturnType<typeof permissionsFor> } {
  const types = servedTypes(account.roles, org.delegated_admin_account_id !== undefined);
  return {
    byType: types.filter((t) => REQUESTS[t].route !== 'target'),
    byTarget: types.filter((t) => REQUESTS[t].route === 'target'),
    permissions: permissionsFor(types),
  };
}

export interface ForwardRoute {
  logical_id: string;
  role: string;
  account: string;
  types: RequestType[];
}

/** The CICD bus's forwarding: by type to the management account and the delegated admin, by target to each account. */
export function forwardRoutes(org: Organization, targets: readonly string[]): { by_type: ForwardRoute[]; by_target: string[] } {
  const typesOf = (route: 'management' | 'delegated-admin') => REQUEST_TYPES.filter((t) => REQUESTS[t].route === route);
  const by_type: ForwardRoute[] = [];
  if (org.delegated_admin_account_id) {
    by_type.push({ logical_id: 'ForwardToManagementRule', role: 'management', account: org.management_account_id, types: typesOf('management') });
    const delegated = typesOf('delegated-admin');
    if (delegated.length) by_type.push({ logical_id: 'ForwardToDelegatedAdminRule', role: 'delegated-admin', account: org.delegated_admin_account_id, types: delegated });
  } else {
    by_type.push({ logical_id: 'ForwardToManagementRule', role: 'management', account: org.management_account_id, types: [...typesOf('management'), ...typesOf('delegated-admin')] });
  }
  return { by_type, by_target: [...new Set(targets)].filter((id) => id !== org.cicd_account_id).sort() };
}
