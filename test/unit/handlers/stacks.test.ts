/**
 * DEPLOY_STACK and DELETE_STACK in the states moto never shows: moto's CloudFormation finishes every
 * operation before it answers, so a stack is never seen *_IN_PROGRESS and a failed update
 * cannot be staged. The CloudFormationClient is mocked with aws-sdk-client-mock for those;
 * creating, updating and "no changes" run on moto (test/integration/bootstrap-members.test.ts).
 * moto has no ContinueUpdateRollback either, and evaluates no IAM policy: the AccessDenied IAM
 * gives for an orgvend- stack without orgvend's tags is mocked too.
 */
import { createHash } from 'node:crypto';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ContinueUpdateRollbackCommand,
  DeleteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  ListStacksCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../../src/handlers/context.js';
import { deleteStackHandler, deployStackHandler, readStacks } from '../../../src/handlers/stacks.js';
import { handlerContext } from '../../helpers/handler-context.js';

const SELF = '444455556666';
let cfn: AwsClientStub<CloudFormationClient>;

const context = (overrides: Partial<HandlerContext> = {}) => handlerContext({ accountId: SELF, roles: ['member'] }, overrides);

const TEMPLATE = 'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n';
const payload = { name: 'foo/orgvend-vpc', stack: 'orgvend-vpc' as const, region: 'us-east-1', template: TEMPLATE };
const stackIs = (StackStatus: StackStatus) => cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus, CreationTime: new Date() }] });
const sent = (command: Parameters<typeof cfn.commandCalls>[0]) => cfn.commandCalls(command).length;

beforeEach(() => {
  cfn = mockClient(CloudFormationClient);
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: 'Resources: {}\n' });
  cfn.on(ListChangeSetsCommand).resolves({ Summaries: [] });
});
afterEach(() => cfn.restore());

