/**
 * Plan and apply as two principals, on moto through the real bus: the CICD account's stack
 * carries orgvend-plan and orgvend-apply (accounts.yml's organization.ci), a request put
 * with the plan source changes nothing whatever it says, and dry runs and --execute work
 * as before. moto evaluates no IAM policy: that the plan role can put the plan source only
 * is test/unit/bootstrap/ci-roles.test.ts's; here the CLI's clients run as that role
 * (ORGVEND_SANDBOX_ROLE's hook) and do what code in a pull request could do with it.
 */
import { randomUUID } from 'node:crypto';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRecorder } from '../../src/audit/recorder.js';
import type { AccountClients } from '../../src/aws/clients.js';
import { NAMES } from '../../src/protocol/names.js';
import { signingDigest } from '../../src/protocol/signature.js';
import { SANDBOX_ROLE_ENV, sandboxFactory, sandboxPrincipal } from '../../src/sandbox/sandbox.js';
import { kmsSigner } from '../../src/transport/eventbridge.js';
import { ReplyCollector } from '../../src/transport/reply-collector.js';
import { busArnOf } from '../../src/transport/transport.js';
import { createTestOrganization, liveOrganization, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let management: string;
let cicd: string;

beforeAll(async () => {
  // The example organization names a GitHub repository under organization.ci.
  org = await createTestOrganization();
  ({ management_account_id: management, cicd_account_id: cicd } = org.desired.organization);
});

afterAll(async () => {
  await org.close();
});

const sandboxState = () => ({ endpoint: org.endpoint, region: org.desired.organization.home_region, organization: org.desired.organization });

/** The CICD account's clients as `role` (the CLI's, with ORGVEND_SANDBOX_ROLE set to it). */
async function clientsAs(role: string): Promise<AccountClients> {
  const principal = await sandboxPrincipal({ [SANDBOX_ROLE_ENV]: role }, sandboxState());
  return sandboxFactory(org.endpoint, org.desired.organization.home_region, (call) => org.calls.push(call), principal).forAccount(cicd);
}

describe('the CICD account\'s CI roles on the sandbox', () => {
  it('are made by bootstrap in the CICD account\'s stack', async () => {
    const cfn = await org.factory.forAccount(cicd).client('cloudformation');
    const { StackResources = [] } = await cfn.send(new DescribeStackResourcesCommand({ StackName: NAMES.stack }));
    const roles = StackResources.filter((r) => r.ResourceType === 'AWS::IAM::Role').map((r) => [r.LogicalResourceId, r.PhysicalResourceId]);
    expect(roles).toEqual(expect.arrayContaining([['CiPlanRole', 'orgvend-plan'], ['CiApplyRole', 'orgvend-apply']]));
  });

  it('are what ORGVEND_SANDBOX_ROLE runs the CLI\'s CICD clients as', async () => {
    for (const role of ['orgvend-plan', 'orgvend-apply']) {
      const sts = await (await clientsAs(role)).client('sts');
      const { Arn, Account } = await sts.send(new GetCallerIdentityCommand({}));
      expect(Account).toBe(cicd);
      expect(Arn).toContain(`:assumed-role/${role}/`);
    }
  });

  it('ORGVEND_SANDBOX_ROLE names a CI role the sandbox has, or the run stops saying why', async () => {
    await expect(sandboxPrincipal({ [SANDBOX_ROLE_ENV]: 'OrganizationAccountAccessRole' }, sandboxState())).rejects.toThrow('it names one of the CICD account\'s CI roles, orgvend-plan or orgvend-apply');
    // The audit account's stack has no CI roles: as a CICD account whose accounts.yml sets no organization.ci.
    const withoutCi = { ...sandboxState(), organization: { ...org.desired.organization, cicd_account_id: org.desired.organization.audit_account_id } };
    await expect(sandboxPrincipal({ [SANDBOX_ROLE_ENV]: 'orgvend-plan' }, withoutCi)).rejects.toThrow('accounts.yml sets no organization.ci');
    expect(await sandboxPrincipal({}, sandboxState())).toBeUndefined();
  });
});

describe('a request with the plan source', () => {
  it('that says dryrun: false, signed with the real request key and put as the plan role, reaches the handler and changes nothing', async () => {
    const recorder = new MemoryRecorder();
    const worker = org.startWorker({ recorder });
    const asPlan = await clientsAs('orgvend-plan');
    const sqs = () => asPlan.client('sqs');
    const collector = new ReplyCollector(sqs, async () => org.queueUrl(cicd, org.desired.organization.reply_queue), { foreignPauseMs: 50 });
    try {
      // What code in a pull request could send: a mutating request that asks to act.
      const unsigned = { nonce: randomUUID(), dryrun: false, sent_at: new Date().toISOString(), sender: cicd, payload: { path: 'Internal/FromAPullRequest' } };
      const source = 'app.infra.plan';
      const signature = await kmsSigner(asPlan, cicd, org.desired.organization.home_region).sign(signingDigest(source, 'CREATE_OU', unsigned));
      const reply = collector.expect('CREATE_OU', unsigned.nonce, management, 60, 'the worker');
      const events = await asPlan.client('events');
      const put = await events.send(new PutEventsCommand({ Entries: [{ EventBusName: busArnOf(org.topology, management), Source: source, DetailType: 'CREATE_OU', Detail: JSON.stringify({ ...unsigned, signature }) }] }));
      expect(put.FailedEntryCount).toBe(0);

      // The management handler took it, verified it, and answered as for a dry run.
      expect(await reply).toMatchObject({ ok: true, responder: management, result: { path: 'Internal/FromAPullRequest', id: null, outcome: 'would-create' } });
      // The handler records its audit entry after it has replied: wait for it.
      await vi.waitFor(() => expect(recorder.entries).toContainEqual(expect.objectContaining({ type: 'CREATE_OU', nonce: unsigned.nonce, outcome: 'ok', message: expect.stringContaining('served as a dry run') })), { timeout: 10_000 });
      // Nothing changed: no OU, and no nonce in the ledger, as for any dry run.
      expect((await liveOrganization(org)).ous).not.toContain('Internal/FromAPullRequest');
      const dynamodb = await org.factory.forAccount(management).client('dynamodb');
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: NAMES.requestLedger, Key: { nonce: { S: unsigned.nonce } }, ConsistentRead: true }));
      expect(Item).toBeUndefined();
    } finally {
      await collector.close();
      await worker.stop();
    }
  });
});

describe('the CLI\'s transport', () => {
  it('plans with the plan source and creates with --execute, with the organization\'s source', async () => {
    const worker = org.startWorker();
    try {
      const sources = (since: number) =>
        org.calls
          .slice(since)
          .filter((c) => c.account === cicd && c.operation === 'PutEvents')
          .map((c) => (c.input as { Entries: { Source: string }[] }).Entries[0]!.Source);
      const before = org.calls.length;
      expect(await org.transport({ execute: false }).request('CREATE_OU', { path: 'Internal/Planned' })).toMatchObject({ outcome: 'would-create', id: null });
      expect((await liveOrganization(org)).ous).not.toContain('Internal/Planned');
      const created = await org.transport({ execute: true }).request('CREATE_OU', { path: 'Internal/Planned' });
      expect(created).toMatchObject({ outcome: 'created', id: expect.stringMatching(/^ou-/) });
      expect((await liveOrganization(org)).ous).toContain('Internal/Planned');
      expect(sources(before)).toEqual(['app.infra.plan', 'app.infra']);
    } finally {
      await worker.stop();
    }
  });
});
