/**
 * sync-scps' plan: the policies and attachments the repository wants against those the
 * organization has, with a preview of the effect on every account. Pure. The other policy
 * types (policies/) are planned by the same code (policy-set.ts), each with its kind.
 *
 * Order: enable SCPs, create and update policies, attach, then detach, then delete, so a
 * target is never left without an Allow while the plan runs.
 */
import { isUnderRoot } from '../config/cross-checks.js';
import { ouAncestors, type Desired } from '../config/resolve.js';
import { evaluate, hasAllow, type Level, type NamedPolicy, type PolicyDocument } from '../scp/evaluate.js';
import { FULL_AWS_ACCESS, STAGED_SUFFIX, parseContent, sameDocument, type DesiredPolicy, type DesiredScps, type LiveScps } from '../scp/model.js';
import { OTHER_KINDS, SCP_KIND } from '../scp/policy-types.js';
import { planPolicySet, type Found } from './policy-set.js';
import type { Live } from '../state/live.js';
import { digest } from './digest.js';
import { matchAccounts } from './match.js';
import { makePlan, type Change, type Plan, type SamplePreview } from './plan.js';

export interface ScpPlanOptions {
  /** `test`: changed policies go, as `<name>.staged`, to the test OU only. */
  stage: 'all' | 'test';
}

type Attachments = Map<string, Map<string, PolicyDocument | undefined>>;

const isUnder = (path: string, target: string) => target === 'Root' || isUnderRoot(path, [target]);

function liveScpDigest(live: Live, scps: LiveScps): string {
  const others = (scps.others ?? []).map((set) => [set.type, set.enabled, set.policies.map((p) => [p.id, p.name, p.content, p.targets, p.tags])]);
  return digest({ enabled: scps.enabled, policies: scps.policies.map((p) => [p.id, p.name, p.content, p.targets, p.tags]), ous: live.ous.map((o) => [o.id, o.path]), others });
}

/** The policies to plan for: all of them, or the staged copies of those that differ. */
function wantedPolicies(scps: Pick<DesiredScps, 'policies'>, live: Pick<LiveScps, 'policies'>, testOu: string | undefined, stage: ScpPlanOptions['stage']): DesiredPolicy[] {
  if (stage === 'all') return scps.policies;
  if (!testOu) throw new Error('--stage test needs organization.scp_test_ou');
  const byName = new Map(live.policies.map((p) => [p.name, p]));
  return scps.policies
    .filter((p) => {
      const current = byName.get(p.name);
      return !current || !sameDocument(parseContent(current.content), p.document);
    })
    .map((p) => ({ ...p, name: `${p.name}${STAGED_SUFFIX}`, targets: [testOu] }));
}

export interface ScpPlanResult {
  plan: Plan;
  /** Limits the organization would break: the run stops if there is any. */
  violations: string[];
}

