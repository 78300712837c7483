/**
 * The reader role (orgvend-reader) as the bootstrap template renders it: in which accounts,
 * whom it trusts, and what it may do. moto evaluates no IAM policy, so its policy and trust
 * are evaluated offline with the evaluator of the SCP previews (src/scp/evaluate.ts), as
 * the CI roles' are (ci-roles.test.ts).
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readerRole } from '../../../src/bootstrap/reader-role.js';
import { renderBootstrap } from '../../../src/bootstrap/render.js';
import { coreAccounts, memberAccount, type BootstrapAccount } from '../../../src/bootstrap/topology.js';
import { parseConfig } from '../../../src/config/load.js';
import { evaluate, type PolicyDocument, type SampleRequest } from '../../../src/scp/evaluate.js';
import { dslText, exampleText } from '../../helpers/dsl.js';
import { SHIPPED_TEMPLATES } from '../../helpers/repo.js';

const ORG_ID = 'o-abc123def4';
const MEMBER = '555555555555';
const REGION = 'ap-southeast-2';
const org = parseConfig('accounts.yml', exampleText()).desired!.organization;
const delegatedOrg = parseConfig('accounts.yml', dslText([[['organization', 'delegated_admin_account_id'], '444444444444']], exampleText())).desired!.organization;
const MANAGEMENT = org.management_account_id;

const render = (account: BootstrapAccount, section = org) =>
  renderBootstrap({ templatesDir: SHIPPED_TEMPLATES, organization: section, organizationId: ORG_ID, account, requestKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' });

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (text: string) =>
  (parse(text, { customTags: [{ tag: '!GetAtt', resolve: (v: string) => ({ GetAtt: v }) }, { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) }, { tag: '!Sub', resolve: (v: string) => ({ Sub: v }) }] }) as { Resources: Record<string, Resource> }).Resources;
const readerIn = (text: string) => Object.values(resources(text)).find((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === 'orgvend-reader');

/** A document with CloudFormation's Fn::Sub resolved as it would be in `account`. */
function resolved<T>(value: T, account: string): T {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
    v && typeof v === 'object' && 'Fn::Sub' in v ? (v as { 'Fn::Sub': string })['Fn::Sub'].replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::Region}', REGION).replaceAll('${AWS::AccountId}', account) : v,
  ) as T;
}

const role = readerIn(render(memberAccount(MEMBER)))!;
const policy = resolved((role.Properties.Policies as { PolicyDocument: PolicyDocument }[])[0]!.PolicyDocument, MEMBER);
const decide = (request: SampleRequest) => evaluate([{ target: 'role', policies: [{ name: 'role', document: policy }] }], { context: {}, ...request }).decision;
const stack = (name: string, region = 'us-east-1') => `arn:aws:cloudformation:${region}:${MEMBER}:stack/${name}/0b7c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d`;
const parameters = `arn:aws:ssm:${REGION}:${MEMBER}:parameter/orgvend/account`;

