/**
 * IAM Identity Center, from the management account: the permission sets orgvend manages
 * (those whose name starts with organization.identity_center.name_prefix; it never touches
 * another, nor another's assignments) and their assignments to groups in member accounts.
 * Assignment changes are asynchronous: each request waits for its own within its deadline,
 * and a repeated request finds the work done rather than doing it twice.
 *
 * A changed permission set reaches the accounts that have it only when it is provisioned
 * again. So that a handler that dies between the change and the provisioning is not
 * forgotten (the next plan would find the set as wanted and plan nothing), the change is
 * preceded by a mark in the request ledger, `provision:<set ARN>`, cleared only once the
 * provisioning has succeeded: GET_IDENTITY_CENTER reports a marked set, the plan provisions
 * it again, and PUT_PERMISSION_SET provisions a marked set even when nothing else differs.
 */
import { GetGroupIdCommand } from '@aws-sdk/client-identitystore';
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  UpdatePermissionSetCommand,
  paginateListAccountAssignments,
  paginateListInstances,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  type SSOAdminClient,
  type StatusValues,
} from '@aws-sdk/client-sso-admin';
import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { everyPage } from '../aws/pages.js';
import { NAMES } from '../protocol/names.js';
import type { LivePermissionSet, PayloadOf, ResultOf } from '../protocol/requests.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';

/** Identity Center allows about 20 reads a second per account; the client paces the rest. */
const READS_IN_FLIGHT = 8;
const POLL_MS = 1_000;
/** The tag a permission set orgvend makes carries, for people reading the console. */
export const PERMISSION_SET_TAG = { Key: 'managed-by', Value: 'orgvend' } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ledger's key of a permission set's provisioning mark: no nonce (a UUID) has this form. */
const provisionKey = (arn: string) => `provision:${arn}`;
/** How long a cleared mark is kept (DynamoDB's TTL deletes it); a pending one is kept until cleared. */
const KEEP_CLEARED_SECONDS = 24 * 3600;

/** Whether a change to the permission set `arn` is still to be provisioned to its accounts. */
async function provisionPending(context: HandlerContext, arn: string): Promise<boolean> {
  const dynamodb = await context.clients.client('dynamodb');
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: NAMES.requestLedger, Key: { nonce: { S: provisionKey(arn) } }, ConsistentRead: true }));
  return Item?.state?.S === 'pending';
}

/** Marks the permission set `arn` as changed and not yet provisioned, or clears the mark. */
async function markProvision(context: HandlerContext, arn: string, pending: boolean): Promise<void> {
  const dynamodb = await context.clients.client('dynamodb');
  const item: Record<string, AttributeValue> = { nonce: { S: provisionKey(arn) }, type: { S: 'PUT_PERMISSION_SET' }, state: { S: pending ? 'pending' : 'provisioned' } };
  if (!pending) item.expires_at = { N: String(Math.floor(context.now().getTime() / 1000) + KEEP_CLEARED_SECONDS) };
  await dynamodb.send(new PutItemCommand({ TableName: NAMES.requestLedger, Item: item }));
}

async function instanceOf(client: SSOAdminClient, wanted: string | undefined): Promise<{ arn: string; store: string }> {
  const instances: { arn: string; store: string }[] = [];
  for await (const page of everyPage(paginateListInstances({ client }, {}))) {
    for (const i of page.Instances ?? []) if (i.InstanceArn && i.IdentityStoreId) instances.push({ arn: i.InstanceArn, store: i.IdentityStoreId });
  }
  if (wanted) {
    const found = instances.find((i) => i.arn === wanted);
    if (!found) throw new HandlerError('failed', `the Identity Center instance ${wanted} (organization.identity_center.instance_arn) is not in this account's ListInstances`);
    return found;
  }
  if (instances.length !== 1) {
    throw new HandlerError(
      'failed',
      instances.length ? `${instances.length} Identity Center instances; name one in organization.identity_center.instance_arn` : 'no Identity Center instance in the management account: enable IAM Identity Center first',
    );
  }
  return instances[0]!;
}

