/**
 * sync-access end to end on moto (which implements SSO admin and the identity store), as CI
 * runs it: the CLI in the CICD account, the handler in the management account. The groups
 * are made straight in moto's identity store, as a person (or SCIM) would make them. A
 * handler that died between changing a permission set and provisioning it is staged by
 * writing the mark it leaves in the request ledger. Tests run in order on one organization.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateGroupCommand } from '@aws-sdk/client-identitystore';
import { ListTagsForResourceCommand } from '@aws-sdk/client-organizations';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLIED_ACCESS_TAG } from '../../src/config/identity-tags.js';
import { NAMES } from '../../src/protocol/names.js';
import { requestsOf } from '../helpers/sent-requests.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let cliCalls: CiCli['calls'];
let ids: Record<string, string>;
let instance: string;
const groups: Record<string, string> = {};

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const LOGS = { Version: '2012-10-17', Statement: [{ Sid: 'Logs', Effect: 'Allow', Action: ['logs:GetLogEvents'], Resource: '*' }] };
const CENTER: [string[], unknown] = [
  ['organization', 'identity_center'],
  {
    permission_sets: {
      admin: { description: 'Full access', managed_policies: [ADMIN] },
      dev: { session_duration: 'PT1H', managed_policies: [READ_ONLY], inline_policy: LOGS },
    },
  },
];
const ACCESS: [string[], unknown][] = [
  [['defaults', 'access'], { admin: ['Platform Admins'] }],
  [['scopes', 'dev', 'access'], { dev: ['Developers'] }],
  [['scopes', 'infra', 'access'], { dev: ['Developers'] }],
];
const DSL = dslText([CENTER, ...ACCESS]);

const sso = () => org.factory.forAccount(org.desired.organization.management_account_id).client('ssoadmin');

/** The groups assigned each of orgvend's permission sets (and the hand-made one) in an account: `<set> <group>`. */
async function assignments(account: string): Promise<string[]> {
  const client = await sso();
  const { PermissionSets: arns = [] } = await client.send(new ListPermissionSetsCommand({ InstanceArn: instance }));
  const names = Object.fromEntries(Object.entries(groups).map(([name, id]) => [id, name]));
  const found: string[] = [];
  for (const arn of arns) {
    const { PermissionSet: set } = await client.send(new DescribePermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }));
    const { AccountAssignments = [] } = await client.send(new ListAccountAssignmentsCommand({ InstanceArn: instance, AccountId: account, PermissionSetArn: arn }));
    found.push(...AccountAssignments.map((a) => `${set!.Name} ${names[a.PrincipalId!] ?? a.PrincipalId}`));
  }
  return found.sort();
}

/** The state of a permission set's provisioning mark in the management account's request ledger. */
async function provisionMark(arn: string): Promise<string | undefined> {
  const dynamodb = await org.factory.forAccount(org.desired.organization.management_account_id).client('dynamodb');
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: NAMES.requestLedger, Key: { nonce: { S: `provision:${arn}` } }, ConsistentRead: true }));
  return Item?.state?.S;
}

async function permissionSet(name: string) {
  const client = await sso();
  const { PermissionSets: arns = [] } = await client.send(new ListPermissionSetsCommand({ InstanceArn: instance }));
  for (const arn of arns) {
    const { PermissionSet: set } = await client.send(new DescribePermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }));
    if (set!.Name !== name) continue;
    const { AttachedManagedPolicies = [] } = await client.send(new ListManagedPoliciesInPermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }));
    return { arn, duration: set!.SessionDuration, managed: AttachedManagedPolicies.map((p) => p.Arn).sort() };
  }
  return undefined;
}

beforeAll(async () => {
  ({ org, workspace, calls: cliCalls, cli } = await ciOrganization(DSL));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  ids = await managedIds(org);
  const { Instances } = await (await sso()).send(new ListInstancesCommand({}));
  instance = Instances![0]!.InstanceArn!;
  const store = await org.factory.forAccount(org.desired.organization.management_account_id).client('identitystore');
  for (const name of ['Platform Admins', 'Developers', 'Auditors']) {
    groups[name] = (await store.send(new CreateGroupCommand({ IdentityStoreId: Instances![0]!.IdentityStoreId!, DisplayName: name }))).GroupId!;
  }
  // A permission set orgvend does not manage (no prefix), assigned by hand: never touched.
  const { PermissionSet: other } = await (await sso()).send(new CreatePermissionSetCommand({ InstanceArn: instance, Name: 'HandMade' }));
  await (await sso()).send(
    new CreateAccountAssignmentCommand({ InstanceArn: instance, TargetId: ids.foo, TargetType: 'AWS_ACCOUNT', PermissionSetArn: other!.PermissionSetArn, PrincipalType: 'GROUP', PrincipalId: groups.Auditors }),
  );
}, 120_000);

