/**
 * The team's own templates (account customizations): templates/account/<name>.yml.njk
 * other than orgvend's (vpc, identity-iam-mapping), each deployed as orgvend-<name> to the
 * accounts whose resolved `customizations` name it. Checked offline: a customization
 * naming no template is an error at its key in accounts.yml, a template no account selects
 * a warning; a rendered one may create only organization.customizations.allowed_resource_types,
 * and each role it makes must sit under orgvend's customization path with orgvend's boundary.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileDiagnostic, firstMatch, type Diagnostic, type Problem } from '../config/diagnostics.js';
import { layerPath } from '../config/layers.js';
import type { Desired } from '../config/resolve.js';
import { didYouMean } from '../config/suggest.js';
import { ROLE_TYPES } from '../bootstrap/customization-types.js';
import { DEPLOYED_STACKS, NAMES, isCustomTemplateName } from '../protocol/names.js';
import { parseTemplate } from './cfn-yaml.js';
import { resourceBlocks } from '../plan/stacks.js';

/** NAMES.customizationBoundaryArn, as a template may write it: with its partition, or `${AWS::Partition}` in a !Sub. */
const BOUNDARY = /^arn:(aws|aws-cn|aws-us-gov|\$\{AWS::Partition\}):iam::aws:policy\/SecurityAudit$/;

export const TEMPLATES_DIR = 'templates';
export const PER_ACCOUNT_DIR = 'account';

/** The name a template is deployed by: its file name up to the first dot. */
export const stemOf = (file: string) => file.slice(0, file.indexOf('.'));

/** orgvend's per-account templates, rendered for every account (a VPC where create_vpc is true). */
export const isBuiltInPerAccount = (stem: string) => Object.hasOwn(DEPLOYED_STACKS, stem);

export function templateFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.njk')).map((e) => e.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The team's per-account templates in the repository: name → its file, relative to the repository. */
export function customTemplates(repoDir: string): Map<string, string> {
  const files = templateFiles(join(repoDir, TEMPLATES_DIR, PER_ACCOUNT_DIR));
  return new Map(files.filter((f) => !isBuiltInPerAccount(stemOf(f))).map((f) => [stemOf(f), `${TEMPLATES_DIR}/${PER_ACCOUNT_DIR}/${f}`]));
}

/** A per-account template's name that orgvend cannot deploy as orgvend-<name>: a diagnostic on the file. */
export function templateNameProblem(source: string, text: string, stem: string): Diagnostic | undefined {
  if (isCustomTemplateName(stem)) return undefined;
  return fileDiagnostic(source, text, 'template-name', `${stem} cannot be the name of a template deployed as orgvend-${stem}`, undefined, 'name it with 1–50 lowercase letters, digits and dashes, not bootstrap, log-buckets, ecr-repositories or identity-iam-mapping-…');
}

/**
 * Customizations that name no template (errors, at the key that names them, in the layer
 * that sets it), and templates no account selects (warnings, on the template).
 */
