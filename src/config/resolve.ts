/**
 * Resolve each account entry through defaults → scope → account into its effective
 * settings, AWS name, email and tags. Pure: takes validated DSL parts, returns values and
 * path-based problems.
 */
import type { Problem } from './diagnostics.js';
import { identityTags, isReservedTagKey } from './identity-tags.js';
import { layerPath, mergeLayers, originOf, type Layer, type Origin, type Setting } from './layers.js';
import { expandPattern } from './patterns.js';
import {
  CONTACT_TYPES,
  PRIMARY_CONTACT_REQUIRED,
  PrimaryContact,
  Email,
  ResolvedSettings,
  SETTING_KEYS,
  type Account,
  type EcrRepository,
  type Organization,
  type Scope,
  type Settings,
} from './schema.js';
import { compareText } from '../text-order.js';

/** Values orgvend uses when no layer sets them; shown as `builtin` by explain. */
const BUILTIN: Record<string, unknown> = {
  lifecycle: 'active',
  global_region: 'us-east-1',
  disabled_regions: [],
  create_vpc: false,
  nat_gateway_count: 1,
  use_cfr: false,
  allowed_dns_domains: [],
  access: {},
  contacts: {},
  tags: {},
  customizations: {},
};

const MAX_TAGS = 50;

/** Settings an account may go without: no builtin value, and none needed. */
const OPTIONAL_SETTINGS: ReadonlySet<string> = new Set(['environment', 's3_block_public_access', 'config_recorder']);

export interface DslParts {
  organization: Organization;
  defaults: Settings;
  scopes: Record<string, Scope>;
  accounts: Record<string, Account>;
  ecrRepositories: EcrRepository[];
}

export interface DesiredAccount {
  /** The DSL key: the stable identity of the account. */
  name: string;
  /** The existing account this entry adopts, when the DSL pins one. */
  accountId?: string;
  awsName: string;
  email: string;
  scope: string;
  service: string;
  lifecycle: 'active' | 'closed';
  settings: ResolvedSettings;
  /** Every tag the account should carry: the DSL's tags plus the identifying tags. */
  tags: Record<string, string>;
  /** Tag keys the DSL sets to null: removed from the account if present. */
  removedTags: string[];
  /** Every effective setting with the layer it came from, for explain. */
  explained: Setting[];
}

export interface Desired {
  file: string;
  organization: Organization;
  scopes: Record<string, Scope>;
  accounts: DesiredAccount[];
  /** Every OU path orgvend manages, parents before children. */
  ous: string[];
  ecrRepositories: EcrRepository[];
}

const SETTING_RANK = new Map([...new Set(['scope', 'service', 'lifecycle', 'environment', ...SETTING_KEYS])].map((key, i) => [key, i]));

/** Identity first, then settings in schema order, so every view lists them the same way. */
function inSettingOrder(settings: Setting[]): Setting[] {
  const ranked = settings.map((s) => {
    const dot = s.key.indexOf('.');
    return { s, rank: SETTING_RANK.get(dot < 0 ? s.key : s.key.slice(0, dot)) ?? SETTING_RANK.size };
  });
  ranked.sort((a, b) => a.rank - b.rank || (a.s.key < b.s.key ? -1 : a.s.key > b.s.key ? 1 : 0));
  return ranked.map((r) => r.s);
}

function pickSettings(values: Record<string, unknown>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (values[key] !== undefined) picked[key] = values[key];
  return picked;
}

const CONTACT_FIELDS = ['name', 'title', 'email', 'phone'] as const;
const PRIMARY_CONTACT_FIELDS = Object.keys(PrimaryContact.shape);

/** The fields of `value` that are set, in `fields`' order (the schema's, as zod gives them). */
function pickFields(value: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (value[field] !== undefined) out[field] = value[field];
  return out;
}

/** A record's entries copied, in its order, as zod's record gives them; `__proto__` never gets here (YamlSource refuses the key). */
function copyRecord<T>(record: Record<string, T>, copy: (value: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record)) out[key] = copy(record[key]!);
  return out;
}

/**
 * The merged settings as ResolvedSettings.parse gives them, without running zod's checks
 * for each of thousands of accounts again: every layer was parsed by its own schema
 * (defaults, its scope, the account) and layering only merges maps and replaces values,
 * so all the merge can leave wrong is a required setting that no layer sets or a contact
 * some of whose fields none sets. Then undefined, and ResolvedSettings.safeParse reports
 * which. The same value zod makes: the settings and each contact in the schema's order,
 * maps (access, tags) in their own, lists and maps copied. test/unit/config/resolve.test.ts
 * holds the two side by side.
 */
