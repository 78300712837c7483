/**
 * The stacks orgvend owns, end to end on moto: every stack DEPLOY_STACK deploys is tagged as
 * orgvend's with its template; the plan lists them in every region an account may use and
 * deletes those the repository no longer wants (an account's VPC after its region changed,
 * or with create_vpc false), under limits.max_stack_deletions; a stack with an orgvend- name
 * that orgvend did not tag is never deleted, and DELETE_STACK refuses it when asked
 * directly. Tests run in order and build on each other's organization.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, liveOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let foo: string;

const BASE = dslText();
const MOVED = dslText([[['accounts', 'foo', 'region'], 'ap-southeast-2']]);
const NO_VPC = dslText([
  [['accounts', 'foo', 'region'], 'ap-southeast-2'],
  [['accounts', 'foo', 'create_vpc'], false],
]);
/** A stack named like orgvend's that orgvend did not deploy (no orgvend:template tag). */
const NOT_OURS = 'orgvend-team-notes';
const SMALL = JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
/**
 * The VPC template of this test's repository: a VPC and a retained log group. moto cannot
 * delete the full VPC stack (DeleteStack fails on the VPC with DependencyViolation, though
 * the stack deletes its subnets, routes and gateways first, as AWS does), so this test
 * deploys and deletes a small one; which resources a deletion shows is the same code.
 */
const SMALL_VPC = [
  '{%- if account.create_vpc %}',
  'AWSTemplateFormatVersion: "2010-09-09"',
  'Resources:',
  '  Vpc:',
  '    Type: AWS::EC2::VPC',
  '    Properties:',
  '      CidrBlock: 10.0.0.0/16',
  '  FlowLogGroup:',
  '    Type: AWS::Logs::LogGroup',
  '    DeletionPolicy: Retain',
  '    UpdateReplacePolicy: Retain',
  '    Properties:',
  '      RetentionInDays: 400',
  '{% endif %}',
].join('\n');

beforeAll(async () => {
  ({ org, workspace, cli } = await ciOrganization(BASE));
  workspace.file('templates/account/vpc.yml.njk', SMALL_VPC);
  const { code, out } = await cli('--action', 'sync-accounts', '--execute');
  expect(out).toContain('Converged: the organization matches the repository.');
  expect(code).toBe(0);
  foo = (await liveOrganization(org)).accounts.find((a) => a.tags['orgvend:name'] === 'foo')!.id;
  // Someone else's stack with an orgvend- name, in the region foo's VPC is about to leave; and one tagged managed-by alone.
  const cfn = await cloudformation(foo, 'us-east-1');
  await cfn.send(new CreateStackCommand({ StackName: NOT_OURS, TemplateBody: SMALL }));
  await cfn.send(new CreateStackCommand({ StackName: 'orgvend-team-alarms', TemplateBody: SMALL, Tags: [{ Key: 'managed-by', Value: 'orgvend' }] }));
}, 600_000);

afterAll(() => org.close());