export function customizationProblems(desired: Desired, templates: ReadonlyMap<string, string>): { problems: Problem[]; unused: Diagnostic[] } {
  const problems = new Map<string, Problem>();
  const selected = new Set<string>();
  for (const account of desired.accounts) {
    for (const setting of account.explained) {
      const [head, name] = setting.key.split('.');
      if (head !== 'customizations' || name === undefined) continue;
      const path = [...layerPath(setting.from, account.name), 'customizations', name];
      if (templates.has(name)) {
        if (account.lifecycle === 'active' && account.settings.customizations[name] !== null) selected.add(name);
        continue;
      }
      const key = path.join('\0');
      if (problems.has(key)) continue;
      problems.set(key, {
        code: 'unknown-customization',
        path,
        at: 'key',
        message: `customization ${name} names no template: there is no ${TEMPLATES_DIR}/${PER_ACCOUNT_DIR}/${name}.yml.njk`,
        hint: didYouMean(name, [...templates.keys()]) ?? `the team's templates are ${[...templates.keys()].join(', ') || 'none yet'}`,
      });
    }
  }
  const unused = [...templates].filter(([name]) => !selected.has(name)).map(([name, file]) => ({
    ...fileDiagnostic(file, '', 'unused-customization', `no account selects ${file}, so it is deployed nowhere`, undefined, `select it with customizations: { ${name}: {} } in defaults, a scope or an account`),
    severity: 'warning' as const,
  }));
  return { problems: [...problems.values()], unused };
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The logical ids under `Resources:` as orgvend writes them (two spaces in), counted as resourceBlocks reads them: one whose Type it does not see sends the check to the parser. */
function logicalIds(text: string): number {
  const lines = text.split('\n');
  let count = 0;
  for (const line of lines.slice(lines.indexOf('Resources:') + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (!line.startsWith(' ')) break;
    if (/^ {2}[A-Za-z0-9]+:\s*$/.test(line)) count += 1;
  }
  return count;
}

/**
 * What a rendered customization may not do: create a type outside `allowed`, or a role off
 * orgvend's customization path or without its boundary. Each problem at the line of the
 * template (`source`, `text`) that writes the resource. A template that does not parse is
 * left to the parse check.
 */
export function resourceProblems(source: string, text: string, rendered: string, allowed: readonly string[], trusted: ReadonlySet<string>): Diagnostic[] {
  // The types read from the text when orgvend's shape allows (a YAML parse per account is most of a render's time), else parsed.
  const blocks = resourceBlocks(rendered);
  if (blocks && blocks.size === logicalIds(rendered) && [...blocks.values()].every((b) => allowed.includes(b.type) && !ROLE_TYPES.includes(b.type))) return [];
  let resources: Record<string, { Type?: unknown; Properties?: Record<string, unknown> }>;
  try {
    resources = (parseTemplate(rendered).Resources ?? {}) as typeof resources;
  } catch {
    return [];
  }
  const diagnostics: Diagnostic[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const type = String(resource?.Type);
    const at = (property?: string) => firstMatch(text, new RegExp(property ? `\\b${property}:` : `Type:\\s*["']?${escaped(type)}\\b`));
    if (!allowed.includes(type)) {
      diagnostics.push(
        fileDiagnostic(source, text, 'resource-type-not-allowed', `${id} is of type ${type}, which organization.customizations.allowed_resource_types does not allow (${allowed.join(', ') || 'it allows none'})`, at(), 'add the type to organization.customizations.allowed_resource_types (bootstrap then lets the deployer role create it), or remove the resource'),
      );
      continue;
    }
    if (!ROLE_TYPES.includes(type)) continue;
    const properties = resource.Properties ?? {};
    const boundary = properties.PermissionsBoundary as string | { 'Fn::Sub'?: unknown } | undefined;
    if (!BOUNDARY.test(String(typeof boundary === 'object' ? boundary['Fn::Sub'] : boundary))) {
      diagnostics.push(
        fileDiagnostic(source, text, 'role-without-boundary', `${id} makes a role without orgvend's permissions boundary (SecurityAudit): the deployer role may make a role only with it`, properties.PermissionsBoundary === undefined ? at() : at('PermissionsBoundary'), 'set PermissionsBoundary: !Sub {{ names.customizationBoundaryArn }}'),
      );
    }
    const outsider = untrustedPrincipal(properties.AssumeRolePolicyDocument, trusted);
    if (outsider !== undefined) {
      diagnostics.push(
        fileDiagnostic(source, text, 'role-trusts-outsider', `${id} makes a role that trusts ${outsider}: a role of the team's templates may be assumed only by the organization's accounts (by account id or role ARN) and AWS services`, at('AssumeRolePolicyDocument'), 'name a principal by an account id of the organization, e.g. {{ organization.audit_account_id }}'),
      );
    }
    if (properties.Path !== NAMES.customizationRolePath) {
      diagnostics.push(
        fileDiagnostic(source, text, 'role-without-boundary', `${id} makes a role outside ${NAMES.customizationRolePath}, the only path the deployer role may make roles in`, properties.Path === undefined ? at() : at('Path'), 'set Path: {{ names.customizationRolePath }}'),
      );
    }
  }
  return diagnostics;
}

/** An AWS principal's account: a bare id, or that of an IAM ARN; `${AWS::AccountId}` (a !Sub) is the account itself. */
const PRINCIPAL_ACCOUNT = /^(?:(\d{12})|arn:[\w$:{}-]+:iam::(\d{12}|\$\{AWS::AccountId\}):(?:root|role\/[\w+=,.@/-]+))$/;

/**
 * The first principal of a role's trust policy that is not the organization's (`trusted`:
 * its account ids) or an AWS service, as written; undefined when every one is. A principal
 * that is not written out (a Ref, an If, `*`, a federated identity) is not the organization's.
 */
function untrustedPrincipal(document: unknown, trusted: ReadonlySet<string>): string | undefined {
  const statements = [(document as { Statement?: unknown } | undefined)?.Statement ?? []].flat() as { Effect?: unknown; Principal?: unknown }[];
  for (const statement of statements) {
    if (statement?.Effect !== 'Allow') continue;
    const principal = statement.Principal;
    if (typeof principal !== 'object' || principal === null) return JSON.stringify(principal ?? null);
    for (const [kind, values] of Object.entries(principal)) {
      if (kind === 'Service') continue;
      for (const value of [values].flat()) {
        const arn = typeof value === 'object' && value !== null && 'Fn::Sub' in value ? (value as { 'Fn::Sub': unknown })['Fn::Sub'] : value;
        const match = kind === 'AWS' && typeof arn === 'string' ? PRINCIPAL_ACCOUNT.exec(arn) : null;
        const account = match?.[1] ?? match?.[2];
        if (!account || !(account === '${AWS::AccountId}' || trusted.has(account))) return JSON.stringify({ [kind]: value });
      }
    }
  }
  return undefined;
}

/** Where a top-level template of the team's is deployed: the account its header names, in a region (absent: the account's own). */
export interface HeaderTarget {
  account: string;
  region?: string;
}

/** `{#- orgvend: account=logs region=home -#}`, the first line of a top-level template the team deploys. */
const HEADER = /^\{#-?\s*orgvend:\s*(.*?)\s*-?#\}/;

/**
 * The header of a top-level template (templates/<name>.yml.njk, not orgvend's own): the
 * account it is deployed to, by its DSL name, and optionally the region (`home`: the
 * organization's home region, or a region's name; absent: the account's region). Undefined
 * without a header (the template is rendered, not deployed); a diagnostic at the header
 * for a name the DSL does not have or a word it does not know.
 */
export function headerTarget(source: string, text: string, context: { accounts: readonly { name: string; regions: readonly string[] }[] }): { target?: HeaderTarget; diagnostic?: Diagnostic } {
  const header = HEADER.exec(text);
  if (!header) return {};
  const problem = (message: string, hint?: string) => ({ diagnostic: fileDiagnostic(source, text, 'template-header', message, undefined, hint) });
  const stem = stemOf(source.slice(source.lastIndexOf('/') + 1));
  const misnamed = templateNameProblem(source, text, stem);
  if (misnamed) return { diagnostic: misnamed };
  const fields = new Map(header[1]!.split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const));
  const unknown = [...fields.keys()].filter((key) => key !== 'account' && key !== 'region');
  if (unknown.length || !fields.has('account')) return problem(`the orgvend header takes account=<DSL name> and region=<home or a region>, not ${header[1]}`, 'e.g. {#- orgvend: account=logs region=home -#}');
  const name = fields.get('account')!;
  const account = context.accounts.find((a) => a.name === name);
  if (!account) return problem(`the orgvend header names account ${name}, which accounts.yml does not have (or not as an active account)`, didYouMean(name, context.accounts.map((a) => a.name)));
  const region = fields.get('region');
  if (region !== undefined && region !== 'home' && !account.regions.includes(region)) {
    return problem(`the orgvend header names region ${region}, which is not one of account ${name}'s regions (${account.regions.join(', ')})`, 'name one of them, or home for the home region');
  }
  return { target: { account: name, ...(region === undefined ? {} : { region }) } };
}