export function planScps(desired: Desired, scps: DesiredScps, live: Live, current: LiveScps, options: ScpPlanOptions): ScpPlanResult {
  const org = desired.organization;
  // Enabling SCPs attaches FullAWSAccess to the root, every OU and every account: plan from there.
  const everywhere = ['Root', ...live.ous.map((o) => o.path), ...live.accounts.map((a) => `account:${a.id}`)];
  const liveScps: LiveScps = current.enabled
    ? current
    : { ...current, policies: current.policies.map((p) => (p.aws_managed && p.name === FULL_AWS_ACCESS ? { ...p, targetPaths: everywhere } : p)) };
  const wanted = wantedPolicies(scps, liveScps, org.scp_test_ou, options.stage);
  const sets = [{ kind: SCP_KIND, wanted, live: liveScps }, ...otherSets(scps, current, org.scp_test_ou, options.stage)];
  const found: Found = { puts: [], attaches: [], detaches: [], deletes: [], notes: [], waiting: new Set() };
  const existing = new Set(['Root', ...live.ous.map((o) => o.path)]);
  const managedTargets = new Set(scps.managedTargets);
  for (const set of sets) {
    planPolicySet(set.kind, set.wanted, set.live, { existing, managedTargets, stage: options.stage }, found, (attachments) => {
      if (set.kind !== SCP_KIND || options.stage !== 'all') return;
      const full = liveScps.policies.find((p) => p.aws_managed && p.name === FULL_AWS_ACCESS);
      if (full) attachments(FULL_AWS_ACCESS, scps.fullAwsAccess, full.targetPaths, scps.fullAwsAccessExplicit);
    });
  }
  const { puts, attaches, detaches, deletes, notes, waiting } = found;
  // A type is enabled on the root the first time the repository has a policy of it.
  const enables = sets
    .filter((set) => set.kind !== SCP_KIND && set.wanted.length > 0 && !set.live.enabled)
    .map((set): Change => ({ type: 'policy.enable', target: `Root: ${set.kind.short}`, reason: 'policy-type-disabled', before: { policy_type: set.kind.type, enabled: false }, after: { policy_type: set.kind.type, enabled: true } }));

  const changes: Change[] = [
    ...(liveScps.enabled ? [] : [{ type: 'scp.enable' as const, target: 'Root', reason: 'scps-disabled', before: { enabled: false }, after: { enabled: true } }]),
    ...enables,
    ...puts,
    ...attaches,
    ...detaches,
    ...deletes,
  ];

  const before = liveAttachments(liveScps);
  const after = applyChanges(before, changes);
  const preview = previewEffect(desired, live, before, after, changes);
  // Only targets that exist: an OU sync-accounts has yet to create gets FullAWSAccess from AWS when it is made, and
  // what it carries once this plan runs again is checked offline, by the loader (scp-too-many, scp-no-allow).
  const violations = checkTargets(after, org.limits.scp_max_per_target, new Set([...managedTargets].filter((t) => existing.has(t))));
  const basis = { config: digest(sets.map((set) => [set.kind.type, set.wanted.map((p) => [p.name, p.content, p.targets])])), live: liveScpDigest(live, current) };
  if (waiting.size) notes.push(`not attached yet, because these OUs do not exist: ${[...waiting].sort().join(', ')}; run sync-accounts first, which creates them, then sync-scps again`);
  if (options.stage === 'test') notes.push(`staged: changed policies go to ${org.scp_test_ou} only, as <name>${STAGED_SUFFIX}; run without --stage test to apply them everywhere`);
  return { plan: makePlan('sync-scps', basis, changes, { notes, preview }), violations };
}

/** Each policy parsed once, and the one document shared by every target it is attached to. */
function liveAttachments(scps: LiveScps): Attachments {
  const attachments: Attachments = new Map();
  for (const policy of scps.policies) {
    const document = parseContent(policy.content);
    for (const target of policy.targetPaths) {
      if (!attachments.has(target)) attachments.set(target, new Map());
      attachments.get(target)!.set(policy.name, document);
    }
  }
  return attachments;
}

/** What the attachments will be once the changes are made. */
function applyChanges(before: Attachments, changes: readonly Change[]): Attachments {
  const after: Attachments = new Map([...before].map(([t, m]) => [t, new Map(m)]));
  const documents = new Map<string, PolicyDocument | undefined>();
  for (const policies of before.values()) for (const [name, document] of policies) if (!documents.has(name)) documents.set(name, document);
  for (const change of changes) {
    const fields = (change.after ?? change.before ?? {}) as { policy?: string; target?: string; document?: PolicyDocument };
    if (change.type === 'scp.create' || change.type === 'scp.update') {
      documents.set(change.target, fields.document!);
      for (const policies of after.values()) if (policies.has(change.target)) policies.set(change.target, fields.document);
    } else if (change.type === 'scp.attach') {
      if (!after.has(fields.target!)) after.set(fields.target!, new Map());
      after.get(fields.target!)!.set(fields.policy!, documents.get(fields.policy!));
    } else if (change.type === 'scp.detach') {
      after.get(fields.target!)?.delete(fields.policy!);
    } else if (change.type === 'scp.delete') {
      for (const policies of after.values()) policies.delete(change.target);
    }
  }
  return after;
}

