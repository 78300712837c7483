/** An account's effective settings and the layer each came from, and what organization.* gives it to do. */
import { escapeControlCharacters } from '../config/control-characters.js';
import { declaredServices, securityAdmins, type SecurityService } from '../config/delegated-services.js';
import type { DesiredAccount } from '../config/resolve.js';
import type { Organization } from '../config/schema.js';
import type { Style } from './style.js';

export interface ExplainJson {
  account: string;
  aws_name: string;
  email: string;
  settings: Record<string, { value: unknown; from: string }>;
  /** Every tag the account carries: the DSL's and orgvend's identifying tags. */
  tags: Record<string, string>;
  /** What the organization section makes of the account, each with the key that says so. */
  organization: { role: string; from: string }[];
}

/**
 * What organization.* gives the account to do or to hold: the core accounts, the delegated
 * administrators and the security services they run, the trail's bucket, and (with Identity
 * Center) the permission set each of its access levels becomes. These live in the organization
 * section, not in the account's layers, so the settings table alone would not show them.
 */
export function organizationRoles(org: Organization, account: DesiredAccount): ExplainJson['organization'] {
  const roles: ExplainJson['organization'] = [];
  const add = (role: string, from: string) => roles.push({ role, from: `organization.${from}` });
  const id = account.accountId;
  if (id === org.management_account_id) add('the management account (never moved, retired or closed)', 'management_account_id');
  if (id === org.cicd_account_id) add('the CICD account, the only one that sends requests', 'cicd_account_id');
  if (id === org.audit_account_id) add('the audit account, which receives a copy of every event', 'audit_account_id');
  if (id !== undefined && id === org.delegated_admin_account_id) add('delegated administrator of the Account Management API', 'delegated_admin_account_id');
  const name = account.name;
  if (name === org.dns_account) add('holds the DNS zones', 'dns_account');
  if (name === org.identity_account) add(org.identity_center ? 'the identity account' : 'the identity account, where people sign in and take on the access levels', 'identity_account');
  if (name === org.logs_account) {
    add('holds the log buckets', 'logs_account');
    if (org.security.trail) add(`receives the organization trail ${org.security.trail.name}`, 'security.trail');
  }
  for (const [service, admin] of declaredServices({ organization: org })) {
    if (admin === name) add(`delegated administrator of ${service}`, `delegated_administrators.${service}`);
  }
  const { guardduty, securityhub, config } = org.security;
  const held: Record<SecurityService, string | undefined> = {
    guardduty: guardduty && `sets GuardDuty's organization configuration (auto_enable: ${guardduty.auto_enable})`,
    securityhub: securityhub && `sets Security Hub's organization configuration (auto_enable: ${securityhub.auto_enable})`,
    config: config && `holds the AWS Config aggregator ${config.aggregator}`,
  };
  for (const [service, admin] of Object.entries(securityAdmins(org)) as [SecurityService, string][]) {
    if (admin === name) add(held[service]!, `security.${service}`);
  }
  const center = org.identity_center;
  if (center) {
    for (const [level, groups] of Object.entries(account.settings.access)) {
      add(`access.${level} is the permission set ${center.name_prefix}${level}, given to ${groups.join(', ')}`, `identity_center.permission_sets.${level}`);
    }
  }
  return roles;
}

export function explainJson(org: Organization, account: DesiredAccount): ExplainJson {
  return {
    account: account.name,
    aws_name: account.awsName,
    email: account.email,
    settings: Object.fromEntries(account.explained.map((s) => [s.key, { value: s.value, from: s.from }])),
    tags: account.tags,
    organization: organizationRoles(org, account),
  };
}

/** A value on one line, its control characters as escapes. */
function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => show(v)).join(', ')}]`;
  if (value === null) return 'null (deleted)';
  if (typeof value === 'object') return escapeControlCharacters(JSON.stringify(value));
  return escapeControlCharacters(String(value));
}

export function renderExplain(json: ExplainJson, s: Style): string {
  const rows = Object.entries(json.settings).map(([key, { value, from }]) => [key, show(value), from] as const);
  const keyWidth = Math.max(...rows.map(([k]) => k.length), 3);
  const valueWidth = Math.min(60, Math.max(...rows.map(([, v]) => v.length), 5));
  const lines = [
    `${s.bold(show(json.account))}: ${show(json.aws_name)} <${show(json.email)}>`,
    '',
    s.dim(`  ${'key'.padEnd(keyWidth)}  ${'value'.padEnd(valueWidth)}  from`),
    ...rows.map(([key, value, from]) => `  ${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${s.dim(from)}`),
    '',
    s.dim('  tags (identifying tags are set by orgvend)'),
    ...Object.entries(json.tags).map(([k, v]) => `  ${show(k)} = ${show(v)}`),
  ];
  if (json.organization.length) {
    const width = Math.max(...json.organization.map((r) => show(r.role).length));
    lines.push('', s.dim('  in the organization'), ...json.organization.map((r) => `  ${show(r.role).padEnd(width)}  ${s.dim(r.from)}`));
  }
  return `${lines.join('\n')}\n`;
}
