/**
 * Checks that need more than one entry at a time: references between sections, values
 * that must be unique across accounts, OU paths against the organization's roots.
 */
import type { Problem } from './diagnostics.js';
import type { DesiredAccount, DslParts } from './resolve.js';
import { unknownPlaceholders, PLACEHOLDERS } from './patterns.js';
import { didYouMean } from './suggest.js';
import { SECURITY_SERVICES } from './delegated-services.js';
import { CUSTOMIZATION_TYPES, isKnownType } from '../bootstrap/customization-types.js';

export function isUnderRoot(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(`${root}/`));
}

/** `accountNames`: every account key in the file, including entries that failed to parse. */
export function checkOrganization(parts: DslParts, accountNames: readonly string[]): Problem[] {
  const org = parts.organization;
  const problems: Problem[] = [];

  for (const key of ['account_name_pattern', 'account_email_pattern'] as const) {
    for (const placeholder of unknownPlaceholders(org[key])) {
      problems.push({
        code: 'pattern-placeholder',
        path: ['organization', key],
        message: `unknown placeholder {${placeholder}} in organization.${key}`,
        expected: PLACEHOLDERS.map((p) => `{${p}}`).join(', '),
        found: `{${placeholder}}`,
        hint: didYouMean(placeholder, PLACEHOLDERS),
      });
    }
  }

  // The deployer role is given each allowed type's actions from a map orgvend keeps: a type missing there cannot be granted.
  org.customizations.allowed_resource_types.forEach((type, i) => {
    if (isKnownType(type)) return;
    problems.push({
      code: 'unknown-resource-type',
      path: ['organization', 'customizations', 'allowed_resource_types', i],
      message: `orgvend does not know what the deployer role needs to create resources of type ${type}`,
      expected: Object.keys(CUSTOMIZATION_TYPES).join(', '),
      found: type,
      hint: didYouMean(type, Object.keys(CUSTOMIZATION_TYPES)) ?? 'add it, with the IAM actions CloudFormation calls for it, to src/bootstrap/customization-types.ts',
    });
  });

  const roots = new Map<string, number>();
  org.ou_roots.forEach((root, i) => {
    const first = roots.get(root);
    if (first === undefined) roots.set(root, i);
    else {
      problems.push({
        code: 'duplicate-value',
        path: ['organization', 'ou_roots', i],
        message: `organization.ou_roots lists ${root} twice (item ${first + 1} and item ${i + 1})`,
        hint: 'list each root once: a second entry is usually a different root mistyped',
      });
    }
  });

  // The CI runner must never hold the management account's powers.
  const ids: [string, string | undefined][] = [
    ['management_account_id', org.management_account_id],
    ['cicd_account_id', org.cicd_account_id],
    ['audit_account_id', org.audit_account_id],
    ['delegated_admin_account_id', org.delegated_admin_account_id],
  ];
  const seen = new Map<string, string>();
  for (const [key, id] of ids) {
    if (id === undefined) continue;
    const other = seen.get(id);
    if (other) {
      problems.push({
        code: 'duplicate-account-id',
        path: ['organization', key],
        message: `organization.${key} is the same account as organization.${other} (${id})`,
        hint: 'the management, CICD, audit and delegated-administrator accounts must be different accounts',
      });
    } else {
      seen.set(id, key);
    }
  }

  if (org.scp_test_ou !== undefined && !isUnderRoot(org.scp_test_ou, org.ou_roots)) {
    problems.push(ouOutsideRoots(['organization', 'scp_test_ou'], org.scp_test_ou, org.ou_roots));
  }
  if (isUnderRoot(org.morgue_ou, org.ou_roots)) {
    problems.push({
      code: 'ou-outside-roots',
      path: ['organization', 'morgue_ou'],
      message: `the morgue OU ${org.morgue_ou} is inside ${org.ou_roots.join(', ')}, where orgvend places active accounts`,
      hint: 'keep retired accounts out of the roots, e.g. morgue_ou: Morgue',
    });
  }

  const pinned = new Map<string, string>();
  for (const [name, account] of Object.entries(parts.accounts)) {
    const id = account.account_id;
    if (id === undefined) continue;
    if (id === org.management_account_id) {
      problems.push({
        code: 'duplicate-account-id',
        path: ['accounts', name, 'account_id'],
        message: `account ${name} pins the management account (${id}), which orgvend never manages`,
        hint: 'remove the entry: the management account is never moved, tagged, retired or closed',
      });
    } else if (pinned.has(id)) {
      problems.push({
        code: 'duplicate-account-id',
        path: ['accounts', name, 'account_id'],
        message: `account ${name} pins account ${id}, which account ${pinned.get(id)} pins already`,
      });
    }
    pinned.set(id, name);
  }

  for (const key of ['dns_account', 'logs_account', 'identity_account'] as const) {
    const name = org[key];
    if (name !== undefined && !accountNames.includes(name)) {
      problems.push({
        code: 'unknown-account',
        path: ['organization', key],
        message: `organization.${key} names account "${name}", which is not in accounts`,
        hint: didYouMean(name, accountNames),
      });
    }
  }
  problems.push(...checkDelegatedAdministrators(parts, accountNames));
  if (org.security.trail && org.logs_account === undefined) {
    problems.push({
      code: 'trail-without-logs-account',
      path: ['organization', 'security', 'trail'],
      message: "organization.security.trail delivers to the logs account's log bucket, and organization.logs_account names no account",
      hint: 'name the account that holds the log buckets in organization.logs_account',
    });
  }
  // A Config recorder delivers to the logs account's log bucket: every layer that turns one on needs that account.
  if (org.logs_account === undefined) {
    const recording: (string | number)[][] = [
      ...(parts.defaults.config_recorder ? [['defaults', 'config_recorder']] : []),
      ...Object.entries(parts.scopes).flatMap(([name, scope]) => (scope.config_recorder ? [['scopes', name, 'config_recorder']] : [])),
      ...Object.entries(parts.accounts).flatMap(([name, account]) => (account.config_recorder ? [['accounts', name, 'config_recorder']] : [])),
    ];
    for (const path of recording) {
      problems.push({
        code: 'config-recorder-without-logs-account',
        path,
        message: "config_recorder: true delivers to the logs account's log bucket, and organization.logs_account names no account",
        hint: 'name the account that holds the log buckets in organization.logs_account',
      });
    }
  }
  // GuardDuty, Security Hub and the Config aggregator are set from their delegated administrator, so one must be named.
  for (const service of SECURITY_SERVICES) {
    if (org.security[service] === undefined) continue;
    const admin = org.delegated_administrators[service];
    if (admin === undefined || admin === null) {
      problems.push({
        code: 'security-service-without-admin',
        path: ['organization', 'security', service],
        message: `organization.security.${service} is set from ${service}'s delegated administrator, and organization.delegated_administrators.${service} names ${admin === null ? 'none (null)' : 'no account'}`,
        hint: `name the account in organization.delegated_administrators.${service}, such as the audit or security tooling account`,
      });
    }
  }
  const protectedTrail = org.scps.parameters.cloudtrail_name;
  if (org.security.trail && protectedTrail !== undefined && protectedTrail !== org.security.trail.name) {
    problems.push({
      code: 'trail-not-protected',
      path: ['organization', 'security', 'trail', 'name'],
      message: `the organization trail is ${org.security.trail.name}, and protect-cloudtrail protects ${protectedTrail} (organization.scps.parameters.cloudtrail_name)`,
      hint: 'give both the same name',
    });
  }
  return problems;
}