/** Every permission set of the instance with this name prefix, read whole (policies included). */
async function ownedPermissionSets(client: SSOAdminClient, instance: string, prefix: string, only?: string): Promise<LivePermissionSet[]> {
  const arns: string[] = [];
  for await (const page of everyPage(paginateListPermissionSets({ client }, { InstanceArn: instance }))) arns.push(...(page.PermissionSets ?? []));
  const limit = pLimit(READS_IN_FLIGHT);
  const sets = await Promise.all(
    arns.map((arn) =>
      limit(async () => {
        const { PermissionSet: set } = await client.send(new DescribePermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }));
        const name = set?.Name ?? '';
        if (!name.startsWith(prefix) || (only !== undefined && name !== only)) return undefined;
        return readPermissionSet(client, instance, arn, name, set?.Description, set?.SessionDuration);
      }),
    ),
  );
  return sets.filter((s): s is LivePermissionSet => s !== undefined);
}

async function readPermissionSet(client: SSOAdminClient, instance: string, arn: string, name: string, description: string | undefined, duration: string | undefined): Promise<LivePermissionSet> {
  const managed: string[] = [];
  for await (const page of everyPage(paginateListManagedPoliciesInPermissionSet({ client }, { InstanceArn: instance, PermissionSetArn: arn }))) {
    for (const p of page.AttachedManagedPolicies ?? []) if (p.Arn) managed.push(p.Arn);
  }
  const { InlinePolicy: inline } = await client.send(new GetInlinePolicyForPermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }));
  return {
    name,
    arn,
    description: description || null,
    session_duration: duration ?? 'PT1H',
    managed_policies: managed.sort(),
    inline_policy: inline ? inline : null,
  };
}

export const getIdentityCenter: Handler<PayloadOf<'GET_IDENTITY_CENTER'>, ResultOf<'GET_IDENTITY_CENTER'>> = async (payload, context) => {
  const client = await context.clients.client('ssoadmin');
  const instance = await instanceOf(client, payload.instance_arn);
  const store = await context.clients.client('identitystore');
  const limit = pLimit(READS_IN_FLIGHT);
  const [permission_sets, groups] = await Promise.all([
    ownedPermissionSets(client, instance.arn, payload.name_prefix).then((sets) =>
      Promise.all(sets.map((set) => limit(async () => ((await provisionPending(context, set.arn)) ? { ...set, provisioning_unfinished: true } : set)))),
    ),
    Promise.all(
      [...new Set(payload.groups)].map((name) =>
        limit(async () => {
          try {
            const { GroupId } = await store.send(
              new GetGroupIdCommand({ IdentityStoreId: instance.store, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: name } } }),
            );
            return { name, id: GroupId ?? null };
          } catch (error) {
            if ((error as Error).name === 'ResourceNotFoundException') return { name, id: null };
            throw error;
          }
        }),
      ),
    ),
  ]);
  return { instance_arn: instance.arn, identity_store_id: instance.store, permission_sets, groups };
};

export const getAssignments: Handler<PayloadOf<'GET_ASSIGNMENTS'>, ResultOf<'GET_ASSIGNMENTS'>> = async (payload, context) => {
  const client = await context.clients.client('ssoadmin');
  const limit = pLimit(READS_IN_FLIGHT);
  const reads = payload.account_ids.flatMap((account) => payload.permission_set_arns.map((set) => ({ account, set })));
  const found = await Promise.all(
    reads.map(({ account, set }) =>
      limit(async () => {
        const assignments: ResultOf<'GET_ASSIGNMENTS'>['assignments'] = [];
        for await (const page of everyPage(paginateListAccountAssignments({ client }, { InstanceArn: payload.instance_arn, AccountId: account, PermissionSetArn: set }))) {
          for (const a of page.AccountAssignments ?? []) {
            if (a.PrincipalId && a.PrincipalType) assignments.push({ account_id: account, permission_set_arn: set, principal_type: a.PrincipalType, principal_id: a.PrincipalId });
          }
        }
        return assignments;
      }),
    ),
  );
  return { assignments: found.flat() };
};

