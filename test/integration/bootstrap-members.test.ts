/**
 * Every account orgvend manages carries the bootstrap stack once an administrator runs
 * bootstrap again after sync-accounts has created accounts: the new accounts get their
 * bus, queue and rules, the CICD bus forwards requests addressed to them, and a request
 * reaches each one and is answered by it. Unmanaged accounts get nothing. From then on
 * sync-accounts keeps each one's parameters (SSM, /orgvend/account/) as accounts.yml says,
 * through its own bus, and repairs drift, and deploys the stacks rendered from templates/
 * where each goes. Tests run in order on one organization.
 */
import { CreateAccountCommand } from '@aws-sdk/client-organizations';
import { GetTemplateCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteParameterCommand, PutParameterCommand, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../src/protocol/names.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciCli, createTestOrganization, managedIds, type TestOrganization } from './harness/organization.js';

const DSL = dslText();
let org: TestOrganization;
let ids: Record<string, string>;
let unmanaged: string;
let cli: Awaited<ReturnType<typeof ciCli>>['cli'];
let workspace: Awaited<ReturnType<typeof ciCli>>['workspace'];

beforeAll(async () => {
  org = await createTestOrganization(DSL);
  org.startWorker();
  ({ cli, workspace } = await ciCli(org, DSL));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  ids = await managedIds(org);
  const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  unmanaged = (await organizations.send(new CreateAccountCommand({ AccountName: 'legacy', Email: 'legacy@example.com' }))).CreateAccountStatus!.AccountId!;
});

afterAll(() => org.close());

describe('bootstrap of the managed accounts', () => {
  it('plans the stack in each new managed account and the CICD account\'s new forward rules; unmanaged accounts get nothing', async () => {
    const { planBootstrap } = await import('../../src/bootstrap/bootstrap.js');
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const planned = await planBootstrap(org.bootstrapEnv);
    const cicd = org.desired.organization.cicd_account_id;
    expect(planned.plan.changes.map((c) => c.target).sort()).toEqual(
      [`${NAMES.stack} in ${cicd} (cicd)`, `${NAMES.stack} in ${ids.dns} (member, dns)`, `${NAMES.stack} in ${ids.foo} (member)`].sort(),
    );
    expect(planned.accounts.map((a) => a.id)).not.toContain(unmanaged);
    expect(planned.templates[cicd]).toContain(`ForwardToAccount${ids.foo}`);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
  });

  it('deploys it; requests then reach the new accounts by target, and the next plan is empty', async () => {
    await org.bootstrap();
    const transport = org.transport();
    for (const name of ['foo', 'dns']) {
      expect(await transport.request('PING', {}, { targetAccount: ids[name] })).toMatchObject({ account_id: ids[name] });
    }
    const { planBootstrap } = await import('../../src/bootstrap/bootstrap.js');
    expect((await planBootstrap(org.bootstrapEnv)).plan.changes).toEqual([]);
    // ping finds them by the tag bootstrap left, and names them.
    const ping = await cli('--action', 'ping');
    expect(ping.code).toBe(0);
    expect(ping.out).toMatch(new RegExp(`^ok +${ids.foo} +foo +\\d+ ms$`, 'm'));
    expect(ping.out).toMatch(new RegExp(`^ok +${ids.dns} +dns +\\d+ ms$`, 'm'));
    expect(ping.out).not.toContain(unmanaged);
  });

  it('tags each account that carries the stack, so sync-accounts knows which it can reach', async () => {
    const { accounts } = await org.transport().request('LIST_ACCOUNTS', {});
    const tagged = accounts.filter((a) => a.tags['orgvend:bootstrap']).map((a) => a.id);
    expect(tagged).toEqual(expect.arrayContaining([ids.foo, ids.dns, org.desired.organization.cicd_account_id]));
    expect(tagged).not.toContain(unmanaged);
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
  it('plans them for every account that carries the stack; without --execute nothing is written', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toMatch(/~ parameters\.put +foo \(\d{12}\) +\d+ parameters under \/orgvend\/account\/ +\(missing-in-account\)/);
    expect(out).toMatch(/~ parameters\.put +dns /);
    expect(await parameters(ids.foo!)).toEqual({});
  });

  it('writes them into each account through its own bus; the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
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

  it('repairs drift: a changed value, a deleted one and one that should not be there', async () => {
    const ssm = await org.factory.forAccount(ids.dns!).client('ssm');
    await ssm.send(new PutParameterCommand({ Name: '/orgvend/account/service', Value: 'hacked', Type: 'String', Overwrite: true }));
    await ssm.send(new DeleteParameterCommand({ Name: '/orgvend/account/scope' }));
    await ssm.send(new PutParameterCommand({ Name: '/orgvend/account/stale', Value: 'x', Type: 'String' }));
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/~ parameters\.put +dns \(\d{12}\) +\+scope=infra, service: hacked → dns, -stale +\(parameters-changed\)/);
    expect(code).toBe(0);
    const now = await parameters(ids.dns!);
    expect(now).toMatchObject({ '/orgvend/account/service': 'dns', '/orgvend/account/scope': 'infra' });
    expect(now).not.toHaveProperty('/orgvend/account/stale');
  });
});


/** The stack's status and template in `account` and `region`, or null when there is none. */
async function stack(account: string, region: string, name: string): Promise<{ status: string; template: string } | null> {
  const cfn = await org.factory.forAccount(account).client('cloudformation', region);
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: name }));
    return { status: Stacks![0]!.StackStatus!, template: TemplateBody! };
  } catch {
    return null;
  }
}