describe('DEPLOY_STACK', () => {
  it('in a dry run reads the stack and creates no change set', async () => {
    stackIs('CREATE_COMPLETE');
    expect(await deployStackHandler(payload, context({ dryrun: true }))).toEqual({ outcome: 'would-deploy', status: 'CREATE_COMPLETE', changes: [] });
    expect(sent(CreateChangeSetCommand)).toBe(0);
  });

  it('finds an earlier request\'s deployment still running at its deadline: says in-progress and starts nothing', async () => {
    stackIs('UPDATE_IN_PROGRESS');
    // Less than the handler's reply margin left: it must answer now.
    const result = await deployStackHandler(payload, context({ deadline: Date.now() + 12_000 }));
    expect(result).toEqual({ outcome: 'in-progress', status: 'UPDATE_IN_PROGRESS', changes: [] });
    expect(sent(CreateChangeSetCommand)).toBe(0);
  });

  it('creates a stack a run that died left in REVIEW_IN_PROGRESS (a change set never executed), without waiting for it', async () => {
    stackIs('REVIEW_IN_PROGRESS');
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'Vpc', ResourceType: 'AWS::EC2::VPC' } }] });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    reviewThenDeleted();
    const result = await deployStackHandler(payload, context({ deadline: Date.now() + 12_000 }));
    expect(result).toEqual({ outcome: 'created', status: 'CREATE_COMPLETE', changes: [{ action: 'Add', logical_id: 'Vpc', type: 'AWS::EC2::VPC' }] });
    // The stack that never ran is started over, then created.
    expect(sent(DeleteStackCommand)).toBe(1);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({ ChangeSetType: 'CREATE' });
  });

  /** REVIEW_IN_PROGRESS, then (once deleted) gone, then created. */
  const reviewThenDeleted = () => {
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'REVIEW_IN_PROGRESS', CreationTime: new Date() }] })
      .rejectsOnce(Object.assign(new Error('Stack with id orgvend-vpc does not exist'), { name: 'ValidationError' }))
      .resolves({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
  };
  const mark = (template: string) => `orgvend template sha256:${createHash('sha256').update(template.trim()).digest('hex').slice(0, 32)}`;
  const leftBehind = (Description: string) =>
    cfn.on(ListChangeSetsCommand).resolves({
      Summaries: [
        { StackName: 'orgvend-vpc', ChangeSetName: 'orgvend-1', Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Description },
        // Another stack's, being made by another request now (moto lists every stack's change sets): never touched.
        { StackName: 'orgvend-log-buckets', ChangeSetName: 'orgvend-2', Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Description: 'orgvend template sha256:1' },
      ],
    });
  const completes = () => {
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'REVIEW_IN_PROGRESS', CreationTime: new Date() }] }).resolves({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
  };

  it('executes the change set a killed run made for this template, instead of making another', async () => {
    leftBehind(mark(TEMPLATE));
    completes();
    expect(await deployStackHandler(payload, context())).toMatchObject({ outcome: 'created', status: 'CREATE_COMPLETE' });
    expect(sent(CreateChangeSetCommand)).toBe(0);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0]!.args[0].input).toEqual({ StackName: 'orgvend-vpc', ChangeSetName: 'orgvend-1' });
  });

  it('deletes a change set a killed run made for another template, and deploys this one', async () => {
    leftBehind(mark('Resources: {}'));
    completes();
    reviewThenDeleted();
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DeleteChangeSetCommand).resolves({});
    expect(await deployStackHandler(payload, context())).toMatchObject({ outcome: 'created' });
    expect(cfn.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input)).toEqual([{ StackName: 'orgvend-vpc', ChangeSetName: 'orgvend-1' }]);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({ ChangeSetType: 'CREATE', Description: mark(TEMPLATE) });
  });

  it('continues the rollback of a stack left in UPDATE_ROLLBACK_FAILED, through the deployer role, then updates it', async () => {
    cfn.on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'UPDATE_ROLLBACK_FAILED', CreationTime: new Date() }] })
      .resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }] })
      .resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }] })
      .resolves({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    cfn.on(ContinueUpdateRollbackCommand).resolves({});
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    expect(await deployStackHandler(payload, context())).toMatchObject({ outcome: 'updated', status: 'UPDATE_COMPLETE' });
    expect(cfn.commandCalls(ContinueUpdateRollbackCommand)[0]!.args[0].input).toEqual({ StackName: 'orgvend-vpc', RoleARN: `arn:aws:iam::${SELF}:role/orgvend-deployer` });
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({ ChangeSetType: 'UPDATE' });
  });

  it('answers in-progress when its change set is still being made at the deadline, rather than holding the handler past it', async () => {
    stackIs('CREATE_COMPLETE');
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' });
    const deadline = Date.now() + 14_000;
    expect(await deployStackHandler(payload, context({ deadline }))).toEqual({ outcome: 'in-progress', status: 'CREATE_COMPLETE', changes: [] });
    expect(Date.now()).toBeLessThan(deadline);
    expect(sent(ExecuteChangeSetCommand)).toBe(0);
  });

  it('says in-progress when the same request, delivered twice, is already executing its own change set', async () => {
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    cfn.on(ExecuteChangeSetCommand).rejects(Object.assign(new Error('Stack:orgvend-vpc is in UPDATE_IN_PROGRESS state and can not be updated.'), { name: 'ValidationError' }));
    cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] }).resolves({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
    expect(await deployStackHandler(payload, context())).toEqual({ outcome: 'in-progress', status: 'UPDATE_IN_PROGRESS', changes: [] });
  });

  it('sends the change set through the deployer role, and reports a failed update with CloudFormation\'s reason', async () => {
    stackIs('CREATE_COMPLETE');
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'Vpc', ResourceType: 'AWS::EC2::VPC', Replacement: 'True' } }] });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] }).resolves({ Stacks: [{ StackName: 'orgvend-vpc', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        { StackId: 's', EventId: '2', StackName: 'orgvend-vpc', Timestamp: new Date(), ResourceStatus: 'UPDATE_ROLLBACK_COMPLETE' },
        { StackId: 's', EventId: '1', StackName: 'orgvend-vpc', Timestamp: new Date(), LogicalResourceId: 'Vpc', ResourceStatus: 'UPDATE_FAILED', ResourceStatusReason: 'not authorized to perform ec2:CreateVpc' },
      ],
    });
    await expect(deployStackHandler(payload, context())).rejects.toThrow(/orgvend-vpc is UPDATE_ROLLBACK_COMPLETE: not authorized to perform ec2:CreateVpc/);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({ ChangeSetType: 'UPDATE', RoleARN: `arn:aws:iam::${SELF}:role/orgvend-deployer`, TemplateBody: TEMPLATE });
  });
});

