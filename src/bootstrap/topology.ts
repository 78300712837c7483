/**
 * Which accounts carry orgvend's infrastructure and what each one does, from the DSL's
 * organization section. Pure.
 */
import { z } from 'zod';
import { SECURITY_SERVICES, securityAdmins, type SecurityService } from '../config/delegated-services.js';
import { AccountId, CustomizationSettings, Organization, Slug } from '../config/schema.js';
import { REQUESTS, permissionsFor, servedTypes, type AccountRole, type PermissionGroup, type RequestType } from '../protocol/requests.js';
import { compareText } from '../text-order.js';

/**
 * What of the organization section orgvend's own stacks are rendered from. The management
 * handler is given exactly this (BOOTSTRAP_ACCOUNTS renders a new member's stack with it).
 */
export const BootstrapOrganization = Organization.pick({
  management_account_id: true,
  cicd_account_id: true,
  audit_account_id: true,
  delegated_admin_account_id: true,
  dns_account: true,
  identity_account: true,
  logs_account: true,
  home_region: true,
  event_bus: true,
  event_source: true,
  reply_queue: true,
  bootstrap_new_accounts: true,
  // The CICD account's CI roles: their trust, and the buckets render-templates reads and writes.
  ci: true,
  artifact_buckets: true,
}).extend({
  // What the deployer role may create for the team's templates (absent: nothing of theirs).
  customizations: CustomizationSettings.optional(),
  // The DSL names of the accounts that set GuardDuty, Security Hub and the Config aggregator
  // (organization.security, from delegated_administrators): their handlers alone serve those
  // requests and get their permissions. Absent: none.
  security_admins: z.partialRecord(z.enum(SECURITY_SERVICES), Slug).optional(),
  // Their ids, for those whose entry pins one (account_id): a core account such as the audit
  // account carries no orgvend:name tag, so bootstrap and the handlers know it by its id.
  security_admin_ids: z.partialRecord(z.enum(SECURITY_SERVICES), AccountId).optional(),
});
export type BootstrapOrganization = z.infer<typeof BootstrapOrganization>;

/**
 * Those fields of `org` alone (the organization section has many more), with
 * `security_admins` worked out from the whole section when it is given, and
 * `security_admin_ids` from `accounts` (accounts.yml's entries) when they are given.
 */
export function bootstrapOrganization(
  org: BootstrapOrganization & Partial<Pick<Organization, 'delegated_administrators' | 'security'>>,
  accounts?: readonly { name: string; accountId?: string }[],
): BootstrapOrganization {
  const fields = Object.keys(BootstrapOrganization.shape) as (keyof BootstrapOrganization)[];
  const picked = Object.fromEntries(fields.filter((k) => org[k] !== undefined).map((k) => [k, org[k]])) as BootstrapOrganization;
  if (org.delegated_administrators && org.security) {
    const admins = securityAdmins({ delegated_administrators: org.delegated_administrators, security: org.security });
    if (Object.keys(admins).length) picked.security_admins = admins;
    else delete picked.security_admins;
  }
  if (accounts) {
    const pinned = new Map(accounts.filter((a) => a.accountId !== undefined).map((a) => [a.name, a.accountId!]));
    const ids = Object.fromEntries(Object.entries(picked.security_admins ?? {}).flatMap(([service, name]) => (pinned.has(name) ? [[service, pinned.get(name)!]] : [])));
    if (Object.keys(ids).length) picked.security_admin_ids = ids;
    else delete picked.security_admin_ids;
  }
  return picked;
}

/** The role of the account that sets `service`'s organization configuration (organization.security). */
export const securityAdminRole = (service: SecurityService): AccountRole => `${service}-admin`;

/**
 * The roles of an account as the delegated administrator of each security service
 * organization.security sets: the account named `name` in accounts.yml, or whose entry pins
 * its id `id` (a core account, which carries no orgvend:name tag).
 */