describe('the reader role', () => {
  it('is in every account that serves member requests (the core members included), and not in the management account', () => {
    const [management, cicd, audit] = coreAccounts(org);
    for (const account of [cicd!, audit!, memberAccount(MEMBER), memberAccount('777777777777', ['member'], 'identity')]) expect(readerIn(render(account)), account.id).toBeDefined();
    expect(readerIn(render(coreAccounts(delegatedOrg)[3]!, delegatedOrg))).toBeDefined();
    expect(readerIn(render(management!))).toBeUndefined();
  });

  it('is written as JSON documents, exactly as generated', () => {
    const generated = readerRole(org, ORG_ID);
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(generated.trust);
    expect(role.Properties.Policies).toEqual([{ PolicyName: 'orgvend-read', PolicyDocument: generated.policy }]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
  });

  it('trusts only the management account\'s handler role, in this organization (its trust, evaluated)', () => {
    const trust = role.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] };
    expect(resolved(trust.Statement.map((s) => s.Principal), MEMBER)).toEqual([{ AWS: `arn:aws:iam::${MANAGEMENT}:root` }]);
    const asPolicy = resolved({ Version: '2012-10-17', Statement: trust.Statement.map((s) => ({ ...s, Principal: undefined, Resource: '*' })) }, MEMBER) as unknown as PolicyDocument;
    const assume = (principalArn: string, orgId = ORG_ID) => evaluate([{ target: 'trust', policies: [{ name: 'trust', document: asPolicy }] }], { action: 'sts:AssumeRole', principalArn, context: { 'aws:PrincipalOrgID': [orgId] } }).decision;
    expect(assume(`arn:aws:iam::${MANAGEMENT}:role/orgvend-handler`)).toBe('allowed');
    expect(assume(`arn:aws:iam::${MANAGEMENT}:role/orgvend-handler`, 'o-someoneelse')).toBe('denied');
    for (const other of [
      `arn:aws:iam::${MANAGEMENT}:role/OrganizationAccountAccessRole`,
      `arn:aws:iam::${MANAGEMENT}:role/orgvend-deployer`,
      `arn:aws:iam::${org.cicd_account_id}:role/orgvend-handler`,
      `arn:aws:iam::${org.cicd_account_id}:role/orgvend-plan`,
      `arn:aws:iam::444444444444:role/orgvend-handler`,
    ]) {
      expect(assume(other), other).toBe('denied');
    }
  });

  it('may read what GET_PARAMETERS and GET_STACKS read (its policy, evaluated)', () => {
    expect(decide({ action: 'ssm:GetParametersByPath', resource: parameters })).toBe('allowed');
    for (const name of ['orgvend-vpc', 'orgvend-log-buckets', 'orgvend-ecr-repositories', 'orgvend-identity-iam-mapping-dev']) {
      for (const action of ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate']) expect(decide({ action, resource: stack(name, 'eu-west-1') }), `${action} ${name}`).toBe('allowed');
    }
    // The stacks orgvend owns are found by listing (ListStacks takes no resource).
    expect(decide({ action: 'cloudformation:ListStacks', resource: '*' })).toBe('allowed');
    // Any other orgvend-* stack (a team's template's), only when DEPLOY_STACK tagged it with its template.
    const tagged = { 'aws:ResourceTag/orgvend:template': ['templates/account/budget.yml.njk'] };
    for (const action of ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate']) {
      expect(evaluate([{ target: 'role', policies: [{ name: 'role', document: policy }] }], { action, resource: stack('orgvend-budget'), context: tagged }).decision, action).toBe('allowed');
      expect(decide({ action, resource: stack('orgvend-budget') }), `${action} untagged`).toBe('denied');
    }
  });

  it('may read nothing else and change nothing: no parameter written, no stack, no role', () => {
    for (const [action, resource] of [
      ['ssm:PutParameter', `${parameters}/x`],
      ['ssm:DeleteParameters', `${parameters}/x`],
      ['ssm:GetParametersByPath', `arn:aws:ssm:${REGION}:${MEMBER}:parameter/secrets`],
      ['ssm:GetParameter', `arn:aws:ssm:${REGION}:${MEMBER}:parameter/orgvend/account/x`],
      ['ssm:GetParametersByPath', `arn:aws:ssm:${REGION}:999999999999:parameter/orgvend/account`],
      ['cloudformation:CreateStack', stack('orgvend-vpc')],
      ['cloudformation:CreateChangeSet', stack('orgvend-vpc')],
      ['cloudformation:DeleteStack', stack('orgvend-identity-iam-mapping-dev')],
      ['cloudformation:DescribeStacks', stack('orgvend-bootstrap')],
      ['cloudformation:GetTemplate', stack('someone-elses')],
      ['iam:CreateRole', `arn:aws:iam::${MEMBER}:role/x`],
      ['iam:PutRolePolicy', `arn:aws:iam::${MEMBER}:role/orgvend-reader`],
      ['iam:PassRole', `arn:aws:iam::${MEMBER}:role/orgvend-deployer`],
      ['iam:AttachRolePolicy', `arn:aws:iam::${MEMBER}:role/orgvend-reader`],
      ['sts:AssumeRole', `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`],
      ['s3:GetObject', 'arn:aws:s3:::aws-waf-logs-orgvend-x/y'],
    ]) {
      expect(decide({ action: action!, resource: resource! }), `${action} ${resource}`).toBe('denied');
    }
  });

  it('names no write action at all', () => {
    const actions = (policy.Statement as { Effect: string; Action: string[] }[]).filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
    expect([...new Set(actions)].sort()).toEqual([
      'cloudformation:DescribeStacks',
      'cloudformation:GetTemplate',
      'cloudformation:ListStacks',
      'config:DescribeConfigurationRecorderStatus',
      'config:DescribeConfigurationRecorders',
      'config:DescribeDeliveryChannels',
      's3:GetAccountPublicAccessBlock',
      'ssm:GetParametersByPath',
    ]);
  });

  it("reads the team's templates' stacks (orgvend-<template>), tagged as orgvend's, and is denied orgvend's own, which orgvend-* takes in, tagged or not", () => {
    const asTagged = (action: string, name: string) => evaluate([{ target: 'role', policies: [{ name: 'role', document: policy }] }], { action, resource: stack(name), context: { 'aws:ResourceTag/orgvend:template': ['templates/account/budget.yml.njk'] } }).decision;
    expect(asTagged('cloudformation:GetTemplate', 'orgvend-budget')).toBe('allowed');
    expect(asTagged('cloudformation:DescribeStacks', 'orgvend-bootstrap')).toBe('denied');
    expect(asTagged('cloudformation:GetTemplate', 'orgvend-bootstrap')).toBe('denied');
  });});