function completeSettings(value: Record<string, unknown>): ResolvedSettings | undefined {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const setting = value[key];
    if (setting === undefined) {
      if (OPTIONAL_SETTINGS.has(key)) continue;
      return undefined;
    }
    if (key === 'contacts') {
      const contacts = setting as Record<string, Record<string, unknown> | null>;
      const copied: Record<string, unknown> = {};
      for (const type of CONTACT_TYPES) {
        const contact = contacts[type];
        if (contact === undefined) continue;
        if (contact === null) {
          copied[type] = null;
          continue;
        }
        if (CONTACT_FIELDS.some((field) => contact[field] === undefined)) return undefined;
        copied[type] = pickFields(contact, CONTACT_FIELDS);
      }
      const primary = contacts.primary as Record<string, unknown> | undefined;
      if (primary !== undefined) {
        if (PRIMARY_CONTACT_REQUIRED.some((field) => primary[field] === undefined)) return undefined;
        copied.primary = pickFields(primary, PRIMARY_CONTACT_FIELDS);
      }
      out[key] = copied;
    } else if (key === 'access') out[key] = copyRecord(setting as Record<string, string[]>, (roles) => [...roles]);
    else if (key === 'tags') out[key] = copyRecord(setting as Record<string, string | null>, (tag) => tag);
    else if (key === 'customizations') out[key] = copyRecord(setting as Record<string, Record<string, unknown> | null>, (parameters) => (parameters === null ? null : copyRecord(parameters, (v) => (Array.isArray(v) ? [...(v as unknown[])] : v))));
    else out[key] = Array.isArray(setting) ? [...(setting as unknown[])] : setting;
  }
  return out as ResolvedSettings;
}

/** The settings of defaults and of each scope, picked once for all the accounts that layer on them (layering only reads them). */
const sharedPicks = new WeakMap<object, Record<string, unknown>>();
function pickShared(values: Record<string, unknown>): Record<string, unknown> {
  let picked = sharedPicks.get(values);
  if (!picked) sharedPicks.set(values, (picked = pickSettings(values)));
  return picked;
}

function describeOrigin(from: Origin | undefined): string {
  if (from === undefined) return 'not set';
  if (from === 'builtin') return "orgvend's default";
  return from.startsWith('scope:') ? `set in scopes.${from.slice(6)}` : `set in ${from === 'account' ? 'the account' : from}`;
}

/** Where to report a problem with an account's `key`: where it is written, if in the account; else the account. */
function problemPath(name: string, from: Origin | undefined, key: string): (string | number)[] {
  return from === 'account' ? ['accounts', name, ...key.split('.')] : ['accounts', name];
}

