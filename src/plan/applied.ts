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
import { accountsChangedBy, type Plan } from './plan.js';
import type { Deployments } from './stacks.js';
import { logBucket } from './trail.js';

/** Changes whenever what the fingerprint covers, or how sync-accounts compares it, changes: every account is then read once. */
const FINGERPRINT_VERSION = 1;

/** What an account's fingerprint is the digest of: what the repository says it holds. */
export interface FingerprintInput {
  version: number;
  bootstrap: string | undefined;
  parameters: Record<string, string>;
  s3_block_public_access: unknown;
  config_recorder?: unknown;
  /** One JSON array per stack: ["deploy", stack, region, sha256], ["held", stack, region] or ["owns", regions]. */
  stacks: string[];
}

/**
 * Account id → what the repository says it holds (its fingerprint's input), for each active
 * account accounts.yml names that carries orgvend's stack (the management and core
 * accounts aside: the administrator's, never tagged by orgvend).
 */
export function fingerprintInputs(desired: Desired, live: Live, deployments: Deployments): Map<string, FingerprintInput> {
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
  const inputs = new Map<string, FingerprintInput>();
  for (const { desired: entry, live: account } of matching.matches) {
    if (!account || entry.lifecycle !== 'active' || isClosed(account) || !carriesStack(account) || core.has(account.id) || account.id === live.managementAccountId) continue;
    inputs.set(account.id, {
      version: FINGERPRINT_VERSION,
      // Bootstrapped again (a new stack template): read again.
      bootstrap: account.tags[BOOTSTRAP_TAG],
      parameters: desiredParameters(entry, org, entry.name === org.dns_account ? dnsAllowed : {}),
      s3_block_public_access: entry.settings.s3_block_public_access ?? null,
      // Only when set, so that the fingerprints of accounts without it stay as they were.
      ...(entry.settings.config_recorder !== undefined ? { config_recorder: [entry.settings.config_recorder, recorderRegions(entry), bucket ?? null] } : {}),
      stacks: (stacksIn.get(account.id) ?? []).map((e) => JSON.stringify(e)).sort(),
    });
  }
  return inputs;
}

/** Account id → the fingerprint of what the repository says it holds (fingerprintInputs' digest), as its applied tag records it. */
export const fingerprintsOf = (inputs: ReadonlyMap<string, FingerprintInput>): Map<string, string> => new Map([...inputs].map(([id, input]) => [id, digest(input)]));

/**
 * The stacks (`region/stack`) deployed to an account in one of `before` and `after` and not
 * the same in the other, when nothing else of what the account should hold differs
 * between them; undefined when something else does (its parameters, settings, the stacks
 * it owns or holds, its bootstrap), and the account must be read whole.
 */
export function stacksDiffering(before: FingerprintInput, after: FingerprintInput): string[] | undefined {
  const { stacks: was, ...restBefore } = before;
  const { stacks: is, ...restAfter } = after;
  if (digest(restBefore) !== digest(restAfter)) return undefined;
  const [wasSet, isSet] = [new Set(was), new Set(is)];
  const changed = [...was.filter((e) => !isSet.has(e)), ...is.filter((e) => !wasSet.has(e))].map((e) => JSON.parse(e) as string[]);
  if (changed.some(([kind]) => kind !== 'deploy')) return undefined;
  return [...new Set(changed.map(([, stack, region]) => `${region}/${stack}`))].sort();
}

/**
 * The accounts whose applied tag `--execute` may now set: read (not vouched for) in `live`,
 * or vouched for but for the stacks that differ from what the tag vouches for, which were
 * read; with nothing left to change in `plan`, and whose tag is not already their fingerprint.
 * None while the plan holds a conflict: what it leaves alone was not compared.
 */
export function settledAccounts(fingerprints: ReadonlyMap<string, string>, live: Live, plan: Plan): Map<string, string> {
  if (plan.conflicts.length) return new Map();
  const changed = accountsChangedBy(plan);
  const byId = new Map(live.accounts.map((a) => [a.id, a]));
  return new Map(
    [...fingerprints].filter(([id, fingerprint]) => {
      const account = byId.get(id);
      // Read whole, or vouched for by its tag but for the stacks that differ, which were read.
      const read = live.vouched?.has(id) ? live.vouchedExcept?.has(id) : live.parameters?.has(id);
      return account && read && !changed.has(id) && account.tags[APPLIED_TAG] !== fingerprint;
    }),
  );
}