afterAll(() => org.close());

describe('sync-access', () => {
  it('plans each permission set and assignment and, without --execute, changes nothing', async () => {
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out } = await cli('--action', 'sync-access', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toMatch(/\+ permission-set\.create +orgvend-admin +access level admin: PT1H sessions, AdministratorAccess +\(missing-in-identity-center\)/);
    expect(out).toMatch(/\+ permission-set\.create +orgvend-dev +access level dev: PT1H sessions, ReadOnlyAccess, an inline policy of \d+ characters/);
    for (const target of ['foo/admin/Platform Admins', 'foo/dev/Developers', 'dns/admin/Platform Admins', 'dns/dev/Developers']) {
      expect(out).toMatch(new RegExp(`\\+ assignment\\.create +${target} \\(\\d{12}\\)`));
    }
    expect(out).toContain('Plan: 6 changes: 2 permission-set.create, 4 assignment.create.');
    expect(cliCalls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
    expect(await permissionSet('orgvend-admin')).toBeUndefined();
  });

  it('applies it with --execute; the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-access', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await assignments(ids.foo!)).toEqual(['HandMade Auditors', 'orgvend-admin Platform Admins', 'orgvend-dev Developers']);
    expect(await assignments(ids.dns!)).toEqual(['orgvend-admin Platform Admins', 'orgvend-dev Developers']);
    expect(await permissionSet('orgvend-dev')).toMatchObject({ duration: 'PT1H', managed: [READ_ONLY] });
    const again = await cli('--action', 'sync-access', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('tags the accounts it found as the DSL says, whose assignments the next plan does not read; a change by hand is left to --refresh', async () => {
    const assignmentsRead = async (...argv: string[]) => {
      const run = await cli('--action', 'sync-access', ...argv);
      const read = requestsOf(run.calls).flatMap((r) => (r.type === 'GET_ASSIGNMENTS' ? (r.payload.account_ids as string[]) : []));
      return { ...run, read: new Set(read) };
    };
    const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    const tagOf = async (id: string) => (await organizations.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags?.find((t) => t.Key === APPLIED_ACCESS_TAG)?.Value;
    expect(await tagOf(ids.foo!)).toMatch(/^[0-9a-f]{32}$/);

    const plain = await assignmentsRead('--detailed-exitcode');
    expect(plain.code).toBe(0);
    expect([plain.read.has(ids.foo!), plain.read.has(ids.dns!)]).toEqual([false, false]);
    expect(plain.out).toContain('accounts not read: orgvend:applied-access says they are as the repository wants');

    // An assignment deleted by hand: seen with --refresh alone, which puts it back.
    const dev = (await permissionSet('orgvend-dev'))!;
    const client = await sso();
    await client.send(new DeleteAccountAssignmentCommand({ InstanceArn: instance, TargetId: ids.dns!, TargetType: 'AWS_ACCOUNT', PermissionSetArn: dev.arn, PrincipalType: 'GROUP', PrincipalId: groups.Developers! }));
    expect((await assignmentsRead('--detailed-exitcode')).code).toBe(0);
    const refreshed = await assignmentsRead('--execute', '--refresh');
    expect([refreshed.read.has(ids.foo!), refreshed.read.has(ids.dns!)]).toEqual([true, true]);
    expect(refreshed.out).toMatch(/\+ assignment\.create +dns\/dev\/Developers /);
    expect(refreshed.code).toBe(0);
    expect(await assignments(ids.dns!)).toEqual(['orgvend-admin Platform Admins', 'orgvend-dev Developers']);
  });

  it('changes the world once when a request arrives twice, and refuses a permission set orgvend does not manage', async () => {
    const transport = org.transport({ execute: true });
    const admin = (await permissionSet('orgvend-admin'))!;
    const ref = { instance_arn: instance, account_id: ids.foo!, permission_set_arn: admin.arn, group_id: groups.Auditors!, name_prefix: 'orgvend-' };
    // One after the other: moto keeps a second assignment of the same group and set where AWS keeps one, so concurrent twins would prove nothing here.
    expect((await transport.request('CREATE_ASSIGNMENT', ref)).outcome).toBe('created');
    expect((await transport.request('CREATE_ASSIGNMENT', ref)).outcome).toBe('exists');
    expect((await assignments(ids.foo!)).filter((a) => a === 'orgvend-admin Auditors')).toHaveLength(1);
    expect((await transport.request('DELETE_ASSIGNMENT', ref)).outcome).toBe('deleted');
    expect((await transport.request('DELETE_ASSIGNMENT', ref)).outcome).toBe('absent');
    const put = { instance_arn: instance, name: 'orgvend-admin', name_prefix: 'orgvend-', description: 'Full access', session_duration: 'PT1H', managed_policies: [ADMIN], inline_policy: null };
    expect((await transport.request('PUT_PERMISSION_SET', put)).outcome).toBe('unchanged');
    await expect(transport.request('PUT_PERMISSION_SET', { ...put, name: 'HandMade' })).rejects.toThrow(/not one orgvend manages/);
    // A set orgvend does not manage is refused, whoever asks.
    const handMade = (await permissionSet('HandMade'))!;
    await expect(transport.request('DELETE_ASSIGNMENT', { ...ref, permission_set_arn: handMade.arn })).rejects.toThrow(/not one orgvend manages/);
    expect(await assignments(ids.foo!)).toEqual(['HandMade Auditors', 'orgvend-admin Platform Admins', 'orgvend-dev Developers']);
  });

  it('shows what changes in a permission set, updates it and provisions it again', async () => {
    workspace.write(dslText([[['organization', 'identity_center', 'permission_sets', 'dev'], { session_duration: 'PT4H', managed_policies: [READ_ONLY, ADMIN], inline_policy: LOGS }], ...ACCESS], DSL));
    const { code, out, calls } = await cli('--action', 'sync-access', '--execute');
    expect(out).toMatch(/~ permission-set\.update +orgvend-dev +access level dev: session_duration, \+ managed policy/);
    expect(out).toContain('session_duration: PT1H → PT4H');
    expect(out).toContain(`+ managed policy ${ADMIN}`);
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(calls.length).toBeGreaterThan(0);
    expect(await permissionSet('orgvend-dev')).toMatchObject({ duration: 'PT4H', managed: [ADMIN, READ_ONLY].sort() });
    expect(org.calls.some((c) => c.operation === 'ProvisionPermissionSet')).toBe(true);
    // The change was marked in the ledger before it was made, and the mark cleared once provisioned.
    expect(await provisionMark((await permissionSet('orgvend-dev'))!.arn)).toBe('provisioned');
  });

  it('provisions again a set whose handler died between changing and provisioning it; a dry run only says so', async () => {
    const { arn } = (await permissionSet('orgvend-dev'))!;
    // What a handler that died after UpdatePermissionSet leaves: the set as wanted, its mark pending.
    const dynamodb = await org.factory.forAccount(org.desired.organization.management_account_id).client('dynamodb');
    await dynamodb.send(new PutItemCommand({ TableName: NAMES.requestLedger, Item: { nonce: { S: `provision:${arn}` }, type: { S: 'PUT_PERMISSION_SET' }, state: { S: 'pending' } } }));
    const provisions = () => org.calls.filter((c) => c.operation === 'ProvisionPermissionSet').length;
    const before = provisions();

    const plan = await cli('--action', 'sync-access', '--detailed-exitcode');
    expect(plan.out).toMatch(/~ permission-set\.update +orgvend-dev +access level dev: as wanted, but an earlier run changed it and stopped before provisioning it; provisioned again to its accounts +\(provisioning-unfinished\)/);
    expect(plan.code).toBe(2);
    expect(provisions()).toBe(before);
    expect(await provisionMark(arn)).toBe('pending');

    const { code, out } = await cli('--action', 'sync-access', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(provisions()).toBe(before + 1);
    expect(await provisionMark(arn)).toBe('provisioned');
    expect((await cli('--action', 'sync-access', '--detailed-exitcode')).code).toBe(0);
  });

  it("deletes only the assignment of a group removed from one account's access", async () => {
    const dev: [string[], unknown] = [['organization', 'identity_center', 'permission_sets', 'dev'], { session_duration: 'PT4H', managed_policies: [READ_ONLY, ADMIN], inline_policy: LOGS }];
    workspace.write(dslText([dev, [['accounts', 'foo', 'access'], { dev: [] }]], DSL));
    const plan = await cli('--action', 'sync-access', '--detailed-exitcode');
    expect(plan.out).toMatch(/- assignment\.delete +foo\/dev\/Developers \(\d{12}\) +group "Developers" loses orgvend-dev +\(removed-from-config\)/);
    expect(plan.out).toContain('Plan: 1 change: 1 assignment.delete.');
    expect(plan.code).toBe(2);
    const { code, out } = await cli('--action', 'sync-access', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await assignments(ids.foo!)).toEqual(['HandMade Auditors', 'orgvend-admin Platform Admins']);
    expect(await assignments(ids.dns!)).toEqual(['orgvend-admin Platform Admins', 'orgvend-dev Developers']);
  });

  it('refuses a group the identity store does not have, naming it and the accounts that use it', async () => {
    workspace.write(dslText([[['scopes', 'dev', 'access'], { dev: ['Developerz'] }]], DSL));
    const { code, out, err } = await cli('--action', 'sync-access');
    expect(out).toContain('group "Developerz" is not in the identity store');
    expect(out).toContain('used by foo (access.dev)');
    expect(code).toBe(1);
    expect(err).toContain('conflict');
  });
});
