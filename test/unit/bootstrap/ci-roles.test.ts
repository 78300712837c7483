/**
 * The CICD account's CI roles (organization.ci) as the bootstrap template renders them:
 * whom each trusts, and what each may do. moto evaluates no IAM policy, so what a role may
 * do is decided here by evaluating its rendered policy offline with the evaluator of the
 * SCP previews (src/scp/evaluate.ts), with the request's condition keys given.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CLI_CALLS, ciRolePolicy, ciRoleTrust } from '../../../src/bootstrap/ci-roles.js';
import { renderBootstrap } from '../../../src/bootstrap/render.js';
import { coreAccounts, memberAccount } from '../../../src/bootstrap/topology.js';
import { ACTIONS } from '../../../src/cli/actions/index.js';
import { parseConfig } from '../../../src/config/load.js';
import { REQUEST_TYPES } from '../../../src/protocol/requests.js';
import { evaluate, type PolicyDocument, type PolicyStatement, type SampleRequest } from '../../../src/scp/evaluate.js';
import { dslText, exampleText } from '../../helpers/dsl.js';
import { SHIPPED_TEMPLATES } from '../../helpers/repo.js';

const templatesDir = SHIPPED_TEMPLATES;
const CICD = '222222222222';
const REGION = 'ap-southeast-2';
const BUS = `arn:aws:events:${REGION}:${CICD}:event-bus/orgvend-infra`;
const REPLY_QUEUE = `arn:aws:sqs:${REGION}:${CICD}:orgvend-replies`;
const REQUEST_KEY_ARN = `arn:aws:kms:${REGION}:${CICD}:key/0b7c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d`;

function organizationWith(ci: unknown) {
  const result = parseConfig('accounts.yml', dslText([[['organization', 'ci'], ci]], exampleText()));
  if (!result.desired) throw new Error(JSON.stringify(result.diagnostics));
  return result.desired.organization;
}
const GITHUB = organizationWith({ github: { repository: 'acme/platform-org' } });
const GITHUB_ENVIRONMENT = organizationWith({ github: { repository: 'acme/platform-org', apply_environment: 'production', create_oidc_provider: false } });
const ARNS = organizationWith({ plan_principal_arn: 'arn:aws:iam::999999999999:role/ci-runner', apply_principal_arn: 'arn:aws:iam::999999999999:role/ci/runner-main' });
const NO_CI = organizationWith(undefined);

type Org = typeof GITHUB;
const render = (org: Org, account = coreAccounts(org)[1]!) =>
  renderBootstrap({ templatesDir, organization: org, organizationId: 'o-abc123def4', account, requestKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' });

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
const resources = (text: string) =>
  (parse(text, { customTags: [{ tag: '!GetAtt', resolve: (v: string) => ({ GetAtt: v }) }, { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) }, { tag: '!Sub', resolve: (v: string) => ({ Sub: v }) }] }) as { Resources: Record<string, Resource> }).Resources;

/** A role's document with CloudFormation's functions resolved as they would be in the CICD account. */
function resolved<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => {
    if (v && typeof v === 'object' && 'Fn::Sub' in v) return (v as { 'Fn::Sub': string })['Fn::Sub'].replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', REGION).replace('${AWS::AccountId}', CICD);
    if (v && typeof v === 'object' && 'Fn::GetAtt' in v) return { EventBus: BUS, ReplyQueue: REPLY_QUEUE }[(v as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]];
    return v;
  }) as T;
}

function role(text: string, logicalId: 'CiPlanRole' | 'CiApplyRole') {
  const r = resources(text)[logicalId];
  if (!r) throw new Error(`no ${logicalId}`);
  const policies = r.Properties.Policies as { PolicyName: string; PolicyDocument: PolicyDocument & { Statement: PolicyStatement[] } }[];
  return { resource: r, trust: r.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }, policies, policy: resolved(policies[0]!.PolicyDocument) };
}