export function securityRoles(org: Pick<BootstrapOrganization, 'security_admins' | 'security_admin_ids'>, name: string | undefined, id?: string): AccountRole[] {
  const named = (service: SecurityService) => (name !== undefined && org.security_admins?.[service] === name) || (id !== undefined && org.security_admin_ids?.[service] === id);
  return SECURITY_SERVICES.filter(named).map(securityAdminRole);
}

export interface BootstrapAccount {
  id: string;
  roles: AccountRole[];
  isCicd: boolean;
  isAudit: boolean;
  /**
   * Its name in accounts.yml (its orgvend:name tag), when orgvend manages it: whether it is
   * the identity or the logs account, whose stacks its deployer role may then deploy.
   */
  name?: string;
}

/** The accounts bootstrapped before any other: management, CICD, audit, delegated administrator. */
export function coreAccounts(org: BootstrapOrganization): BootstrapAccount[] {
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
 * Account Management monitoring: the caller's rule forwards `aws.account` events to the
 * audit bus, where they go to this log group and topic. Named here, not in protocol/names,
 * because only the bootstrap template and its readers use them.
 */
export const ACCOUNT_EVENTS = {
  forwardRule: 'orgvend-account-events',
  logGroup: '/orgvend/account-events',
  topic: 'orgvend-account-events',
} as const;

/** The audit account's bus, which keeps a copy of every orgvend event and the Account Management events. */
export function auditBusName(org: BootstrapOrganization): string {
  return `${org.event_bus}-audit`;
}

/** The roles an account plays: a core account's, else a member's. */
export function rolesOf(org: BootstrapOrganization, account: string): AccountRole[] {
  return coreAccounts(org).find((a) => a.id === account)?.roles ?? ['member'];
}

/** A member account's bootstrap: answering requests addressed to it (and, for the DNS account, the record requests). */
export function memberAccount(id: string, roles: AccountRole[] = ['member'], name?: string): BootstrapAccount {
  return { id, roles, isCicd: false, isAudit: false, ...(name === undefined ? {} : { name }) };
}

/**
 * Which of the stacks rendered from templates/ that go to one account only are deployed in
 * `account`, so its deployer role may make what they make there and nowhere else: the IAM
 * mapping in the identity account, the log bucket in the logs account, the ECR
 * repositories in the CICD account. (A VPC may go to any account.)
 */
export function deployedHere(account: BootstrapAccount, org: BootstrapOrganization): { identity_mapping: boolean; log_bucket: boolean; ecr_repositories: boolean } {
  const named = (name: string | undefined) => name !== undefined && account.name === name;
  return { identity_mapping: named(org.identity_account), log_bucket: named(org.logs_account), ecr_repositories: account.isCicd };
}

export function served(account: BootstrapAccount, org: BootstrapOrganization, organizationId: string): { byType: RequestType[]; byTarget: RequestType[]; permissions: PermissionGroup[] } {
  const types = servedTypes(account.roles, org.delegated_admin_account_id !== undefined, org.bootstrap_new_accounts);
  return {
    byType: types.filter((t) => REQUESTS[t].route !== 'target'),
    byTarget: types.filter((t) => REQUESTS[t].route === 'target'),
    permissions: permissionsFor(types, organizationId),
  };
}

/** An event bus, by account and name. */
export interface BusRef {
  account: string;
  bus: string;
}

/**
 * The event buses this account's rules put events on, other than the bus each rule
 * listens to: the audit bus for copies and Account Management events, and from every
 * account but the CICD one the CICD bus, for replies. EventBridge needs a role for such a
 * target (always for a bus the sender reaches through the organization, as the CICD and
 * audit buses are), and the template's one forwarding role may put events on exactly
 * these buses. Requests are not among them: the CLI puts each on the bus of the account
 * that serves it. Sorted, so the policy renders the same each time.
 */
export function forwardedBuses(account: BootstrapAccount, org: BootstrapOrganization): BusRef[] {
  const buses: BusRef[] = [{ account: org.audit_account_id, bus: auditBusName(org) }];
  if (!account.isCicd) buses.push({ account: org.cicd_account_id, bus: org.event_bus });
  const key = (b: BusRef) => `${b.account}/${b.bus}`;
  return buses.sort((a, b) => compareText(key(a), key(b)));
}
