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
import { NOT_UPLOADED } from '../../../src/bootstrap/lambda-package.js';
import { renderBootstrap } from '../../../src/bootstrap/render.js';
import { coreAccounts, memberAccount, type BootstrapAccount } from '../../../src/bootstrap/topology.js';
import { parseConfig } from '../../../src/config/load.js';
import { DELEGATED_SERVICE_PRINCIPALS } from '../../../src/config/delegated-services.js';
import { dslText, exampleText } from '../../helpers/dsl.js';
import { SHIPPED_TEMPLATES } from '../../helpers/repo.js';

const templatesDir = SHIPPED_TEMPLATES;
/** A public key as bootstrap reads it from KMS (base64 DER); the template only carries it. */
const REQUEST_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE';
const lambda = { bucket: 'example-orgvend-artifacts', key: 'orgvend/handler-0123456789abcdef.zip', objectVersion: 'Gr8mE9u.c0xQ_7hVpLq2bYzA1kWf3nTd', version: '0.1.0+0123456789abcdef' };

function organization(text = exampleText()) {
  return parseConfig('accounts.yml', text).desired!.organization;
}

/** `account`'s template, for the repository's organization section unless another is given (read once, below). */

function render(account: BootstrapAccount, section?: ReturnType<typeof organization>, withLambda = true) {
  return renderBootstrap({ templatesDir, organization: section ?? org, organizationId: 'o-abc123def4', account, lambda: withLambda ? lambda : undefined, requestKey: REQUEST_KEY });
}

type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };
const resources = (text: string) => (parse(text, { customTags: [{ tag: '!GetAtt', resolve: (v: string) => ({ GetAtt: v }) }, { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) }, { tag: '!Sub', resolve: (v: string) => ({ Sub: v }) }] }) as Template).Resources;

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };
/** The statements of every inline policy of every IAM role in a template (`withCi` false: but the CI roles' and the reader role's, which test/unit/bootstrap/ci-roles.test.ts and reader-role.test.ts check). */
const roleStatements = (text: string, withCi = true) =>
  Object.values(resources(text))
    .filter((r) => r.Type === 'AWS::IAM::Role' && (withCi || !['orgvend-plan', 'orgvend-apply', 'orgvend-reader'].includes(r.Properties.RoleName as string)))
    .flatMap((r) => ((r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement));

/** The handler role's statements. */
const handlerStatements = (text: string) => (resources(text).HandlerRole!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]!.PolicyDocument.Statement;

/** The actions the handler is allowed, each once, in the order the policy first names them. */
/** What a member's handler may do with its own AWS Config recorder (PUT_CONFIG_RECORDER, and GET_PARAMETERS' reads). */
const RECORDER_ACTIONS = [
  'config:DescribeConfigurationRecorderStatus',
  'config:DescribeConfigurationRecorders',
  'config:DescribeDeliveryChannels',
  'config:PutConfigurationRecorder',
  'config:PutDeliveryChannel',
  'config:StartConfigurationRecorder',
  'config:StopConfigurationRecorder',
];
const CONFIG_ROLE = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';

function handlerActions(text: string): string[] {
  return [...new Set(handlerStatements(text).filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()))];
}

const org = organization();
const [management, cicd, audit] = coreAccounts(org);
const delegatedOrg = organization(dslText([[['organization', 'delegated_admin_account_id'], '444444444444']], exampleText()));
const delegatedAdmin = coreAccounts(delegatedOrg)[3]!;
const cicdBeside = coreAccounts(delegatedOrg)[1]!;
/** The account organization.delegated_administrators names for GuardDuty, Security Hub and Config, which organization.security sets. */
const securityAdmin = memberAccount('999999999999', ['member', 'guardduty-admin', 'securityhub-admin', 'config-admin'], 'security');
/** Each kind of account's template: its name, the text, the account and the organization it was rendered for. */
const variants: [string, string, BootstrapAccount, typeof org][] = [
  ['management', render(management!), management!, org],
  ['cicd', render(cicd!), cicd!, org],
  ['audit', render(audit!), audit!, org],
  ['member', render(memberAccount('555555555555')), memberAccount('555555555555'), org],
  ['identity account (a member)', render(memberAccount('777777777777', ['member'], 'identity')), memberAccount('777777777777', ['member'], 'identity'), org],
  ['logs account (a member)', render(memberAccount('888888888888', ['member'], 'logs')), memberAccount('888888888888', ['member'], 'logs'), org],
  ['delegated administrator', render(delegatedAdmin, delegatedOrg), delegatedAdmin, delegatedOrg],
  ['management beside a delegated administrator', render(management!, delegatedOrg), management!, delegatedOrg],
  ['cicd beside a delegated administrator', render(cicdBeside, delegatedOrg), cicdBeside, delegatedOrg],
  ['sandbox management (no Lambda)', render(management!, org, false), management!, org],
  ['security services administrator (a member)', render(securityAdmin), securityAdmin, org],
];

/** The logical ids of the Account Management monitoring resources in a template. */
const accountEventResources = (text: string) => Object.keys(resources(text)).filter((id) => id.startsWith('AccountEvents')).sort();
const auditBusArn = `arn:aws:events:ap-southeast-2:${org.audit_account_id}:event-bus/orgvend-infra-audit`;

