/**
 * sync-accounts end to end on moto: the CLI as CI runs it (CICD account credentials,
 * AWS_ENDPOINT_URL pointing at moto), the handlers in the in-process worker, the real bus
 * in between. Tests run in order and build on each other's organization.
 */
import { ListParentsCommand, ListTagsForResourceCommand, TagResourceCommand } from '@aws-sdk/client-organizations';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, liveOrganization, unmanagedAccount, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let unmanagedId: string;
let cliCalls: CiCli['calls'];

const BASE = dslText();

beforeAll(async () => {
  ({ org, workspace, calls: cliCalls, cli } = await ciOrganization(BASE));
  // An account orgvend does not manage, there before it.
  unmanagedId = await unmanagedAccount(org, 'legacy');
  const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  await organizations.send(new TagResourceCommand({ ResourceId: unmanagedId, Tags: [{ Key: 'team', Value: 'legacy' }] }));
});

afterAll(() => org.close());

/** The organization as it is, read straight from moto. */
const organization = () => liveOrganization(org);

const byName = async (name: string) => (await organization()).accounts.filter((a) => a.tags['orgvend:name'] === name);

describe('sync-accounts', () => {
  it('plans every OU and account of an empty organization, and without --execute changes nothing', async () => {
    const before = await organization();
    const handlerCallsBefore = org.calls.length;
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(code).toBe(2);
    for (const line of ['+ ou.create       Internal ', '+ ou.create       Morgue ', '+ ou.create       Internal/Dev ', '+ ou.create       Internal/Infra ']) {
      expect(out).toContain(line);
    }
    expect(out).toMatch(/\+ account\.create +foo +foo-nonprod <aws\+foo@example\.com> in Internal\/Dev/);
    expect(out).toMatch(/\+ account\.create +dns +dns-prod <aws\+dns@example\.com> in Internal\/Infra/);
    expect(out).toContain(`${unmanagedId}  legacy <legacy@example.com> in Root`);
    // The CICD account carries orgvend's stack, so the ECR repositories are deployed there.
    expect(out).toMatch(/~ stack\.deploy +cicd\/orgvend-ecr-repositories \(\d{12}\) +create with template \w{12} in ap-southeast-2: 1 to add, 0 to change, 0 to remove/);
    expect(out).toContain('Plan: 7 changes: 4 ou.create, 2 account.create, 1 stack.deploy.');

    // Not one call that changes anything, from the CLI or from any handler.
    expect(cliCalls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.slice(handlerCallsBefore).filter((c) => isMutating(c.operation))).toEqual([]);
    expect(await organization()).toEqual(before);
  });

  it('creates them with --execute, says the organization converged, and the next plan is empty', async () => {
    const { code, out, err } = await cli('--action', 'sync-accounts', '--execute');
    expect(err).toMatch(/✓ account\.create foo/);
    expect(out).toContain('Applied 7 of 7 changes');
    // In the same run, once they exist: each new account gets orgvend's stack from the
    // management handler, then its parameters and VPC through its own bus; and the
    // repository foo pulls from admits it.
    const followUp = out.slice(out.indexOf('Follow-up, planned from what the changes above made:'));
    for (const name of ['foo', 'dns']) {
      expect(followUp).toMatch(new RegExp(`\\+ account\\.bootstrap +${name} \\(\\d{12}\\) +orgvend-bootstrap .*\\(missing-stack\\)`));
      expect(followUp).toMatch(new RegExp(`~ parameters\\.put +${name} \\(\\d{12}\\) +\\d+ parameters under /orgvend/account/`));
    }
    expect(followUp).toMatch(/~ stack\.deploy +cicd\/orgvend-ecr-repositories .*0 to add, 1 to change, 0 to remove/);
    expect(followUp).toMatch(/~ stack\.deploy +foo\/orgvend-vpc \(\d{12}\) +create with template \w{12} in us-east-1/);
    expect(followUp).toContain('Plan: 6 changes: 2 account.bootstrap, 2 parameters.put, 2 stack.deploy.');
    expect(out).toContain('Applied 6 of 6 changes');
    expect(out).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);
    expect(err).toMatch(/audit record: .*\.orgvend\/runs\/.*-sync-accounts\.jsonl/);

    const now = await organization();
    expect(now.ous).toEqual(expect.arrayContaining(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra']));
    const foo = now.accounts.find((a) => a.tags['orgvend:name'] === 'foo')!;
    expect(foo).toMatchObject({ name: 'foo-nonprod', email: 'aws+foo@example.com', ou: 'Internal/Dev' });
    expect(foo.tags).toMatchObject({ 'managed-by': 'orgvend', 'orgvend:scope': 'dev', 'orgvend:environment': 'nonprod', 'cost-center': 'platform' });
    const template = async (account: string, stack: string, region = org.desired.organization.home_region) => (await org.stack(account, region, stack))!.template;
    const cicd = org.desired.organization.cicd_account_id;
    expect(await template(cicd, 'orgvend-ecr-repositories')).toContain(`arn:aws:iam::${foo.id}:root`);
    // foo's own stack (the CICD account's names no account: the CLI puts requests on foo's bus), the tag that says it is reachable; then what reached it.
    expect(await template(foo.id, 'orgvend-bootstrap')).toContain(`orgvend bootstrap for account ${foo.id} (member)`);
    expect(await template(cicd, 'orgvend-bootstrap')).not.toContain(foo.id);
    expect(foo.tags['orgvend:bootstrap']).toMatch(/^[0-9a-f]{12}$/);
    expect(await template(foo.id, 'orgvend-vpc', 'us-east-1')).toContain('AWS::EC2::VPC');
    const ssm = await org.factory.forAccount(foo.id).client('ssm');
    expect((await ssm.send(new GetParameterCommand({ Name: '/orgvend/account/name' }))).Parameter?.Value).toBe('foo');
    expect(await org.transport().request('PING', {}, { targetAccount: foo.id })).toMatchObject({ account_id: foo.id });

    const again = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(again.code).toBe(0);
    expect(again.out).toContain('No changes.');
  });

  it('leaves the unmanaged account exactly as it was', async () => {
    const legacy = (await organization()).accounts.find((a) => a.id === unmanagedId)!;
    expect(legacy).toMatchObject({ ou: 'Root', tags: { team: 'legacy' } });
  });

  /** Run sync-accounts --execute on `text` (and `files` of the repository): refused, exit 65, and nothing in the organization or its stacks changed. */
  async function refusedChangingNothing(text: string, files: Record<string, string> = {}, ...argv: string[]) {
    const home = org.desired.organization.home_region;
    const cicd = org.desired.organization.cicd_account_id;
    const foo = (await byName('foo'))[0]!.id;
    const stacks = async () => [await org.stack(cicd, home, 'orgvend-ecr-repositories'), await org.stack(foo, 'us-east-1', 'orgvend-vpc')];
    const [before, stacksBefore] = [await organization(), await stacks()];
    const handlerCalls = org.calls.length;
    workspace.write(text);
    const originals = Object.fromEntries(Object.keys(files).map((path) => [path, readFileSync(join(workspace.cwd, path), 'utf8')]));
    for (const [path, body] of Object.entries(files)) workspace.file(path, body);
    const result = await cli('--action', 'sync-accounts', '--execute', ...argv);
    workspace.write(BASE);
    for (const [path, body] of Object.entries(originals)) workspace.file(path, body);
    expect(result.code).toBe(65);
    // Text leaves stdout empty; a PR comment says why nothing was done, every value escaped.
    if (argv.includes('markdown')) {
      expect(result.out).toContain('orgvend exited 65 (invalid-input).');
      expect(result.out).not.toContain('<!--');
    } else {
      expect(result.out).toBe('');
    }
    expect(result.calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.slice(handlerCalls).filter((c) => isMutating(c.operation))).toEqual([]);
    expect(await organization()).toEqual(before);
    expect(await stacks()).toEqual(stacksBefore);
    return result;
  }

  const lineOf = (text: string, fragment: string) => text.split('\n').findIndex((l) => l.includes(fragment)) + 1;

  it('refuses a carriage return that would hide an IAM role in the ECR template, and changes nothing', async () => {
    // PyYAML and CloudFormation end the template's comment at the CR; the yaml package did not, so the plan never showed the role.
    const attack = dslText([[['ecr_repositories', 0, 'description'], 'The foo image.\r  Injected:\r    Type: AWS::IAM::Role\r    Properties:\r      RoleName: injected']]);
    const { err, calls } = await refusedChangingNothing(attack);
    expect(err).toContain(`error[invalid-value] accounts.yml:${lineOf(attack, 'description:')}:`);
    expect(err).toContain('ecr_repositories[0].description: expected a description: one line, without line breaks');
    expect(calls).toEqual([]);

    // The same comment in a template itself: refused once rendered, before any stack is planned.
    const template = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  # {{ "The foo image." }}\r  Injected:\r    Type: AWS::IAM::Role\n  Repository:\n    Type: AWS::ECR::Repository\n';
    const rendered = await refusedChangingNothing(BASE, { 'templates/ecr-repositories.yml.njk': template });
    expect(rendered.err).toContain('error[template-control-character] ecr-repositories.yml (rendered from templates/ecr-repositories.yml.njk):3:');
  });

  it('refuses an OU path and a contact name that would end the markdown plan\'s table and hide its rows, and changes nothing', async () => {
    const attack = dslText([
      [['scopes', 'dev', 'organization_unit'], 'Internal/Dev\n\n**No changes. The organization matches the repository.**\n\n<!--'],
      [['defaults', 'contacts', 'billing', 'name'], 'Finance | x |\n<!--'],
    ]);
    const { err, calls } = await refusedChangingNothing(attack, {}, '--format', 'markdown');
    expect(err).toContain(`error[invalid-value] accounts.yml:${lineOf(attack, 'organization_unit:')}:`);
    expect(err).toContain('scopes.dev.organization_unit: expected an OU path below Root');
    expect(err).toContain(`error[invalid-value] accounts.yml:${lineOf(attack, 'name:')}:`);
    expect(err).toContain('defaults.contacts.billing.name: expected a contact name: one line');
    expect(calls).toEqual([]);
  });

  it('moves the accounts of a scope whose OU is edited', async () => {
    workspace.write(BASE.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Workloads/Dev'));
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/~ account\.move +foo \(\d{12}\) +Internal\/Dev → Internal\/Workloads\/Dev/);
    expect(code).toBe(0);
    expect((await byName('foo'))[0]!.ou).toBe('Internal/Workloads/Dev');
  });

  it('retires an entry removed from the DSL: into the morgue, tagged, never closed', async () => {
    workspace.write(
      BASE.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Workloads/Dev')
        .replace('  dns_account: dns\n', '')
        .replace('  dns:\n    scope: infra\n', ''),
    );
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/- account\.retire +dns \(\d{12}\) +Internal\/Infra → Morgue, tagged retired/);
    expect(code).toBe(0);
    const [dns] = await byName('dns');
    expect(dns).toMatchObject({ ou: 'Morgue', status: 'ACTIVE', tags: { 'orgvend:lifecycle': 'retired' } });
    expect((await cli('--action', 'sync-accounts')).out).toContain('No changes.');
  });

  it('brings the entry back into the DSL and the same account back to life', async () => {
    workspace.write(BASE.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Workloads/Dev'));
    const [before] = await byName('dns');
    const { code } = await cli('--action', 'sync-accounts', '--execute');
    expect(code).toBe(0);
    const after = await byName('dns');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before!.id, ou: 'Internal/Infra' });
    expect(after[0]!.tags['orgvend:lifecycle']).toBeUndefined();
  });

  it('refuses to apply a saved plan once the organization has changed', async () => {
    workspace.write(BASE.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Sandbox'));
    const saved = await cli('--action', 'sync-accounts', '--out', 'plan.json');
    expect(saved.code).toBe(0);
    // Someone changes a tag between plan and apply.
    const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    await organizations.send(new TagResourceCommand({ ResourceId: unmanagedId, Tags: [{ Key: 'team', Value: 'changed' }] }));
    const applied = await cli('--action', 'sync-accounts', '--plan', 'plan.json', '--execute');
    expect(applied.code).toBe(1);
    expect(applied.err).toContain('the organization has changed since the plan in plan.json was made');
    expect((await byName('foo'))[0]!.ou).toBe('Internal/Workloads/Dev');

    // A fresh plan, saved and applied at once, goes through.
    expect((await cli('--action', 'sync-accounts', '--out', 'plan.json')).code).toBe(0);
    const fresh = await cli('--action', 'sync-accounts', '--plan', 'plan.json', '--execute');
    expect(fresh.code).toBe(0);
    expect((await byName('foo'))[0]!.ou).toBe('Internal/Sandbox');
  });

  it('refuses a saved plan edited to close an account, and sends nothing that changes anything', async () => {
    const saved = await cli('--action', 'sync-accounts', '--out', 'plan.json');
    expect(saved.out).toContain('No changes.');
    const [foo] = await byName('foo');
    const plan = JSON.parse(readFileSync(join(workspace.cwd, 'plan.json'), 'utf8'));
    plan.changes.push({ type: 'account.close', target: 'foo', reason: 'lifecycle-closed', before: { account_id: foo!.id, status: 'ACTIVE' }, after: { status: 'CLOSED' } });
    plan.summary = { 'account.close': 1 };
    workspace.file('plan.json', JSON.stringify(plan));
    const handlerCallsBefore = org.calls.length;

    const { code, err, calls } = await cli('--action', 'sync-accounts', '--plan', 'plan.json', '--execute');
    expect(code).toBe(1);
    expect(err).toContain('error: the changes in plan.json are not what the repository plans: 1 added (account.close foo), 0 removed, 0 altered');
    expect(calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.slice(handlerCallsBefore).filter((c) => isMutating(c.operation))).toEqual([]);
    expect((await byName('foo'))[0]).toMatchObject({ status: 'ACTIVE', ou: 'Internal/Sandbox' });
  });

  const TWO_MOVES_ONE_NEW = BASE.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Platform')
    .replace('    organization_unit: Internal/Infra\n', '    organization_unit: Internal/Platform\n')
    .replace('    max_new_accounts: 5\n', '    max_new_accounts: 5\n    max_moves: 1\n')
    .replace('  dns:\n    scope: infra\n', '  dns:\n    scope: infra\n  extra:\n    scope: dev\n    organization_unit: Internal/Extra\n');

  it('stops before sending anything when a plan exceeds a blast-radius limit', async () => {
    workspace.write(TWO_MOVES_ONE_NEW);
    const before = await organization();
    const mutatingBefore = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out, err } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('2 account.move');
    expect(code).toBe(1);
    expect(err).toContain('the plan has 2 moves, over organization.limits.max_moves (1)');
    expect(err).toContain('Nothing was changed.');
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutatingBefore);
    expect(await organization()).toEqual(before);
  });

  it('creates one account with create-account, and nothing else', async () => {
    const { code, out } = await cli('--action', 'create-account', '--account', 'extra', '--execute');
    expect(out).toMatch(/\+ ou\.create +Internal\/Extra/);
    expect(out).toMatch(/\+ account\.create +extra/);
    expect(out).not.toContain('account.move');
    expect(code).toBe(0);
    expect(await byName('extra')).toHaveLength(1);
    expect((await byName('foo'))[0]!.ou).toBe('Internal/Sandbox');
  });
});

