/**
 * sync-scps end to end on moto, as CI runs it (the CLI in the CICD account, handlers in
 * the worker, the real bus between). Tests run in order on one organization.
 */
import { AttachPolicyCommand, CreatePolicyCommand, DescribePolicyCommand, ListPoliciesCommand, ListTagsForResourceCommand, ListTargetsForPolicyCommand } from '@aws-sdk/client-organizations';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { FIXTURE_REPO, policy } from '../helpers/repo.js';
import { ciOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let cliCalls: CiCli['calls'];

const LIBRARY = readdirSync(join(FIXTURE_REPO, 'scps', '_library')).filter((f) => f.endsWith('.json.njk'));
/** The security baseline's controls go to Internal/Infra: Internal would carry more than scp_max_per_target (10). */
const BASELINE = ['deny-iam-access-keys', 'protect-security-services', 'require-ebs-encryption', 'require-s3-encryption'];
const targetOf = (name: string) => (name.startsWith('deny-leave') ? 'Root' : BASELINE.includes(name) ? 'Internal/Infra' : 'Internal');
const DSL = dslText([
  [['organization', 'scp_test_ou'], 'Internal/Dev'],
  [
    ['organization', 'scps', 'attachments'],
    Object.fromEntries(LIBRARY.map((f) => f.replace('.json.njk', '')).map((name) => [name, [targetOf(name)]])),
  ],
  [['organization', 'scps', 'parameters'], { protected_role_prefix: 'InfoSec', cloudtrail_name: 'organization-trail', account_admin_role: 'OrgvendAccountAdmin' }],
  [['organization', 'scps', 'samples'], [{ action: 'ec2:RunInstances', region: 'us-east-1' }, { action: 'organizations:LeaveOrganization' }]],
]);
const denyRegion = (region: string) =>
  policy([{ Sid: 'DenyRegion', Effect: 'Deny', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': region } } }]);

beforeAll(async () => {
  ({ org, workspace, calls: cliCalls, cli } = await ciOrganization(DSL));
  for (const file of LIBRARY) workspace.file(`scps/_library/${file}`, readFileSync(join(FIXTURE_REPO, 'scps', '_library', file), 'utf8'));
  workspace.file('scps/Internal/Dev/deny-region.json', denyRegion('us-west-2'));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
});

afterAll(() => org.close());

/** Every SCP in moto: name → { id, content, targets as paths, tags }. */
async function policies() {
  const client = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  const { readTree } = await import('../../src/handlers/organization-tree.js');
  const tree = await readTree(client, { withAccounts: false });
  const pathOf = new Map([[tree.rootId, 'Root'], ...tree.ous.map((o) => [o.id, o.path] as const)]);
  const list = (await client.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies ?? [];
  const out: Record<string, { id: string; content: unknown; targets: string[]; tags: Record<string, string> }> = {};
  for (const p of list) {
    const targets = ((await client.send(new ListTargetsForPolicyCommand({ PolicyId: p.Id! }))).Targets ?? []).map((t) => pathOf.get(t.TargetId!) ?? 'account');
    const content = JSON.parse((await client.send(new DescribePolicyCommand({ PolicyId: p.Id! }))).Policy!.Content!);
    const tags = p.AwsManaged ? {} : Object.fromEntries(((await client.send(new ListTagsForResourceCommand({ ResourceId: p.Id! }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));
    out[p.Name!] = { id: p.Id!, content, targets: [...new Set(targets)].filter((t) => t !== 'account').sort(), tags };
  }
  return out;
}

describe('sync-scps', () => {
  it('plans the policies with a preview, and without --execute changes nothing', async () => {
    const before = await policies();
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out } = await cli('--action', 'sync-scps', '--detailed-exitcode');
    expect(code).toBe(2);
    for (const file of LIBRARY) expect(out).toMatch(new RegExp(`\\+ scp\\.create +${file.replace('.json.njk', '')} +\\d+ characters, from scps/_library/${file}`));
    expect(out).toMatch(/\+ scp\.attach +deny-region @ Internal\/Dev +attach to Internal\/Dev/);
    expect(out).toContain('affects foo');
    expect(out).toContain('ec2:RunInstances in us-east-1: allowed → unknown for foo, dns');
    expect(out).toContain('organizations:LeaveOrganization: allowed → denied for foo, dns');
    expect(cliCalls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
    expect(await policies()).toEqual(before);
  });

  it('creates and attaches the library with --execute, tagged as orgvend\'s; the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-scps', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    const now = await policies();
    for (const file of LIBRARY) expect(now[file.replace('.json.njk', '')], file).toBeDefined();
    expect(now['deny-leave-organization']).toMatchObject({
      targets: ['Root'],
      tags: { 'managed-by': 'orgvend', 'orgvend:policy': 'deny-leave-organization', 'orgvend:file': 'scps/_library/deny-leave-organization.json.njk' },
    });
    expect(now['deny-root-user']!.targets).toEqual(['Internal']);
    expect(JSON.stringify(now['protect-security-roles']!.content)).toContain('arn:aws:iam::*:role/InfoSec*');
    expect(now['deny-region']!.targets).toEqual(['Internal/Dev']);
    for (const name of BASELINE) expect(now[name]!.targets, name).toEqual(['Internal/Infra']);
    expect(now.FullAWSAccess).toBeDefined();
    expect((await cli('--action', 'sync-scps', '--detailed-exitcode')).code).toBe(0);
  });

  it('updates an edited policy in place, showing the statement that changed', async () => {
    const id = (await policies())['deny-region']!.id;
    workspace.file('scps/Internal/Dev/deny-region.json', denyRegion('eu-west-1'));
    const { code, out } = await cli('--action', 'sync-scps', '--execute');
    expect(out).toMatch(/~ scp\.update +deny-region +~DenyRegion/);
    expect(out).toContain('- "aws:RequestedRegion": "us-west-2"');
    expect(out).toContain('+ "aws:RequestedRegion": "eu-west-1"');
    expect(code).toBe(0);
    const now = (await policies())['deny-region']!;
    expect(now.id).toBe(id);
    expect(JSON.stringify(now.content)).toContain('eu-west-1');
  });

  it('attaches a policy whose file moved to another OU there, and detaches it here', async () => {
    workspace.file('scps/Internal/Dev/deny-region.json');
    workspace.file('scps/Internal/Infra/deny-region.json', denyRegion('eu-west-1'));
    const { code, out } = await cli('--action', 'sync-scps', '--execute');
    const attach = out.indexOf('scp.attach  deny-region @ Internal/Infra');
    const detach = out.indexOf('scp.detach  deny-region @ Internal/Dev');
    expect(attach).toBeGreaterThan(-1);
    expect(detach).toBeGreaterThan(attach);
    expect(code).toBe(0);
    expect((await policies())['deny-region']!.targets).toEqual(['Internal/Infra']);
  });

  it('stages a change in the test OU first, then applies it everywhere and removes the staged copy', async () => {
    workspace.file('scps/Internal/Infra/deny-region.json', denyRegion('ap-south-1'));
    const staged = await cli('--action', 'sync-scps', '--stage', 'test', '--execute');
    expect(staged.out).toMatch(/\+ scp\.create +deny-region\.staged/);
    expect(staged.code).toBe(0);
    let now = await policies();
    expect(now['deny-region.staged']!.targets).toEqual(['Internal/Dev']);
    expect(JSON.stringify(now['deny-region']!.content)).toContain('eu-west-1');

    const applied = await cli('--action', 'sync-scps', '--execute');
    expect(applied.code).toBe(0);
    now = await policies();
    expect(now['deny-region.staged']).toBeUndefined();
    expect(JSON.stringify(now['deny-region']!.content)).toContain('ap-south-1');
  });

  it('detaches and deletes a policy whose file is gone, and never FullAWSAccess', async () => {
    workspace.file('scps/Internal/Infra/deny-region.json');
    const { code, out } = await cli('--action', 'sync-scps', '--execute');
    expect(out).toMatch(/- scp\.delete +deny-region/);
    expect(code).toBe(0);
    const now = await policies();
    expect(now['deny-region']).toBeUndefined();
    expect(now.FullAWSAccess!.targets).toEqual(expect.arrayContaining(['Root', 'Internal', 'Internal/Dev']));
  });

  it('refuses policy parameters that would break out of their JSON strings, and changes nothing', async () => {
    const injected = (parameters: Record<string, string>) =>
      dslText([[['organization', 'scps', 'parameters'], { protected_role_prefix: 'InfoSec', cloudtrail_name: 'organization-trail', account_admin_role: 'OrgvendAccountAdmin', ...parameters }]], DSL);
    // One exempts every role from the account settings policy, the other makes the CloudTrail protection conditional.
    const text = injected({ account_admin_role: 'OrgvendAccountAdmin", "arn:aws:iam::*:role/*', cloudtrail_name: 'organization-trail", "Condition": {"Bool": {"aws:ViaAWSService": "true"}}, "Sid": "x' });
    workspace.write(text);
    const before = await policies();
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out, err, calls } = await cli('--action', 'sync-scps', '--execute');
    workspace.write(DSL);
    expect(code).toBe(65);
    expect(out).toBe('');
    const line = (key: string) => text.split('\n').findIndex((l) => l.trimStart().startsWith(`${key}:`)) + 1;
    expect(err).toContain(`error[invalid-value] accounts.yml:${line('account_admin_role')}:`);
    expect(err).toContain('organization.scps.parameters.account_admin_role: expected an IAM role name');
    expect(err).toContain(`error[invalid-value] accounts.yml:${line('cloudtrail_name')}:`);
    expect(err).toContain('organization.scps.parameters.cloudtrail_name: expected a CloudTrail trail name');
    expect(calls).toEqual([]);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
    expect(await policies()).toEqual(before);
  });

  it('refuses an invalid policy before asking anything of AWS', async () => {
    workspace.file('scps/Root/broken.json', policy([{ Effect: 'Deny', Principal: '*', Action: 'ec2:RunInstances', Resource: '*' }]));
    const calls = cliCalls.length;
    const { code, err } = await cli('--action', 'sync-scps');
    expect(code).toBe(65);
    expect(err).toMatch(/error\[scp-principal\] scps\/Root\/broken\.json:\d+:\d+/);
    expect(cliCalls.length).toBe(calls);
    workspace.file('scps/Root/broken.json');
  });
});

describe('a policy orgvend did not make', () => {
  it('is never attached, detached or deleted, whatever a request says, through the real handler and bus', async () => {
    const client = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    const { Policy } = await client.send(
      new CreatePolicyCommand({ Name: 'security-team', Description: 'not orgvend\'s', Type: 'SERVICE_CONTROL_POLICY', Content: denyRegion('eu-west-1'), Tags: [{ Key: 'owner', Value: 'security' }] }),
    );
    const { readTree } = await import('../../src/handlers/organization-tree.js');
    const internal = (await readTree(client, { withAccounts: false })).ous.find((o) => o.path === 'Internal')!.id;
    await client.send(new AttachPolicyCommand({ PolicyId: Policy!.PolicySummary!.Id!, TargetId: internal }));
    const before = await policies();
    const mutatingBefore = org.calls.filter((c) => isMutating(c.operation)).length;

    const transport = org.transport({ execute: true });
    const attacks = [
      transport.request('ATTACH_POLICY', { name: 'security-team', target: 'Root' }),
      transport.request('DETACH_POLICY', { name: 'security-team', target: 'Internal' }),
      transport.request('DELETE_POLICY', { name: 'security-team' }),
    ];
    for (const outcome of await Promise.allSettled(attacks)) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'rejected', message: expect.stringContaining('security-team was not made by orgvend') });
    }
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutatingBefore);
    expect(await policies()).toEqual(before);
    expect(before['security-team']!.targets).toEqual(['Internal']);
  });
});
