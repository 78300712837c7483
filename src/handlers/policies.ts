/**
 * Service control policies, and the other policy types when a request names one
 * (policy_type): list them with content, tags and targets; create or update one
 * by name; attach and detach by name and OU path; delete one. Each is idempotent. orgvend
 * changes, attaches, detaches and deletes only the policies it made (tagged
 * managed-by=orgvend), and attaches and detaches AWS's FullAWSAccess (sync-scps manages
 * where it is attached); any other policy, AWS's or someone else's, is refused, dry runs
 * too.
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  UpdatePolicyCommand,
  paginateListPolicies,
  paginateListTargetsForPolicy,
  type OrganizationsClient,
  type PolicySummary,
  type Root,
} from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { MANAGED_BY } from '../config/identity-tags.js';
import { makeOnce } from '../aws/once.js';
import type { PayloadOf, PolicyType, ResultOf } from '../protocol/requests.js';
import { FULL_AWS_ACCESS, parseContent, sameDocument } from '../scp/model.js';
import { HandlerError, type Handler } from './context.js';
import { tagsOf } from './organization-tree.js';
import { ouAt, readRoot, rootId } from './organization-units.js';
import { everyPage } from '../aws/pages.js';
import { compareText } from '../text-order.js';

const SCP: PolicyType = 'SERVICE_CONTROL_POLICY';

/** The policies of one type (a request without policy_type is about SCPs). */
async function allPolicies(client: OrganizationsClient, type: PolicyType = SCP): Promise<PolicySummary[]> {
  const policies: PolicySummary[] = [];
  for await (const page of everyPage(paginateListPolicies({ client }, { Filter: type }))) policies.push(...(page.Policies ?? []));
  return policies;
}

async function policyNamed(client: OrganizationsClient, name: string, type: PolicyType = SCP): Promise<PolicySummary | undefined> {
  return (await allPolicies(client, type)).find((p) => p.Name === name);
}

const typeEnabled = (root: Root, type: PolicyType = SCP) => (root.PolicyTypes ?? []).some((t) => t.Type === type && t.Status === 'ENABLED');

/** The id of `Root` or of the OU at a path. */
async function targetId(client: OrganizationsClient, target: string): Promise<string> {
  if (target === 'Root') return rootId(client);
  const { id } = await ouAt(client, target);
  if (!id) throw new HandlerError('failed', `OU ${target} does not exist; run sync-accounts first`);
  return id;
}

async function requirePolicy(client: OrganizationsClient, name: string, type: PolicyType = SCP): Promise<PolicySummary> {
  const policy = await policyNamed(client, name, type);
  if (!policy?.Id) throw new HandlerError('failed', `there is no ${type === SCP ? 'service control policy' : type} named ${name}`);
  return policy;
}

/** Made by orgvend: its managed-by tag says so. */
async function isOrgvendPolicy(client: OrganizationsClient, policy: PolicySummary): Promise<boolean> {
  return !policy.AwsManaged && (await tagsOf(client, policy.Id!))[MANAGED_BY.key] === MANAGED_BY.value;
}

/** What ATTACH_POLICY and DETACH_POLICY may act on: orgvend's own policies, and AWS's FullAWSAccess. */
async function refuseForeignPolicy(client: OrganizationsClient, policy: PolicySummary, verb: string): Promise<void> {
  if (policy.AwsManaged && policy.Name === FULL_AWS_ACCESS) return;
  if (await isOrgvendPolicy(client, policy)) return;
  const whose = policy.AwsManaged ? 'is a policy managed by AWS' : `was not made by orgvend (no tag ${MANAGED_BY.key}=${MANAGED_BY.value})`;
  throw new HandlerError('rejected', `${policy.Name} ${whose}; orgvend ${verb} only its own policies and ${FULL_AWS_ACCESS}`);
}

export const listPolicies: Handler<PayloadOf<'LIST_POLICIES'>, ResultOf<'LIST_POLICIES'>> = async ({ policy_type: type }, { clients }) => {
  const client = await clients.client('organizations');
  const root = await readRoot(client);
  const enabled = typeEnabled(root, type);
  const limit = pLimit(4);
  const policies = await Promise.all(
    (await allPolicies(client, type)).map((summary) =>
      limit(async () => {
        const id = summary.Id!;
        const [{ Policy }, tags, targets] = await Promise.all([
          client.send(new DescribePolicyCommand({ PolicyId: id })),
          summary.AwsManaged ? Promise.resolve({}) : tagsOf(client, id),
          (async () => {
            const ids: string[] = [];
            for await (const page of everyPage(paginateListTargetsForPolicy({ client }, { PolicyId: id }))) ids.push(...(page.Targets ?? []).map((t) => t.TargetId!));
            return ids.sort();
          })(),
        ]);
        return { id, name: summary.Name ?? id, description: summary.Description ?? '', aws_managed: summary.AwsManaged ?? false, content: Policy?.Content ?? '', tags, targets };
      }),
    ),
  );
  return { enabled, root_id: root.Id, policies: policies.sort((a, b) => compareText(a.name, b.name)) };
};

