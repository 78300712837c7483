/**
 * The Identity Center handlers' waiting and failure paths. moto 5.2.1 answers every
 * assignment creation, deletion and provisioning SUCCEEDED at once and has no
 * DescribePermissionSetProvisioningStatus, so SSO admin is mocked (aws-sdk-client-mock)
 * to go through IN_PROGRESS and FAILED; the rest is covered on moto by
 * test/integration/sync-access.test.ts. Fake timers drive the polling. The request ledger
 * (DynamoDB), where a permission set's provisioning is marked, is mocked with them: a map.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  SSOAdminClient,
  UpdatePermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HandlerContext } from '../../../src/handlers/context.js';
import { createAssignment, putPermissionSet } from '../../../src/handlers/identity-center.js';
import { settle } from '../../helpers/fake-time.js';
import { handlerContext } from '../../helpers/handler-context.js';

const INSTANCE = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';
const SET = 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef';
const ref = { instance_arn: INSTANCE, account_id: '444455556666', permission_set_arn: SET, group_id: '11111111-1111-1111-1111-111111111111', name_prefix: 'orgvend-' };

let sso: ReturnType<typeof mockClient>;
let ddb: ReturnType<typeof mockClient>;
let states: string[];
/** The ledger's items by key, and the writes and SSO calls in the order they were made. */
let ledger: Map<string, Record<string, AttributeValue>>;
let order: string[];

const context = (overrides: Partial<HandlerContext> = {}) => handlerContext({ accountId: '111111111111', roles: ['management'] }, { deadline: Date.now() + 5 * 60_000, ...overrides });
const next = () => (states.length > 1 ? states.shift() : states[0]) as 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

beforeAll(async () => {
  await context().clients.client('ssoadmin');
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  states = ['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED'];
  sso = mockClient(SSOAdminClient);
  sso.onAnyCommand().rejects(new Error('unexpected SSO admin command'));
  sso.on(DescribePermissionSetCommand).resolves({ PermissionSet: { Name: 'orgvend-admin', PermissionSetArn: SET, SessionDuration: 'PT1H' } });
  sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
  sso.on(CreateAccountAssignmentCommand).resolves({ AccountAssignmentCreationStatus: { RequestId: 'req-1', Status: 'IN_PROGRESS' } });
  sso.on(DescribeAccountAssignmentCreationStatusCommand).callsFake(() => ({ AccountAssignmentCreationStatus: { RequestId: 'req-1', Status: next(), FailureReason: 'no such principal' } }));
  sso.on(ListPermissionSetsCommand).resolves({ PermissionSets: [SET] });
  sso.on(ListManagedPoliciesInPermissionSetCommand).resolves({ AttachedManagedPolicies: [] });
  sso.on(GetInlinePolicyForPermissionSetCommand).resolves({ InlinePolicy: '' });
  sso.on(DescribePermissionSetProvisioningStatusCommand).callsFake(() => ({ PermissionSetProvisioningStatus: { RequestId: 'prov-1', Status: next() } }));
  order = [];
  sso.on(UpdatePermissionSetCommand).callsFake(() => (order.push('UpdatePermissionSet'), {}));
  sso.on(ProvisionPermissionSetCommand).callsFake(() => (order.push('ProvisionPermissionSet'), { PermissionSetProvisioningStatus: { RequestId: 'prov-1', Status: 'IN_PROGRESS' } }));
  ledger = new Map();
  ddb = mockClient(DynamoDBClient);
  ddb.onAnyCommand().rejects(new Error('unexpected DynamoDB command'));
  ddb.on(GetItemCommand).callsFake((input: { Key: { nonce: { S: string } } }) => ({ Item: ledger.get(input.Key.nonce.S) }));
  ddb.on(PutItemCommand).callsFake((input: { Item: Record<string, AttributeValue> }) => {
    order.push(`mark ${input.Item.state!.S!}`);
    ledger.set(input.Item.nonce!.S!, input.Item);
    return {};
  });
});

afterEach(() => {
  sso.restore();
  ddb.restore();
  vi.useRealTimers();
});

const run = <T>(promise: Promise<T>) => settle(promise, 1000, 1000);