describe('DELETE_STACK', () => {
  const mapping = { name: 'identity/orgvend-identity-iam-mapping-foo', stack: 'orgvend-identity-iam-mapping-foo', region: 'us-east-1' };
  const mappingIs = (StackStatus: StackStatus) => cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: mapping.stack, StackStatus, CreationTime: new Date() }] });

  it('in a dry run only reads', async () => {
    mappingIs('CREATE_COMPLETE');
    expect(await deleteStackHandler(mapping, context({ dryrun: true }))).toEqual({ outcome: 'would-delete', status: 'CREATE_COMPLETE' });
    expect(sent(DeleteStackCommand)).toBe(0);
  });

  it('finds the stack gone (the same request delivered twice): success, nothing sent', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error(`Stack with id ${mapping.stack} does not exist`), { name: 'ValidationError' }));
    expect(await deleteStackHandler(mapping, context())).toEqual({ outcome: 'already-deleted', status: null });
    expect(sent(DeleteStackCommand)).toBe(0);
  });

  it('finds a deletion still running at its deadline: in-progress, nothing sent again', async () => {
    mappingIs('DELETE_IN_PROGRESS');
    expect(await deleteStackHandler(mapping, context({ deadline: Date.now() + 12_000 }))).toEqual({ outcome: 'in-progress', status: 'DELETE_IN_PROGRESS' });
    expect(sent(DeleteStackCommand)).toBe(0);
  });

  const owned = [{ Key: 'managed-by', Value: 'orgvend' }, { Key: 'orgvend:template', Value: 'templates/account/budget.yml.njk' }];
  const budget = { name: 'foo/us-east-1/orgvend-budget', stack: 'orgvend-budget', region: 'us-east-1' };
  const budgetTagged = (Tags: { Key: string; Value: string }[]) =>
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: budget.stack, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Tags }] });

  it('refuses an orgvend- stack that DEPLOY_STACK did not tag as orgvend\'s, dry run or not, and deletes nothing', async () => {
    for (const tags of [[], [{ Key: 'managed-by', Value: 'orgvend' }], [{ Key: 'orgvend:template', Value: 'x' }]]) {
      budgetTagged(tags);
      for (const dryrun of [true, false]) {
        await expect(deleteStackHandler(budget, context({ dryrun }))).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/orgvend-budget in us-east-1 is not orgvend's/) });
      }
    }
    expect(sent(DeleteStackCommand)).toBe(0);
  });

  it('deletes a stack carrying orgvend\'s tags, through the deployer role', async () => {
    cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [{ StackName: budget.stack, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Tags: owned }] })
      .resolvesOnce({ Stacks: [{ StackName: budget.stack, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Tags: owned }] })
      .rejects(Object.assign(new Error(`Stack with id ${budget.stack} does not exist`), { name: 'ValidationError' }));
    expect(await deleteStackHandler(budget, context())).toEqual({ outcome: 'deleted', status: null });
    expect(cfn.commandCalls(DeleteStackCommand)[0]!.args[0].input).toEqual({ StackName: 'orgvend-budget', RoleARN: `arn:aws:iam::${SELF}:role/orgvend-deployer` });
  });
});

describe('GET_STACKS listing the stacks orgvend owns', () => {
  const summary = (StackName: string, StackStatus: StackStatus = 'CREATE_COMPLETE') => ({ StackName, StackStatus, CreationTime: new Date() });
  const described = (StackName: string, Tags: { Key: string; Value: string }[]) => ({ Stacks: [{ StackName, StackStatus: 'CREATE_COMPLETE' as const, CreationTime: new Date(), Tags }] });

  it('lists each region once and reads in detail only the stacks orgvend owns: tagged, or a legacy name; never the bootstrap stack, another\'s, or one IAM will not describe', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        summary('orgvend-bootstrap'),
        summary('orgvend-vpc'),
        summary('orgvend-budget'),
        summary('orgvend-team-notes'),
        summary('orgvend-denied'),
        summary('orgvend-old', 'DELETE_COMPLETE'),
        summary('someone-elses'),
      ],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'orgvend-vpc' }).resolves(described('orgvend-vpc', []));
    cfn.on(DescribeStacksCommand, { StackName: 'orgvend-budget' }).resolves(described('orgvend-budget', [{ Key: 'managed-by', Value: 'orgvend' }, { Key: 'orgvend:template', Value: 'templates/account/budget.yml.njk' }]));
    cfn.on(DescribeStacksCommand, { StackName: 'orgvend-team-notes' }).resolves(described('orgvend-team-notes', [{ Key: 'managed-by', Value: 'orgvend' }]));
    // IAM lets orgvend describe an orgvend- stack only when it carries orgvend:template.
    cfn.on(DescribeStacksCommand, { StackName: 'orgvend-denied' }).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const stacks = await readStacks(context().clients, { stacks: [], owned: { regions: ['us-east-1'] } });
    expect(stacks.map((st) => [st.stack, st.region, st.status, st.source ?? null])).toEqual([
      ['orgvend-budget', 'us-east-1', 'CREATE_COMPLETE', 'templates/account/budget.yml.njk'],
      ['orgvend-vpc', 'us-east-1', 'CREATE_COMPLETE', null],
    ]);
    expect(sent(ListStacksCommand)).toBe(1);
    const read = (command: typeof DescribeStacksCommand | typeof GetTemplateCommand) => cfn.commandCalls(command).map((c) => c.args[0].input.StackName);
    expect(new Set(read(GetTemplateCommand))).toEqual(new Set(['orgvend-vpc', 'orgvend-budget']));
    expect(read(DescribeStacksCommand)).not.toContain('orgvend-bootstrap');
    expect(read(DescribeStacksCommand)).not.toContain('someone-elses');
  });

  it('lists nothing in a region the account has not enabled (AWS refuses its credentials there), and the other regions as usual', async () => {
    cfn.on(ListStacksCommand).callsFake(async (_input, getClient) => {
      const region = await (getClient() as CloudFormationClient).config.region();
      if (region === 'ap-east-1') throw Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId' });
      return { StackSummaries: [summary('orgvend-vpc')] };
    });
    cfn.on(DescribeStacksCommand).resolves(described('orgvend-vpc', []));
    const stacks = await readStacks(context().clients, { stacks: [], owned: { regions: ['ap-east-1', 'us-east-1'] } });
    expect(stacks.map((st) => [st.stack, st.region])).toEqual([['orgvend-vpc', 'us-east-1']]);
  });
});
