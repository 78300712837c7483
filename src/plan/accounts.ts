/**
 * sync-accounts' plan: (Desired, Live) → Plan. Pure: no I/O, and the clock comes in as
 * `now`. Each change carries everything needed to carry it out, so a saved plan can be
 * applied without the DSL.
 */
import { APPLIED_TAGS, BOOTSTRAP_TAG, IDENTITY_TAG_KEYS, type AppliedTag } from '../config/identity-tags.js';
import { ouAncestors, parentsFirst, type Desired, type DesiredAccount } from '../config/resolve.js';
import { carriesStack, type Live, type LiveAccount } from '../state/live.js';
import { digest, sortedEntries } from './digest.js';
import { isClosed, isManaged, matchAccounts, type Matching } from './match.js';
import { configRecorderChange, desiredParameters, dnsAllowList, parameterChange, publicAccessBlockChange } from './parameters.js';
import { logBucket } from './trail.js';
import { makePlan, type Change, type Plan } from './plan.js';
import { coreAccounts } from '../bootstrap/topology.js';
import { NAMES } from '../protocol/names.js';
import { stackChange, stackDeletion, type Deployments } from './stacks.js';

/** Tags orgvend puts on an account it retires; removed again if the entry comes back. */
const RETIRED_TAGS = { lifecycle: 'orgvend:lifecycle', on: 'orgvend:retired-on' } as const;

export interface PlanOptions {
  now: Date;
  /** Plan for one account only (create-account): its changes and the OUs it needs. */
  only?: string;
  action?: string;
  /**
   * Plan account.bootstrap for each active managed member without orgvend's stack, and its
   * parameters and stacks after it (sync-accounts, create-account).
   */
  bootstrap?: boolean;
  /** The rendered templates' stacks, and what rendering noted (absent: no stacks planned). */
  deployments?: Deployments;
}

/** The changes that carry out what an account.create makes possible: planned again once it exists. */
export const FOLLOW_UP_TYPES = new Set<Change['type']>(['account.bootstrap', 'parameters.put', 'public-access-block.put', 'config-recorder.put', 'stack.deploy']);


/** Everything about the live state that a plan depends on. */
export function liveDigest(live: Live): string {
  return digest({
    ous: live.ous.map((o) => [o.id, o.path]),
    accounts: live.accounts.map((a) => [a.id, a.status, a.parent_id, a.email, a.name, a.tags]),
    parameters: live.parameters ? sortedEntries(live.parameters) : null,
    publicAccessBlocks: live.publicAccessBlocks ? sortedEntries(live.publicAccessBlocks) : null,
    configRecorders: live.configRecorders ? sortedEntries(live.configRecorders) : null,
    vouched: live.vouched ? [...live.vouched].sort() : null,
    ...(live.vouchedExcept ? { vouchedExcept: sortedEntries(live.vouchedExcept).map(([id, keys]) => [id, [...keys].sort()]) } : {}),
    stacks: live.stacks
      ? sortedEntries(live.stacks).map(([id, stacks]) => [id, stacks.map((st) => [st.stack, st.region, st.status, st.template && digest(st.template)])])
      : null,
  });
}

function configDigest(desired: Desired): string {
  return digest({ organization: desired.organization, accounts: desired.accounts.map(({ explained: _e, ...a }) => a) });
}


function tagChange(desired: DesiredAccount, live: LiveAccount): Change | undefined {
  const set = Object.keys(desired.tags).filter((k) => live.tags[k] !== desired.tags[k]);
  // The DSL's nulls, and orgvend's own tags it no longer sets (those of a retirement).
  const remove = Object.keys(live.tags).filter(
    (k) => desired.removedTags.includes(k) || (k.startsWith('orgvend:') && k !== BOOTSTRAP_TAG && !APPLIED_TAGS.includes(k as AppliedTag) && !(k in desired.tags)),
  );
  if (!set.length && !remove.length) return undefined;
  const keys = [...set, ...remove].sort();
  return {
    type: 'account.tag',
    target: desired.name,
    reason: 'tags-changed',
    before: { account_id: live.id, tags: Object.fromEntries(keys.map((k) => [k, live.tags[k] ?? null])) },
    after: { tags: Object.fromEntries(keys.map((k) => [k, desired.tags[k] ?? null])) },
  };
}

