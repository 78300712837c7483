/**
 * The bootstrap template as rendered for every kind of account: valid CloudFormation
 * (cfn-lint, no errors or warnings), and IAM that allows only what each account needs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderBootstrap } from '../../../src/bootstrap/render.js';
import { coreAccounts, memberAccount, type BootstrapAccount } from '../../../src/bootstrap/topology.js';
import { parseConfig } from '../../../src/config/load.js';
import { dslText, exampleText } from '../../helpers/dsl.js';

const templatesDir = new URL('../../../templates', import.meta.url).pathname;
const lambda = { bucket: 'example-orgvend-artifacts', key: 'orgvend/handler-0123456789abcdef.zip', version: '0.1.0' };

function organization(text = exampleText()) {
  return parseConfig('accounts.yml', text).desired!.organization;
}

function render(account: BootstrapAccount, org = organization(), withLambda = true) {
  const targets = [...coreAccounts(org).map((a) => a.id), '555555555555'];
  return renderBootstrap({ templatesDir, organization: org, organizationId: 'o-abc123def4', account, targets, lambda: withLambda ? lambda : undefined });
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const resources = (text: string) => (parse(text, { customTags: [{ tag: '!GetAtt', resolve: (v: string) => ({ GetAtt: v }) }, { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) }, { tag: '!Sub', resolve: (v: string) => ({ Sub: v }) }] }) as Template).Resources;

function handlerActions(text: string): string[] {
  const role = resources(text).HandlerRole!;
  const statements = (role.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[] }[] } }[])[0]!.PolicyDocument.Statement;
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

const org = organization();
const [management, cicd, audit] = coreAccounts(org);
const delegatedOrg = organization(dslText([[['organization', 'delegated_admin_account_id'], '444444444444']], exampleText()));
const delegatedAdmin = coreAccounts(delegatedOrg)[3]!;
const variants: [string, string][] = [
  ['management', render(management!)],
  ['cicd', render(cicd!)],
  ['audit', render(audit!)],
  ['member', render(memberAccount('555555555555'))],
  ['delegated administrator', render(delegatedAdmin, delegatedOrg)],
  ['management beside a delegated administrator', render(management!, delegatedOrg)],
  ['sandbox management (no Lambda)', render(management!, org, false)],
];

/** The logical ids of the Account Management monitoring resources in a template. */
const accountEventResources = (text: string) => Object.keys(resources(text)).filter((id) => id.startsWith('AccountEvents')).sort();
const auditBusArn = `arn:aws:events:ap-southeast-2:${org.audit_account_id}:event-bus/orgvend-infra-audit`;

