/**
 * put-contacts and enable-region plans: alternate contacts and opt-in regions of the
 * accounts that exist, against the DSL. Pure. Only what the DSL says is changed: a contact
 * is deleted only when the DSL sets it to null, a region is disabled only when
 * disabled_regions lists it; nothing is removed by omission.
 *
 * As sync-accounts' applied tag does for an account's parameters and stacks, a tag records
 * what --execute found an account's contacts (or regions) to be: the fingerprint of what the
 * repository said. While it still says the same, a plan does not read them again, so a plan
 * costs what changed, not an Account Management read (about 10 a second) per contact of
 * every account; --refresh reads them all.
 */
import { coreAccounts } from '../bootstrap/topology.js';
import { APPLIED_CONTACTS_TAG, APPLIED_REGIONS_TAG, type AppliedTag } from '../config/identity-tags.js';
import { isOptInRegion } from '../config/regions.js';
import type { Desired, DesiredAccount } from '../config/resolve.js';
import { CONTACT_TYPES, type ContactType } from '../config/schema.js';
import { regionIs, sameContact, samePrimaryContact, type LiveContacts, type RegionStatus } from '../protocol/requests.js';
import type { Live, LiveAccount } from '../state/live.js';
import { liveDigest } from './accounts.js';
import { digest, sortedEntries } from './digest.js';
import { isClosed, isManaged, matchAccounts } from './match.js';
import { accountList, accountsChangedBy, makePlan, type Change, type Plan } from './plan.js';


export interface SettingsScope {
  /** Plan for one account only (--account). */
  only?: string;
}

export interface SettingsTarget {
  entry: DesiredAccount;
  account: LiveAccount;
}

/**
 * The live accounts of the entries that want something (`wants`), with notes for the
 * entries that cannot be acted on yet.
 */
export function settingsTargets(desired: Desired, live: Live, wants: (entry: DesiredAccount) => boolean, { only }: SettingsScope) {
  const entries = desired.accounts.filter((a) => a.lifecycle === 'active' && (!only || a.name === only) && wants(a));
  const matching = matchAccounts(entries, live);
  const notes = matching.conflicts.map((c) => `${c.name}: left alone because ${c.reason}`);
  const missing = matching.matches.filter((m) => !m.live).map((m) => m.desired.name);
  if (missing.length) notes.push(`${accountList(missing)}: not in the organization yet; run sync-accounts first`);
  const targets: SettingsTarget[] = matching.matches
    .filter((m): m is typeof m & { live: LiveAccount } => m.live !== undefined && !isClosed(m.live))
    .map((m) => ({ entry: m.desired, account: m.live }));
  return { targets, notes };
}

/** How an action's tag vouches for an account: the tag, and the fingerprint of what the repository says of it (undefined: none can be named yet, and the account is read). */
export interface Vouching {
  tag: AppliedTag;
  fingerprintOf(entry: DesiredAccount): string | undefined;
}

/** What put-contacts or enable-region compares in an account, and the tag that records it. */
export interface SettingsKind extends Vouching {
  /** The accounts the action reads: those the DSL says something about. */
  wants(entry: DesiredAccount): boolean;
  /** What a plan reads of an account, in words. */
  what: string;
}

/** Changes whenever what a fingerprint covers, or how it is compared, changes: every account is then read once. */
const SETTINGS_FINGERPRINT_VERSION = 1;

/** The fingerprint of `wanted` (all the action compares, as the DSL says it) for `tag`. */
const settingsFingerprint = (tag: AppliedTag, wanted: unknown): string => digest({ version: SETTINGS_FINGERPRINT_VERSION, tag, wanted });

/** The targets a tag may vouch for: RECORD_APPLIED tags the accounts orgvend manages, never the management or core accounts, which are always read. */
function recordable(desired: Desired, live: Live, targets: readonly SettingsTarget[]): SettingsTarget[] {
  const core = new Set(coreAccounts(desired.organization).map((a) => a.id));
  return targets.filter((t) => isManaged(t.account) && t.account.id !== live.managementAccountId && !core.has(t.account.id));
}

/** The plan's note for the `n` accounts a tag vouched for. */
export const vouchedNote = (n: number, tag: AppliedTag) => `${n} account${n === 1 ? '' : 's'} not read: ${tag} says ${n === 1 ? 'it is' : 'they are'} as the repository wants (--refresh reads every account)`;

/** The targets whose tag vouches for them: their settings are not read. */
export function vouchedTargets(desired: Desired, live: Live, vouching: Vouching, targets: readonly SettingsTarget[]): Set<string> {
  return new Set(
    recordable(desired, live, targets)
      .filter((t) => {
        const fingerprint = vouching.fingerprintOf(t.entry);
        return fingerprint !== undefined && t.account.tags[vouching.tag] === fingerprint;
      })
      .map((t) => t.account.id),
  );
}

/**
 * Account id → fingerprint, for the targets whose settings were read (`read`) and need no
 * change in `plan`, and whose tag does not say so yet. None when the plan has a conflict.
 */
export function settledTargets(desired: Desired, live: Live, vouching: Vouching, targets: readonly SettingsTarget[], read: (id: string) => boolean, plan: Plan): Map<string, string> {
  if (plan.conflicts.length) return new Map();
  const changed = accountsChangedBy(plan);
  const settled = new Map<string, string>();
  for (const { account, entry } of recordable(desired, live, targets)) {
    const fingerprint = vouching.fingerprintOf(entry);
    if (fingerprint !== undefined && read(account.id) && !changed.has(account.id) && account.tags[vouching.tag] !== fingerprint) settled.set(account.id, fingerprint);
  }
  return settled;
}