/** Every handler may read and write its account's orgvend parameters (PUT_PARAMETERS), and no other. */
const PARAMETER_STATEMENTS = [
  { Sid: expect.any(String), Effect: 'Allow', Action: ['ssm:GetParametersByPath'], Resource: { Sub: 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/orgvend/account' } },
  { Sid: expect.any(String), Effect: 'Allow', Action: ['ssm:DeleteParameters', 'ssm:PutParameter'], Resource: { Sub: 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/orgvend/account/*' } },
];

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
    // One cfn-lint process for ten templates, on a machine that may be busy.
  }, 120_000);

  it('refuses to write anything but an identifier unquoted, whatever the schema let through', () => {
    // The schema refuses these; the renderer holds the template to identifiers on its own.
    for (const [key, value] of [
      ['event_bus', 'orgvend-infra\r  Injected: {Type: "AWS::IAM::Role"}'],
      ['event_source', 'app.infra # comment'],
      ['reply_queue', 'replies"'],
    ] as const) {
      expect(() => render(cicd!, { ...org, [key]: value }), key).toThrow(`bootstrap.yml.njk would be given ${JSON.stringify(value)}`);
    }
  });

  it('renders the plan of a first bootstrap, whose handler code is not uploaded yet', () => {
    const text = renderBootstrap({ templatesDir, organization: org, organizationId: 'o-abc123def4', account: management!, lambda: { ...lambda, objectVersion: NOT_UPLOADED }, requestKey: REQUEST_KEY });
    expect((resources(text).HandlerFunction!.Properties.Code as { S3ObjectVersion: string }).S3ObjectVersion).toBe(NOT_UPLOADED);
  });

  it('renders the same bytes twice', () => {
    expect(render(cicd!)).toBe(render(cicd!));
  });

  it('lets only the CICD account put requests on a bus, and only with the orgvend sources (the plan source for dry runs)', () => {
    const policy = resources(render(management!)).CicdMayPutEvents!.Properties;
    expect(policy.Statement).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${org.cicd_account_id}:root` },
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'events:source': ['app.infra', 'app.infra.plan'] } },
    });
  });

  it('carries plan-source requests wherever requests travel (rules, audit copies), and replies with the reply source alone', () => {
    for (const [name, text] of variants) {
      const rules = Object.entries(resources(text)).filter(([, r]) => r.Type === 'AWS::Events::Rule');
      for (const [id, rule] of rules) {
        const sources = (rule.Properties.EventPattern as { source: string[] }).source;
        if (sources.includes('app.infra')) expect(sources, `${name} ${id}`).toContain('app.infra.plan');
        else expect(sources, `${name} ${id}`).not.toContain('app.infra.plan');
      }
      // Not vacuous: every account has request rules, and an audit copy rule that carries all three.
      expect(rules.filter(([, r]) => (r.Properties.EventPattern as { source: string[] }).source.includes('app.infra.plan')).length, name).toBeGreaterThan(1);
      expect((resources(text).AuditCopyRule!.Properties.EventPattern as { source: string[] }).source, name).toEqual(['app.infra', 'app.infra.plan', 'app.infra.reply']);
    }
    const auditPolicy = resources(render(audit!)).OrganizationMayPutAuditCopies!.Properties.Statement as Statement;
    expect(auditPolicy.Condition!['ForAllValues:StringEquals']).toEqual({ 'events:source': ['app.infra', 'app.infra.plan', 'app.infra.reply', 'aws.account'] });
  });

  // moto does not evaluate resource policies: these assert the rendered statements, and
  // test/integration/transport.test.ts performs what the emulator lets it.
  it('admits replies on the CICD bus only from the organization, through orgvend\'s forwarding role', () => {
    expect(resources(render(management!)).OrganizationMayPutReplies).toBeUndefined();
    expect(resources(render(cicd!)).OrganizationMayPutReplies!.Properties.Statement).toEqual({
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: { GetAtt: 'EventBus.Arn' },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4', 'events:source': 'app.infra.reply' },
        ArnLike: { 'aws:PrincipalArn': { Sub: 'arn:${AWS::Partition}:iam::*:role/orgvend-event-forwarder' } },
      },
    });
  });

  it('refuses replies on any orgvend bus from anyone but its handler (and, on the CICD bus, the forwarding role)', () => {
    for (const [name, text, account] of variants) {
      expect(resources(text).OnlyOrgvendPutsReplies!.Properties.Statement, name).toEqual({
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: { GetAtt: 'EventBus.Arn' },
        Condition: {
          'ForAnyValue:StringEquals': { 'events:source': 'app.infra.reply' },
          ArnNotLike: {
            'aws:PrincipalArn': [
              { Sub: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orgvend-handler' },
              ...(account.isCicd ? [{ Sub: 'arn:${AWS::Partition}:iam::*:role/orgvend-event-forwarder' }] : []),
            ],
          },
        },
      });
    }
  });

  it('lets nothing but orgvend\'s rules put a message on the request and reply queues, with an explicit Deny for everyone else', () => {
    for (const [name, text, account] of variants) {
      const r = resources(text);
      const requestRules = [...(r.RequestsByTypeRule ? [{ GetAtt: 'RequestsByTypeRule.Arn' }] : []), { GetAtt: 'RequestsForThisAccountRule.Arn' }, { GetAtt: 'RequestsNotServedHereRule.Arn' }];
      const queues: [string, unknown][] = [['RequestQueuePolicy', requestRules]];
      if (account.isCicd) queues.push(['ReplyQueuePolicy', { GetAtt: 'RepliesToQueueRule.Arn' }]);
      for (const [policy, rule] of queues) {
        const statements = (r[policy]!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
        expect(statements.find((st) => st.Effect === 'Deny'), `${name} ${policy}`).toEqual({
          Sid: 'NothingElseDelivers',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:SendMessage',
          Resource: statements[0]!.Resource,
          Condition: { ArnNotEquals: { 'aws:SourceArn': rule } },
        });
      }
    }
  });

  it('lets a bus\'s request rules take only what the CICD account put (EventBridge\'s account field)', () => {
    for (const [name, text] of variants) {
      const r = resources(text);
      for (const id of ['RequestsByTypeRule', 'RequestsForThisAccountRule', 'RequestsNotServedHereRule'].filter((id) => r[id])) {
        expect((r[id]!.Properties.EventPattern as { account: string[] }).account, `${name} ${id}`).toEqual([org.cicd_account_id]);
      }
    }
  });

  it('gives the management handler exactly the Organizations actions its requests need, on this organization\'s resources', () => {
    const text = render(management!);
    // Each action that takes a resource has this organization's (or AWS's own policies), never "*".
    const takesNoResource = [
      'organizations:CreateAccount',
      'organizations:CreatePolicy',
      'organizations:DescribeCreateAccountStatus',
      'organizations:DescribeOrganization',
      'organizations:EnableAWSServiceAccess',
      'organizations:ListAWSServiceAccessForOrganization',
      'organizations:ListAccounts',
      'organizations:ListCreateAccountStatus',
      'organizations:ListDelegatedAdministrators',
      'organizations:ListPolicies',
      'organizations:ListRoots',
      // Identity Center's, which shares the statement of actions on "*".
      'sso:ListInstances',
      // sync-security's designation of GuardDuty's and Security Hub's own administrators (ENABLE_SERVICE_ADMIN), which take no resource.
      'guardduty:EnableOrganizationAdminAccount',
      'guardduty:ListOrganizationAdminAccounts',
      'securityhub:EnableOrganizationAdminAccount',
      'securityhub:ListOrganizationAdminAccounts',
    ];
    for (const statement of handlerStatements(text).filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('organizations:')))) {
      const resources = [statement.Resource].flat().map((r) => (typeof r === 'string' ? r : (r as { Sub: string }).Sub));
      if (resources.includes('*')) expect(takesNoResource, JSON.stringify(statement)).toEqual(expect.arrayContaining([statement.Action].flat()));
      else for (const resource of resources) expect(resource).toMatch(/^arn:\$\{AWS::Partition\}:organizations::(\$\{AWS::AccountId\}:(account|ou|root|policy)\/o-abc123def4\/|aws:policy\/service_control_policy\/)/);
    }
    // Trusted access and delegated administration, for the Account Management API (bootstrap) and sync-security's services alone.
    const principalsOf = (s: Statement) => [(s.Condition as { StringEquals: Record<string, string | string[]> }).StringEquals['organizations:ServicePrincipal']!].flat();
    const changing = (actions: string[]) => handlerStatements(text).filter((s) => [s.Action].flat().some((a) => actions.includes(a)));
    const registering = changing(['organizations:EnableAWSServiceAccess', 'organizations:RegisterDelegatedAdministrator']);
    expect(registering.length).toBeGreaterThan(0);
    for (const statement of registering) expect(['account.amazonaws.com', ...DELEGATED_SERVICE_PRINCIPALS]).toEqual(expect.arrayContaining(principalsOf(statement)));
    // Deregistering never reaches the Account Management API's delegated administrator.
    const deregistering = changing(['organizations:DeregisterDelegatedAdministrator']);
    expect(deregistering.length).toBeGreaterThan(0);
    for (const statement of deregistering) expect(principalsOf(statement).sort()).toEqual([...DELEGATED_SERVICE_PRINCIPALS].sort());
    // Policy types: enabled only for the five orgvend manages, and their policies by their own ARNs.
    const enabling = handlerStatements(text).filter((s) => [s.Action].flat().includes('organizations:EnablePolicyType'));
    expect(enabling.map((s) => [s.Action, s.Condition])).toEqual([
      [['organizations:EnablePolicyType'], { StringEquals: { 'organizations:PolicyType': ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY', 'AISERVICES_OPT_OUT_POLICY'] } }],
    ]);
    const updating = handlerStatements(text).find((s) => [s.Action].flat().includes('organizations:UpdatePolicy'))!;
    expect([updating.Resource].flat().map((r) => (typeof r === 'string' ? r : (r as { Sub: string }).Sub).replace(/.*:policy\/o-abc123def4\//, ''))).toEqual(
      expect.arrayContaining(['service_control_policy/p-*', 'tag_policy/p-*', 'backup_policy/p-*', 'aiservices_opt_out_policy/p-*', 'resource_control_policy/p-*']),
    );
    const actions = handlerActions(text);
    // Reviewed by hand: a new request type that needs more shows up in this list's diff.
    expect(actions.filter((a) => a.startsWith('organizations:')).sort()).toEqual([
      'organizations:AttachPolicy',
      'organizations:CloseAccount',
      'organizations:CreateAccount',
      'organizations:CreateOrganizationalUnit',
      'organizations:CreatePolicy',
      'organizations:DeleteOrganizationalUnit',
      'organizations:DeletePolicy',
      'organizations:DeregisterDelegatedAdministrator',
      'organizations:DescribeAccount',
      'organizations:DescribeCreateAccountStatus',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:DetachPolicy',
      'organizations:EnableAWSServiceAccess',
      'organizations:EnablePolicyType',
      'organizations:ListAWSServiceAccessForOrganization',
      'organizations:ListAccounts',
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

  it('lets the management handler assume only the role Organizations makes in member accounts and the read-only reader role, and no other handler assume any role', () => {
    const assume = (text: string) => (resources(text).HandlerRole!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]!.PolicyDocument.Statement.filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume(render(management!))).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        // BOOTSTRAP_ACCOUNTS, and READ_ACCOUNTS.
        Resource: [{ Sub: 'arn:${AWS::Partition}:iam::*:role/OrganizationAccountAccessRole' }, { Sub: 'arn:${AWS::Partition}:iam::*:role/orgvend-reader' }],
        // In this organization's accounts only.
        Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-abc123def4' } },
      },
    ]);
    for (const account of [cicd!, audit!, memberAccount('555555555555'), delegatedAdmin]) expect(assume(render(account, account === delegatedAdmin ? delegatedOrg : org))).toEqual([]);
  });

  it('gives the management handler neither AssumeRole into OrganizationAccountAccessRole nor the member bootstrap when bootstrap_new_accounts is false', () => {
    const off = organization(dslText([[['organization', 'bootstrap_new_accounts'], false]], exampleText()));
    const text = render(coreAccounts(off)[0]!, off);
    // The reader role alone (READ_ACCOUNTS).
    expect(handlerStatements(text).filter((s) => [s.Action].flat().includes('sts:AssumeRole')).map((s) => s.Resource)).toEqual([{ Sub: 'arn:${AWS::Partition}:iam::*:role/orgvend-reader' }]);
    expect((resources(text).HandlerFunction!.Properties.Environment as { Variables: Record<string, string> }).Variables.ORGVEND_BOOTSTRAP).toBeUndefined();
    // What only BOOTSTRAP_ACCOUNTS needs goes (its sts:AssumeRole, above); everything else the
    // management handler serves stays, organizations:ListAccounts too, which PUT_TRAIL needs.
    const onlyForBootstraps: string[] = [];
    expect(handlerActions(text)).toEqual(handlerActions(render(management!)).filter((a) => !onlyForBootstraps.includes(a)));
  });

  it('tells every handler the core accounts it must never act on and the key it verifies requests with', () => {
    const environment = (text: string) => (resources(text).HandlerFunction!.Properties.Environment as { Variables: Record<string, string> }).Variables;
    for (const [name, text, , o] of variants.filter(([name]) => !name.includes('no Lambda'))) {
      expect(environment(text), name).toMatchObject({ ORGVEND_CICD_ACCOUNT_ID: o.cicd_account_id, ORGVEND_AUDIT_ACCOUNT_ID: o.audit_account_id, ORGVEND_REQUEST_KEY: REQUEST_KEY });
      expect(environment(text).ORGVEND_DELEGATED_ADMIN_ACCOUNT_ID, name).toBe(o.delegated_admin_account_id);
    }
  });

  it('gives the management handler what it bootstraps new members from, and no other handler', () => {
    const environment = (text: string) => (resources(text).HandlerFunction!.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const given = JSON.parse(environment(render(management!)).ORGVEND_BOOTSTRAP!) as { organization: Record<string, unknown>; lambda: unknown };
    expect(given.lambda).toEqual(lambda);
    // The topology alone: not the SCP attachments, limits or account patterns of the organization section.
    // With the CI identity and the artifact buckets, from which the CICD account's stack renders its CI roles.
    expect(Object.keys(given.organization).sort()).toEqual(['artifact_buckets', 'audit_account_id', 'bootstrap_new_accounts', 'ci', 'cicd_account_id', 'customizations', 'dns_account', 'event_bus', 'event_source', 'home_region', 'identity_account', 'logs_account', 'management_account_id', 'reply_queue', 'security_admins']);
    expect(given.organization.cicd_account_id).toBe(org.cicd_account_id);
    for (const account of [cicd!, audit!, memberAccount('555555555555')]) expect(environment(render(account)).ORGVEND_BOOTSTRAP).toBeUndefined();
  });

  it('pins every account\'s handler Lambda to the object version of its code bootstrap checked, and names the code\'s hash', () => {
    for (const [name, text] of variants.filter(([n]) => !n.includes('no Lambda'))) {
      const fn = resources(text).HandlerFunction!.Properties;
      expect(fn.Code, name).toEqual({ S3Bucket: lambda.bucket, S3Key: lambda.key, S3ObjectVersion: lambda.objectVersion });
      expect(fn.Description, name).toBe(`orgvend request handler ${lambda.version}`);
      expect((fn.Environment as { Variables: Record<string, string> }).Variables.ORGVEND_VERSION, name).toBe(lambda.version);
    }
  });

  it('denies the management handler moving, closing or removing the management and core accounts, whatever a request asks', () => {
    for (const [name, o] of [['without', org], ['with a delegated administrator', delegatedOrg]] as const) {
      const deny = handlerStatements(render(management!, o)).filter((st) => st.Effect === 'Deny');
      expect(deny, name).toEqual([
        {
          Sid: 'NeverTheCoreAccounts',
          Effect: 'Deny',
          Action: ['organizations:CloseAccount', 'organizations:MoveAccount', 'organizations:RemoveAccountFromOrganization'],
          Resource: coreAccounts(o).map((a) => ({ Sub: `arn:\${AWS::Partition}:organizations::\${AWS::AccountId}:account/o-abc123def4/${a.id}` })),
        },
      ]);
    }
    const others = (text: string) => handlerStatements(text).filter((st) => st.Effect === 'Deny' && st.Sid !== 'NeverTheBootstrapStack');
    for (const [name, text, account] of variants) if (!account.roles.includes('management')) expect(others(text), name).toEqual([]);
  });

  it("denies a handler that deploys stacks anything on orgvend's own stack, which the orgvend-* stacks it may deploy take in", () => {
    for (const [name, text] of variants) {
      if (!resources(text).HandlerRole) continue;
      const stackActions = handlerStatements(text).filter((st) => st.Effect === 'Allow').flatMap((st) => [st.Action].flat()).filter((a) => a.startsWith('cloudformation:') && a !== 'cloudformation:ListStacks');
      const deny = handlerStatements(text).filter((st) => st.Sid === 'NeverTheBootstrapStack');
      expect(deny, name).toEqual(stackActions.length ? [{ Sid: 'NeverTheBootstrapStack', Effect: 'Deny', Action: [...new Set(stackActions)].sort(), Resource: { Sub: 'arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/orgvend-bootstrap/*' } }] : []);
    }
  });

  it('gives the management handler nothing for parameters or stacks, which it never has: SSM only for its create-account ledger', () => {
    const text = render(management!);
    expect(handlerActions(text).filter((a) => a.startsWith('cloudformation:') || a === 'iam:PassRole')).toEqual([]);
    expect(text).not.toMatch(/DEPLOY_STACK|PUT_PARAMETERS/);
    const ssm = handlerStatements(text).filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(ssm).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
        Resource: { Sub: 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/orgvend/create-account/*' },
      },
    ]);
  });

  it('gives a member account\'s handler nothing beyond its queue, its bus, its log, its parameters, its S3 Block Public Access, its Config recorder and orgvend\'s deployed stacks', () => {
    for (const account of [cicd!, audit!, memberAccount('555555555555')]) {
      const text = render(account);
      expect(handlerActions(text)).toEqual([
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'events:PutEvents',
        // The nonce ledger: a request acts once.
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        // GET_STACKS lists the stacks orgvend owns (names and statuses): ListStacks takes no resource.
        'cloudformation:ListStacks',
        // The account's own Config recorder and delivery channel (they take no resource).
        ...RECORDER_ACTIONS,
        // The account's own S3 Block Public Access (an account-level setting: no resource).
        's3:GetAccountPublicAccessBlock',
        's3:PutAccountPublicAccessBlock',
        // Any other orgvend-* stack, only when DEPLOY_STACK tagged it (GET_STACKS, DELETE_STACK).
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStacks',
        'cloudformation:GetTemplate',
        // A stack a failed update left in UPDATE_ROLLBACK_FAILED; the change sets a stopped run left.
        'cloudformation:ContinueUpdateRollback',
        'cloudformation:CreateChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:ListChangeSets',
        // The change set's tags, which make the stack orgvend's.
        'cloudformation:TagResource',
        // Config's service-linked role, made when missing, read and passed to Config alone (below).
        'iam:CreateServiceLinkedRole',
        'iam:PassRole',
        'iam:GetRole',
        'ssm:GetParametersByPath',
        'ssm:DeleteParameters',
        'ssm:PutParameter',
      ]);
      const statements = roleStatements(text, false);
      const cfn = statements.filter((st) => st.Effect === 'Allow' && [st.Action].flat().some((a) => a.startsWith('cloudformation:')));
      // The stacks rendered from templates/, the IAM mapping's by their prefix (never orgvend-bootstrap); listing only names.
      // orgvend-* takes in the team's templates' stacks (orgvend-<template>) to deploy; orgvend-bootstrap is denied (below), and is never tagged orgvend:template.
      const deployed = ['orgvend-*', 'orgvend-ecr-repositories', 'orgvend-identity-iam-mapping-*', 'orgvend-log-buckets', 'orgvend-vpc'];
      expect(cfn.map((st) => [st.Action, st.Resource, st.Condition ?? null])).toEqual([
        // With the account-level S3 setting and Config recorder, which take no resource either.
        [['cloudformation:ListStacks', ...RECORDER_ACTIONS, 's3:GetAccountPublicAccessBlock', 's3:PutAccountPublicAccessBlock'], '*', null],
        [
          ['cloudformation:DeleteStack', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
          { Sub: 'arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/orgvend-*/*' },
          { Null: { 'aws:ResourceTag/orgvend:template': 'false' } },
        ],
        [expect.arrayContaining(['cloudformation:CreateChangeSet', 'cloudformation:DeleteStack']), deployed.map((stack) => ({ Sub: `arn:\${AWS::Partition}:cloudformation:*:\${AWS::AccountId}:stack/${stack}/*` })), null],
      ]);
      // The handler may pass only Config's service-linked role, to Config, and the deployer role; the deployer only the flow log role, only to flow logs.
      const passed = statements.filter((st) => [st.Action].flat().includes('iam:PassRole')).map((st) => [st.Resource, st.Condition ?? null]);
      expect(passed).toEqual([
        [{ GetAtt: 'FlowLogRole.Arn' }, { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } }],
        [{ Sub: CONFIG_ROLE }, { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } }],
        [{ Sub: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orgvend-deployer' }, null],
      ]);
      // The one service-linked role that may be made is Config's, whose policy is AWS's.
      const linked = statements.filter((st) => [st.Action].flat().includes('iam:CreateServiceLinkedRole'));
      expect(linked.map((st) => [[st.Action].flat(), st.Resource, st.Condition ?? null])).toEqual([
        [['iam:CreateServiceLinkedRole'], { Sub: CONFIG_ROLE }, { StringEquals: { 'iam:AWSServiceName': 'config.amazonaws.com' } }],
      ]);
      const ssm = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('ssm:')));
      expect(ssm.map(({ Action, Resource }) => ({ Action, Resource }))).toEqual(PARAMETER_STATEMENTS.map(({ Action, Resource }) => ({ Action, Resource })));
    }
  });

  it("gives GuardDuty's, Security Hub's and Config's actions, and the aggregator's role, to their delegated administrator's handler alone", () => {
    // Every member's handler puts its own Config recorder (RECORDER_ACTIONS); the organization's services are the administrator's.
    const services = /^(guardduty|securityhub|config):/;
    const serviceActions = (text: string) => handlerActions(text).filter((a) => services.test(a) && !RECORDER_ACTIONS.includes(a));
    for (const [name, text, account] of variants) {
      if (account === securityAdmin || !resources(text).HandlerRole) continue;
      // The management account designates GuardDuty's and Security Hub's administrators (ENABLE_SERVICE_ADMIN), and sets nothing of theirs.
      const allowed = account.roles.includes('management') ? ['guardduty:EnableOrganizationAdminAccount', 'guardduty:ListOrganizationAdminAccounts', 'securityhub:EnableOrganizationAdminAccount', 'securityhub:ListOrganizationAdminAccounts'] : [];
      expect(serviceActions(text).sort(), name).toEqual(allowed);
      expect(resources(text).ConfigAggregatorRole, name).toBeUndefined();
    }
    const text = render(securityAdmin);
    expect(serviceActions(text).sort()).toEqual([
      'config:DescribeConfigurationAggregators',
      'config:PutConfigurationAggregator',
      'config:TagResource',
      'guardduty:CreateDetector',
      'guardduty:DescribeOrganizationConfiguration',
      'guardduty:ListDetectors',
      'guardduty:TagResource',
      'guardduty:UpdateOrganizationConfiguration',
      'securityhub:DescribeHub',
      'securityhub:DescribeOrganizationConfiguration',
      'securityhub:EnableSecurityHub',
      'securityhub:TagResource',
      'securityhub:UpdateOrganizationConfiguration',
    ]);
    for (const type of ['GET_GUARDDUTY', 'PUT_SECURITYHUB', 'PUT_CONFIG_AGGREGATOR']) expect(text).toContain(type);
    const role = resources(text).ConfigAggregatorRole!.Properties;
    expect(role.RoleName).toBe('orgvend-config-aggregator');
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('config.amazonaws.com');
  });

  it('lets only the DNS account\'s handler read and write records, and routes record requests only to it', () => {
    const member = render(memberAccount('555555555555'));
    const dns = render(memberAccount('666666666666', ['member', 'dns']));
    expect(handlerActions(member).filter((a) => a.startsWith('route53:'))).toEqual([]);
    expect(handlerActions(dns).filter((a) => a.startsWith('route53:')).sort()).toEqual(['route53:ChangeResourceRecordSets', 'route53:ListHostedZones', 'route53:ListResourceRecordSets']);
    expect(member).not.toContain('CREATE_RECORD');
    expect(dns).toContain('CREATE_RECORD');
  });

  it('never grants a wildcard action, in any role', () => {
    for (const [name, text] of variants) {
      expect(roleStatements(text).flatMap((s) => [s.Action].flat()).filter((a) => a.includes('*')), name).toEqual([]);
    }
  });

  it('serves management requests by type on the management bus, and forwards none from the CICD bus', () => {
    expect([...(resources(render(management!)).RequestsByTypeRule!.Properties.EventPattern as { 'detail-type': string[] })['detail-type']].sort()).toEqual([
      'LIST_OUS',
      'LIST_ACCOUNTS',
      'CREATE_OU',
      'CREATE_ACCOUNT',
      'MOVE_ACCOUNT',
      'TAG_ACCOUNT',
      'RECORD_APPLIED',
      'RETIRE_ACCOUNT',
      'CLOSE_ACCOUNT',
      'DESCRIBE_ACCOUNTS',
      'LIST_POLICIES',
      'ENABLE_POLICY_TYPE',
      'PUT_POLICY',
      'ATTACH_POLICY',
      'DETACH_POLICY',
      'DELETE_POLICY',
      'REGISTER_DELEGATED_ADMIN',
      'LIST_DELEGATED_ADMINS',
      'ENABLE_TRUSTED_ACCESS',
      'DEREGISTER_DELEGATED_ADMIN',
      'GET_TRAIL',
      'PUT_TRAIL',
      // GuardDuty's and Security Hub's own administrators, designated from the management account.
      'GET_SERVICE_ADMINS',
      'ENABLE_SERVICE_ADMIN',
      'BOOTSTRAP_ACCOUNTS',
      'READ_ACCOUNTS',
      // Without a delegated administrator, the management account serves its types too.
      'GET_CONTACTS',
      'PUT_CONTACTS',
      'GET_REGIONS',
      'ENABLE_REGION',
      'DISABLE_REGION',
      // Identity Center (sync-access).
      'GET_IDENTITY_CENTER',
      'GET_ASSIGNMENTS',
      'PUT_PERMISSION_SET',
      'CREATE_ASSIGNMENT',
      'DELETE_ASSIGNMENT',
    ].sort());
    // The CLI puts each request on the bus of the account that serves it: the CICD bus's rules
    // deliver replies to the queue and copies to the audit bus, and requests only to its own queue.
    const targets = Object.values(resources(render(cicd!)))
      .filter((x) => x.Type === 'AWS::Events::Rule')
      .flatMap((x) => (x.Properties.Targets as { Arn: unknown }[]).map((t) => JSON.stringify(t.Arn)));
    // (Requests: those it serves, and those it does not, to be refused with an answer.)
    expect(targets.sort()).toEqual([{ GetAtt: 'ReplyQueue.Arn' }, { GetAtt: 'RequestQueue.Arn' }, { GetAtt: 'RequestQueue.Arn' }, auditBusArn].map((t) => JSON.stringify(t)).sort());
  });

  it('passes the CICD account\'s requests of every type an account does not serve to its handler, to be refused with an answer rather than dropped', () => {
    for (const [name, text] of variants) {
      const r = resources(text);
      const pattern = r.RequestsNotServedHereRule!.Properties.EventPattern as { 'detail-type': [{ 'anything-but': string[] }]; source: string[] };
      const served = [
        ...((r.RequestsByTypeRule?.Properties.EventPattern as { 'detail-type': string[] } | undefined)?.['detail-type'] ?? []),
        ...(r.RequestsForThisAccountRule!.Properties.EventPattern as { 'detail-type': string[] })['detail-type'],
      ];
      // Exactly the complement of what the other two rules pass: no request reaches the queue twice, none is dropped.
      expect([...pattern['detail-type'][0]['anything-but']].sort(), name).toEqual([...served].sort());
      expect(pattern.source, name).toEqual((r.RequestsForThisAccountRule!.Properties.EventPattern as { source: string[] }).source);
    }
  });

  it('sends a delegated administrator its own request types when there is one', () => {
    const types = (account: BootstrapAccount) => (resources(render(account, delegatedOrg)).RequestsByTypeRule!.Properties.EventPattern as { 'detail-type': string[] })['detail-type'];
    expect(types(coreAccounts(delegatedOrg)[0]!)).not.toContain('PUT_CONTACTS');
    expect(types(delegatedAdmin)).toEqual(['GET_CONTACTS', 'PUT_CONTACTS', 'GET_REGIONS', 'ENABLE_REGION', 'DISABLE_REGION']);
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
    // The one role left is EventBridge's, for the rules that forward to other buses.
    expect(Object.entries(r).filter(([, x]) => x.Type === 'AWS::IAM::Role').map(([id]) => id)).toEqual(['EventForwarderRole']);
    expect(r.RequestQueue).toBeDefined();
  });
});

