/**
 * The services `organization.delegated_administrators` may name, each with the service
 * principal AWS Organizations knows it by: the one table the DSL, the requests (their
 * payload enums and IAM conditions) and the plan read. The Account Management API
 * (account.amazonaws.com) is not here: its delegated administrator is
 * organization.delegated_admin_account_id, which bootstrap registers and nothing ever
 * deregisters.
 */
import type { Desired } from './resolve.js';

export const DELEGATED_SERVICES = {
  'access-analyzer': 'access-analyzer.amazonaws.com',
  backup: 'backup.amazonaws.com',
  cloudtrail: 'cloudtrail.amazonaws.com',
  config: 'config.amazonaws.com',
  'config-multiaccountsetup': 'config-multiaccountsetup.amazonaws.com',
  detective: 'detective.amazonaws.com',
  fms: 'fms.amazonaws.com',
  guardduty: 'guardduty.amazonaws.com',
  inspector2: 'inspector2.amazonaws.com',
  ipam: 'ipam.amazonaws.com',
  macie: 'macie.amazonaws.com',
  securityhub: 'securityhub.amazonaws.com',
  sso: 'sso.amazonaws.com',
  stacksets: 'member.org.stacksets.cloudformation.amazonaws.com',
} as const;

export type DelegatedService = keyof typeof DELEGATED_SERVICES;
export type DelegatedServicePrincipal = (typeof DELEGATED_SERVICES)[DelegatedService];

export const DELEGATED_SERVICE_NAMES = Object.keys(DELEGATED_SERVICES) as [DelegatedService, ...DelegatedService[]];
export const DELEGATED_SERVICE_PRINCIPALS = Object.values(DELEGATED_SERVICES) as [DelegatedServicePrincipal, ...DelegatedServicePrincipal[]];

/** The services the DSL says something about, in the table's order, with what it says (an account's DSL name, or null: none). */
export function declaredServices(desired: Pick<Desired, 'organization'>): [DelegatedService, string | null][] {
  const declared = desired.organization.delegated_administrators;
  return DELEGATED_SERVICE_NAMES.filter((s) => declared[s] !== undefined).map((s) => [s, declared[s]!]);
}

/**
 * The services whose organization settings sync-security makes (organization.security.<service>),
 * in their delegated administrator's account and from nowhere else: that account's handler
 * gets the role `<service>-admin` (bootstrap/topology.ts), and with it these requests and
 * their permissions.
 */
export const SECURITY_SERVICES = ['guardduty', 'securityhub', 'config'] as const satisfies readonly DelegatedService[];
export type SecurityService = (typeof SECURITY_SERVICES)[number];

/** The DSL name of each security service's delegated administrator, for the services organization.security sets. */
export function securityAdmins(org: { delegated_administrators: Partial<Record<DelegatedService, string | null>>; security: Partial<Record<SecurityService, unknown>> }): Partial<Record<SecurityService, string>> {
  const admins: Partial<Record<SecurityService, string>> = {};
  for (const service of SECURITY_SERVICES) {
    const name = org.delegated_administrators[service];
    if (org.security[service] !== undefined && name) admins[service] = name;
  }
  return admins;
}