describe('CREATE_ASSIGNMENT', () => {
  it('waits while AWS says IN_PROGRESS, then reports it created', async () => {
    expect(await run(createAssignment(ref, context()))).toEqual({ outcome: 'created' });
    expect(sso.commandCalls(DescribeAccountAssignmentCreationStatusCommand).length).toBe(3);
    expect(sso.commandCalls(CreateAccountAssignmentCommand)[0]!.args[0].input).toEqual({
      InstanceArn: INSTANCE, TargetId: ref.account_id, TargetType: 'AWS_ACCOUNT', PermissionSetArn: SET, PrincipalType: 'GROUP', PrincipalId: ref.group_id,
    });
  });

  it('fails with AWS\'s reason when the creation fails', async () => {
    states = ['FAILED'];
    await expect(run(createAssignment(ref, context()))).rejects.toThrow(/failed: no such principal/);
  });

  it('stops at its deadline, saying a second run waits rather than asks twice', async () => {
    states = ['IN_PROGRESS'];
    await expect(run(createAssignment(ref, context({ deadline: Date.now() + 10_000 })))).rejects.toMatchObject({ code: 'timeout' });
  });

  it('asks nothing when the group has the set already, and nothing in a dry run', async () => {
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [{ PrincipalType: 'GROUP', PrincipalId: ref.group_id }] });
    expect(await run(createAssignment(ref, context()))).toEqual({ outcome: 'exists' });
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
    expect(await run(createAssignment(ref, context({ dryrun: true })))).toEqual({ outcome: 'would-create' });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)).toHaveLength(0);
  });

  it('refuses a permission set without the prefix, dry run or not', async () => {
    sso.on(DescribePermissionSetCommand).resolves({ PermissionSet: { Name: 'AdministratorAccess', PermissionSetArn: SET } });
    await expect(run(createAssignment(ref, context({ dryrun: true })))).rejects.toMatchObject({ code: 'rejected' });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)).toHaveLength(0);
  });
});

describe('PUT_PERMISSION_SET', () => {
  it('updates a changed set, provisions it to the accounts that have it and waits for that', async () => {
    const put = { instance_arn: INSTANCE, name: 'orgvend-admin', name_prefix: 'orgvend-', description: null, session_duration: 'PT4H', managed_policies: [], inline_policy: null };
    expect(await run(putPermissionSet(put, context()))).toEqual({ arn: SET, outcome: 'updated', provisioned: true });
    expect(sso.commandCalls(UpdatePermissionSetCommand)[0]!.args[0].input).toEqual({ InstanceArn: INSTANCE, PermissionSetArn: SET, SessionDuration: 'PT4H' });
    expect(sso.commandCalls(ProvisionPermissionSetCommand)[0]!.args[0].input).toEqual({ InstanceArn: INSTANCE, PermissionSetArn: SET, TargetType: 'ALL_PROVISIONED_ACCOUNTS' });
    expect(sso.commandCalls(DescribePermissionSetProvisioningStatusCommand).length).toBe(3);
    // Marked before the change, cleared once provisioned (and then left to DynamoDB's TTL).
    expect(order).toEqual(['mark pending', 'UpdatePermissionSet', 'ProvisionPermissionSet', 'mark provisioned']);
    expect(ledger.get(`provision:${SET}`)).toMatchObject({ state: { S: 'provisioned' }, expires_at: { N: expect.stringMatching(/^\d+$/) } });
  });

  it('leaves the mark when the provisioning fails, and provisions a marked set again though nothing else differs', async () => {
    const put = { instance_arn: INSTANCE, name: 'orgvend-admin', name_prefix: 'orgvend-', description: null, session_duration: 'PT4H', managed_policies: [], inline_policy: null };
    states = ['FAILED'];
    await expect(run(putPermissionSet(put, context()))).rejects.toMatchObject({ code: 'failed' });
    expect(ledger.get(`provision:${SET}`)).toMatchObject({ state: { S: 'pending' } });
    expect(ledger.get(`provision:${SET}`)!.expires_at).toBeUndefined();

    // The change itself was made: the set is as wanted, and only the mark says its accounts are not.
    sso.on(DescribePermissionSetCommand).resolves({ PermissionSet: { Name: 'orgvend-admin', PermissionSetArn: SET, SessionDuration: 'PT4H' } });
    states = ['SUCCEEDED'];
    order = [];
    expect(await run(putPermissionSet(put, context({ dryrun: true })))).toEqual({ arn: SET, outcome: 'would-update', provisioned: false });
    expect(order).toEqual([]);
    expect(await run(putPermissionSet(put, context()))).toEqual({ arn: SET, outcome: 'updated', provisioned: true });
    expect(order).toEqual(['ProvisionPermissionSet', 'mark provisioned']);
    // Provisioned: the next request finds nothing to do.
    order = [];
    expect(await run(putPermissionSet(put, context()))).toEqual({ arn: SET, outcome: 'unchanged', provisioned: false });
    expect(order).toEqual([]);
  });
});
