/**
 * Every account orgvend manages gets orgvend's stack in the sync-accounts run that creates
 * it: the management handler (BOOTSTRAP_ACCOUNTS, one request for the run's accounts) deploys each account's stack,
 * and no other (the CLI puts requests on the account's bus itself), so a request reaches the account and is answered by
 * it, and the same run puts its parameters (SSM, /orgvend/account/) and deploys its VPC
 * through its own bus. Unmanaged accounts get nothing, and core accounts are the
 * administrator's. From then on sync-accounts keeps each one's parameters and stacks as
 * accounts.yml says, and repairs drift. Tests run in order on one organization.
 */
import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-organizations';
import { DeleteParameterCommand, PutParameterCommand, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestError } from '../../src/errors.js';
import { NAMES } from '../../src/protocol/names.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, managedIds, unmanagedAccount, type CiCli, type TestOrganization } from './harness/organization.js';

const DSL = dslText();
let org: TestOrganization;
let ids: Record<string, string>;
let unmanaged: string;
let cli: CiCli['cli'];
let workspace: CiCli['workspace'];
let created: Awaited<ReturnType<CiCli['cli']>>;

beforeAll(async () => {
  ({ org, cli, workspace } = await ciOrganization(DSL));
  created = await cli('--action', 'sync-accounts', '--execute');
  expect(created.code).toBe(0);
  ids = await managedIds(org);
  unmanaged = await unmanagedAccount(org, 'legacy');
});

afterAll(() => org.close());

/** The accounts of the CreateChangeSet calls for orgvend's own stack, in order (the first three: the test organization's core accounts). */
const bootstrapChangeSets = (calls = org.calls) => calls.filter((c) => c.operation === 'CreateChangeSet' && (c.input as { StackName: string }).StackName === NAMES.stack).map((c) => c.account);

describe('bootstrap of new managed accounts, in the run that creates them', () => {
  it('gives each new account its stack, and changes no other account\'s; requests then reach them by target', async () => {
    // One request for both: their stacks, and the CICD account's stack is left as it was.
    const [first, second, ...rest] = bootstrapChangeSets().slice(3);
    expect([first, second].sort()).toEqual([ids.foo, ids.dns].sort());
    expect(rest).toEqual([]);
    const transport = org.transport();
    for (const name of ['foo', 'dns']) {
      expect(await transport.request('PING', {}, { targetAccount: ids[name] })).toMatchObject({ account_id: ids[name] });
    }
    // ping finds them by the tag the bootstrap left, and names them.
    const ping = await cli('--action', 'ping');
    expect(ping.code).toBe(0);
    expect(ping.out).toMatch(new RegExp(`^ok +${ids.foo} +foo +\\d+ ms$`, 'm'));
    expect(ping.out).toMatch(new RegExp(`^ok +${ids.dns} +dns +\\d+ ms$`, 'm'));
    expect(ping.out).not.toContain(unmanaged);
  });

  it('renders exactly what the administrator\'s bootstrap would: its plan afterwards is empty, the DNS account\'s role included', async () => {
    const { planBootstrap } = await import('../../src/bootstrap/bootstrap.js');
    const planned = await planBootstrap(org.bootstrapEnv);
    expect(planned.plan.changes).toEqual([]);
    expect(planned.accounts.find((a) => a.id === ids.dns)!.roles).toEqual(['member', 'dns']);
    expect(planned.accounts.map((a) => a.id)).not.toContain(unmanaged);
  });

  it('asked again for the same account, changes nothing', async () => {
    const before = org.calls.length;
    const again = await org.transport({ execute: true }).request('BOOTSTRAP_ACCOUNTS', { accounts: [{ account_id: ids.foo!, name: 'foo' }] });
    expect(again).toEqual({ accounts: { [ids.foo!]: 'already-bootstrapped' }, stacks: {} });
    expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
  });

  it('refuses the management account, the core accounts and an account orgvend does not manage, before doing anything', async () => {
    const o = org.desired.organization;
    const transport = org.transport({ execute: true });
    const before = org.calls.length;
    for (const [account, reason] of [
      [o.management_account_id, /management account/],
      [o.cicd_account_id, /core accounts/],
      [o.audit_account_id, /core accounts/],
      [unmanaged, /not tagged as managed by orgvend/],
    ] as const) {
      // With an account it would bootstrap beside: one refused account refuses the request.
      const refused = await transport.request('BOOTSTRAP_ACCOUNTS', { accounts: [{ account_id: ids.foo!, name: 'foo' }, { account_id: account, name: 'x' }] }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RequestError);
      expect(refused).toMatchObject({ code: 'rejected', message: expect.stringMatching(reason) });
    }
    expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
  });

  it('as a dry run, says what it would deploy and deploys nothing', async () => {
    const management = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    const tags = { 'managed-by': 'orgvend', 'orgvend:name': 'legacy' };
    await management.send(new TagResourceCommand({ ResourceId: unmanaged, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    try {
      const before = org.calls.length;
      const result = await org.transport().request('BOOTSTRAP_ACCOUNTS', { accounts: [{ account_id: unmanaged, name: 'legacy' }, { account_id: ids.foo!, name: 'foo' }] });
      expect(result).toEqual({
        accounts: { [unmanaged]: 'would-bootstrap', [ids.foo!]: 'already-bootstrapped' },
        // The new account's stack alone: the CICD account's does not change as accounts join.
        stacks: { [unmanaged]: 'would-deploy' },
      });
      expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
    } finally {
      await management.send(new UntagResourceCommand({ ResourceId: unmanaged, TagKeys: Object.keys(tags) }));
    }
  });
});

async function parameters(account: string): Promise<Record<string, string>> {
  const ssm = await org.factory.forAccount(account).client('ssm');
  const found: Record<string, string> = {};
  for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: '/orgvend/account/', Recursive: true })) {
    for (const p of page.Parameters ?? []) found[p.Name!] = p.Value!;
  }
  return found;
}