describe('a run that dies half-way', () => {
  it('is finished by the next run without anything done twice', async () => {
    workspace.write(
      BASE.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Sandbox').replace(
        '  dns:\n    scope: infra\n',
        '  dns:\n    scope: infra\n  extra:\n    scope: dev\n    organization_unit: Internal/Extra\n  half-a:\n    scope: dev\n  half-b:\n    scope: dev\n',
      ),
    );
    // The first run sends CREATE_ACCOUNT for half-a and is killed before the reply comes.
    const dying = org.transport({ execute: true });
    const lost = dying.request('CREATE_ACCOUNT', {
      name: 'half-a',
      aws_name: 'half-a-nonprod',
      email: 'aws+half-a@example.com',
      ou_path: 'Internal/Sandbox',
      tags: { 'managed-by': 'orgvend', 'orgvend:name': 'half-a' },
    });
    lost.catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    await dying.close();

    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    const accounts = (await organization()).accounts;
    expect(accounts.filter((a) => a.email === 'aws+half-a@example.com')).toHaveLength(1);
    expect(accounts.filter((a) => a.email === 'aws+half-b@example.com')).toHaveLength(1);
    expect((await cli('--action', 'sync-accounts')).out).toContain('No changes.');
  });
});

describe('CREATE_ACCOUNT delivered more than once', () => {
  const payload = (name: string) => ({ name, aws_name: `${name}-nonprod`, email: `aws+${name}@example.com`, ou_path: 'Internal/Sandbox', tags: { 'managed-by': 'orgvend', 'orgvend:name': name } });

  it('leaves one account when the same request arrives twice', async () => {
    const transport = org.transport({ execute: true });
    const first = await transport.request('CREATE_ACCOUNT', payload('twice'));
    const second = await transport.request('CREATE_ACCOUNT', payload('twice'));
    expect(second.account_id).toBe(first.account_id);
    expect([first.outcome, second.outcome]).toEqual(['created', 'already-created']);
    expect((await organization()).accounts.filter((a) => a.email === 'aws+twice@example.com')).toHaveLength(1);
  });

  it('leaves one account when two requests race', async () => {
    const transport = org.transport({ execute: true });
    const results = await Promise.all([transport.request('CREATE_ACCOUNT', payload('racing')), transport.request('CREATE_ACCOUNT', payload('racing'))]);
    expect(results[0].account_id).toBe(results[1].account_id);
    expect((await organization()).accounts.filter((a) => a.email === 'aws+racing@example.com')).toHaveLength(1);
  });
});