/** Wait for a provisioning, creation or deletion to finish, within the request's deadline. */
async function settle(context: HandlerContext, what: string, status: StatusValues | undefined, read: () => Promise<{ Status?: StatusValues; FailureReason?: string } | undefined>): Promise<void> {
  let current = status;
  for (;;) {
    if (current === 'SUCCEEDED') return;
    if (current === 'FAILED') throw new HandlerError('failed', `${what} failed`);
    if (context.now().getTime() + POLL_MS > context.deadline) {
      throw new HandlerError('timeout', `${what} is still in progress; run again and orgvend finds it done or waits for it, without asking twice`);
    }
    await sleep(POLL_MS);
    const next = await read();
    if (next?.Status === 'FAILED') throw new HandlerError('failed', `${what} failed: ${next.FailureReason ?? 'no reason given'}`, next.FailureReason);
    current = next?.Status;
  }
}

export const putPermissionSet: Handler<PayloadOf<'PUT_PERMISSION_SET'>, ResultOf<'PUT_PERMISSION_SET'>> = async (payload, context) => {
  if (!payload.name.startsWith(payload.name_prefix)) {
    throw new HandlerError('rejected', `permission set ${payload.name} is not one orgvend manages (its name does not start with ${payload.name_prefix}); it is left alone`);
  }
  const client = await context.clients.client('ssoadmin');
  const instance = payload.instance_arn;
  let [live] = await ownedPermissionSets(client, instance, payload.name, payload.name);
  if (!live && context.dryrun) return { arn: '', outcome: 'would-create', provisioned: false };
  let arn = live?.arn;
  if (!arn) {
    try {
      const { PermissionSet: created } = await client.send(
        new CreatePermissionSetCommand({
          InstanceArn: instance,
          Name: payload.name,
          ...(payload.description ? { Description: payload.description } : {}),
          SessionDuration: payload.session_duration,
          Tags: [PERMISSION_SET_TAG],
        }),
      );
      arn = created?.PermissionSetArn;
    } catch (error) {
      // Made meanwhile by a duplicate delivery of this request (AWS refuses a second set of one name): that one is completed.
      if ((error as Error).name !== 'ConflictException') throw error;
      [live] = await ownedPermissionSets(client, instance, payload.name, payload.name);
      arn = live?.arn;
    }
    if (!arn) throw new HandlerError('failed', `CreatePermissionSet gave no ARN for ${payload.name}`);
  }
  const have: Omit<LivePermissionSet, 'name' | 'arn'> = live ?? { description: payload.description, session_duration: payload.session_duration, managed_policies: [], inline_policy: null };
  const attach = payload.managed_policies.filter((p) => !have.managed_policies.includes(p));
  const detach = have.managed_policies.filter((p) => !payload.managed_policies.includes(p));
  const describe = (payload.description !== null && payload.description !== have.description) || payload.session_duration !== have.session_duration;
  const inline = !sameJson(payload.inline_policy, have.inline_policy);
  const changed = describe || attach.length > 0 || detach.length > 0 || inline;
  // Changed by a request that died before provisioning it: provisioned now, changed or not.
  const pending = live ? await provisionPending(context, arn) : false;
  if (live && !changed && !pending) return { arn, outcome: 'unchanged', provisioned: false };
  if (live && context.dryrun) return { arn, outcome: 'would-update', provisioned: false };

  const ref = { InstanceArn: instance, PermissionSetArn: arn };
  if (live && changed && !pending) await markProvision(context, arn, true);
  if (live && describe) {
    await client.send(new UpdatePermissionSetCommand({ ...ref, ...(payload.description !== null ? { Description: payload.description } : {}), SessionDuration: payload.session_duration }));
  }
  for (const policy of attach) {
    try {
      await client.send(new AttachManagedPolicyToPermissionSetCommand({ ...ref, ManagedPolicyArn: policy }));
    } catch (error) {
      // Attached meanwhile (a duplicate delivery): the outcome is the one asked for.
      if ((error as Error).name !== 'ConflictException') throw error;
    }
  }
  for (const policy of detach) {
    try {
      await client.send(new DetachManagedPolicyFromPermissionSetCommand({ ...ref, ManagedPolicyArn: policy }));
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
  if (inline && payload.inline_policy !== null) await client.send(new PutInlinePolicyToPermissionSetCommand({ ...ref, InlinePolicy: payload.inline_policy }));
  else if (inline) await client.send(new DeleteInlinePolicyFromPermissionSetCommand(ref));

  // A new set reaches accounts with its first assignment; a changed one must be provisioned
  // again to the accounts that have it, or they keep the old policies.
  if (!live) return { arn, outcome: 'created', provisioned: false };
  const { PermissionSetProvisioningStatus: status } = await client.send(new ProvisionPermissionSetCommand({ ...ref, TargetType: 'ALL_PROVISIONED_ACCOUNTS' }));
  const requestId = status?.RequestId;
  await settle(context, `provisioning ${payload.name}`, status?.Status, async () =>
    requestId ? (await client.send(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instance, ProvisionPermissionSetRequestId: requestId }))).PermissionSetProvisioningStatus : undefined,
  );
  await markProvision(context, arn, false);
  return { arn, outcome: 'updated', provisioned: true };
};