// ── contacts ────────────────────────────────────────────────────────────────

export const wantsContacts = (entry: DesiredAccount) => Object.keys(entry.settings.contacts).length > 0;

/** The DSL sets the account's primary contact, which is then read (and put) as well. */
export const wantsPrimaryContact = (entry: DesiredAccount) => entry.settings.contacts.primary !== undefined;

export const CONTACTS: SettingsKind = {
  tag: APPLIED_CONTACTS_TAG,
  wants: wantsContacts,
  fingerprintOf: (entry) => settingsFingerprint(APPLIED_CONTACTS_TAG, entry.settings.contacts),
  what: 'contacts',
};


export function planContacts(desired: Desired, live: Live, contacts: ReadonlyMap<string, LiveContacts>, scope: SettingsScope = {}): Plan {
  const { targets, notes } = settingsTargets(desired, live, wantsContacts, scope);
  const changes: Change[] = [];
  for (const { entry, account } of targets) {
    const have = contacts.get(account.id);
    if (!have) continue;
    const want = entry.settings.contacts;
    const put: ('primary' | ContactType)[] = CONTACT_TYPES.filter((type) => want[type] && !sameContact(have[type], want[type]));
    if (want.primary && have.primary !== undefined && !samePrimaryContact(have.primary, want.primary)) put.push('primary');
    const remove = CONTACT_TYPES.filter((type) => want[type] === null && have[type] !== null);
    if (put.length) {
      changes.push({
        type: 'contacts.put',
        target: entry.name,
        reason: put.every((type) => (have[type] ?? null) === null) ? 'missing-in-account' : 'contact-changed',
        before: { account_id: account.id, contacts: Object.fromEntries(put.map((type) => [type, have[type] ?? null])) },
        after: { contacts: Object.fromEntries(put.map((type) => [type, want[type]])) },
      });
    }
    if (remove.length) {
      changes.push({
        type: 'contacts.delete',
        target: entry.name,
        reason: 'null-in-config',
        before: { account_id: account.id, contacts: Object.fromEntries(remove.map((type) => [type, have[type]])) },
        after: { contacts: Object.fromEntries(remove.map((type) => [type, null])) },
      });
    }
  }
  const basis = { config: digest(targets.map((t) => [t.entry.name, t.entry.settings.contacts])), live: digest([liveDigest(live), digest(sortedEntries(contacts))]) };
  return makePlan('put-contacts', basis, changes, { notes });
}

// ── regions ─────────────────────────────────────────────────────────────────

export const wantsRegions = (entry: DesiredAccount) => entry.settings.regions.some(isOptInRegion) || entry.settings.disabled_regions.length > 0;

export const REGIONS: SettingsKind = {
  tag: APPLIED_REGIONS_TAG,
  wants: wantsRegions,
  fingerprintOf: (entry) => settingsFingerprint(APPLIED_REGIONS_TAG, [entry.settings.regions, entry.settings.disabled_regions]),
  what: 'regions',
};


/** Step target of one region of one account: `foo/ap-east-1`. */
const regionTarget = (name: string, region: string) => `${name}/${region}`;

export function planRegions(desired: Desired, live: Live, regions: ReadonlyMap<string, Record<string, RegionStatus>>, scope: SettingsScope = {}): Plan {
  const { targets, notes } = settingsTargets(desired, live, wantsRegions, scope);
  const changes: Change[] = [];
  const unlisted: string[] = [];
  for (const { entry, account } of targets) {
    const have = regions.get(account.id);
    if (!have) continue;
    const change = (type: 'region.enable' | 'region.disable', region: string, status: RegionStatus | undefined, reason: string): Change => ({
      type,
      target: regionTarget(entry.name, region),
      reason,
      before: { account_id: account.id, region, status: status ?? 'UNKNOWN' },
      after: { region, status: type === 'region.enable' ? 'ENABLED' : 'DISABLED' },
    });
    for (const region of entry.settings.regions.filter(isOptInRegion)) {
      const status = have[region];
      if (regionIs(status, 'ENABLED')) continue;
      if (status === undefined) notes.push(`${entry.name}: AWS does not list region ${region} for account ${account.id}; it is left alone`);
      else changes.push(change('region.enable', region, status, status === 'ENABLING' ? 'enabling' : 'not-enabled'));
    }
    for (const region of entry.settings.disabled_regions) {
      const status = have[region];
      if (status === 'ENABLED' || status === 'ENABLING') changes.push(change('region.disable', region, status, 'listed-in-disabled-regions'));
      else if (status === 'DISABLING') changes.push(change('region.disable', region, status, 'disabling'));
    }
    const listed = new Set<string>([...entry.settings.regions, ...entry.settings.disabled_regions]);
    const extra = Object.keys(have).filter((r) => (have[r] === 'ENABLED' || have[r] === 'ENABLING') && !listed.has(r));
    if (extra.length) unlisted.push(`${entry.name} (${extra.sort().join(', ')})`);
  }
  if (unlisted.length) {
    notes.push(`opt-in regions enabled but in neither regions nor disabled_regions, left alone: ${accountList(unlisted)}`);
  }
  const basis = { config: digest(targets.map((t) => [t.entry.name, t.entry.settings.regions, t.entry.settings.disabled_regions])), live: digest([liveDigest(live), digest(sortedEntries(regions))]) };
  return makePlan('enable-region', basis, changes, { notes });
}