describe('the management account', () => {
  it('is never moved, tagged, retired or closed, whatever a request says', async () => {
    const management = org.desired.organization.management_account_id;
    const transport = org.transport({ execute: true });
    const requests = [
      transport.request('MOVE_ACCOUNT', { account_id: management, name: 'x', ou_path: 'Morgue' }),
      transport.request('TAG_ACCOUNT', { account_id: management, name: 'x', set: { a: 'b' }, remove: [] }),
      transport.request('RETIRE_ACCOUNT', { account_id: management, name: 'x', morgue_path: 'Morgue', tags: {} }),
      transport.request('CLOSE_ACCOUNT', { account_id: management, name: 'x' }),
    ];
    for (const outcome of await Promise.allSettled(requests)) {
      expect(outcome.status).toBe('rejected');
      expect(((outcome as PromiseRejectedResult).reason as Error).message).toContain('is the management account; orgvend never moves, tags, retires or closes it');
    }
    const organizations = await org.factory.forAccount(management).client('organizations');
    expect((await organizations.send(new ListParentsCommand({ ChildId: management }))).Parents![0]!.Type).toBe('ROOT');
    expect((await organizations.send(new ListTagsForResourceCommand({ ResourceId: management }))).Tags).toEqual([]);
  });
});

describe("orgvend's core accounts and the accounts it does not manage", () => {
  it('are never moved, retired or closed, and the core accounts never tagged, through the real handler and bus', async () => {
    const { cicd_account_id: cicd, audit_account_id: audit } = org.desired.organization;
    const before = await organization();
    const mutatingBefore = org.calls.filter((c) => isMutating(c.operation)).length;
    const transport = org.transport({ execute: true });
    const core = "one of orgvend's core accounts";
    const unmanaged = 'is not tagged as managed by orgvend';
    const attacks: [string, string, Promise<unknown>][] = [
      ...[cicd, audit, unmanagedId].flatMap((id): [string, string, Promise<unknown>][] => [
        [id, id === unmanagedId ? unmanaged : core, transport.request('MOVE_ACCOUNT', { account_id: id, name: 'x', ou_path: 'Morgue' })],
        [id, id === unmanagedId ? unmanaged : core, transport.request('RETIRE_ACCOUNT', { account_id: id, name: 'x', morgue_path: 'Morgue', tags: { 'orgvend:lifecycle': 'retired' } })],
        [id, id === unmanagedId ? unmanaged : core, transport.request('CLOSE_ACCOUNT', { account_id: id, name: 'x' })],
      ]),
      // A core account is refused even the tags that adopt an account; an unmanaged account is tagged only to be adopted.
      ...[cicd, audit].map((id): [string, string, Promise<unknown>] => [id, core, transport.request('TAG_ACCOUNT', { account_id: id, name: 'x', set: { 'managed-by': 'orgvend', 'orgvend:name': 'x' }, remove: [] })]),
      [unmanagedId, 'is not managed by orgvend, and the request does not adopt it', transport.request('TAG_ACCOUNT', { account_id: unmanagedId, name: 'x', set: { team: 'mine' }, remove: [] })],
    ];
    const outcomes = await Promise.allSettled(attacks.map(([, , request]) => request));
    outcomes.forEach((outcome, i) => {
      const [id, says] = attacks[i]!;
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'rejected', message: expect.stringContaining(`account ${id} ${says === core ? `is the ${id === cicd ? 'CICD' : 'audit'} account, ${core}` : says}`) });
    });
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutatingBefore);
    expect(await organization()).toEqual(before);
  });
});