/**
 * Each delegated administrator is an account of the DSL that stays open, and never the
 * management account: AWS refuses to make it one (ConstraintViolationException).
 */
function checkDelegatedAdministrators(parts: DslParts, accountNames: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const org = parts.organization;
  for (const [service, name] of Object.entries(org.delegated_administrators)) {
    if (name === null || name === undefined) continue;
    const path = ['organization', 'delegated_administrators', service];
    const entry = parts.accounts[name];
    if (!accountNames.includes(name)) {
      problems.push({
        code: 'unknown-account',
        path,
        message: `organization.delegated_administrators.${service} names account "${name}", which is not in accounts`,
        hint: didYouMean(name, accountNames) ?? 'a delegated administrator is an account of accounts.yml, by its DSL name',
      });
    } else if (entry?.account_id !== undefined && entry.account_id === org.management_account_id) {
      problems.push({
        code: 'management-delegated-admin',
        path,
        message: `organization.delegated_administrators.${service} names ${name}, the management account (${entry.account_id}): AWS never makes the management account a delegated administrator`,
        hint: 'name a member account, such as the audit or security tooling account',
      });
    } else if (entry?.lifecycle === 'closed') {
      problems.push({
        code: 'closed-delegated-admin',
        path,
        message: `organization.delegated_administrators.${service} names ${name}, whose lifecycle is closed`,
        hint: 'name an account that stays open',
      });
    }
  }
  return problems;
}

/** Every place an organization_unit is written must be under one of the roots. */
export function checkOuPaths(parts: DslParts): Problem[] {
  const roots = parts.organization.ou_roots;
  const problems: Problem[] = [];
  const check = (path: (string | number)[], ou: string | undefined) => {
    if (ou !== undefined && !isUnderRoot(ou, roots)) problems.push(ouOutsideRoots([...path, 'organization_unit'], ou, roots));
  };
  check(['defaults'], parts.defaults.organization_unit);
  for (const [name, scope] of Object.entries(parts.scopes)) check(['scopes', name], scope.organization_unit);
  for (const [name, account] of Object.entries(parts.accounts)) check(['accounts', name], account.organization_unit);
  return problems;
}

function ouOutsideRoots(path: (string | number)[], ou: string, roots: readonly string[]): Problem {
  return {
    code: 'ou-outside-roots',
    path,
    message: `OU path ${ou} is not under a known root`,
    expected: `a path under ${roots.map((r) => `${r}/`).join(' or ')} (organization.ou_roots)`,
    found: ou,
    hint: `add its first segment to organization.ou_roots, or write it as ${roots[0]}/${ou}`,
  };
}

