/**
 * import's inference: the live organization → the entries of accounts.yml. Pure.
 *
 * Each OU that holds accounts becomes a scope; every value an account has (its tags, its
 * alternate contacts, its regions) is written once, in the highest layer it can live in:
 * `defaults` when most accounts share it, a scope when most of its accounts do, the
 * account otherwise. So `explain` resolves each entry to what the account has, in the
 * fewest lines. The AWS name and email are written on an entry only where the
 * organization's patterns do not make them.
 */
import { isUnderRoot } from '../config/cross-checks.js';
import { IDENTITY_TAG_KEYS, MANAGED_BY, isReservedTagKey } from '../config/identity-tags.js';
import { expandPattern } from '../config/patterns.js';
import { isOptInRegion } from '../config/regions.js';
import { ouAncestors } from '../config/resolve.js';
import { CONTACT_TYPES, Contact, Email, OuPath, PolicyName, PrimaryContact, Region, TagKey, TagValue, type Account, type Organization, type Scope, type Settings } from '../config/schema.js';
import { LivePrimaryContact, type LiveContacts, type RegionStatus } from '../protocol/requests.js';
import { policyLabel } from '../plan/policy-set.js';
import { FULL_AWS_ACCESS, parseContent, type LivePolicy, type LiveScps } from '../scp/model.js';
import { SCP_KIND, kindOf, type PolicyKind } from '../scp/policy-types.js';
import type { Live, LiveAccount } from '../state/live.js';
import { KeyChooser, isSlug, slugOf } from './keys.js';
import { compareText } from '../text-order.js';

export interface ImportSources {
  /** organization: of the repository the run reads (--config): the patterns, roots and morgue. */
  organization: Organization;
  /** The region and regions of an account orgvend has not tagged with one, and the global region every account's regions hold. */
  fallback: { region: string; regions: string[]; globalRegion: string };
  live: Live;
  /** Account id → its alternate contacts (the accounts read). */
  contacts: ReadonlyMap<string, LiveContacts>;
  /** Account id → its regions' opt status; absent when they could not be read. */
  regions?: ReadonlyMap<string, Record<string, RegionStatus>>;
  scps?: LiveScps;
}

/** --merge: what the file has already, which import keeps as it is and builds on. */
export interface ExistingFile {
  defaults: Settings;
  scopes: Record<string, Scope>;
  accountNames: string[];
  /** Live account ids that an entry matches already (as sync-accounts matches them). */
  matched: ReadonlySet<string>;
  /** Policies the repository has a file or an attachment for, as a plan names them: `deny-x`, `tag/cost-centre`. */
  policies: ReadonlySet<string>;
}

export interface ImportedPolicy {
  name: string;
  /** In the repository: `scps/Internal/Dev/deny-x.json`, `scps/_library/deny-x.json` for an SCP attached to several places, `policies/tag/Root/cost-centre.json`. */
  file: string;
  /** The document, pretty-printed. */
  content: string;
  targets: string[];
}

export interface Imported {
  /** Roots to add to organization.ou_roots, for OUs outside those it lists. */
  roots: string[];
  defaults: Settings;
  scopes: [string, Scope][];
  accounts: [string, Account][];
  /** Accounts not made entries, with why: written as comments under accounts. */
  skipped: { id: string; name: string; email: string; why: string }[];
  policies: ImportedPolicy[];
  /** organization.scps.attachments for the policies in _library/. */
  attachments: Record<string, string[]>;
  /** organization.scps.full_aws_access, when FullAWSAccess is missing from a place it would otherwise be kept. */
  fullAwsAccess?: string[];
  /** What a person should know: keys made from names, collisions, values left out. Printed on stderr. */
  reports: string[];
}

// ── values as leaves ────────────────────────────────────────────────────────