export function planAccounts(desired: Desired, live: Live, options: PlanOptions): Plan {
  const org = desired.organization;
  const entries = options.only ? desired.accounts.filter((a) => a.name === options.only) : desired.accounts;
  const matching = matchAccounts(entries, live);
  const notes: string[] = [];
  const conflicts = matching.conflicts.map((c) => `${c.name}: left alone because ${c.reason}`);
  const accountChanges: Change[] = [];
  // AWS keeps one OU per path; moto, or two runs racing, may leave two. Nothing goes into (or under) either.
  const twice = ouPathsMadeTwice(live);
  for (const [path, ids] of twice) conflicts.push(`OU ${path} exists ${ids.length === 2 ? 'twice' : `${ids.length} times`} (${ids.join(' and ')}); move the accounts of all but one into it and delete the others`);
  const ambiguous = (path: string) => ouAncestors(path).some((p) => twice.has(p));
  const neededOus = new Set<string>(options.only ? [] : desired.ous);

  // Of every account, even when planning one (create-account): the DNS account's parameters are made exactly this list.
  const dnsAllowed = dnsAllowListOf(options.only ? matchAccounts(desired.accounts, live) : matching);
  const core = new Set(coreAccounts(org).map((a) => a.id));
  /** The accounts this plan bootstraps. */
  const bootstrapped = new Set<string>();
  // Where Config recorders deliver: none until the logs account exists (then planned again).
  const bucket = logBucket(desired, live);
  const recordingWithoutBucket: string[] = [];
  for (const { desired: entry, live: account } of matching.matches) {
    const ou = entry.settings.organization_unit;
    if (entry.lifecycle === 'closed') {
      if (account && !isClosed(account)) {
        // The management handler closes only an account orgvend manages, never a core account.
        if (core.has(account.id)) notes.push(`${entry.name}: account ${account.id} is one of orgvend's core accounts (CICD, audit, delegated administrator); orgvend never closes it`);
        else if (!isManaged(account)) {
          notes.push(`${entry.name}: account ${account.id} is not tagged as managed by orgvend, and orgvend closes only the accounts it manages; make the entry active, adopt it with sync-accounts --execute, then close it`);
        } else accountChanges.push({ type: 'account.close', target: entry.name, reason: 'lifecycle-closed', before: { account_id: account.id, status: account.status }, after: { status: 'CLOSED' } });
      }
      continue;
    }
    if (ambiguous(ou) && (!account || account.ou !== ou)) {
      conflicts.push(`${entry.name}: left alone because its OU ${ou} is ambiguous (see above)`);
      continue;
    }
    if (!account) {
      for (const path of ouAncestors(ou)) neededOus.add(path);
      accountChanges.push({
        type: 'account.create',
        target: entry.name,
        reason: 'missing-in-org',
        before: null,
        after: { aws_name: entry.awsName, email: entry.email, ou, tags: entry.tags },
      });
      continue;
    }
    if (isClosed(account)) {
      notes.push(`${entry.name}: account ${account.id} is ${account.status} in AWS but active in accounts.yml; it cannot be reopened by orgvend`);
      continue;
    }
    const tags = tagChange(entry, account);
    if (core.has(account.id)) {
      // The administrator's, like their stacks: the management handler refuses to move or tag them.
      const left = [account.ou !== ou && `its OU (${account.ou || 'Root'}; accounts.yml says ${ou})`, tags && 'its tags'].filter(Boolean);
      if (left.length) notes.push(`${entry.name}: account ${account.id} is one of orgvend's core accounts (CICD, audit, delegated administrator), which orgvend never moves or tags; ${left.join(' and ')} left as they are`);
    } else {
      if (account.ou !== ou) {
        for (const path of ouAncestors(ou)) neededOus.add(path);
        accountChanges.push({ type: 'account.move', target: entry.name, reason: 'ou-changed', before: { account_id: account.id, ou: account.ou || 'Root' }, after: { ou } });
      }
      if (tags) accountChanges.push(tags);
    }
    // The management handler gives a member orgvend's stack, which its own requests need; core accounts are the administrator's.
    const bootstrapping = options.bootstrap === true && !carriesStack(account) && account.status === 'ACTIVE' && !core.has(account.id);
    if (bootstrapping) {
      accountChanges.push({ type: 'account.bootstrap', target: entry.name, reason: 'missing-stack', before: { account_id: account.id }, after: { stack: NAMES.stack } });
      bootstrapped.add(account.id);
    }
    // An account about to be bootstrapped has no orgvend parameters yet; one whose applied
    // tag vouches for its parameters, S3 Block Public Access and stacks was not read.
    const vouched = live.vouched?.has(account.id) === true;
    const parameters = bootstrapping ? {} : vouched ? undefined : live.parameters?.get(account.id);
    const parameterUpdate = parameters && parameterChange(entry.name, account.id, desiredParameters(entry, org, entry.name === org.dns_account ? dnsAllowed : {}), parameters);
    if (parameterUpdate) accountChanges.push(parameterUpdate);
    // Likewise: an account about to be bootstrapped was not read, and a new account has none.
    const block = publicAccessBlockChange(entry, account.id, bootstrapping ? null : vouched ? undefined : live.publicAccessBlocks?.get(account.id));
    if (block) accountChanges.push(block);
    const recorder = configRecorderChange(entry, account.id, bootstrapping ? null : vouched ? undefined : live.configRecorders?.get(account.id), bucket);
    if (recorder) accountChanges.push(recorder);
    else if (entry.settings.config_recorder && !bucket && entry.lifecycle === 'active') recordingWithoutBucket.push(entry.name);
    if (account.name !== entry.awsName) {
      notes.push(`${entry.name}: its AWS name is "${account.name}", accounts.yml says "${entry.awsName}"; sync-accounts does not rename accounts`);
    }
  }

  if (!options.only) {
    for (const account of matching.orphans) {
      if (isClosed(account)) continue;
      if (core.has(account.id)) {
        notes.push(`${account.tags[IDENTITY_TAG_KEYS.name]}: account ${account.id} is one of orgvend's core accounts (CICD, audit, delegated administrator); gone from accounts.yml, it is still never retired`);
        continue;
      }
      const retired = account.ou === org.morgue_ou && account.tags[RETIRED_TAGS.lifecycle] === 'retired';
      if (retired) continue;
      if (ambiguous(org.morgue_ou)) {
        conflicts.push(`${account.tags[IDENTITY_TAG_KEYS.name]}: not retired because the morgue OU ${org.morgue_ou} is ambiguous (see above)`);
        continue;
      }
      neededOus.add(org.morgue_ou);
      accountChanges.push({
        type: 'account.retire',
        target: account.tags[IDENTITY_TAG_KEYS.name]!,
        reason: 'removed-from-config',
        before: { account_id: account.id, ou: account.ou || 'Root' },
        after: { ou: org.morgue_ou, tags: { [RETIRED_TAGS.lifecycle]: 'retired', [RETIRED_TAGS.on]: options.now.toISOString().slice(0, 10) } },
      });
    }
  }

  // OUs first, parents before children, so the changes read in the order they are made.
  const liveOus = new Set(live.ous.map((o) => o.path));
  const ouChanges: Change[] = [...neededOus]
    .filter((path) => !liveOus.has(path) && !ambiguous(path))
    .sort(parentsFirst)
    .map((path) => ({ type: 'ou.create', target: path, reason: 'missing-in-org', before: null, after: { parent: ouAncestors(path).at(-2) ?? 'Root' } }));

  const created = accountChanges.filter((c) => c.type === 'account.create').map((c) => c.target);
  if (created.length) {
    const [one, it] = [created.length === 1, created.length === 1 ? 'it' : 'them'];
    notes.push(
      `once ${one ? 'the new account exists' : 'the new accounts exist'}, the same run ${options.bootstrap ? `gives ${it} orgvend's stack, puts ${one ? 'its' : 'their'} parameters, deploys ${one ? 'its VPC' : 'their VPCs'}, and ` : ''}` +
        'renders and deploys again the stacks that name accounts (the IAM mapping, the log bucket, the ECR repositories)' +
        (options.bootstrap ? '' : `; ${one ? 'its' : 'their'} own parameters and VPC follow once the administrator's bootstrap has given ${it} orgvend's stack`) +
        ' (applying a saved plan, with --plan, leaves all this to the next plan, to be reviewed)',
    );
  }
  if (recordingWithoutBucket.length) {
    notes.push(`config_recorder: ${recordingWithoutBucket.join(', ')} record into the logs account's log bucket, and the logs account ${org.logs_account ?? '(organization.logs_account)'} does not exist yet; planned once it does`);
  }
  const stackChanges = planStacks(live, options, bootstrapped);
  notes.push(...stackChanges.notes);
  accountChanges.push(...stackChanges.changes);
  const unmanaged = matching.unmanaged.map((a) => ({ id: a.id, name: a.name, email: a.email, ou: a.ou || 'Root' }));
  return makePlan(options.action ?? 'sync-accounts', { config: configDigest(desired), live: liveDigest(live) }, [...ouChanges, ...accountChanges], {
    notes,
    conflicts,
    unmanaged: options.only ? [] : unmanaged,
  });
}