describe('the bootstrap template', () => {
  it('passes cfn-lint without errors or warnings for every kind of account', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-cfn-'));
    const files = variants.map(([name, text], i) => {
      const file = join(dir, `${i}-${name.replace(/\W+/g, '-')}.yml`);
      writeFileSync(file, text);
      return file;
    });
    // cfn-lint exits non-zero and prints every finding on failure.
    expect(() => execFileSync('cfn-lint', files, { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('renders the same bytes twice', () => {
    expect(render(cicd!)).toBe(render(cicd!));
  });

  it('lets only the CICD account put requests on a bus, and only with the orgvend source', () => {
    const policy = resources(render(management!)).CicdMayPutEvents!.Properties;
    expect(policy.Statement).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${org.cicd_account_id}:root` },
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'events:source': 'app.infra' } },
    });
    expect(resources(render(management!)).OrganizationMayPutReplies).toBeUndefined();
    expect(resources(render(cicd!)).OrganizationMayPutReplies!.Properties.Statement).toMatchObject({
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4', 'events:source': 'app.infra.reply' } },
    });
  });

  it('gives the management handler exactly the Organizations actions its requests need', () => {
    const actions = handlerActions(render(management!));
    // Reviewed by hand: a new request type that needs more shows up in this list's diff.
    expect(actions.filter((a) => a.startsWith('organizations:'))).toEqual([
      'organizations:AttachPolicy',
      'organizations:CloseAccount',
      'organizations:CreateAccount',
      'organizations:CreateOrganizationalUnit',
      'organizations:CreatePolicy',
      'organizations:DeletePolicy',
      'organizations:DescribeAccount',
      'organizations:DescribeCreateAccountStatus',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:DetachPolicy',
      'organizations:EnableAWSServiceAccess',
      'organizations:EnablePolicyType',
      'organizations:ListAWSServiceAccessForOrganization',
      'organizations:ListAccountsForParent',
      'organizations:ListCreateAccountStatus',
      'organizations:ListDelegatedAdministrators',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListParents',
      'organizations:ListPolicies',
      'organizations:ListRoots',
      'organizations:ListTagsForResource',
      'organizations:ListTargetsForPolicy',
      'organizations:MoveAccount',
      'organizations:RegisterDelegatedAdministrator',
      'organizations:TagResource',
      'organizations:UntagResource',
      'organizations:UpdatePolicy',
    ]);
  });

  it('lets the management handler use SSM only for its create-account ledger', () => {
    const role = resources(render(management!)).HandlerRole!;
    const statements = (role.Properties.Policies as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[])[0]!.PolicyDocument.Statement;
    const ssm = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssm).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
        Resource: { Sub: 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/orgvend/create-account/*' },
      },
    ]);
  });

  it('gives a member account\'s handler nothing beyond its queue, its bus and its log', () => {
    for (const account of [cicd!, audit!, memberAccount('555555555555')]) {
      expect(handlerActions(render(account))).toEqual([
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
    }
  });

  it('never grants a wildcard action', () => {
    for (const [, text] of variants.filter(([name]) => !name.startsWith('sandbox'))) {
      expect(handlerActions(text).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('routes management requests by type and every other account\'s by target on the CICD bus', () => {
    const r = resources(render(cicd!));
    expect(r.ForwardToManagementRule!.Properties.EventPattern).toEqual({
      source: ['app.infra'],
      'detail-type': [
        'LIST_OUS',
        'LIST_ACCOUNTS',
        'CREATE_OU',
        'CREATE_ACCOUNT',
        'MOVE_ACCOUNT',
        'TAG_ACCOUNT',
        'RETIRE_ACCOUNT',
        'CLOSE_ACCOUNT',
        'LIST_POLICIES',
        'ENABLE_POLICY_TYPE',
        'PUT_POLICY',
        'ATTACH_POLICY',
        'DETACH_POLICY',
        'DELETE_POLICY',
        'REGISTER_DELEGATED_ADMIN',
        // Without a delegated administrator, the management account serves its types too.
        'GET_CONTACTS',
        'PUT_CONTACTS',
        'GET_REGIONS',
        'ENABLE_REGION',
        'DISABLE_REGION',
      ],
    });
    expect(Object.keys(r).filter((k) => k.startsWith('ForwardToAccount')).sort()).toEqual(
      [management!.id, audit!.id, '555555555555'].sort().map((id) => `ForwardToAccount${id}`),
    );
    // The CICD account answers requests addressed to it from its own bus, not by forwarding.
    expect(r[`ForwardToAccount${cicd!.id}`]).toBeUndefined();
  });

  it('sends a delegated administrator its own request types when there is one', () => {
    const r = resources(render(coreAccounts(delegatedOrg)[1]!, delegatedOrg));
    expect((r.ForwardToManagementRule!.Properties.EventPattern as { 'detail-type': string[] })['detail-type']).not.toContain('PUT_CONTACTS');
    expect(r.ForwardToDelegatedAdminRule!.Properties.EventPattern).toEqual({
      source: ['app.infra'],
      'detail-type': ['GET_CONTACTS', 'PUT_CONTACTS', 'GET_REGIONS', 'ENABLE_REGION', 'DISABLE_REGION'],
    });
    expect(r.ForwardToDelegatedAdminRule!.Properties.Targets).toEqual([
      { Arn: 'arn:aws:events:ap-southeast-2:444444444444:event-bus/orgvend-infra', Id: 'delegated-admin-bus' },
    ]);
  });

  it('keeps audit copies on a bus of their own in the audit account', () => {
    const r = resources(render(audit!));
    expect(r.AuditBus!.Properties.Name).toBe('orgvend-infra-audit');
    expect(r.AuditToLogGroupRule!.Properties.EventBusName).toBe('orgvend-infra-audit');
    expect(resources(render(management!)).AuditBus).toBeUndefined();
  });

  it('leaves the Lambda out for the sandbox, where the worker stands in for it', () => {
    const r = resources(render(management!, org, false));
    expect(Object.values(r).map((x) => x.Type)).not.toContain('AWS::Lambda::Function');
    expect(r.HandlerRole).toBeUndefined();
    // The one role left is EventBridge's, for forwarding Account Management events.
    expect(Object.entries(r).filter(([, x]) => x.Type === 'AWS::IAM::Role').map(([id]) => id)).toEqual(['AccountEventsForwardRole']);
    expect(r.RequestQueue).toBeDefined();
  });
});

describe('Account Management monitoring in the bootstrap template', () => {
  it('forwards aws.account events from the default bus of the account that calls the API, and from no other', () => {
    const forwarding = ['AccountEventsForwardRole', 'AccountEventsForwardRule'];
    expect(accountEventResources(render(management!))).toEqual(forwarding);
    expect(accountEventResources(render(delegatedAdmin, delegatedOrg))).toEqual(forwarding);
    // With a delegated administrator, the management account no longer calls the API.
    expect(accountEventResources(render(management!, delegatedOrg))).toEqual([]);
    for (const account of [cicd!, memberAccount('555555555555')]) expect(accountEventResources(render(account))).toEqual([]);

    const rule = resources(render(management!)).AccountEventsForwardRule!.Properties;
    expect(rule).toMatchObject({ Name: 'orgvend-account-events', EventBusName: 'default', EventPattern: { source: ['aws.account'] } });
    expect(rule.Targets).toEqual([{ Arn: auditBusArn, Id: 'audit-bus', RoleArn: { GetAtt: 'AccountEventsForwardRole.Arn' } }]);
  });

  it('lets the forwarding role put events on the audit bus only, and only EventBridge assume it for that rule', () => {
    const role = resources(render(management!)).AccountEventsForwardRole!.Properties;
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': { Sub: 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/orgvend-account-events' },
            },
          },
        },
      ],
    });
    const policies = role.Policies as { PolicyDocument: { Statement: unknown[] } }[];
    expect(policies.map((p) => p.PolicyDocument.Statement)).toEqual([[{ Sid: 'PutOnAuditBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: auditBusArn }]]);
  });

  it('logs and announces the events in the audit account, and nowhere else', () => {
    const r = resources(render(audit!));
    expect(accountEventResources(render(audit!))).toEqual(['AccountEventsLogGroup', 'AccountEventsToTargetsRule', 'AccountEventsTopic', 'AccountEventsTopicPolicy']);
    for (const [name, text] of variants.filter(([n]) => n !== 'audit')) {
      expect(Object.values(resources(text)).map((x) => x.Type), name).not.toContain('AWS::SNS::Topic');
      expect(resources(text).AccountEventsLogGroup, name).toBeUndefined();
    }

    expect(r.AccountEventsToTargetsRule!.Properties).toMatchObject({ EventBusName: 'orgvend-infra-audit', EventPattern: { source: ['aws.account'] } });
    expect(r.AccountEventsToTargetsRule!.Properties.Targets).toEqual([
      { Arn: { GetAtt: 'AccountEventsLogGroup.Arn' }, Id: 'account-events-log-group' },
      { Arn: { Ref: 'AccountEventsTopic' }, Id: 'account-events-topic' },
    ]);
    expect(r.AccountEventsLogGroup!.Properties).toEqual({ LogGroupName: '/orgvend/account-events', RetentionInDays: 400 });
    expect(r.AccountEventsTopic!.Properties.TopicName).toBe('orgvend-account-events');
  });

  it('lets only EventBridge publish to the topic, and only for the audit bus rule', () => {
    const policy = resources(render(audit!)).AccountEventsTopicPolicy!.Properties;
    expect(policy.Topics).toEqual([{ Ref: 'AccountEventsTopic' }]);
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountEventsRulePublishes',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: 'AccountEventsTopic' },
          Condition: { ArnEquals: { 'aws:SourceArn': { GetAtt: 'AccountEventsToTargetsRule.Arn' } } },
        },
      ],
    });
  });

  it('covers both audit log groups with the one log resource policy', () => {
    const r = resources(render(audit!));
    expect(Object.values(r).filter((x) => x.Type === 'AWS::Logs::ResourcePolicy')).toHaveLength(1);
    const document = JSON.parse((r.AuditLogGroupPolicy!.Properties.PolicyDocument as { Sub: string }).Sub) as { Statement: Record<string, unknown>[] };
    expect(document.Statement).toEqual([
      {
        Sid: 'EventBridgeWrites',
        Effect: 'Allow',
        Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: ['${AuditLogGroup.Arn}', '${AccountEventsLogGroup.Arn}'],
      },
    ]);
  });
});
