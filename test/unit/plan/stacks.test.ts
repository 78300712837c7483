/** Where each rendered template is deployed, and the stack.deploy changes planned for it. */
import { describe, expect, it } from 'vitest';
import { deletedResources, deploymentsOf, resourceDiff, stackChange, stacksToRead, type Deployment } from '../../../src/plan/stacks.js';
import { templateContext } from '../../../src/render/context.js';
import { renderTemplates } from '../../../src/render/render.js';
import { describeChange } from '../../../src/views/plan.js';
import { desiredOf, exampleText } from '../../helpers/dsl.js';
import { REPO, renderFixture } from '../../helpers/render-fixture.js';

describe('deploymentsOf', () => {
  it('sends each template to its account and region', async () => {
    const desired = desiredOf([], exampleText());
    const ids = new Map(desired.accounts.map((a, i) => [a.name, a.accountId ?? String(100000000000 + i)]));
    const context = templateContext(desired, ids);
    const { templates } = await renderTemplates(REPO, context);
    const planned = deploymentsOf(templates, context);
    const { deployments, notes } = planned;
    const where = Object.fromEntries(deployments.map((d) => [`${d.account}/${d.stack}`, [d.accountId, d.region]]));
    const org = desired.organization;
    expect(where).toEqual({
      'bar/orgvend-vpc': [ids.get('bar'), 'ap-southeast-2'],
      'bar-prod/orgvend-vpc': [ids.get('bar-prod'), 'ap-southeast-2'],
      // foo-prod runs in us-east-1; foo has create_vpc: false and no VPC.
      'foo-prod/orgvend-vpc': [ids.get('foo-prod'), 'us-east-1'],
      'payments/orgvend-vpc': [ids.get('payments'), 'ap-southeast-2'],
      // The IAM mapping: a stack per account with access levels, all in the identity account.
      ...Object.fromEntries(
        desired.accounts.filter((a) => Object.values(a.settings.access).some((roles) => roles.length)).map((a) => [`identity/orgvend-identity-iam-mapping-${a.name}`, [ids.get('identity'), org.home_region]]),
      ),
      // CloudFront and WAF log from the logs account's global region.
      'logs/orgvend-log-buckets': [ids.get('logs'), 'us-east-1'],
      'cicd/orgvend-ecr-repositories': [org.cicd_account_id, org.home_region],
      // The team's templates, as orgvend-<template>, in the accounts whose customizations select them, in their region.
      'foo/orgvend-budget': [ids.get('foo'), 'us-east-1'],
      'bar/orgvend-budget': [ids.get('bar'), 'ap-southeast-2'],
      'payments/orgvend-baseline-role': [ids.get('payments'), 'ap-southeast-2'],
    });
    expect(notes).toEqual([]);
    // Every stack orgvend owns is listed in each region the account may use: its region, global region, the regions it enables, the home region.
    const regionsOf = (name: string) => {
      const a = context.accounts.find((x) => x.name === name)!;
      return [...new Set([a.region, a.global_region, ...a.regions, org.home_region])].sort();
    };
    expect(stacksToRead(planned).get(ids.get('payments')!)).toEqual({ stacks: [], owned: { regions: regionsOf('payments') } });
    // The IAM mapping's stacks are listed in the identity account, not read by name, and that account is read alone.
    expect(stacksToRead(planned).get(ids.get('identity')!)).toEqual({ stacks: [], owned: { regions: regionsOf('identity') }, alone: true });
    // The CICD account, which is no entry of accounts.yml here, in the region its stack goes to.
    expect(planned.owners.find((o) => o.accountId === org.cicd_account_id)?.regions).toEqual(context.accounts.some((a) => a.id === org.cicd_account_id) ? expect.arrayContaining([org.home_region]) : [org.home_region]);
    // create-account deletes nothing, so lists nothing: its account's stacks are read by name.
    const one = deploymentsOf(templates, context, 'payments');
    expect(one.owners).toEqual([]);
    expect(stacksToRead(one).get(ids.get('payments')!)).toEqual({ stacks: [{ stack: 'orgvend-baseline-role', region: 'ap-southeast-2' }, { stack: 'orgvend-vpc', region: 'ap-southeast-2' }] });
  });

  it('names an account that does not exist yet by its DSL name, without an id, and says which templates it does not deploy', async () => {
    const { templates } = await renderFixture();
    const desired = desiredOf([], exampleText());
    const context = templateContext(desired, new Map());
    const extra = { ...templates[0]!, source: 'templates/dashboards.yml.njk', output: 'dashboards.yml' };
    const { deployments, notes } = deploymentsOf([...templates.filter((t) => t.output.startsWith('identity')), extra], context);
    const mappings = templates.filter((t) => t.output.startsWith('identity'));
    expect(mappings.length).toBeGreaterThan(5);
    expect(deployments.map((d) => [d.account, d.accountId, d.stack])).toEqual(mappings.map((t) => ['identity', null, `orgvend-identity-iam-mapping-${t.account}`]));
    expect(notes).toEqual(["templates/dashboards.yml.njk is rendered, not deployed: orgvend deploys vpc, identity-iam-mapping, log-buckets, ecr-repositories, and the team's templates under templates/account/"]);
  });

  it('holds back a template over CloudFormation\'s size limit, not deployed but still wanted, so its stack is never deleted for it', async () => {
    const desired = desiredOf([], exampleText());
    const ids = new Map(desired.accounts.map((a, i) => [a.name, a.accountId ?? String(100000000000 + i)]));
    const context = templateContext(desired, ids);
    const { templates } = await renderTemplates(REPO, context);
    const vpc = templates.find((t) => t.output === 'vpc/payments.yml')!;
    const big = { ...vpc, text: `${vpc.text}\n#${'x'.repeat(60_000)}\n` };
    const { deployments, held, notes } = deploymentsOf([big], context);
    expect(deployments).toEqual([]);
    expect(held).toEqual([{ stack: 'orgvend-vpc', accountId: ids.get('payments'), region: 'ap-southeast-2' }]);
    expect(notes[0]).toMatch(/^vpc\/payments\.yml is over 51200 bytes/);
  });
});