function sameJson(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

type AssignmentPayload = PayloadOf<'CREATE_ASSIGNMENT'>;

/** The permission set must be one orgvend manages: its name has the prefix. */
async function checkOwned(client: SSOAdminClient, payload: AssignmentPayload): Promise<void> {
  const { PermissionSet: set } = await client.send(new DescribePermissionSetCommand({ InstanceArn: payload.instance_arn, PermissionSetArn: payload.permission_set_arn }));
  if (!set?.Name?.startsWith(payload.name_prefix)) {
    throw new HandlerError('rejected', `permission set ${set?.Name ?? payload.permission_set_arn} is not one orgvend manages (its name does not start with ${payload.name_prefix}); its assignments are left alone`);
  }
}

async function isAssigned(client: SSOAdminClient, payload: AssignmentPayload): Promise<boolean> {
  for await (const page of everyPage(paginateListAccountAssignments({ client }, { InstanceArn: payload.instance_arn, AccountId: payload.account_id, PermissionSetArn: payload.permission_set_arn }))) {
    if ((page.AccountAssignments ?? []).some((a) => a.PrincipalType === 'GROUP' && a.PrincipalId === payload.group_id)) return true;
  }
  return false;
}

const assignment = (payload: AssignmentPayload) => ({
  InstanceArn: payload.instance_arn,
  TargetId: payload.account_id,
  TargetType: 'AWS_ACCOUNT' as const,
  PermissionSetArn: payload.permission_set_arn,
  PrincipalType: 'GROUP' as const,
  PrincipalId: payload.group_id,
});

export const createAssignment: Handler<PayloadOf<'CREATE_ASSIGNMENT'>, ResultOf<'CREATE_ASSIGNMENT'>> = async (payload, context) => {
  const client = await context.clients.client('ssoadmin');
  await checkOwned(client, payload);
  if (await isAssigned(client, payload)) return { outcome: 'exists' };
  if (context.dryrun) return { outcome: 'would-create' };
  const { AccountAssignmentCreationStatus: status } = await client.send(new CreateAccountAssignmentCommand(assignment(payload)));
  const requestId = status?.RequestId;
  await settle(context, `assigning group ${payload.group_id} in ${payload.account_id}`, status?.Status, async () =>
    requestId
      ? (await client.send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: payload.instance_arn, AccountAssignmentCreationRequestId: requestId }))).AccountAssignmentCreationStatus
      : undefined,
  );
  return { outcome: 'created' };
};

export const deleteAssignment: Handler<PayloadOf<'DELETE_ASSIGNMENT'>, ResultOf<'DELETE_ASSIGNMENT'>> = async (payload, context) => {
  const client = await context.clients.client('ssoadmin');
  await checkOwned(client, payload);
  if (!(await isAssigned(client, payload))) return { outcome: 'absent' };
  if (context.dryrun) return { outcome: 'would-delete' };
  let status;
  try {
    ({ AccountAssignmentDeletionStatus: status } = await client.send(new DeleteAccountAssignmentCommand(assignment(payload))));
  } catch (error) {
    // Deleted meanwhile (a duplicate delivery): the outcome is the one asked for.
    if ((error as Error).name === 'ResourceNotFoundException') return { outcome: 'absent' };
    throw error;
  }
  const requestId = status?.RequestId;
  await settle(context, `removing group ${payload.group_id} from ${payload.account_id}`, status?.Status, async () =>
    requestId
      ? (await client.send(new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn: payload.instance_arn, AccountAssignmentDeletionRequestId: requestId }))).AccountAssignmentDeletionStatus
      : undefined,
  );
  return { outcome: 'deleted' };
};