/** Each target orgvend manages keeps within the count limit and keeps an Allow. */
function checkTargets(after: Attachments, limit: number, managed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const target of [...managed].sort()) {
    const policies = after.get(target) ?? new Map<string, PolicyDocument | undefined>();
    if (policies.size > limit) {
      problems.push(`${target} would carry ${policies.size} policies (${[...policies.keys()].join(', ')}), over organization.limits.scp_max_per_target (${limit})`);
    }
    const allows = [...policies.values()].some((d) => d === undefined || hasAllow(d));
    if (!allows) problems.push(`${target} would be left with no policy that allows anything: nothing would work in its accounts`);
  }
  return problems;
}

function levelsFor(attachments: Attachments, ou: string, accountId: string): Level[] {
  const targets = ['Root', ...(ou ? ouAncestors(ou) : []), `account:${accountId}`];
  return targets.map((target) => ({
    target,
    policies: [...(attachments.get(target) ?? new Map())]
      .filter((entry): entry is [string, PolicyDocument] => entry[1] !== undefined)
      .map(([name, document]): NamedPolicy => ({ name, document })),
  }));
}

/**
 * The same policies at every level. Documents compare by identity: an unchanged policy keeps
 * its one parsed document, and a changed one gets a new document only when its content differs.
 */
function sameLevels(a: readonly Level[], b: readonly Level[]): boolean {
  return a.every((level, i) => {
    const other = b[i]!.policies;
    return level.policies.length === other.length && level.policies.every((p, j) => p.name === other[j]!.name && p.document === other[j]!.document);
  });
}

function previewEffect(desired: Desired, live: Live, before: Attachments, after: Attachments, changes: Change[]): SamplePreview[] {
  // The accounts that exist, where they are: policies act on them, not on plans for them.
  // Each account's levels before and after, built once for the comparison and every sample.
  const accounts = matchAccounts(desired.accounts, live)
    .matches.filter((m) => m.live && m.desired.lifecycle === 'active')
    .map((m) => ({ name: m.desired.name, ou: m.live!.ou, id: m.live!.id, before: levelsFor(before, m.live!.ou, m.live!.id), after: levelsFor(after, m.live!.ou, m.live!.id) }));
  const changed = new Set(accounts.filter((a) => !sameLevels(a.before, a.after)).map((a) => a.name));

  const targetsOf = (name: string) => [...new Set([...before, ...after].filter(([, m]) => m.has(name)).map(([t]) => t))];
  for (const change of changes.filter((c) => c.type.startsWith('scp.'))) {
    const fields = (change.after ?? change.before ?? {}) as { target?: string };
    const targets = change.type === 'scp.attach' || change.type === 'scp.detach' ? [fields.target!] : change.type === 'scp.enable' ? ['Root'] : targetsOf(change.target);
    change.affects = accounts.filter((a) => changed.has(a.name) && targets.some((t) => isUnder(a.ou, t) || t === `account:${a.id}`)).map((a) => a.name);
  }

  return desired.organization.scps.samples.map((sample) => ({
    ...sample,
    // An account whose policies do not change cannot change its decision.
    transitions: accounts.flatMap((a) => {
      if (!changed.has(a.name)) return [];
      const principalArn = sample.principal?.startsWith('arn:') ? sample.principal : sample.principal ? `arn:aws:iam::${a.id}:${sample.principal}` : undefined;
      const request = { action: sample.action, region: sample.region, resource: sample.resource, principalArn };
      const was = evaluate(a.before, request);
      const will = evaluate(a.after, request);
      return was.decision === will.decision ? [] : [{ account: a.name, before: was.decision, after: will.decision, reason: will.reason }];
    }),
  }));
}

/** The other types, each with the policies it wants (staged, under --stage test) and what the organization has of it. */
function otherSets(scps: DesiredScps, current: LiveScps, testOu: string | undefined, stage: ScpPlanOptions['stage']) {
  return OTHER_KINDS.flatMap((kind) => {
    const policies = scps.others?.find((s) => s.type === kind.type)?.policies ?? [];
    const live = current.others?.find((s) => s.type === kind.type) ?? { type: kind.type, enabled: false, policies: [] };
    if (policies.length === 0 && live.policies.length === 0) return [];
    return [{ kind, wanted: wantedPolicies({ policies }, live, testOu, stage), live }];
  });
}