export function resolveAccount(name: string, account: Account, parts: DslParts): { account?: DesiredAccount; problems: Problem[] } {
  const problems: Problem[] = [];
  // Own entries only: a scope named like something every object has ("constructor") is not defined by that.
  const scope = Object.hasOwn(parts.scopes, account.scope) ? parts.scopes[account.scope] : undefined;
  if (!scope) return { problems };

  const layers: Layer[] = [
    { from: 'builtin', values: { ...BUILTIN, service: name } },
    { from: 'defaults', values: pickShared(parts.defaults) },
    { from: `scope:${account.scope}`, values: pickShared(scope) },
    { from: 'account', values: { scope: account.scope, service: account.service, lifecycle: account.lifecycle, ...pickSettings(account) } },
  ];
  const { value, settings: merged } = mergeLayers(layers);
  const explained = inSettingOrder(merged);
  const complete = completeSettings(value);
  const resolved = complete ? { success: true as const, data: complete } : ResolvedSettings.safeParse(pickSettings(value));
  if (!resolved.success) {
    for (const issue of resolved.error.issues) {
      const key = issue.path.join('.');
      problems.push({
        code: 'missing-key',
        path: ['accounts', name],
        message: `${key} is not set for account ${name} (neither in defaults, scopes.${account.scope} nor the account)`,
        hint: `set ${key} in one of those layers`,
      });
    }
    return { problems };
  }
  const settings = resolved.data;
  const service = value.service as string;
  const lifecycle = value.lifecycle as DesiredAccount['lifecycle'];
  const from = (key: string) => originOf(explained, key);

  // The account's own regions must cover its primary and global regions.
  for (const key of ['region', 'global_region'] as const) {
    if (!settings.regions.includes(settings[key])) {
      problems.push({
        code: 'region-not-allowed',
        path: problemPath(name, from(key), key),
        message: `${key} ${settings[key]} of account ${name} (${describeOrigin(from(key))}) is not in its regions: ${settings.regions.join(', ')} (${describeOrigin(from('regions'))})`,
        hint: `add ${settings[key]} to regions, or choose one of them`,
      });
    }
  }
  for (const region of settings.disabled_regions.filter((r) => settings.regions.includes(r))) {
    problems.push({
      code: 'region-not-allowed',
      path: problemPath(name, from('disabled_regions'), 'disabled_regions'),
      message: `region ${region} of account ${name} is both in regions and in disabled_regions`,
      hint: 'a region is either used or disabled: remove it from one of the lists',
    });
  }

  // Identifying tags are orgvend's; the DSL may not set them.
  for (const key of Object.keys(settings.tags).filter(isReservedTagKey)) {
    const origin = from(`tags.${key}`) ?? 'account';
    problems.push({
      code: 'reserved-tag',
      path: [...layerPath(origin, name), 'tags', key],
      at: 'key',
      message: `tag key "${key}" is reserved: orgvend sets it to identify the account`,
      hint: 'rename the tag; managed-by and keys starting with orgvend: are written by orgvend',
    });
  }

  const patternValues = { name, environment: settings.environment, region: settings.region, service, scope: account.scope };
  const awsName = expandField(name, 'aws_name', account.aws_name, parts.organization.account_name_pattern, patternValues, problems);
  const email = expandField(name, 'email', account.email, parts.organization.account_email_pattern, patternValues, problems);

  if (awsName !== undefined && !/^[\x20-\x7e]{1,50}$/.test(awsName)) {
    problems.push({
      code: 'invalid-aws-name',
      path: account.aws_name ? ['accounts', name, 'aws_name'] : ['accounts', name],
      message: `AWS account name "${awsName}" of account ${name} is not valid`,
      expected: '1–50 printable ASCII characters',
      found: `${awsName.length} characters`,
      hint: account.aws_name ? undefined : 'shorten organization.account_name_pattern or set aws_name on the account',
    });
  }
  if (email !== undefined && !account.email && !Email.safeParse(email).success) {
    problems.push({
      code: 'invalid-email',
      path: ['accounts', name],
      message: `email "${email}" made from organization.account_email_pattern for account ${name} is not a valid account email`,
      expected: 'an email address of at most 64 characters',
      hint: 'change the pattern, or set email on the account',
    });
  }

  const dslTags = Object.fromEntries(Object.entries(settings.tags).filter((entry): entry is [string, string] => entry[1] !== null));
  const removedTags = Object.keys(settings.tags).filter((key) => settings.tags[key] === null);
  const tags = { ...dslTags, ...identityTags({ name, scope: account.scope, service, environment: settings.environment, region: settings.region }) };
  if (Object.keys(tags).length > MAX_TAGS) {
    problems.push({
      code: 'too-many-tags',
      path: ['accounts', name],
      message: `account ${name} would carry ${Object.keys(tags).length} tags; AWS allows ${MAX_TAGS} per account, ${Object.keys(tags).length - Object.keys(dslTags).length} of them orgvend's own`,
    });
  }

  if (problems.length || awsName === undefined || email === undefined) return { problems };
  return {
    account: { name, accountId: account.account_id, awsName, email, scope: account.scope, service, lifecycle, settings, tags, removedTags, explained },
    problems,
  };
}

function expandField(
  name: string,
  field: 'aws_name' | 'email',
  override: string | undefined,
  pattern: string,
  values: Parameters<typeof expandPattern>[1],
  problems: Problem[],
): string | undefined {
  if (override !== undefined) return override;
  const expansion = expandPattern(pattern, values);
  if (expansion.ok) return expansion.value;
  const patternKey = field === 'aws_name' ? 'account_name_pattern' : 'account_email_pattern';
  problems.push({
    code: 'pattern-missing-value',
    path: ['accounts', name],
    message: `organization.${patternKey} "${pattern}" needs ${expansion.missing.map((m) => `{${m}}`).join(', ')}, which account ${name} does not set`,
    hint: `set ${expansion.missing.join(', ')} in defaults, the account's scope or the account, or set ${field} on the account`,
  });
  return undefined;
}

/** `Internal/Dev/Team` → `Internal`, `Internal/Dev`, `Internal/Dev/Team`. */
export const ouAncestors = (path: string): string[] => path.split('/').map((_, i, all) => all.slice(0, i + 1).join('/'));

/** OU paths parents first: by depth, then by name. */
export const parentsFirst = (a: string, b: string): number => a.split('/').length - b.split('/').length || compareText(a, b);

/** Every OU path in use, with its ancestors, parents first. */
export function collectOus(organization: Organization, accounts: readonly DesiredAccount[]): string[] {
  const paths = new Set<string>();
  const add = (path: string) => ouAncestors(path).forEach((p) => paths.add(p));
  for (const root of organization.ou_roots) add(root);
  add(organization.morgue_ou);
  if (organization.scp_test_ou) add(organization.scp_test_ou);
  for (const account of accounts) add(account.settings.organization_unit);
  return [...paths].sort(parentsFirst);
}