/** The DNS account's allow list (dnsAllowList) of every account accounts.yml names that exists and is not closed. */
export function dnsAllowListOf(matching: Matching): Record<string, string> {
  return dnsAllowList(matching.matches.flatMap((m) => (m.live && !isClosed(m.live) ? [{ entry: m.desired, id: m.live.id }] : [])));
}

/** OU paths the organization holds more than once, with their ids. */
function ouPathsMadeTwice(live: Live): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  for (const ou of live.ous) ids.set(ou.path, [...(ids.get(ou.path) ?? []), ou.id]);
  return new Map([...ids].filter(([, list]) => list.length > 1).map(([path, list]) => [path, list.sort()]));
}

/** stack.deploy for every deployment to an account that exists and carries orgvend's stack, or is about to (`bootstrapped`). */
function planStacks(live: Live, options: PlanOptions, bootstrapped: ReadonlySet<string>): { changes: Change[]; notes: string[] } {
  if (!options.deployments) return { changes: [], notes: [] };
  const byId = new Map(live.accounts.map((a) => [a.id, a]));
  const changes: Change[] = [];
  const waiting: string[] = [];
  for (const d of options.deployments.deployments) {
    // An account created by this run gets its stacks in the run's follow-up round.
    if (!d.accountId) continue;
    const account = byId.get(d.accountId);
    if (!account || !(carriesStack(account) || bootstrapped.has(account.id))) {
      waiting.push(`${d.account}/${d.stack}`);
      continue;
    }
    if (live.vouched?.has(account.id) && !live.vouchedExcept?.get(account.id)?.has(`${d.region}/${d.stack}`)) continue;
    const change = stackChange({ ...d, accountId: d.accountId }, live.stacks?.get(d.accountId)?.find((st) => st.stack === d.stack && st.region === d.region));
    if (change) changes.push(change);
  }
  // The stacks orgvend owns that no deployment wants any more (a VPC in the account's old
  // region or with create_vpc false, the IAM mapping of an account gone from accounts.yml): deleted.
  // Not when planning one account (create-account), which renders that account's alone.
  if (!options.only) {
    const { deployments, held = [], owners } = options.deployments;
    const wanted = new Set([...deployments, ...held].map((d) => `${d.accountId}/${d.region}/${d.stack}`));
    for (const owner of owners) {
      // Of an account vouched for but some stacks, those stacks alone were read.
      if (live.vouched?.has(owner.accountId) && !live.vouchedExcept?.has(owner.accountId)) continue;
      for (const st of live.stacks?.get(owner.accountId) ?? []) {
        if (st.status && !wanted.has(`${owner.accountId}/${st.region}/${st.stack}`)) changes.push(stackDeletion(owner, st));
      }
    }
  }
  const notes = [...options.deployments.notes];
  if (waiting.length) notes.push(`not deployed until the administrator's bootstrap has given the account orgvend's stack: ${waiting.join(', ')}`);
  return { changes, notes };
}
