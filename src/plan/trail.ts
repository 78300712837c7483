/**
 * sync-security's organization trail: organization.security.trail against the management
 * account's trail. Pure. The trail delivers into the logs account's log bucket
 * (templates/log-buckets.yml.njk, deployed by sync-accounts), named from that account's id
 * and global region as the template names it.
 */
import type { Desired } from '../config/resolve.js';
import { NAMES } from '../protocol/names.js';
import { trailDrift, wantedTrail, type LiveTrail } from '../protocol/requests.js';
import type { Live } from '../state/live.js';
import { matchAccounts } from './match.js';
import type { Change } from './plan.js';

export interface TrailPlan {
  changes: Change[];
  notes: string[];
}

/** The log bucket the logs account's stack makes (templates/log-buckets.yml.njk), once that account exists: the trail's and the Config recorders' destination. */
export function logBucket(desired: Desired, live: Live): string | undefined {
  const name = desired.organization.logs_account;
  const entry = desired.accounts.find((a) => a.name === name);
  const account = entry && matchAccounts([entry], live).matches[0]?.live;
  return account && `${NAMES.logBucketPrefix}${account.id}-${entry.settings.global_region}`;
}

/** `trail`: the trail as GET_TRAIL read it (null: none); undefined when it was not read (no trail in the DSL). */
export function planTrail(desired: Desired, live: Live, trail: LiveTrail | null | undefined): TrailPlan {
  const wanted = desired.organization.security.trail;
  if (!wanted || trail === undefined) return { changes: [], notes: [] };
  const bucket = logBucket(desired, live);
  if (!bucket) return { changes: [], notes: [`trail ${wanted.name}: the logs account ${desired.organization.logs_account} is not in the organization yet; run sync-accounts first`] };
  const after = { name: wanted.name, ...wantedTrail(bucket), logging: true };
  if (!trail) return { changes: [{ type: 'trail.create', target: wanted.name, reason: 'missing-in-org', before: null, after }], notes: [] };
  const drift = trailDrift(trail, bucket);
  if (!drift.length && trail.logging) return { changes: [], notes: [] };
  return {
    changes: [{ type: 'trail.update', target: wanted.name, reason: drift.length ? 'settings-changed' : 'not-logging', before: trail, after: { ...after, changed: drift } }],
    notes: [],
  };
}