const WITH_IDENTITY_AND_LOGS = dslText([
  [['accounts', 'foo', 'nat_gateway_count'], 2],
  [['organization', 'identity_account'], 'identity'],
  [['organization', 'logs_account'], 'logs'],
  [['scopes', 'dev', 'access'], { all: ['Admin'], ro: ['ReadOnly'] }],
  [['accounts', 'foo', 'use_cfr'], true],
  [['accounts', 'identity'], { scope: 'infra' }],
  [['accounts', 'logs'], { scope: 'infra' }],
]);

describe('stacks of the bootstrapped accounts', () => {
  it('deployed the VPC into foo, in its region, and the ECR repositories into the CICD account, each through its deployer role', async () => {
    const cicd = org.desired.organization.cicd_account_id;
    expect(await stack(ids.foo!, 'us-east-1', 'orgvend-vpc')).toMatchObject({ status: 'CREATE_COMPLETE' });
    expect(await stack(ids.foo!, 'ap-southeast-2', 'orgvend-vpc')).toBeNull();
    expect(await stack(ids.dns!, 'ap-southeast-2', 'orgvend-vpc')).toBeNull();
    expect((await stack(cicd, 'ap-southeast-2', 'orgvend-ecr-repositories'))!.template).toContain(`arn:aws:iam::${ids.foo}:root`);
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
    expect((await stack(ids.foo!, 'us-east-1', 'orgvend-vpc'))!).toMatchObject({ status: 'UPDATE_COMPLETE', template: expect.stringContaining('NatGateway2:') });
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('deploys the IAM mapping into the identity account and the log bucket into the logs account once they carry the stack', async () => {
    workspace.write(WITH_IDENTITY_AND_LOGS);
    const created = await cli('--action', 'sync-accounts', '--execute');
    expect(created.code).toBe(0);
    const waiting = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(waiting.code).toBe(0);
    expect(waiting.out).toContain("not deployed until bootstrap (run by an administrator) has given the account orgvend's stack: identity/orgvend-identity-iam-mapping, logs/orgvend-log-buckets");
    ids = await managedIds(org);
    await org.bootstrap();

    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/~ stack\.deploy +identity\/orgvend-identity-iam-mapping \(\d{12}\) +create with template \w{12} in ap-southeast-2/);
    expect(out).toMatch(/~ stack\.deploy +logs\/orgvend-log-buckets \(\d{12}\) +create with template \w{12} in us-east-1/);
    expect(code).toBe(0);
    const mapping = (await stack(ids.identity!, 'ap-southeast-2', 'orgvend-identity-iam-mapping'))!.template;
    expect(mapping).toContain(`arn:aws:iam::${ids.foo}:role/ReadOnly`);
    const bucket = (await stack(ids.logs!, 'us-east-1', 'orgvend-log-buckets'))!.template;
    expect(bucket).toContain(`AWSLogs/${ids.foo}/*`);
    expect(bucket).toContain(`arn:aws:iam::${ids.logs}:role/orgvend-deployer`);
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });
});
