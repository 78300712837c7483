/**
 * BOOTSTRAP_ACCOUNTS when the member's stack is still being created at the handler's
 * deadline, or the role into a new account is not assumable yet: states moto never shows
 * (its CloudFormation finishes before it answers, its STS always lets a role be assumed),
 * so the SDK clients are mocked with aws-sdk-client-mock. Deploying, refusing, asking twice and
 * the dry run run on moto (test/integration/bootstrap-members.test.ts).
 */
import { CloudFormationClient, CreateChangeSetCommand, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAccountCommand, DescribeOrganizationCommand, ListAccountsCommand, ListTagsForResourceCommand, OrganizationsClient, TagResourceCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bootstrapAccounts } from '../../../src/handlers/bootstrap-accounts.js';
import { settle } from '../../helpers/fake-time.js';
import { handlerContext } from '../../helpers/handler-context.js';
import { SHIPPED_TEMPLATES } from '../../helpers/repo.js';

const [MANAGEMENT, CICD, AUDIT, MEMBER] = ['111111111111', '222222222222', '333333333333', '444455556666'];
const ORGANIZATION = { management_account_id: MANAGEMENT, cicd_account_id: CICD, audit_account_id: AUDIT, home_region: 'us-east-1' as const, event_bus: 'orgvend-infra', event_source: 'app.infra', reply_queue: 'orgvend-replies', bootstrap_new_accounts: true, artifact_buckets: {} };
const TEMPLATES = SHIPPED_TEMPLATES;

const CREDENTIALS = { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) };
const denied = () => Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' });

/** The management handler's context, given the member bootstrap, `ms` before its deadline (read from Date.now(): after any fake timers start). */
function bootstrapping(ms: number) {
  const context = handlerContext({ accountId: MANAGEMENT, roles: ['management'] }, { deadline: Date.now() + ms });
  context.config.bootstrap = { organization: ORGANIZATION, templatesDir: TEMPLATES };
  return context;
}

const mocks = () => ({ cfn: mockClient(CloudFormationClient), organizations: mockClient(OrganizationsClient), sts: mockClient(STSClient) });
let m: ReturnType<typeof mocks>;

beforeEach(() => {
  m = mocks();
  // Which account the handler itself is in: the others it reaches through a role.
  m.sts.on(GetCallerIdentityCommand).resolves({ Account: MANAGEMENT });
  m.sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS });
  m.organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abc123def4' } });
  m.organizations.on(DescribeAccountCommand).resolves({ Account: { Id: MEMBER, State: 'ACTIVE' } });
  m.organizations.on(ListAccountsCommand).resolves({ Accounts: [CICD, AUDIT, MEMBER].map((Id) => ({ Id, State: 'ACTIVE' })) });
  m.organizations.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'managed-by', Value: 'orgvend' }, { Key: 'orgvend:name', Value: 'foo' }] });
  m.cfn.on(GetTemplateCommand).resolves({ TemplateBody: 'Resources: {}\n' });
});
afterEach(() => Object.values(m).forEach((mock) => mock.restore()));

describe('BOOTSTRAP_ACCOUNTS', () => {
  it('finds the member\'s stack still being created at its deadline: says in-progress, touches nothing else and does not tag the account', async () => {
    m.cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orgvend-bootstrap', StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date() }] });
    const context = bootstrapping(12_000);
    const result = await bootstrapAccounts({ accounts: [{ account_id: MEMBER, name: 'foo' }] }, context);
    expect(result).toEqual({ accounts: { [MEMBER]: 'in-progress' }, stacks: { [MEMBER]: 'in-progress' } });
    // Not the CICD stack's turn yet, and no tag saying the account can be reached.
    expect(m.cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    expect(m.organizations.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it('waits for a new account\'s role to become assumable (IAM is eventually consistent), then goes on', async () => {
    m.sts.on(AssumeRoleCommand).rejectsOnce(denied()).rejectsOnce(denied()).resolves({ Credentials: CREDENTIALS });
    m.cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orgvend-bootstrap', StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date() }] });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const context = bootstrapping(85_000);
      const result = await settle(bootstrapAccounts({ accounts: [{ account_id: MEMBER, name: 'foo' }] }, context), 5_000, 50);
      expect(m.sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual(Array(3).fill(`arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`));
      // It went on to the account's stack (still being created by then, in this script).
      expect(result.stacks).toEqual({ [MEMBER]: 'in-progress' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('says in-progress, and deploys nothing, while the role still refuses at the end of its wait', async () => {
    m.sts.on(AssumeRoleCommand).rejects(denied());
    const context = bootstrapping(12_000);
    const result = await bootstrapAccounts({ accounts: [{ account_id: MEMBER, name: 'foo' }] }, context);
    expect(result).toEqual({ accounts: { [MEMBER]: 'in-progress' }, stacks: { [MEMBER]: 'role-not-assumable-yet' } });
    expect(m.cfn.calls()).toHaveLength(0);
    expect(m.organizations.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it('without the member bootstrap in its configuration (a stack from an older bootstrap), says so and does nothing', async () => {
    const context = handlerContext({ accountId: MANAGEMENT, roles: ['management'] });
    await expect(bootstrapAccounts({ accounts: [{ account_id: MEMBER, name: 'foo' }] }, context)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/administrator runs bootstrap/) });
    expect(m.organizations.calls()).toHaveLength(0);
  });
});