/**
 * IAM actions that make a principal, or change what a role, user or group may do (its
 * policies, its trust, its boundary, its tags, which conditions may read): a role holding
 * any of them could make one stronger than itself.
 */
const GRANTING = /^(sts:.*|iam:(Create(Role|ServiceLinkedRole|User|Group|InstanceProfile|LoginProfile|AccessKey|ServiceSpecificCredential|OpenIDConnectProvider|SAMLProvider)|Put\w*(Policy|PermissionsBoundary)|Delete\w*PermissionsBoundary|Attach\w*Policy|Update(AssumeRolePolicy|Role|LoginProfile|AccessKey)|SetDefaultPolicyVersion|(Tag|Untag)(Role|User)|AddRoleToInstanceProfile|AddUserToGroup|.*\*.*))$/;

/**
 * moto evaluates no IAM policy, so no deployment on the emulator can show what a role may not
 * do: these tests read the statements the rendered template gives it (and cfn-lint, above,
 * checks the same templates are valid).
 */
describe('the deployer role, through which every DEPLOY_STACK template is deployed', () => {
  const members = variants.filter(([, text]) => resources(text).DeployerRole);
  const deployer = (text: string) => (resources(text).DeployerRole!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const actions = (s: Statement) => [s.Action].flat();
  /** The statements for orgvend's own templates; those for the team's (organization.customizations) start with Customization. */
  const orgvends = (text: string) => deployer(text).filter((st) => !st.Sid?.startsWith('Customization'));
  const team = (text: string) => deployer(text).filter((st) => st.Sid?.startsWith('Customization'));

  it("may make the team's allowed types, in its own account only, and roles only under orgvend's path and with orgvend's boundary", () => {
    // AWS's SecurityAudit: it reads configuration and changes nothing, so no role the deployer makes can change anything.
    const boundary = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/SecurityAudit' };
    const roles = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orgvend-customization/*' };
    for (const [name, text] of members) {
      const statements = team(text);
      expect(statements.map((st) => st.Sid), name).toEqual(['CustomizationBudgetsBudget', 'CustomizationIAMRole', 'CustomizationIAMRoleWithBoundary']);
      // Every action that grants: on the customization path, only with the boundary; none removes a boundary.
      const granting = statements.filter((st) => actions(st).some((a) => GRANTING.test(a) && !/^iam:(Tag|Untag|Update)/.test(a)));
      expect(granting.map((st) => [st.Sid, st.Resource, st.Condition]), name).toEqual([['CustomizationIAMRoleWithBoundary', roles, { StringEquals: { 'iam:PermissionsBoundary': boundary } }]]);
      expect(statements.flatMap(actions).filter((a) => /Delete\w*PermissionsBoundary|\*/.test(a)), name).toEqual([]);
      expect(statements.find((st) => st.Sid === 'CustomizationIAMRole')!.Resource, name).toEqual(roles);
    }
  });

  it("gives no grant for the team's templates where accounts.yml allows them no type", () => {
    const none = { ...org, customizations: { allowed_resource_types: [] } };
    expect(team(render(memberAccount('555555555555'), none))).toEqual([]);
  });

  it('is in every account but the management account, which deploys nothing from templates/', () => {
    expect(members.map(([name]) => name)).toEqual(variants.map(([name]) => name).filter((n) => !n.startsWith('management') && !n.startsWith('sandbox management')));
  });

  it('can make no role, user or policy attachment and change what none may do, but for the team\'s roles under its boundary (below): a template it deploys can hold no more than it does', () => {
    for (const [name, text, account] of members) {
      expect(orgvends(text).flatMap(actions).filter((a) => GRANTING.test(a)), name).toEqual([]);
      // Every action on a role: pass the bootstrap stack's flow log role to VPC flow logs, and
      // delete the flow log roles VPC stacks made for themselves before (removing permissions only).
      const onRoles = orgvends(text).filter((s) => actions(s).some((a) => /^iam:\w*Role/.test(a)));
      expect(onRoles.map((s) => [s.Action, s.Resource, s.Condition ?? null]), name).toEqual([
        ['iam:PassRole', { GetAtt: 'FlowLogRole.Arn' }, { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } }],
        [['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'], { Sub: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orgvend-vpc-FlowLogRole-*' }, null],
      ]);
      // Managed policies only in the identity account, under the IAM mapping's prefix, and it can attach them to nothing.
      const onPolicies = orgvends(text).filter((s) => actions(s).some((a) => /^iam:\w*Polic(y|ies)/.test(a) && !/^iam:\w*RolePolic/.test(a)));
      expect(onPolicies.map((s) => s.Resource), name).toEqual(account.name === 'identity' ? [{ Sub: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/orgvend-assume-*' }] : []);
    }
  });

  it('may make what a stack that goes to one account only makes in that account alone', () => {
    const sids = (text: string) => deployer(text).map((s) => s.Sid);
    const oneAccountOnly = ['IdentityMappingPolicies', 'LogBucket', 'EcrRepositories'];
    expect(Object.fromEntries(members.map(([name, text]) => [name, sids(text).filter((sid) => oneAccountOnly.includes(sid!))]))).toEqual({
      cicd: ['EcrRepositories'],
      audit: [],
      member: [],
      'identity account (a member)': ['IdentityMappingPolicies'],
      'logs account (a member)': ['LogBucket'],
      'delegated administrator': [],
      'cicd beside a delegated administrator': ['EcrRepositories'],
      'security services administrator (a member)': [],
    });
    // A VPC may go to any account: every deployer role may make one.
    for (const [name, text] of members) expect(sids(text), name).toEqual(expect.arrayContaining(['Vpc', 'FlowLogGroup', 'PassFlowLogRole']));
  });

  it('gets a flow log role that only VPC flow logs of its account may assume, and that may only write to the VPC template\'s flow log group', () => {
    for (const [name, text] of members) {
      const role = resources(text).FlowLogRole!.Properties;
      expect(role.RoleName, name).toBe('orgvend-vpc-flow-logs');
      expect((role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement, name).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { Sub: 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:vpc-flow-log/*' } },
          },
        },
      ]);
      const statements = (role.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
      expect(statements.map((s) => [s.Action, s.Resource]), name).toEqual([
        [['logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], { Sub: 'arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:orgvend-vpc-flow-logs:*' }],
      ]);
      expect(role.ManagedPolicyArns ?? role.PermissionsBoundary ?? null, name).toBeNull();
    }
  });
});

describe('Account Management monitoring in the bootstrap template', () => {
  it('forwards aws.account events from the default bus of the account that calls the API, and from no other', () => {
    const forwarding = ['AccountEventsForwardRule'];
    expect(accountEventResources(render(management!))).toEqual(forwarding);
    expect(accountEventResources(render(delegatedAdmin, delegatedOrg))).toEqual(forwarding);
    // With a delegated administrator, the management account no longer calls the API.
    expect(accountEventResources(render(management!, delegatedOrg))).toEqual([]);
    for (const account of [cicd!, memberAccount('555555555555')]) expect(accountEventResources(render(account))).toEqual([]);

    const rule = resources(render(management!)).AccountEventsForwardRule!.Properties;
    expect(rule).toMatchObject({ Name: 'orgvend-account-events', EventBusName: 'default', EventPattern: { source: ['aws.account'] } });
    expect(rule.Targets).toEqual([{ Arn: auditBusArn, Id: 'audit-bus', RoleArn: { GetAtt: 'EventForwarderRole.Arn' } }]);
  });

  it('lets EventBridge use the forwarding role for that default-bus rule only where the account calls the API', () => {
    const trust = (text: string) => (resources(text).EventForwarderRole!.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement[0]!.Condition!;
    const busRules = { Sub: 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/orgvend-infra/*' };
    const defaultBusRule = { Sub: 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/orgvend-account-events' };
    expect(trust(render(management!))).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': [busRules, defaultBusRule] },
    });
    expect(trust(render(delegatedAdmin, delegatedOrg)).ArnLike).toEqual({ 'aws:SourceArn': [busRules, defaultBusRule] });
    expect(trust(render(management!, delegatedOrg)).ArnLike).toEqual({ 'aws:SourceArn': [busRules] });
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

/** Every rule target in a template that is an event bus: the rule, the bus it listens to, its sources, the target. */
function busTargets(text: string) {
  return Object.entries(resources(text))
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .flatMap(([id, r]) =>
      (r.Properties.Targets as { Arn: unknown; Id: string; RoleArn?: unknown }[])
        .filter((t) => typeof t.Arn === 'string' && /:event-bus\//.test(t.Arn))
        .map((t) => {
          const [, account, bus] = /^arn:aws:events:[^:]+:(\d{12}):event-bus\/(.+)$/.exec(t.Arn as string)!;
          return { rule: id, from: r.Properties.EventBusName, sources: (r.Properties.EventPattern as { source: string[] }).source, account: account!, bus: bus!, target: t };
        }),
    );
}

const forwarderStatements = (text: string) =>
  ((resources(text).EventForwarderRole!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement));

describe('rules that forward to another event bus', () => {
  it('send every event bus target through the forwarding role, including every bus in another account', () => {
    for (const [name, text, account] of variants) {
      const targets = busTargets(text);
      // Not vacuous: every account sends something to another account's bus.
      expect(targets.filter((t) => t.account !== account.id).length, name).toBeGreaterThan(0);
      for (const t of targets) expect(t.target.RoleArn, `${name}: ${t.rule}`).toEqual({ GetAtt: 'EventForwarderRole.Arn' });
    }
  });

  it('let the forwarding role put events on exactly the buses its account\'s rules target, and do nothing else', () => {
    for (const [name, text] of variants) {
      const targeted = [...new Set(busTargets(text).map((t) => t.target.Arn as string))].sort();
      expect(forwarderStatements(text), name).toEqual([{ Sid: 'PutOnTargetBuses', Effect: 'Allow', Action: 'events:PutEvents', Resource: targeted }]);
    }
    // The CICD account forwards no request (the CLI puts them on their buses itself): it copies to the audit bus alone.
    expect(forwarderStatements(render(cicd!))[0]!.Resource).toEqual([auditBusArn]);
  });

  it('let only EventBridge assume the forwarding role, for rules of its own account', () => {
    for (const [name, text] of variants) {
      const [statement, ...rest] = (resources(text).EventForwarderRole!.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
      expect(rest, name).toEqual([]);
      expect(statement, name).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.arrayContaining([{ Sub: 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/orgvend-infra/*' }]) },
        },
      });
    }
  });

  it('target buses whose policy admits the forwarding role of the sending account, for the sources the rule sends', () => {
    const templateOf = (id: string, o: typeof org) => render(coreAccounts(o).find((a) => a.id === id) ?? memberAccount(id), o);
    const glob = (pattern: string, target: string) => new RegExp(`^${pattern.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(target);
    for (const [name, text, account, o] of variants) {
      for (const t of busTargets(text)) {
        // A bus in the sender's own account (the audit account's copies) needs only the role's own policy.
        if (t.account === account.id) continue;
        const sender = `arn:aws:iam::${account.id}:role/orgvend-event-forwarder`;
        const arn = (v: unknown) => (typeof v === 'string' ? v : (v as { Sub: string }).Sub).replace('${AWS::Partition}', 'aws').replace('${AWS::AccountId}', t.account);
        const matches = (s: Statement) => {
          const c = s.Condition ?? {};
          const principal = s.Principal === '*' ? (c.StringEquals?.['aws:PrincipalOrgID'] ?? 'o-abc123def4') === 'o-abc123def4' : [(s.Principal as { AWS: string | string[] }).AWS].flat().includes(`arn:aws:iam::${account.id}:root`);
          const sources = [c.StringEquals?.['events:source'] ?? c['ForAllValues:StringEquals']?.['events:source'] ?? c['ForAnyValue:StringEquals']?.['events:source'] ?? t.sources].flat();
          const like = c.ArnLike?.['aws:PrincipalArn'];
          const notLike = c.ArnNotLike?.['aws:PrincipalArn'];
          return (
            s.Action === 'events:PutEvents' &&
            principal &&
            (s.Effect === 'Allow' ? t.sources.every((x) => sources.includes(x)) : t.sources.some((x) => sources.includes(x))) &&
            (like === undefined || [like].flat().some((p) => glob(arn(p), sender))) &&
            (notLike === undefined || ![notLike].flat().some((p) => glob(arn(p), sender)))
          );
        };
        const statements = Object.values(resources(templateOf(t.account, o)))
          .filter((r) => r.Type === 'AWS::Events::EventBusPolicy' && r.Properties.EventBusName === t.bus)
          .map((r) => r.Properties.Statement as Statement);
        const admitted = statements.some((s) => s.Effect === 'Allow' && matches(s)) && !statements.some((s) => s.Effect === 'Deny' && matches(s));
        expect(admitted, `${name}: ${t.rule} to ${t.account}/${t.bus}`).toBe(true);
        // And the same events from any other role of that account are not.
        const other = `arn:aws:iam::${account.id}:role/PowerUser`;
        const admitsOther = statements.some((s) => s.Effect === 'Allow' && matches(s) && (s.Condition?.ArnLike === undefined || [s.Condition.ArnLike['aws:PrincipalArn']].flat().some((p) => glob(arn(p), other))));
        if (t.sources.includes('app.infra.reply') || t.bus.endsWith('-audit')) expect(admitsOther, `${name}: ${t.rule} admits any role`).toBe(false);
      }
    }
  });
});
