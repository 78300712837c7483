/**
 * sync-access plan: people's access through IAM Identity Center. Each access level of
 * organization.identity_center.permission_sets is a permission set named
 * `<name_prefix><level>`; each account's `access: { <level>: [group…] }` (layered as every
 * setting) is one assignment per group. Pure: no I/O, so planning 5,000 accounts is
 * measured on its own (bench/access.ts).
 *
 * orgvend manages the permission sets whose name has the prefix and only their assignments
 * to groups: an assignment of another permission set, or to a user, is never read, planned
 * or deleted.
 */
import { APPLIED_ACCESS_TAG } from '../config/identity-tags.js';
import type { Desired, DesiredAccount } from '../config/resolve.js';
import { sessionMinutes, type IdentityCenter, type PermissionSetSettings } from '../config/schema.js';
import type { LiveAssignment, LivePermissionSet, PermissionSetValue } from '../protocol/requests.js';
import type { Live } from '../state/live.js';
import { settledTargets, settingsTargets, type SettingsScope, type Vouching } from './account-settings.js';
import { liveDigest } from './accounts.js';
import { digest } from './digest.js';
import { accountList, makePlan, type Change, type Plan } from './plan.js';
import { byKey } from '../text-order.js';

/** What sync-access reads: the instance, orgvend's permission sets, the groups' ids and the assignments of those sets. */
export interface LiveAccess {
  instanceArn: string;
  identityStoreId: string;
  permissionSets: readonly LivePermissionSet[];
  /** Display name → group id; null: no such group in the identity store. */
  groups: ReadonlyMap<string, string | null>;
  assignments: readonly LiveAssignment[];
  /** Accounts whose assignments were not read: their tag (APPLIED_ACCESS_TAG) is their fingerprint (accessFingerprint). */
  vouched?: ReadonlySet<string>;
}

/** Changes whenever what the fingerprint covers, or how it is compared, changes: every account is then read once. */
const ACCESS_FINGERPRINT_VERSION = 1;

/**
 * The fingerprint of the assignments `entry` should have (`<set arn> <group id>` of each
 * level and group), as its tag records it; undefined while one cannot be named (a set still
 * to be made, a group the identity store does not have): the account is then read.
 */
export function accessFingerprint(center: IdentityCenter, access: Pick<LiveAccess, 'permissionSets' | 'groups'>, entry: DesiredAccount): string | undefined {
  const wanted = new Set<string>();
  for (const [level, groups] of Object.entries(entry.settings.access)) {
    const arn = access.permissionSets.find((s) => s.name === permissionSetName(center, level))?.arn;
    for (const group of groups) {
      const id = access.groups.get(group);
      if (!arn || !id) return undefined;
      wanted.add(`${arn} ${id}`);
    }
  }
  return digest({ version: ACCESS_FINGERPRINT_VERSION, tag: APPLIED_ACCESS_TAG, wanted: [...wanted].sort() });
}

export const permissionSetName = (center: IdentityCenter, level: string) => `${center.name_prefix}${level}`;

/** How orgvend:applied-access vouches for an account, with the set ARNs and group ids `access` found. */
export const accessVouching = (center: IdentityCenter, access: Pick<LiveAccess, 'permissionSets' | 'groups'>): Vouching => ({
  tag: APPLIED_ACCESS_TAG,
  fingerprintOf: (entry) => accessFingerprint(center, access, entry),
});

/**
 * Account id → fingerprint, for the accounts whose assignments were read and need no change
 * in `plan`, and whose tag does not say so yet (RECORD_APPLIED writes it).
 */
export function settledAccess(desired: Desired, live: Live, access: LiveAccess, plan: Plan, scope: SettingsScope = {}): Map<string, string> {
  const { targets } = settingsTargets(desired, live, () => true, scope);
  return settledTargets(desired, live, accessVouching(desired.organization.identity_center!, access), targets, (id) => !access.vouched?.has(id), plan);
}

/** A permission set as accounts.yml wants it, in the form PUT_PERMISSION_SET takes and GET_IDENTITY_CENTER gives. */
export function permissionSetValue(settings: PermissionSetSettings): PermissionSetValue {
  return {
    description: settings.description ?? null,
    session_duration: settings.session_duration,
    managed_policies: [...settings.managed_policies].sort(),
    inline_policy: settings.inline_policy === undefined ? null : JSON.stringify(settings.inline_policy),
  };
}