describe('parameters of the bootstrapped accounts', () => {
  it('were written in the run that created them, into each account by its own handler; the next plan is empty', async () => {
    expect(created.out).toMatch(/~ parameters\.put +foo \(\d{12}\) +\d+ parameters under \/orgvend\/account\/ +\(missing-in-account\)/);
    expect(await parameters(ids.foo!)).toMatchObject({
      '/orgvend/account/name': 'foo',
      '/orgvend/account/service': 'foo',
      '/orgvend/account/environment': 'nonprod',
      '/orgvend/account/region': 'us-east-1',
      '/orgvend/account/organization/home_region': 'ap-southeast-2',
      '/orgvend/account/tags/orgvend/scope': 'dev',
      '/orgvend/account/tags/cost-center': 'platform',
    });
    // Written by foo's own handler: the management account wrote no parameter anywhere.
    const writers = org.calls.filter((c) => c.operation === 'PutParameter' && String((c.input as { Name: string }).Name).startsWith('/orgvend/account/'));
    expect(new Set(writers.filter((c) => (c.input as { Name: string }).Name === '/orgvend/account/name').map((c) => c.account))).toContain(ids.foo);
    expect(writers.some((c) => c.account === org.desired.organization.management_account_id)).toBe(false);
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('repairs drift with --refresh: a changed value, a deleted one and one that should not be there', async () => {
    const ssm = await org.factory.forAccount(ids.dns!).client('ssm');
    await ssm.send(new PutParameterCommand({ Name: '/orgvend/account/service', Value: 'hacked', Type: 'String', Overwrite: true }));
    await ssm.send(new DeleteParameterCommand({ Name: '/orgvend/account/scope' }));
    await ssm.send(new PutParameterCommand({ Name: '/orgvend/account/stale', Value: 'x', Type: 'String' }));
    // Changed by hand, behind orgvend's back: its applied tag still vouches for dns, and only a refresh reads it.
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).out).toContain('No changes.');
    const { code, out } = await cli('--action', 'sync-accounts', '--refresh', '--execute');
    expect(out).toMatch(/~ parameters\.put +dns \(\d{12}\) +\+scope=infra, service: hacked → dns, -stale +\(parameters-changed\)/);
    expect(code).toBe(0);
    const now = await parameters(ids.dns!);
    expect(now).toMatchObject({ '/orgvend/account/service': 'dns', '/orgvend/account/scope': 'infra' });
    expect(now).not.toHaveProperty('/orgvend/account/stale');
  });
});


const identityAndLogs = (access: Record<string, string[]>) =>
  dslText([
    [['accounts', 'foo', 'nat_gateway_count'], 2],
    [['organization', 'identity_account'], 'identity'],
    [['organization', 'logs_account'], 'logs'],
    [['scopes', 'dev', 'access'], access],
    [['accounts', 'foo', 'use_cfr'], true],
    [['accounts', 'identity'], { scope: 'infra' }],
    [['accounts', 'logs'], { scope: 'infra' }],
  ]);
const WITH_IDENTITY_AND_LOGS = identityAndLogs({ all: ['Admin'], ro: ['ReadOnly'] });