const cloudformation = (account: string, region: string): Promise<CloudFormationClient> => org.factory.forAccount(account).client('cloudformation', region);
const tagsOf = async (account: string, region: string, stack: string) => {
  const { Stacks = [] } = await (await cloudformation(account, region)).send(new DescribeStacksCommand({ StackName: stack }));
  return Object.fromEntries((Stacks[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
};
/** The stack, or null when it is gone (moto keeps a deleted stack as DELETE_COMPLETE). */
const present = async (account: string, region: string, stack: string) => {
  const found = await org.stack(account, region, stack);
  return found && found.status !== 'DELETE_COMPLETE' ? found : null;
};

describe('stacks orgvend owns', () => {
  it('tags every stack it deploys as its own, with the template it came from', async () => {
    expect(await tagsOf(foo, 'us-east-1', 'orgvend-vpc')).toMatchObject({ 'managed-by': 'orgvend', 'orgvend:template': 'templates/account/vpc.yml.njk' });
    expect(await tagsOf(org.desired.organization.cicd_account_id, org.desired.organization.home_region, 'orgvend-ecr-repositories')).toMatchObject({
      'orgvend:template': 'templates/ecr-repositories.yml.njk',
    });
  });

  it('plans, when an account\'s region changes, its VPC in the new region and the deletion of the old one, with what goes; never another\'s orgvend- stack', async () => {
    workspace.write(MOVED);
    const before = org.calls.length;
    const { code, out } = await cli('--action', 'sync-accounts', '--refresh', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toMatch(/~ stack\.deploy +foo\/orgvend-vpc \(\d{12}\) +create with template \w{12} in ap-southeast-2/);
    expect(out).toMatch(/- stack\.delete +foo\/us-east-1\/orgvend-vpc \(\d{12}\) +delete the stack in us-east-1: 1 to remove, 1 retained \(DeletionPolicy: Retain\)/);
    expect(out).toMatch(/ {6}-FlowLogGroup AWS::Logs::LogGroup \(retained\)\n {6}-Vpc AWS::EC2::VPC\n/);
    expect(out).not.toContain(NOT_OURS);
    expect(out).not.toContain('orgvend-team-alarms');
    expect(out).not.toContain('No changes');
    expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
    // What reading them costs: one ListStacks per account and region, and DescribeStacks/GetTemplate for the stacks found orgvend's (and those asked by name) alone.
    const reads = org.calls.slice(before).filter((c) => c.service.toLowerCase().includes('cloudformation'));
    const count = (operation: string) => reads.filter((c) => c.operation.startsWith(operation)).length;
    const listed = new Set(reads.filter((c) => c.operation.startsWith('ListStacks')).map((c) => `${c.account}/${c.region}`));
    // foo and dns in ap-southeast-2 and us-east-1, the CICD account in the home region.
    expect([count('ListStacks'), listed.size]).toEqual([5, 5]);
    // Described: foo's VPC, the CICD account's ECR stack and the two orgvend- stacks that are not orgvend's; only the first two read in detail.
    expect([count('DescribeStacks'), count('GetTemplate')]).toEqual([4, 2]);
  });

  it('carries it out with --execute, and the next plan is "No changes"', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--refresh', '--execute');
    expect(out).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);
    expect(await present(foo, 'ap-southeast-2', 'orgvend-vpc')).not.toBeNull();
    expect(await present(foo, 'us-east-1', 'orgvend-vpc')).toBeNull();
    expect(await present(foo, 'us-east-1', NOT_OURS)).not.toBeNull();
    expect(await present(foo, 'us-east-1', 'orgvend-team-alarms')).not.toBeNull();
    const again = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('refuses DELETE_STACK of an orgvend- stack it did not deploy, asked directly, and deletes nothing', async () => {
    const transport = org.transport({ execute: true });
    try {
      for (const stack of [NOT_OURS, 'orgvend-team-alarms']) {
        await expect(transport.request('DELETE_STACK', { name: 'attack', stack, region: 'us-east-1' }, { targetAccount: foo })).rejects.toThrow(/not orgvend's/);
        expect(await present(foo, 'us-east-1', stack)).not.toBeNull();
      }
      // The bootstrap stack is refused before anything is sent.
      await expect(transport.request('DELETE_STACK', { name: 'attack', stack: 'orgvend-bootstrap', region: org.desired.organization.home_region }, { targetAccount: foo })).rejects.toThrow(/orgvend-\*, not the bootstrap stack/);
    } finally {
      await transport.close();
    }
  });

  it('stops before sending anything when the deletions exceed limits.max_stack_deletions', async () => {
    const text = NO_VPC.replace('    max_new_accounts: 5\n', '    max_new_accounts: 5\n    max_stack_deletions: 1\n');
    // A second stack orgvend owns that nothing renders any more (a team template that was removed).
    await (await cloudformation(foo, 'us-east-1')).send(
      new CreateStackCommand({ StackName: 'orgvend-budget', TemplateBody: SMALL, Tags: [{ Key: 'managed-by', Value: 'orgvend' }, { Key: 'orgvend:template', Value: 'templates/account/budget.yml.njk' }] }),
    );
    workspace.write(text);
    const mutatingBefore = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out, err } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('2 stack.delete');
    expect(code).toBe(1);
    expect(err).toContain('the plan has 2 stack deletions, over organization.limits.max_stack_deletions (1)');
    expect(err).toContain('Nothing was changed.');
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutatingBefore);
    expect(await present(foo, 'ap-southeast-2', 'orgvend-vpc')).not.toBeNull();
  });

  it('deletes the VPC of an account whose create_vpc turned false (and the owned stack nothing renders), then plans "No changes"', async () => {
    workspace.write(NO_VPC);
    const plan = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/- stack\.delete +foo\/ap-southeast-2\/orgvend-vpc /);
    expect(plan.out).toMatch(/- stack\.delete +foo\/us-east-1\/orgvend-budget .*1 to remove/);
    expect(plan.out).toContain('Plan: 2 changes: 2 stack.delete.');
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);
    expect(await present(foo, 'ap-southeast-2', 'orgvend-vpc')).toBeNull();
    expect(await present(foo, 'us-east-1', 'orgvend-budget')).toBeNull();
    expect(await present(foo, 'us-east-1', NOT_OURS)).not.toBeNull();
    const again = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });
});