/** A leaf of an account's settings: `region`, `regions`, `environment`, `tags.<key>`, `contacts.<type>`. */
type Leaf = readonly [group: 'region' | 'regions' | 'environment' | 'tags' | 'contacts', key?: string];
type Values = Map<string, unknown>;
const leafId = (leaf: Leaf) => JSON.stringify(leaf);
/** Tags and contacts can be written as null in a lower layer (absent here); the others cannot be unset. */
const nullable = (leaf: Leaf) => leaf[0] === 'tags' || leaf[0] === 'contacts';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const PRIMARY_CONTACT_FIELDS = Object.keys(LivePrimaryContact.shape) as (keyof LivePrimaryContact)[];

function contactOf(c: { name: string; title: string; email: string; phone: string }) {
  return { name: c.name, title: c.title, email: c.email, phone: c.phone };
}

/** A leaf's value in a layer as the DSL writes it; contacts merge field by field over what is above. */
function layerLeaf(layer: Settings | undefined, leaf: Leaf, above: unknown): unknown {
  if (!layer) return above;
  const [group, key] = leaf;
  if (group === 'tags') {
    if (!layer.tags || !Object.hasOwn(layer.tags, key!)) return above;
    return layer.tags[key!] ?? undefined;
  }
  if (group === 'contacts') {
    if (!layer.contacts || !Object.hasOwn(layer.contacts, key!)) return above;
    const value = layer.contacts[key as keyof typeof layer.contacts];
    if (value === null || value === undefined) return value === null ? undefined : above;
    const merged = { ...(above as object | undefined), ...value };
    return Contact.safeParse(merged).success ? contactOf(merged as never) : merged;
  }
  return layer[group] ?? above;
}

/** The most common value (absent included where it can be written); ties go to absent, then to the first in JSON order. */
function mode(values: readonly unknown[], leaf: Leaf): { value: unknown; count: number } {
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const value of values) {
    if (value === undefined && !nullable(leaf)) continue;
    const id = JSON.stringify(value) ?? '';
    const entry = counts.get(id) ?? { value, count: 0 };
    entry.count++;
    counts.set(id, entry);
  }
  const ranked = [...counts].sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : a > b ? 1 : 0));
  return ranked[0]?.[1] ?? { value: undefined, count: 0 };
}

/** Write `value` for `leaf` into a layer's settings (null for absent). */
function setLeaf(settings: Settings, leaf: Leaf, value: unknown): void {
  const [group, key] = leaf;
  if (group === 'tags') settings.tags = { ...settings.tags, [key!]: (value as string | undefined) ?? null };
  else if (group === 'contacts') settings.contacts = { ...settings.contacts, [key!]: (value as never) ?? null };
  else if (value !== undefined) (settings as Record<string, unknown>)[group] = value;
}

// ── the organization → entries ──────────────────────────────────────────────

interface Candidate {
  live: LiveAccount;
  key: string;
  scope: string;
  values: Values;
}

const CLOSED = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

/** The roots an OU path needs: its first segment, or the path itself where the morgue is under that segment. */
function rootFor(path: string, organization: Organization): string {
  const first = path.split('/')[0]!;
  return isUnderRoot(organization.morgue_ou, [first]) ? path : first;
}