export const enablePolicyType: Handler<PayloadOf<'ENABLE_POLICY_TYPE'>, ResultOf<'ENABLE_POLICY_TYPE'>> = async ({ policy_type: type = SCP }, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  const root = await readRoot(client);
  if (typeEnabled(root, type)) return { outcome: 'already-enabled' };
  if (dryrun) return { outcome: 'would-enable' };
  try {
    await client.send(new EnablePolicyTypeCommand({ RootId: root.Id, PolicyType: type }));
  } catch (error) {
    if ((error as Error).name !== 'PolicyTypeAlreadyEnabledException') throw error;
    return { outcome: 'already-enabled' };
  }
  return { outcome: 'enabled' };
};

export const putPolicy: Handler<PayloadOf<'PUT_POLICY'>, ResultOf<'PUT_POLICY'>> = async (payload, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  const type = payload.policy_type ?? SCP;
  const existing = await policyNamed(client, payload.name, type);
  if (existing?.Id) {
    if (existing.AwsManaged) throw new HandlerError('rejected', `${payload.name} is a policy managed by AWS; orgvend does not change it`);
    const tags = await tagsOf(client, existing.Id);
    if (tags[MANAGED_BY.key] !== MANAGED_BY.value) {
      throw new HandlerError('rejected', `a policy named ${payload.name} exists that orgvend did not make; rename one of them`);
    }
    const { Policy } = await client.send(new DescribePolicyCommand({ PolicyId: existing.Id }));
    if (sameDocument(parseContent(Policy?.Content ?? ''), parseContent(payload.content)) && (Policy?.PolicySummary?.Description ?? '') === payload.description) {
      return { policy_id: existing.Id, outcome: 'unchanged' };
    }
    if (dryrun) return { policy_id: existing.Id, outcome: 'would-update' };
    await client.send(new UpdatePolicyCommand({ PolicyId: existing.Id, Content: payload.content, Description: payload.description }));
    return { policy_id: existing.Id, outcome: 'updated' };
  }
  if (dryrun) return { policy_id: null, outcome: 'would-create' };
  const tags = Object.entries(payload.tags).map(([Key, Value]) => ({ Key, Value }));
  // Made once: after an answer lost on the way, the policy it may have made is looked for by name.
  const id = await makeOnce(
    `creating policy ${payload.name}`,
    async () => (await client.send(new CreatePolicyCommand({ Name: payload.name, Description: payload.description, Content: payload.content, Type: type, Tags: tags }))).Policy?.PolicySummary?.Id ?? null,
    async () => (await policyNamed(client, payload.name, type))?.Id,
  );
  return { policy_id: id, outcome: 'created' };
};

export const attachPolicy: Handler<PayloadOf<'ATTACH_POLICY'>, ResultOf<'ATTACH_POLICY'>> = async ({ name, target, policy_type: type }, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  const [policy, id] = await Promise.all([requirePolicy(client, name, type), targetId(client, target)]);
  await refuseForeignPolicy(client, policy, 'attaches');
  if (dryrun) return { outcome: 'would-attach' };
  try {
    await client.send(new AttachPolicyCommand({ PolicyId: policy.Id!, TargetId: id }));
  } catch (error) {
    if ((error as Error).name === 'DuplicatePolicyAttachmentException') return { outcome: 'already-attached' };
    throw error;
  }
  return { outcome: 'attached' };
};

export const detachPolicy: Handler<PayloadOf<'DETACH_POLICY'>, ResultOf<'DETACH_POLICY'>> = async ({ name, target, policy_type: type }, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  const [policy, id] = await Promise.all([requirePolicy(client, name, type), targetId(client, target)]);
  await refuseForeignPolicy(client, policy, 'detaches');
  if (dryrun) return { outcome: 'would-detach' };
  try {
    await client.send(new DetachPolicyCommand({ PolicyId: policy.Id!, TargetId: id }));
  } catch (error) {
    if ((error as Error).name === 'PolicyNotAttachedException') return { outcome: 'not-attached' };
    throw error;
  }
  return { outcome: 'detached' };
};

export const deletePolicy: Handler<PayloadOf<'DELETE_POLICY'>, ResultOf<'DELETE_POLICY'>> = async ({ name, policy_type: type }, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  const policy = await policyNamed(client, name, type);
  if (!policy?.Id) return { outcome: 'absent' };
  if (!(await isOrgvendPolicy(client, policy))) throw new HandlerError('rejected', `${name} was not made by orgvend; orgvend deletes only its own policies`);
  if (dryrun) return { outcome: 'would-delete' };
  await client.send(new DeletePolicyCommand({ PolicyId: policy.Id }));
  return { outcome: 'deleted' };
};
