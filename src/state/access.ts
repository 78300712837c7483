/**
 * What sync-access plans from, read through the bus from the management account: the
 * Identity Center instance, orgvend's permission sets, the ids of the groups accounts.yml
 * names, and the assignments of those sets in the accounts planned for, in batches of
 * accounts small enough for one handler run.
 */
import pLimit from 'p-limit';
import { chunks } from '../chunks.js';
import type { Desired } from '../config/resolve.js';
import { settingsTargets, vouchedTargets, type SettingsScope } from '../plan/account-settings.js';
import { accessVouching, permissionSetName, type LiveAccess } from '../plan/access.js';
import { MAX_ASSIGNMENT_ACCOUNTS, MAX_ASSIGNMENT_SETS, type LiveAssignment } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import type { Live } from './live.js';

const BATCHES_IN_FLIGHT = 2;

/** `trustTags`: an account whose tag (APPLIED_ACCESS_TAG) is its fingerprint is not read (not with --refresh or --account). */
export async function readAccess(transport: Transport, desired: Desired, live: Live, scope: SettingsScope = {}, trustTags = false): Promise<LiveAccess> {
  const center = desired.organization.identity_center;
  if (!center) throw new Error('readAccess needs organization.identity_center');
  const { targets } = settingsTargets(desired, live, () => true, scope);
  const groups = [...new Set(targets.flatMap((t) => Object.values(t.entry.settings.access).flat()))].sort();
  const identity = await transport.request('GET_IDENTITY_CENTER', {
    ...(center.instance_arn ? { instance_arn: center.instance_arn } : {}),
    name_prefix: center.name_prefix,
    groups,
  });
  const ours = new Set(Object.keys(center.permission_sets).map((level) => permissionSetName(center, level)));
  const arns = identity.permission_sets.filter((s) => ours.has(s.name)).map((s) => s.arn);
  const found = { permissionSets: identity.permission_sets, groups: new Map(identity.groups.map((g) => [g.name, g.id])) };
  // An account without a fingerprint (a set still to be made, an unknown group) is read, whatever its tag.
  const vouched = trustTags ? vouchedTargets(desired, live, accessVouching(center, found), targets) : new Set<string>();
  const accountIds = targets.map((t) => t.account.id).filter((id) => !vouched.has(id));
  const limit = pLimit(BATCHES_IN_FLIGHT);
  const assignments: LiveAssignment[] = arns.length && accountIds.length
    ? (
        await Promise.all(
          chunks(accountIds, MAX_ASSIGNMENT_ACCOUNTS).flatMap((account_ids) =>
            chunks(arns, MAX_ASSIGNMENT_SETS).map((permission_set_arns) =>
              limit(async () => (await transport.request('GET_ASSIGNMENTS', { instance_arn: identity.instance_arn, account_ids, permission_set_arns })).assignments),
            ),
          ),
        )
      ).flat()
    : [];
  return {
    instanceArn: identity.instance_arn,
    identityStoreId: identity.identity_store_id,
    ...found,
    assignments,
    vouched,
  };
}
