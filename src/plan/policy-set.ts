/**
 * The changes for one policy type: create or update each policy the repository wants,
 * attach it where it is wanted, detach it where it no longer is, and delete orgvend's
 * policies the repository dropped. SCPs and the other types (policies/) go through this
 * one function; their changes differ only in name (`scp.create`, `policy.create` with
 * its policy_type) and in what each type adds (FullAWSAccess, for SCPs). Pure.
 */
import { MANAGED_BY } from '../config/identity-tags.js';
import { STAGED_SUFFIX, parseContent, sameDocument, type DesiredPolicy, type LivePolicy } from '../scp/model.js';
import { SCP_KIND, type PolicyKind } from '../scp/policy-types.js';
import type { Change, ChangeType } from './plan.js';

/** What the planning of every type adds to. */
export interface Found {
  puts: Change[];
  attaches: Change[];
  detaches: Change[];
  deletes: Change[];
  notes: string[];
  /** OUs policies are wanted on that do not exist yet. */
  waiting: Set<string>;
}

export interface SetScope {
  /** `Root` and the OUs that exist. */
  existing: ReadonlySet<string>;
  /** Where orgvend may detach. */
  managedTargets: ReadonlySet<string>;
  stage: 'all' | 'test';
}

type Verb = 'create' | 'update' | 'attach' | 'detach' | 'delete';
export type Attach = (name: string, want: readonly string[], have: readonly string[], mayDetach: boolean) => void;

/** `scp.create` for an SCP, `policy.create` for the others. */
export const changeType = (kind: PolicyKind, verb: Verb) => `${kind === SCP_KIND ? 'scp' : 'policy'}.${verb}` as ChangeType;
/** The policy's name in a plan: an SCP's as it is, another's after its type's folder (`tag/cost-centre`). */
export const policyLabel = (kind: PolicyKind, name: string) => (kind === SCP_KIND ? name : `${kind.short}/${name}`);
/** The fields that say which type a change is about: none for SCPs, whose plans predate the other types. */
const typeFields = (kind: PolicyKind, name: string) => (kind === SCP_KIND ? {} : { policy_type: kind.type, name });

export function planPolicySet(kind: PolicyKind, wanted: readonly DesiredPolicy[], live: { policies: readonly LivePolicy[] }, scope: SetScope, found: Found, extra?: (attach: Attach) => void): void {
  const byName = new Map(live.policies.map((p) => [p.name, p]));
  const isOurs = (name: string) => {
    const policy = byName.get(name);
    return policy !== undefined && !policy.aws_managed && policy.tags[MANAGED_BY.key] === MANAGED_BY.value;
  };
  const label = (name: string) => policyLabel(kind, name);

  // An OU that does not exist yet is created by sync-accounts; its attachments wait for it.
  const attachments: Attach = (name, want, have, mayDetach) => {
    for (const target of want.filter((t) => !scope.existing.has(t))) found.waiting.add(target);
    for (const target of want.filter((t) => scope.existing.has(t) && !have.includes(t))) {
      found.attaches.push({ type: changeType(kind, 'attach'), target: `${label(name)} @ ${target}`, reason: 'attachment-missing', before: null, after: { ...typeFields(kind, name), policy: name, target } });
    }
    if (!mayDetach) return;
    for (const target of have.filter((t) => scope.managedTargets.has(t) && !want.includes(t))) {
      found.detaches.push({ type: changeType(kind, 'detach'), target: `${label(name)} @ ${target}`, reason: 'attachment-removed', before: { ...typeFields(kind, name), policy: name, target }, after: null });
    }
  };

  for (const policy of wanted) {
    const current = byName.get(policy.name);
    if (current && !isOurs(policy.name)) {
      found.notes.push(`${label(policy.name)}: a policy of that name exists that orgvend did not make; left alone, rename one of them`);
      continue;
    }
    const after = { ...typeFields(kind, policy.name), description: policy.description, document: policy.document, characters: policy.content.length, file: policy.file };
    if (!current) {
      found.puts.push({ type: changeType(kind, 'create'), target: label(policy.name), reason: 'missing-in-org', before: null, after });
    } else if (!sameDocument(parseContent(current.content), policy.document) || current.description !== policy.description) {
      const before = { ...typeFields(kind, policy.name), policy_id: current.id, document: parseContent(current.content) ?? current.content };
      found.puts.push({ type: changeType(kind, 'update'), target: label(policy.name), reason: 'content-changed', before, after });
    }
    attachments(policy.name, policy.targets, current?.targetPaths ?? [], true);
  }

  if (scope.stage !== 'all') return;
  extra?.(attachments);
  const wantedNames = new Set(wanted.map((p) => p.name));
  for (const policy of live.policies.filter((p) => isOurs(p.name) && !wantedNames.has(p.name))) {
    for (const target of policy.targetPaths) {
      found.detaches.push({ type: changeType(kind, 'detach'), target: `${label(policy.name)} @ ${target}`, reason: 'policy-removed', before: { ...typeFields(kind, policy.name), policy: policy.name, target }, after: null });
    }
    const reason = policy.name.endsWith(STAGED_SUFFIX) ? 'staging-done' : 'removed-from-repository';
    found.deletes.push({ type: changeType(kind, 'delete'), target: label(policy.name), reason, before: { ...typeFields(kind, policy.name), policy_id: policy.id }, after: null });
  }
}