/** The same policy, however it is spaced or its keys ordered. */
function samePolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return digest(JSON.parse(a)) === digest(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** What differs between a live permission set and the wanted one, one line per difference; none: the same. */
export function permissionSetDiff(have: PermissionSetValue, want: PermissionSetValue): string[] {
  const lines: string[] = [];
  if (want.description !== null && want.description !== have.description) lines.push(`description: ${JSON.stringify(have.description ?? '')} → ${JSON.stringify(want.description)}`);
  if (sessionMinutes(have.session_duration) !== sessionMinutes(want.session_duration)) lines.push(`session_duration: ${have.session_duration} → ${want.session_duration}`);
  for (const arn of want.managed_policies) if (!have.managed_policies.includes(arn)) lines.push(`+ managed policy ${arn}`);
  for (const arn of have.managed_policies) if (!want.managed_policies.includes(arn)) lines.push(`- managed policy ${arn}`);
  if (!samePolicy(have.inline_policy, want.inline_policy)) {
    lines.push(want.inline_policy === null ? '- inline policy' : have.inline_policy === null ? '+ inline policy' : '~ inline policy');
  }
  return lines;
}

/** Step target of one assignment: `foo/admin/Platform Admins`. */
export const assignmentTarget = (account: string, level: string, group: string) => `${account}/${level}/${group}`;

export function planAccess(desired: Desired, live: Live, access: LiveAccess, scope: SettingsScope = {}): Plan {
  const center = desired.organization.identity_center;
  if (!center) throw new Error('planAccess needs organization.identity_center');
  const changes: Change[] = [];
  const notes: string[] = [];
  const conflicts: string[] = [];

  // ── permission sets ──
  const byName = new Map(access.permissionSets.map((s) => [s.name, s]));
  const levelOfSet = new Map<string, string>();
  const levels = Object.keys(center.permission_sets).sort();
  for (const level of levels) {
    const name = permissionSetName(center, level);
    levelOfSet.set(name, level);
    const want = permissionSetValue(center.permission_sets[level]!);
    const have = byName.get(name);
    if (!have) {
      changes.push({ type: 'permission-set.create', target: name, reason: 'missing-in-identity-center', before: null, after: { level, instance_arn: access.instanceArn, ...want } });
      continue;
    }
    const diff = permissionSetDiff(have, want);
    // As wanted, but changed by a run that stopped before provisioning it: provisioned again.
    if (diff.length || have.provisioning_unfinished) {
      const before: PermissionSetValue & { arn: string } = { arn: have.arn, description: have.description, session_duration: have.session_duration, managed_policies: have.managed_policies, inline_policy: have.inline_policy };
      const reason = diff.length ? 'permission-set-changed' : 'provisioning-unfinished';
      changes.push({ type: 'permission-set.update', target: name, reason, before, after: { level, instance_arn: access.instanceArn, arn: have.arn, ...want, changes: diff } });
    }
  }
  for (const set of access.permissionSets) {
    if (!levelOfSet.has(set.name)) notes.push(`permission set ${set.name} has orgvend's prefix but no level in organization.identity_center.permission_sets: left alone, with its assignments`);
  }

  // ── assignments ──
  const { targets, notes: targetNotes } = settingsTargets(desired, live, () => true, scope);
  notes.push(...targetNotes);
  const arnOf = new Map(access.permissionSets.filter((s) => levelOfSet.has(s.name)).map((s) => [s.name, s.arn]));
  const setOfArn = new Map([...arnOf].map(([name, arn]) => [arn, name]));
  const groupName = new Map<string, string>();
  for (const [name, id] of access.groups) if (id) groupName.set(id, name);

  // Live assignments of orgvend's sets to groups, by account id: `<set arn> <group id>`.
  const had = new Map<string, Set<string>>();
  for (const a of access.assignments) {
    if (a.principal_type !== 'GROUP' || !setOfArn.has(a.permission_set_arn)) continue;
    let set = had.get(a.account_id);
    if (!set) had.set(a.account_id, (set = new Set()));
    set.add(`${a.permission_set_arn} ${a.principal_id}`);
  }

  const unknown = new Map<string, Set<string>>();
  for (const { entry, account } of targets) {
    if (access.vouched?.has(account.id)) continue;
    const have = had.get(account.id);
    const wanted = new Set<string>();
    for (const level of Object.keys(entry.settings.access).sort()) {
      const setName = permissionSetName(center, level);
      const arn = arnOf.get(setName) ?? null;
      for (const group of entry.settings.access[level]!) {
        const id = access.groups.get(group);
        if (!id) {
          let users = unknown.get(group);
          if (!users) unknown.set(group, (users = new Set()));
          users.add(`${entry.name} (access.${level})`);
          continue;
        }
        // A set still to be made has no assignment yet: keyed by its name until it has an ARN.
        const key = `${arn ?? setName} ${id}`;
        if (wanted.has(key)) continue;
        wanted.add(key);
        if (have?.has(key)) continue;
        changes.push({
          type: 'assignment.create',
          target: assignmentTarget(entry.name, level, group),
          reason: arn ? 'missing-in-account' : 'new-permission-set',
          before: { account_id: account.id },
          after: { instance_arn: access.instanceArn, permission_set: setName, permission_set_arn: arn, group, group_id: id },
        });
      }
    }
    for (const key of have ?? []) {
      if (wanted.has(key)) continue;
      const [arn, id] = key.split(' ') as [string, string];
      const setName = setOfArn.get(arn)!;
      const group = groupName.get(id) ?? id;
      changes.push({
        type: 'assignment.delete',
        target: assignmentTarget(entry.name, levelOfSet.get(setName)!, group),
        reason: 'removed-from-config',
        before: { account_id: account.id, instance_arn: access.instanceArn, permission_set: setName, permission_set_arn: arn, group, group_id: id },
        after: null,
      });
    }
  }
  for (const [group, users] of [...unknown].sort(byKey)) {
    conflicts.push(`group "${group}" is not in the identity store ${access.identityStoreId}; used by ${accountList([...users])}: create the group in IAM Identity Center or correct its name in accounts.yml`);
  }

  const basis = {
    config: digest([center, targets.map((t) => [t.entry.name, t.entry.settings.access])]),
    live: digest([liveDigest(live), access.instanceArn, access.permissionSets, [...access.groups].sort(), access.assignments.map((a) => `${a.account_id} ${a.permission_set_arn} ${a.principal_type} ${a.principal_id}`).sort()]),
  };
  return makePlan('sync-access', basis, changes, { notes, conflicts });
}