export function checkScopes(accounts: DslParts['accounts'], knownScopes: readonly string[]): Problem[] {
  // Linear in accounts: scopes looked up in a set, each misspelling's hint found once however many accounts share it.
  const known = new Set(knownScopes);
  const expected = `one of: ${knownScopes.join(', ')}`;
  const hints = new Map<string, string | undefined>();
  const hintFor = (scope: string) => (hints.has(scope) ? hints.get(scope) : hints.set(scope, didYouMean(scope, knownScopes)).get(scope));
  return Object.entries(accounts)
    .filter(([, account]) => !known.has(account.scope))
    .map(([name, account]) => ({
      code: 'unknown-scope',
      path: ['accounts', name, 'scope'],
      message: `account ${name} is in scope "${account.scope}", which is not defined under scopes`,
      expected,
      found: account.scope,
      hint: hintFor(account.scope),
    }));
}

/** AWS names and emails identify accounts too: two entries may not resolve to the same one. */
export function checkUniqueness(accounts: readonly DesiredAccount[], overrides: DslParts['accounts']): Problem[] {
  const problems: Problem[] = [];
  for (const [field, label, code] of [
    ['awsName', 'AWS account name', 'duplicate-aws-name'],
    ['email', 'email', 'duplicate-email'],
  ] as const) {
    const seen = new Map<string, string>();
    for (const account of accounts) {
      const value = account[field].toLowerCase();
      const first = seen.get(value);
      if (first === undefined) {
        seen.set(value, account.name);
        continue;
      }
      const overridden = field === 'awsName' ? overrides[account.name]?.aws_name : overrides[account.name]?.email;
      problems.push({
        code,
        path: overridden ? ['accounts', account.name, field === 'awsName' ? 'aws_name' : 'email'] : ['accounts', account.name],
        message: `account ${account.name} resolves to ${label} "${account[field]}", which account ${first} already has`,
        hint: overridden ? undefined : `make the pattern tell them apart (e.g. add {name}) or set ${field === 'awsName' ? 'aws_name' : 'email'} on one of them`,
      });
    }
  }
  return problems;
}

/** An ECR pull grant that matches no account is probably a typo; warn, do not fail. */
export function checkEcrGrants(parts: DslParts, accounts: readonly DesiredAccount[]): Problem[] {
  const services = new Set(accounts.map((a) => a.service));
  const environments = new Set(accounts.flatMap((a) => (a.settings.environment ? [a.settings.environment] : [])));
  const problems: Problem[] = [];
  parts.ecrRepositories.forEach((repo, i) => {
    repo.pull.forEach((grant, j) => {
      for (const [key, known] of [
        ['services', services],
        ['environments', environments],
      ] as const) {
        (grant[key] ?? []).forEach((value, k) => {
          if (!known.has(value)) {
            problems.push({
              code: 'unused-ecr-grant',
              severity: 'warning',
              path: ['ecr_repositories', i, 'pull', j, key, k],
              message: `no account has ${key === 'services' ? 'service' : 'environment'} "${value}": this grant gives no account access`,
              hint: didYouMean(value, known),
            });
          }
        });
      }
    });
  });
  return problems;
}

const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * What `access` names depends on organization.identity_center: with it, each level must
 * have a permission set there and each entry is a group's display name; without it, each
 * entry is an IAM role name (the IAM mapping).
 */
export function checkAccess(parts: DslParts): Problem[] {
  const center = parts.organization.identity_center;
  const levels = Object.keys(center?.permission_sets ?? {});
  const problems: Problem[] = [];
  const check = (path: (string | number)[], access: Record<string, string[]> | undefined) => {
    for (const [level, names] of Object.entries(access ?? {})) {
      if (center && !levels.includes(level)) {
        problems.push({
          code: 'unknown-access-level',
          path: [...path, 'access', level],
          message: `access level ${level} has no permission set in organization.identity_center.permission_sets`,
          expected: levels.length ? `one of: ${levels.join(', ')}` : 'a level defined under organization.identity_center.permission_sets',
          found: level,
          hint: didYouMean(level, levels) ?? `add ${level} to organization.identity_center.permission_sets`,
        });
      }
      if (center) continue;
      names.forEach((name, i) => {
        if (IAM_ROLE_NAME.test(name)) return;
        problems.push({
          code: 'invalid-value',
          path: [...path, 'access', level, i],
          message: 'an IAM role name of 1–64 letters, digits or +=,.@_- (access names IAM roles unless organization.identity_center is set)',
          found: name,
          hint: 'group names with other characters need organization.identity_center, where access names Identity Center groups',
        });
      });
    }
  };
  check(['defaults'], parts.defaults.access);
  for (const [name, scope] of Object.entries(parts.scopes)) check(['scopes', name], scope.access);
  for (const [name, account] of Object.entries(parts.accounts)) check(['accounts', name], account.access);
  return problems;
}
