/**
 * What lets a plan skip reading an account: a fingerprint of everything sync-accounts
 * compares there (its parameters, its S3 Block Public Access, its Config recorders, the stacks deployed to it and
 * the stacks it may hold), recorded on the account as its applied tag (APPLIED_TAG) by
 * `--execute` once it has read the account and found it to be what the repository says.
 * While the repository still says the same, the tag vouches for the account and a plan
 * reads its Organizations tags alone: the cost of a plan grows with what changed in the
 * repository, not with the size of the organization. `--refresh` reads every account, to
 * find what was changed there by hand. Pure.
 *
 * Only the management account can tag an account in AWS Organizations, and only
 * RECORD_APPLIED sets this tag, so a member account cannot vouch for itself.
 */
import { APPLIED_TAG, BOOTSTRAP_TAG } from '../config/identity-tags.js';
import type { Desired } from '../config/resolve.js';
import { coreAccounts } from '../bootstrap/topology.js';
import { carriesStack, type Live } from '../state/live.js';
import { dnsAllowListOf } from './accounts.js';
import { digest } from './digest.js';
import { isClosed, matchAccounts } from './match.js';
import { desiredParameters, recorderRegions } from './parameters.js';
import type { Plan } from './plan.js';
import type { Deployments } from './stacks.js';
import { logBucket } from './trail.js';

/** Changes whenever what the fingerprint covers, or how sync-accounts compares it, changes: every account is then read once. */
const FINGERPRINT_VERSION = 1;

/**
 * Account id → the fingerprint of what the repository says it holds, for each active
 * account accounts.yml names that carries orgvend's stack (the management and core
 * accounts aside: the administrator's, never tagged by orgvend).
 */
export function appliedFingerprints(desired: Desired, live: Live, deployments: Deployments): Map<string, string> {
  const org = desired.organization;
  const matching = matchAccounts(desired.accounts, live);
  const dnsAllowed = dnsAllowListOf(matching);
  const core = new Set(coreAccounts(org).map((a) => a.id));
  const stacksIn = new Map<string, unknown[]>();
  const add = (id: string | null, entry: unknown) => id && stacksIn.set(id, [...(stacksIn.get(id) ?? []), entry]);
  for (const d of deployments.deployments) add(d.accountId, ['deploy', d.stack, d.region, d.sha256]);
  for (const h of deployments.held ?? []) add(h.accountId, ['held', h.stack, h.region]);
  for (const o of deployments.owners) add(o.accountId, ['owns', o.regions]);

  const bucket = logBucket(desired, live);
  const fingerprints = new Map<string, string>();
  for (const { desired: entry, live: account } of matching.matches) {
    if (!account || entry.lifecycle !== 'active' || isClosed(account) || !carriesStack(account) || core.has(account.id) || account.id === live.managementAccountId) continue;
    fingerprints.set(
      account.id,
      digest({
        version: FINGERPRINT_VERSION,
        // Bootstrapped again (a new stack template): read again.
        bootstrap: account.tags[BOOTSTRAP_TAG],
        parameters: desiredParameters(entry, org, entry.name === org.dns_account ? dnsAllowed : {}),
        s3_block_public_access: entry.settings.s3_block_public_access ?? null,
        // Only when set, so that the fingerprints of accounts without it stay as they were.
        ...(entry.settings.config_recorder !== undefined ? { config_recorder: [entry.settings.config_recorder, recorderRegions(entry), bucket ?? null] } : {}),
        stacks: (stacksIn.get(account.id) ?? []).map((e) => JSON.stringify(e)).sort(),
      }),
    );
  }
  return fingerprints;
}

/**
 * The accounts whose applied tag `--execute` may now set: read (not vouched for) in `live`,
 * with nothing left to change in `plan`, and whose tag is not already their fingerprint.
 * None while the plan holds a conflict: what it leaves alone was not compared.
 */
export function settledAccounts(fingerprints: ReadonlyMap<string, string>, live: Live, plan: Plan): Map<string, string> {
  if (plan.conflicts.length) return new Map();
  const changed = new Set(plan.changes.map((c) => (c.before as { account_id?: string } | null)?.account_id));
  const byId = new Map(live.accounts.map((a) => [a.id, a]));
  return new Map(
    [...fingerprints].filter(([id, fingerprint]) => {
      const account = byId.get(id);
      return account && live.parameters?.has(id) && !live.vouched?.has(id) && !changed.has(id) && account.tags[APPLIED_TAG] !== fingerprint;
    }),
  );
}