const TEMPLATE = `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      AvailabilityZone: !Select [0, !GetAZs ""]
`;

describe('resourceDiff', () => {
  it('lists what is added, changed and removed, by logical id', () => {
    const after = TEMPLATE.replace('10.0.0.0/16', '10.1.0.0/16').replace(/  Subnet:[\s\S]*/, '  Gateway:\n    Type: AWS::EC2::InternetGateway\n');
    expect(resourceDiff(TEMPLATE, after)).toEqual(['+Gateway AWS::EC2::InternetGateway', '-Subnet AWS::EC2::Subnet', '~Vpc AWS::EC2::VPC']);
    expect(resourceDiff(null, TEMPLATE)).toEqual(['+Subnet AWS::EC2::Subnet', '+Vpc AWS::EC2::VPC']);
  });

  it('compares what the template says, not where it says it: lines moved by others are not changes', () => {
    const moved = `# a comment that moves every line\n\n${TEMPLATE.replace('Resources:\n', 'Resources:\n  Gateway:\n    Type: AWS::EC2::InternetGateway\n')}`;
    expect(resourceDiff(TEMPLATE, moved)).toEqual(['+Gateway AWS::EC2::InternetGateway']);
  });

  it('does not count a comment or a blank line as a change', () => {
    const commented = TEMPLATE.replace('  Subnet:\n', '  # the one subnet\n\n  Subnet:\n').replace('CidrBlock: 10.0.0.0/16', 'CidrBlock: 10.0.0.0/16  # the whole range');
    expect(resourceDiff(TEMPLATE, commented)).toEqual([]);
    expect(resourceDiff(TEMPLATE, TEMPLATE.replace('VpcId: !Ref Vpc', 'VpcId: !Ref Vpc # "quoted"'))).toEqual(['~Subnet AWS::EC2::Subnet']);
  });

  it('reads a template of another shape (JSON) by parsing it, on both sides', () => {
    const json = JSON.stringify({ Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } }, Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, AvailabilityZone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] } } } } });
    expect(resourceDiff(TEMPLATE, json)).toEqual([]);
    expect(resourceDiff(json, TEMPLATE.replace('10.0.0.0/16', '10.1.0.0/16'))).toEqual(['~Vpc AWS::EC2::VPC']);
  });

  it('tells a short tag from the plain value it wraps', () => {
    expect(resourceDiff(TEMPLATE, TEMPLATE.replace('VpcId: !Ref Vpc', 'VpcId: Vpc'))).toEqual(['~Subnet AWS::EC2::Subnet']);
    expect(resourceDiff(TEMPLATE, TEMPLATE.replace('!GetAZs ""', '""'))).toEqual(['~Subnet AWS::EC2::Subnet']);
  });
});