export function inferRepository(sources: ImportSources, existing?: ExistingFile): Imported {
  const { organization: org, live } = sources;
  const reports: string[] = [];
  const skipped: Imported['skipped'] = [];
  const roots: string[] = [];
  const skip = (account: LiveAccount, why: string) => skipped.push({ id: account.id, name: account.name, email: account.email, why });

  // Which accounts become entries.
  const importable: LiveAccount[] = [];
  const seenNames = new Map<string, string>(live.accounts.filter((a) => existing?.matched.has(a.id)).map((a) => [a.name.toLowerCase(), a.id]));
  for (const account of live.accounts) {
    if (existing?.matched.has(account.id)) continue;
    if (account.id === live.managementAccountId) skip(account, 'the management account: orgvend never manages it');
    else if (CLOSED.has(account.status)) skip(account, `${account.status.toLowerCase().replace('_', ' ')}: nothing is done to a closed account`);
    else if (account.ou === '') skip(account, 'in the Root, where accounts.yml cannot place an account: add it with a scope and sync-accounts moves it there');
    else if (isUnderRoot(account.ou, [org.morgue_ou])) skip(account, `in the morgue OU ${org.morgue_ou}: retired`);
    else if (!OuPath.safeParse(account.ou).success) skip(account, `its OU path ${account.ou} is not one accounts.yml can write`);
    else if (!/^[\x20-\x7e]{1,50}$/.test(account.name)) skip(account, 'its AWS name is not 1–50 printable ASCII characters, as accounts.yml holds one');
    else if (!Email.safeParse(account.email).success) skip(account, `its email ${account.email} is not one accounts.yml can write`);
    else if (seenNames.has(account.name.toLowerCase())) skip(account, `account ${seenNames.get(account.name.toLowerCase())} has the same AWS name, and accounts.yml tells accounts apart by name`);
    else {
      seenNames.set(account.name.toLowerCase(), account.id);
      importable.push(account);
      if (!isUnderRoot(account.ou, [...org.ou_roots, ...roots])) roots.push(rootFor(account.ou, org));
    }
  }
  for (const s of skipped) reports.push(`not imported: ${s.name} (${s.id}) <${s.email}>: ${s.why}`);
  if (roots.length) reports.push(`organization.ou_roots: added ${roots.join(', ')}, where accounts are`);

  // Scopes: an existing one whose OU is the account's, else one per OU, named for it.
  const scopeKeys = new KeyChooser(Object.keys(existing?.scopes ?? {}));
  const scopeOf = new Map<string, string>();
  for (const [name, scope] of Object.entries(existing?.scopes ?? {})) if (scope.organization_unit && !scopeOf.has(scope.organization_unit)) scopeOf.set(scope.organization_unit, name);
  const newScopes: string[] = [];
  for (const ou of [...new Set(importable.map((a) => a.ou))].sort()) {
    if (scopeOf.has(ou)) continue;
    const last = slugOf(ou.split('/').at(-1)!);
    const { key, collided } = scopeKeys.choose(last && !scopeKeys.has(last) ? last : slugOf(ou), 'ou', String(newScopes.length + 1));
    if (key !== last) reports.push(`scope ${key}: for OU ${ou}${last ? `, as ${collided ?? last} is another scope's` : ''}`);
    scopeOf.set(ou, key);
    newScopes.push(key);
  }

  // Account keys: the orgvend:name tag of an account orgvend tagged, else its AWS name, slugged.
  const accountKeys = new KeyChooser(existing?.accountNames ?? []);
  const candidates: Candidate[] = [];
  for (const account of importable) {
    const tagged = account.tags[MANAGED_BY.key] === MANAGED_BY.value ? account.tags[IDENTITY_TAG_KEYS.name] : undefined;
    const wanted = tagged && isSlug(tagged) ? tagged : slugOf(account.name);
    const { key, collided } = accountKeys.choose(wanted, `account-${account.id}`, account.id);
    if (collided) reports.push(`account ${account.name} (${account.id}) is ${key}: ${collided} is another account's`);
    else if (!tagged && key !== account.name) reports.push(`account ${account.name} (${account.id}) is ${key}`);
    candidates.push({ live: account, key, scope: scopeOf.get(account.ou)!, values: valuesOf(account, sources, reports) });
  }

  // Lift each leaf as high as it goes.
  const leaves = new Map<string, Leaf>();
  for (const c of candidates) for (const id of c.values.keys()) if (!leaves.has(id)) leaves.set(id, JSON.parse(id) as Leaf);
  // What the file's layers set, which an account may have to unset (a tag it does not carry: null).
  for (const layer of existing ? [existing.defaults, ...Object.values(existing.scopes)] : []) {
    for (const key of Object.keys(layer.tags ?? {})) leaves.set(leafId(['tags', key]), ['tags', key]);
    for (const key of Object.keys(layer.contacts ?? {})) leaves.set(leafId(['contacts', key]), ['contacts', key]);
  }
  const defaults: Settings = {};
  const scopes = new Map<string, Scope>(newScopes.map((name) => [name, {}]));
  const settingsOf = new Map<string, Settings>(candidates.map((c) => [c.key, {}]));
  const byScope = new Map<string, Candidate[]>();
  for (const c of candidates) byScope.set(c.scope, [...(byScope.get(c.scope) ?? []), c]);
  for (const leaf of [...leaves.values()].sort((a, b) => compareText(leafId(a), leafId(b)))) {
    const id = leafId(leaf);
    const valueOf = (c: Candidate) => c.values.get(id);
    let fromDefaults = layerLeaf(existing?.defaults, leaf, undefined);
    if (!existing) {
      const top = mode(candidates.map(valueOf), leaf);
      const absent = candidates.filter((c) => valueOf(c) === undefined).length;
      if (top.value !== undefined && top.count > (nullable(leaf) ? absent : 0)) {
        fromDefaults = top.value;
        setLeaf(defaults, leaf, top.value);
      }
    }
    for (const [scopeName, members] of byScope) {
      const fixed = existing?.scopes[scopeName];
      let inherited = fixed ? layerLeaf(fixed, leaf, fromDefaults) : fromDefaults;
      if (!fixed) {
        const top = mode(members.map(valueOf), leaf);
        const keeping = members.filter((c) => same(valueOf(c), inherited)).length;
        if (!same(top.value, inherited) && (top.value !== undefined || nullable(leaf)) && top.count - keeping >= 2) {
          inherited = top.value;
          setLeaf(scopes.get(scopeName)!, leaf, top.value);
        }
      }
      for (const c of members) {
        const value = valueOf(c);
        if (same(value, inherited) || (value === undefined && !nullable(leaf))) continue;
        setLeaf(settingsOf.get(c.key)!, leaf, value);
      }
    }
  }
  // The primary contact: in defaults when every account has the same one (the company's
  // address, as is usual); otherwise left out and said. --merge adds no defaults.
  if (!existing) {
    const primary = sharedPrimaryContact(candidates.map((c) => c.live.id), sources.contacts, reports);
    if (primary) defaults.contacts = { ...defaults.contacts, primary };
  }
  for (const [name, scope] of scopes) {
    const ou = [...scopeOf].find(([, s]) => s === name)![0];
    scopes.set(name, { organization_unit: ou, ...scope });
  }

  // The entries, each pinned by aws_name and email where the patterns do not make them.
  const accounts: [string, Account][] = candidates.map((c) => {
    const scope = scopes.get(c.scope) ?? existing?.scopes[c.scope];
    const own = settingsOf.get(c.key)!;
    const resolved = (leaf: Leaf) => layerLeaf(own, leaf, layerLeaf(scope, leaf, existing ? layerLeaf(existing.defaults, leaf, undefined) : layerLeaf(defaults, leaf, undefined)));
    const service = c.live.tags[MANAGED_BY.key] === MANAGED_BY.value ? c.live.tags[IDENTITY_TAG_KEYS.service] : undefined;
    const values = {
      name: c.key,
      environment: resolved(['environment']) as string | undefined,
      region: resolved(['region']) as string | undefined,
      service: service && isSlug(service) ? service : c.key,
      scope: c.scope,
    };
    const name = expandPattern(org.account_name_pattern, values);
    const email = expandPattern(org.account_email_pattern, values);
    const entry: Account = {
      scope: c.scope,
      ...(values.service !== c.key ? { service: values.service } : {}),
      // orgvend's core accounts, as the example repository adopts them: by id.
      ...([org.cicd_account_id, org.audit_account_id, org.delegated_admin_account_id].includes(c.live.id) ? { account_id: c.live.id } : {}),
      ...(name.ok && name.value === c.live.name ? {} : { aws_name: c.live.name }),
      ...(email.ok && email.value.toLowerCase() === c.live.email.toLowerCase() ? {} : { email: c.live.email }),
      ...own,
    };
    return [c.key, entry];
  });

  const ous = new Set(['Root', ...[...org.ou_roots, ...roots, org.morgue_ou, ...(org.scp_test_ou ? [org.scp_test_ou] : []), ...importable.map((a) => a.ou)].flatMap(ouAncestors)]);
  for (const scope of Object.values(existing?.scopes ?? {})) if (scope.organization_unit) ouAncestors(scope.organization_unit).forEach((p) => ous.add(p));
  const liveOus = new Set(live.ous.map((o) => o.path));
  const managed = [...ous].filter((p) => p === 'Root' || liveOus.has(p));
  const policies = sources.scps ? inferPolicies(sources.scps, new Set(managed), existing?.policies ?? new Set(), reports) : { policies: [], attachments: {} };
  return {
    roots,
    defaults,
    scopes: [...scopes],
    accounts: accounts.sort(([a, x], [b, y]) => compareText(x.scope, y.scope) || compareText(a, b)),
    skipped,
    ...policies,
    reports,
  };
}

/** What the account has, leaf by leaf: tags (not orgvend's), contacts, region, regions, environment. */
function valuesOf(account: LiveAccount, sources: ImportSources, reports: string[]): Values {
  const values: Values = new Map();
  const put = (leaf: Leaf, value: unknown) => values.set(leafId(leaf), value);
  const taggedRegion = account.tags[IDENTITY_TAG_KEYS.region];
  const region = taggedRegion && Region.safeParse(taggedRegion).success ? taggedRegion : sources.fallback.region;
  const enabled = Object.entries(sources.regions?.get(account.id) ?? {})
    .filter(([r, status]) => isOptInRegion(r) && (status === 'ENABLED' || status === 'ENABLING') && Region.safeParse(r).success)
    .map(([r]) => r);
  const listed = [...sources.fallback.regions];
  for (const r of [region, sources.fallback.globalRegion, ...enabled.sort()]) if (!listed.includes(r)) listed.push(r);
  put(['region'], region);
  put(['regions'], listed);
  const environment = account.tags[IDENTITY_TAG_KEYS.environment];
  if (environment && isSlug(environment)) put(['environment'], environment);
  for (const [key, value] of Object.entries(account.tags)) {
    if (isReservedTagKey(key)) continue;
    if (!TagKey.safeParse(key).success || !TagValue.safeParse(value).success) {
      reports.push(`account ${account.name} (${account.id}): tag ${JSON.stringify(key)} left out, which accounts.yml cannot hold`);
      continue;
    }
    put(['tags', key], value);
  }
  const contacts = sources.contacts.get(account.id);
  for (const type of CONTACT_TYPES) {
    const contact = contacts?.[type] ?? null;
    if (contact && !Contact.safeParse(contact).success) {
      reports.push(`account ${account.name} (${account.id}): its ${type} contact left out, which accounts.yml cannot hold (${contact.phone}, ${contact.email}); put-contacts leaves it alone only while no layer sets one`);
      continue;
    }
    put(['contacts', type], contact ? contactOf(contact) : undefined);
  }
  return values;
}

/**
 * The primary contact every one of `ids` has, in the DSL's field order; undefined when it was
 * not read, when an account has none, or when they differ (said in `reports`). One value in
 * defaults is all import writes: a primary contact has optional fields, which layers would
 * merge field by field into an account that lacks them.
 */
function sharedPrimaryContact(ids: readonly string[], contacts: ReadonlyMap<string, LiveContacts>, reports: string[]): PrimaryContact | undefined {
  const found = ids.map((id) => contacts.get(id)?.primary);
  if (!ids.length || found.some((p) => p === undefined)) return undefined;
  const values = new Set(found.map((p) => (p ? JSON.stringify(Object.fromEntries(PRIMARY_CONTACT_FIELDS.flatMap((f) => (p[f] === undefined ? [] : [[f, p[f]]])))) : 'null')));
  const [only] = values;
  const parsed = values.size === 1 && only !== 'null' ? PrimaryContact.safeParse(JSON.parse(only!)) : undefined;
  if (parsed?.success) return parsed.data;
  reports.push(
    parsed
      ? `contacts.primary left out: the accounts' primary contact is not one accounts.yml can hold (${parsed.error.issues[0]?.message ?? 'invalid'}); put-contacts leaves it alone while no layer sets one`
      : `contacts.primary left out: the accounts' primary contacts differ (${values.size} different${values.has('null') ? ', some none' : ''}); set them in accounts.yml for orgvend to keep them, and until then put-contacts leaves them alone`,
  );
  return undefined;
}

/**
 * Policies attached to the root or OUs become files: SCPs under scps/ (one attached to
 * several places in _library/, with organization.scps.attachments), the other types under
 * policies/<type>/<place>/, which can say one place only. FullAWSAccess is kept where it is.
 */
function inferPolicies(scps: LiveScps, managed: ReadonlySet<string>, have: ReadonlySet<string>, reports: string[]): Pick<Imported, 'policies' | 'attachments' | 'fullAwsAccess'> {
  const policies: ImportedPolicy[] = [];
  const attachments: Record<string, string[]> = {};
  let fullAwsAccess: string[] | undefined;
  const sets: [PolicyKind, readonly LivePolicy[]][] = [[SCP_KIND, scps.policies], ...(scps.others ?? []).map((set): [PolicyKind, readonly LivePolicy[]] => [kindOf(set.type), set.policies])];
  for (const [kind, live] of sets) {
    for (const policy of live) {
      const targets = policy.targetPaths.filter((t) => managed.has(t));
      const elsewhere = policy.targetPaths.filter((t) => !managed.has(t));
      if (policy.aws_managed) {
        if (kind === SCP_KIND && policy.name === FULL_AWS_ACCESS && scps.enabled && targets.length < managed.size) fullAwsAccess = targets;
        continue;
      }
      const label = policyLabel(kind, policy.name);
      if (have.has(label)) continue;
      if (!PolicyName.safeParse(policy.name).success) {
        reports.push(`policy ${label} (${policy.id}) left out: its name is not one a file under ${kind.dir}/ can have`);
        continue;
      }
      const document = parseContent(policy.content);
      if (!document) {
        reports.push(`policy ${label} (${policy.id}) left out: its content is not JSON`);
        continue;
      }
      if (kind !== SCP_KIND && targets.length > 1) {
        reports.push(`policy ${label} (${policy.id}) left out: it is attached to ${targets.join(', ')}, and a file under ${kind.dir}/ is attached to one place; it stays as it is`);
        continue;
      }
      if (elsewhere.length) reports.push(`policy ${label}: its attachments to ${elsewhere.join(', ')} are left out (accounts.yml attaches policies to the root and the OUs it uses); they stay as they are`);
      if (!targets.length) continue;
      const content = `${JSON.stringify(document, null, 2)}\n`;
      if (targets.length === 1) policies.push({ name: policy.name, file: `${kind.dir}/${targets[0]}/${policy.name}.json`, content, targets });
      else {
        policies.push({ name: policy.name, file: `${kind.dir}/_library/${policy.name}.json`, content, targets });
        attachments[policy.name] = targets;
      }
    }
  }
  return { policies, attachments, ...(fullAwsAccess ? { fullAwsAccess: fullAwsAccess.sort() } : {}) };
}