/** The rendered policy's decision on a request, as IAM would make it for that role's session. */
const decide = (policy: PolicyDocument, request: SampleRequest) => evaluate([{ target: 'role', policies: [{ name: 'role', document: policy }] }], request).decision;
const putEvents = (sources: string[], detailTypes: string[] = ['CREATE_OU']): SampleRequest => ({
  action: 'events:PutEvents',
  resource: BUS,
  context: { 'events:source': sources, 'events:detail-type': detailTypes },
});

describe("the CICD account's CI roles", () => {
  it('pass cfn-lint for each kind of CI identity', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-ci-roles-'));
    const files = [GITHUB, GITHUB_ENVIRONMENT, ARNS].map((org, i) => {
      const file = join(dir, `cicd-${i}.yml`);
      writeFileSync(file, render(org));
      return file;
    });
    expect(() => execFileSync('cfn-lint', files, { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  }, 120_000);

  it('are in the CICD account only, and only when accounts.yml names a CI identity', () => {
    const ciRoles = (text: string) => Object.entries(resources(text)).filter(([, r]) => ['orgvend-plan', 'orgvend-apply'].includes(r.Properties.RoleName as string)).map(([id]) => id);
    expect(ciRoles(render(GITHUB))).toEqual(['CiPlanRole', 'CiApplyRole']);
    expect(ciRoles(render(ARNS))).toEqual(['CiPlanRole', 'CiApplyRole']);
    expect(ciRoles(render(NO_CI))).toEqual([]);
    expect(resources(render(NO_CI)).GitHubOidcProvider).toBeUndefined();
    const [management, , audit] = coreAccounts(GITHUB);
    for (const account of [management!, audit!, memberAccount('555555555555')]) expect(ciRoles(render(GITHUB, account))).toEqual([]);
  });

  describe('trust GitHub Actions of the one repository', () => {
    it('the plan role from a pull request or a branch, the apply role only from main', () => {
      const text = render(GITHUB);
      const federated = { Federated: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com' } };
      expect(role(text, 'CiPlanRole').trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: federated,
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:acme/platform-org:pull_request', 'repo:acme/platform-org:ref:refs/heads/*'] },
          },
        },
      ]);
      expect(role(text, 'CiApplyRole').trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: federated,
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:acme/platform-org:ref:refs/heads/main' } },
        },
      ]);
      // The stack makes the OIDC provider the roles name, before them.
      expect(resources(text).GitHubOidcProvider).toEqual({ Type: 'AWS::IAM::OIDCProvider', Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] } });
      expect(role(text, 'CiApplyRole').resource.DependsOn).toEqual(['GitHubOidcProvider']);
    });

    it('the apply role only from a GitHub environment when accounts.yml says so, with the account\'s own OIDC provider', () => {
      const text = render(GITHUB_ENVIRONMENT);
      expect((role(text, 'CiApplyRole').trust.Statement[0]!.Condition as Record<string, unknown>).StringEquals).toEqual({
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': 'repo:acme/platform-org:environment:production',
      });
      expect(resources(text).GitHubOidcProvider).toBeUndefined();
      expect(role(text, 'CiApplyRole').resource.DependsOn).toBeUndefined();
    });

    it('never a pull request, nor another branch or repository, for the apply role (its trust, evaluated)', () => {
      const trust = (org: Org) => ({ Version: '2012-10-17', Statement: ciRoleTrust('apply', org.ci!).Statement.map((s) => ({ ...s, Principal: undefined, Resource: '*' })) }) as unknown as PolicyDocument;
      const assume = (sub: string) => decide(trust(GITHUB), { action: 'sts:AssumeRoleWithWebIdentity', context: { 'token.actions.githubusercontent.com:aud': ['sts.amazonaws.com'], 'token.actions.githubusercontent.com:sub': [sub] } });
      expect(assume('repo:acme/platform-org:ref:refs/heads/main')).toBe('allowed');
      for (const sub of ['repo:acme/platform-org:pull_request', 'repo:acme/platform-org:ref:refs/heads/feature', 'repo:acme/other:ref:refs/heads/main', 'repo:acme/platform-org:environment:production']) expect(assume(sub), sub).toBe('denied');
    });
  });

  it('trust the roles of another CI system by ARN', () => {
    const text = render(ARNS);
    expect(role(text, 'CiPlanRole').trust.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:role/ci-runner' }, Action: 'sts:AssumeRole' }]);
    expect(role(text, 'CiApplyRole').trust.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:role/ci/runner-main' }, Action: 'sts:AssumeRole' }]);
    expect(resources(text).GitHubOidcProvider).toBeUndefined();
  });

  it('are written as JSON documents, exactly as generated: no value of accounts.yml is spliced into YAML', () => {
    for (const org of [GITHUB, GITHUB_ENVIRONMENT, ARNS]) {
      const plan = role(render(org), 'CiPlanRole');
      expect(plan.trust).toEqual(ciRoleTrust('plan', org.ci!));
      expect(plan.policies).toEqual([{ PolicyName: 'orgvend-plan', PolicyDocument: ciRolePolicy('plan', org) }]);
    }
    expect(render(GITHUB)).toMatch(/^ {6}AssumeRolePolicyDocument: \{"Version":"2012-10-17"/m);
  });

  describe('the plan role (evaluated: src/scp/evaluate.ts)', () => {
    const { policy } = role(render(GITHUB), 'CiPlanRole');

    it('may put requests on the CICD bus with the plan source only', () => {
      expect(decide(policy, putEvents(['app.infra.plan']))).toBe('allowed');
      expect(decide(policy, putEvents(['app.infra.plan'], ['CLOSE_ACCOUNT']))).toBe('allowed');
      // A dry run reads the accounts' parameters and stacks many to a request.
      expect(decide(policy, putEvents(['app.infra.plan'], ['READ_ACCOUNTS']))).toBe('allowed');
      expect(decide(policy, putEvents(['app.infra']))).toBe('denied');
      // Several entries in one call: every one must have the plan source.
      expect(decide(policy, putEvents(['app.infra.plan', 'app.infra']))).toBe('denied');
      expect(decide(policy, putEvents(['app.infra.reply'], ['CREATE_OU_RESULT']))).toBe('denied');
      expect(decide(policy, { action: 'events:PutEvents', resource: BUS, context: { 'events:detail-type': ['CREATE_OU'] } })).toBe('denied');
      expect(decide(policy, putEvents(['app.infra.plan'], ['NOT_A_REQUEST']))).toBe('denied');
      expect(decide(policy, { ...putEvents(['app.infra.plan']), resource: `arn:aws:events:${REGION}:${CICD}:event-bus/default` })).toBe('denied');
    });

    it('may sign with the request key, read its replies, validate templates and read the artifact buckets', () => {
      expect(decide(policy, { action: 'kms:Sign', resource: REQUEST_KEY_ARN, context: { 'kms:ResourceAliases': ['alias/orgvend-requests'] } })).toBe('allowed');
      expect(decide(policy, { action: 'kms:Sign', resource: REQUEST_KEY_ARN, context: { 'kms:ResourceAliases': ['alias/someone-elses'] } })).toBe('denied');
      for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl']) expect(decide(policy, { action, resource: REPLY_QUEUE, context: {} }), action).toBe('allowed');
      expect(decide(policy, { action: 'sqs:SendMessage', resource: REPLY_QUEUE, context: {} })).toBe('denied');
      expect(decide(policy, { action: 'cloudformation:ValidateTemplate', resource: '*', context: {} })).toBe('allowed');
      expect(decide(policy, { action: 's3:GetObject', resource: 'arn:aws:s3:::example-orgvend-artifacts-us-east-1/templates/vpc/foo/0123.yml', context: {} })).toBe('allowed');
      expect(decide(policy, { action: 's3:GetObject', resource: 'arn:aws:s3:::example-orgvend-artifacts-us-east-1/orgvend/handler-0123.zip', context: {} })).toBe('denied');
    });

    it('may write nothing but its replies\' deletion and visibility: no upload, no role, no policy', () => {
      for (const [action, resource] of [
        ['s3:PutObject', 'arn:aws:s3:::example-orgvend-artifacts-us-east-1/templates/vpc/foo/0123.yml'],
        ['iam:CreateRole', `arn:aws:iam::${CICD}:role/x`],
        ['iam:PutRolePolicy', `arn:aws:iam::${CICD}:role/orgvend-plan`],
        ['iam:PassRole', `arn:aws:iam::${CICD}:role/orgvend-deployer`],
        ['sts:AssumeRole', `arn:aws:iam::${CICD}:role/orgvend-apply`],
        ['kms:CreateKey', '*'],
        ['events:PutRule', BUS],
        ['cloudformation:CreateChangeSet', `arn:aws:cloudformation:${REGION}:${CICD}:stack/orgvend-bootstrap/x`],
      ]) {
        expect(decide(policy, { action: action!, resource, context: {} }), action).toBe('denied');
      }
    });
  });

  describe('the apply role (evaluated)', () => {
    const { policy } = role(render(GITHUB), 'CiApplyRole');

    it('may put requests with the organization\'s source or the plan source, and no other', () => {
      expect(decide(policy, putEvents(['app.infra']))).toBe('allowed');
      expect(decide(policy, putEvents(['app.infra.plan']))).toBe('allowed');
      expect(decide(policy, putEvents(['app.infra.reply'], ['CREATE_OU_RESULT']))).toBe('denied');
      expect(decide(policy, putEvents(['aws.account']))).toBe('denied');
    });

    it('may upload rendered templates under templates/ of the artifact buckets, and nowhere else', () => {
      expect(decide(policy, { action: 's3:PutObject', resource: 'arn:aws:s3:::example-orgvend-artifacts-us-east-1/templates/vpc/foo/0123.yml', context: {} })).toBe('allowed');
      expect(decide(policy, { action: 's3:PutObject', resource: 'arn:aws:s3:::example-orgvend-artifacts-us-east-1/orgvend/handler-0123.zip', context: {} })).toBe('denied');
      expect(decide(policy, { action: 's3:PutObject', resource: 'arn:aws:s3:::another-bucket/templates/x.yml', context: {} })).toBe('denied');
    });
  });

  it('neither role has a wildcard action, an IAM action, or anything the CLI does not call', () => {
    for (const org of [GITHUB, ARNS]) {
      const text = render(org);
      const actions = (id: 'CiPlanRole' | 'CiApplyRole') => [...new Set(role(text, id).policy.Statement.flatMap((s) => [s.Action ?? []].flat()))].sort();
      // Reviewed by hand: a new call of the CLI in the CICD account shows up in this list's diff.
      const plan = ['cloudformation:ValidateTemplate', 'events:PutEvents', 'kms:Sign', 's3:GetObject', 's3:ListBucket', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
      expect(actions('CiPlanRole')).toEqual(plan);
      expect(actions('CiApplyRole')).toEqual([...plan, 's3:PutObject'].sort());
      for (const id of ['CiPlanRole', 'CiApplyRole'] as const) {
        const r = role(text, id);
        expect(actions(id).filter((a) => a.includes('*') || a.startsWith('iam:') || a.startsWith('sts:')), id).toEqual([]);
        expect(r.policy.Statement.every((s) => s.Effect === 'Allow'), id).toBe(true);
        expect(r.resource.Properties.ManagedPolicyArns ?? null, id).toBeNull();
      }
    }
  });

  it('follow the request specs and the actions: every request type, every action\'s calls', () => {
    const put = ciRolePolicy('plan', GITHUB).Statement.find((s) => s.Action.includes('events:PutEvents'))!;
    expect(put.Condition!['ForAllValues:StringEquals']!['events:detail-type']).toEqual(REQUEST_TYPES);
    // On orgvend's bus of any account in the home region, where the CLI puts each request itself; no other bus.
    expect(put.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:*:event-bus/orgvend-infra' });
    // Each action says what it calls in the CICD account, so a new action must.
    expect(Object.keys(CLI_CALLS).sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it('read no artifact bucket when accounts.yml names none', () => {
    const org = { ...GITHUB, artifact_buckets: {} };
    const actions = ciRolePolicy('apply', org).Statement.flatMap((s) => s.Action);
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
  });
});