describe('stackChange', () => {
  const deployment: Deployment & { accountId: string } = {
    stack: 'orgvend-vpc', account: 'foo', accountId: '123456789012', region: 'us-east-1', source: 'templates/account/vpc.yml.njk', template: TEMPLATE, sha256: 'a'.repeat(64),
  };
  const live = (status: string, template: string | null) => ({ stack: 'orgvend-vpc' as const, region: 'us-east-1', status, template });

  it('plans nothing when the stack runs the template', () => {
    expect(stackChange(deployment, live('UPDATE_COMPLETE', TEMPLATE))).toBeUndefined();
  });

  it('creates a missing stack, and one a failed first create left in ROLLBACK_COMPLETE', () => {
    for (const state of [undefined, live('ROLLBACK_COMPLETE', TEMPLATE)]) {
      const change = stackChange(deployment, state)!;
      expect(change).toMatchObject({ type: 'stack.deploy', target: 'foo/orgvend-vpc', reason: 'missing-in-account', before: { account_id: '123456789012' } });
      expect(describeChange(change)).toBe(
        `create with template aaaaaaaaaaaa in us-east-1: 2 to add, 0 to change, 0 to remove${state ? ' (stack ROLLBACK_COMPLETE: its first create failed and was rolled back: orgvend deletes it and creates it again)' : ''}`,
      );
    }
  });

  it('names the state a killed or failed run left the stack in, and what deploying does about it', () => {
    const review = stackChange(deployment, { stack: 'orgvend-vpc', region: 'us-east-1', status: 'REVIEW_IN_PROGRESS', template: null })!;
    expect(describeChange(review)).toContain("(stack REVIEW_IN_PROGRESS: a run stopped before executing the new stack's change set: orgvend executes that change set if it holds this template, deletes it otherwise)");
    // The template the stack runs is the one wanted, but the stack is stuck: still planned.
    const stuck = stackChange(deployment, live('UPDATE_ROLLBACK_FAILED', TEMPLATE))!;
    expect(stuck.type).toBe('stack.deploy');
    expect(describeChange(stuck)).toContain('(stack UPDATE_ROLLBACK_FAILED: an update failed and so did its rollback: orgvend continues the rollback, then updates it)');
  });

  it('updates a stack whose template differs, carrying the whole template so a saved plan can be applied', () => {
    const change = stackChange(deployment, live('CREATE_COMPLETE', TEMPLATE.replace('10.0.0.0/16', '10.9.0.0/16')))!;
    expect(change.reason).toBe('template-changed');
    expect(change.after).toMatchObject({ stack: 'orgvend-vpc', region: 'us-east-1', template: TEMPLATE, resources: ['~Vpc AWS::EC2::VPC'] });
    expect(describeChange(change)).toMatch(/^template \w{12} → aaaaaaaaaaaa in us-east-1: 0 to add, 1 to change, 0 to remove$/);
  });
});

describe('deletedResources', () => {
  it('lists what deleting a stack removes, by logical id, and marks what its DeletionPolicy keeps', () => {
    const template = [
      'Resources:',
      '  Vpc:',
      '    Type: AWS::EC2::VPC',
      '  Logs:',
      '    Type: AWS::S3::Bucket',
      '    DeletionPolicy: Retain',
      '  Repo:',
      '    Type: AWS::ECR::Repository',
      '    DeletionPolicy: RetainExceptOnCreate',
      '  Db:',
      '    Type: AWS::RDS::DBInstance',
      '    DeletionPolicy: Snapshot',
      '',
    ].join('\n');
    expect(deletedResources(template)).toEqual(['-Db AWS::RDS::DBInstance', '-Logs AWS::S3::Bucket (retained)', '-Repo AWS::ECR::Repository (retained)', '-Vpc AWS::EC2::VPC']);
    // JSON, as a stack made elsewhere may hold; and a template that cannot be read still deletes, shown without resources.
    expect(deletedResources(JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic', DeletionPolicy: 'Retain' } } }))).toEqual(['-Topic AWS::SNS::Topic (retained)']);
    expect(deletedResources('Resources: [unclosed')).toEqual([]);
  });
});