describe('stacks of the bootstrapped accounts', () => {
  it('deployed the VPC into foo, in its region, and the ECR repositories into the CICD account, each through its deployer role', async () => {
    const cicd = org.desired.organization.cicd_account_id;
    expect(await org.stack(ids.foo!, 'us-east-1', 'orgvend-vpc')).toMatchObject({ status: 'CREATE_COMPLETE' });
    expect(await org.stack(ids.foo!, 'ap-southeast-2', 'orgvend-vpc')).toBeNull();
    expect(await org.stack(ids.dns!, 'ap-southeast-2', 'orgvend-vpc')).toBeNull();
    expect((await org.stack(cicd, 'ap-southeast-2', 'orgvend-ecr-repositories'))!.template).toContain(`arn:aws:iam::${ids.foo}:root`);
    const changeSets = org.calls.filter((c) => c.operation === 'CreateChangeSet' && String((c.input as { StackName: string }).StackName) === 'orgvend-vpc');
    expect(changeSets.map((c) => [c.account, c.region, (c.input as { RoleARN: string }).RoleARN])).toEqual([[ids.foo, 'us-east-1', `arn:aws:iam::${ids.foo}:role/orgvend-deployer`]]);
  });

  it('plans a changed template as the resources it adds and changes, without sending anything that changes a stack', async () => {
    workspace.write(dslText([[['accounts', 'foo', 'nat_gateway_count'], 2]]));
    const before = org.calls.length;
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toMatch(/~ stack\.deploy +foo\/orgvend-vpc \(\d{12}\) +template \w{12} → \w{12} in us-east-1: 2 to add, 1 to change, 0 to remove +\(template-changed\)/);
    expect(out).toContain('      +NatGateway2 AWS::EC2::NatGateway');
    expect(out).toContain('      ~PrivateDefaultRoute2 AWS::EC2::Route');
    expect(out).not.toContain('~PrivateSubnet');
    expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
  });

  it('updates it through a change set; the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect((await org.stack(ids.foo!, 'us-east-1', 'orgvend-vpc'))!).toMatchObject({ status: 'UPDATE_COMPLETE', template: expect.stringContaining('NatGateway2:') });
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('deploys the IAM mapping into the identity account and the log bucket into the logs account in the run that creates them', async () => {
    workspace.write(WITH_IDENTITY_AND_LOGS);
    // The organization section names them now: the administrator runs bootstrap before the sync, as after every such change.
    await org.rebootstrap(WITH_IDENTITY_AND_LOGS);
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(code).toBe(0);
    const followUp = out.slice(out.indexOf('Follow-up'));
    expect(followUp).toMatch(/\+ account\.bootstrap +identity /);
    expect(followUp).toMatch(/~ stack\.deploy +identity\/orgvend-identity-iam-mapping-foo \(\d{12}\) +create with template \w{12} in ap-southeast-2/);
    expect(followUp).toMatch(/~ stack\.deploy +logs\/orgvend-log-buckets \(\d{12}\) +create with template \w{12} in us-east-1/);
    ids = await managedIds(org);
    const mapping = (await org.stack(ids.identity!, 'ap-southeast-2', 'orgvend-identity-iam-mapping-foo'))!.template;
    expect(mapping).toContain(`arn:aws:iam::${ids.foo}:role/ReadOnly`);
    const bucket = (await org.stack(ids.logs!, 'us-east-1', 'orgvend-log-buckets'))!.template;
    expect(bucket).toContain(`AWSLogs/${ids.foo}/*`);
    expect(bucket).toContain(`arn:aws:iam::${ids.logs}:role/orgvend-deployer`);
    // Their deployer roles, from the stacks the management handler gave them: each may make its own stack's resources, no other account's may.
    const deployerMay = async (name: string) => [...(await org.stack(ids[name]!, 'ap-southeast-2', NAMES.stack))!.template.matchAll(/- Sid: (IdentityMappingPolicies|LogBucket|EcrRepositories)$/gm)].map((m) => m[1]);
    expect({ identity: await deployerMay('identity'), logs: await deployerMay('logs'), foo: await deployerMay('foo') }).toEqual({ identity: ['IdentityMappingPolicies'], logs: ['LogBucket'], foo: [] });
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('deletes an account\'s IAM mapping stack, and so its policies, once the account has no access levels; a dry run deletes nothing', async () => {
    workspace.write(identityAndLogs({ all: [], ro: [] }));
    const before = org.calls.length;
    const planned = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(planned.out).toMatch(/- stack\.delete +identity\/ap-southeast-2\/orgvend-identity-iam-mapping-foo \(\d{12}\) +delete the stack in ap-southeast-2: 2 to remove +\(no-longer-rendered\)/);
    expect(planned.out).toContain('      -AssumeAll AWS::IAM::ManagedPolicy');
    expect(planned.code).toBe(2);
    expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
    expect(await org.stack(ids.identity!, 'ap-southeast-2', 'orgvend-identity-iam-mapping-foo')).not.toBeNull();

    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await org.stack(ids.identity!, 'ap-southeast-2', 'orgvend-identity-iam-mapping-foo')).toBeNull();
    // Through the identity account's deployer role, as the stack was made.
    const deletions = org.calls.filter((c) => c.operation === 'DeleteStack' && (c.input as { StackName: string }).StackName === 'orgvend-identity-iam-mapping-foo');
    expect(deletions.map((c) => [c.account, (c.input as { RoleARN: string }).RoleARN])).toEqual([[ids.identity, `arn:aws:iam::${ids.identity}:role/orgvend-deployer`]]);
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });
});
