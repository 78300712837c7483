/**
 * import end to end on moto, as CI runs it: an organization of 200 accounts built by hand with the SDK
 * (OUs five deep and outside the roots, accounts in the Root, a suspended one, awkward
 * names, tags, alternate contacts, SCPs on OUs), imported through the bus; the repository
 * it writes validates, and sync-accounts, sync-scps and put-contacts plan nothing but the
 * identifying tags. moto has no account:ListRegions, so GET_REGIONS fails and import says
 * so (enable-region.test.ts covers regions with a client mock); nor GetContactInformation, so
 * the primary contact is not read and import says so (test/unit/import/infer.test.ts covers
 * writing it).
 */
import { PutAlternateContactCommand } from '@aws-sdk/client-account';
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  TagResourceCommand,
  type OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../src/handlers/organization-tree.js';
import type { Plan } from '../../src/plan/plan.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let organizations: OrganizationsClient;
let rootId: string;
const ouIds = new Map<string, string>();
const accountIds = new Map<string, string>();

/** The organization section alone, as an administrator writes it to bootstrap orgvend before importing. */
const CONFIG = dslText([
  [['organization', 'dns_account'], undefined],
  [['organization', 'bootstrap_new_accounts'], false],
  [['defaults'], undefined],
  [['scopes'], {}],
  [['accounts'], {}],
  [['ecr_repositories'], undefined],
]);

const DEEP = 'Internal/Platform/Shared/Data/Lake';
/** Accounts made in bulk beside the awkward ones, for 200 in all. */
const BULK = 174;
const BILLING = { Name: 'Finance', Title: 'Billing', EmailAddress: 'billing@example.com', PhoneNumber: '+61 2 9000 0001' };
const SECURITY = { Name: 'Sec Ops', Title: 'Security', EmailAddress: 'sec@example.com', PhoneNumber: '+61 2 9000 0003' };

interface HandMade {
  name: string;
  ou: string;
  tags?: Record<string, string>;
  contacts?: 'billing' | 'both' | 'none';
  email?: string;
}

const ACCOUNTS: HandMade[] = [
  ...['web', 'api', 'batch', 'search', 'mobile', 'ml', 'data', 'auth'].map((s) => ({ name: `${s}-dev`, ou: 'Internal/Dev', tags: { 'cost-center': 'platform', env: 'dev' } })),
  ...['web', 'api', 'batch', 'search'].map((s) => ({ name: `${s}-prod`, ou: 'Internal/Prod', tags: { 'cost-center': 'platform', env: 'prod' }, contacts: 'both' as const })),
  { name: 'Payments: EU #1', ou: 'Internal/Prod', tags: { 'cost-center': 'payments', env: 'prod', note: 'a:b #c' }, contacts: 'both' },
  { name: '*star', ou: 'Internal/Prod', tags: { 'cost-center': 'platform', env: 'prod' }, contacts: 'both' },
  { name: 'Foo Bar', ou: 'Internal/Prod', tags: { 'cost-center': 'platform', env: 'prod' }, contacts: 'both' },
  { name: 'foo-bar', ou: 'Internal/Prod', tags: { 'cost-center': 'platform', env: 'prod' }, contacts: 'both' },
  { name: 'shared-tools', ou: 'Internal/Platform', tags: { 'cost-center': 'platform' } },
  { name: 'shared-network', ou: 'Internal/Platform', tags: { 'cost-center': 'platform' }, contacts: 'none' },
  ...['lake-raw', 'lake-curated', 'lake-query'].map((name) => ({ name, ou: DEEP, tags: { 'cost-center': 'data' } })),
  { name: 'lab-one', ou: 'Labs', tags: { 'cost-center': 'research' } },
  { name: 'lab-two', ou: 'Labs/Deep Learning', tags: { 'cost-center': 'research' } },
  { name: 'legacy-billing', ou: 'Root' },
  { name: 'legacy-sso', ou: 'Root', tags: { 'cost-center': 'platform' } },
  { name: 'retired-thing', ou: 'Internal/Dev', tags: { 'cost-center': 'platform' } },
  // The bulk, as teams asked for them over the years: the acceptance is 200 accounts.
  ...Array.from({ length: BULK }, (_, i): HandMade => {
    const env = ['dev', 'prod', 'data'][i % 3]!;
    const ou = { dev: 'Internal/Dev', prod: 'Internal/Prod', data: DEEP }[env]!;
    const tags: Record<string, string> = env === 'data' ? { 'cost-center': 'data' } : { 'cost-center': 'platform', env };
    return { name: `team${i}-${env}`, ou, tags, contacts: env === 'prod' ? 'both' : undefined };
  }),
];

const COST_CENTRE = { tags: { costcenter: { tag_key: { '@@assign': 'CostCenter' } } } };
const policy = (sid: string, action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Deny', Action: action, Resource: '*' }] });

/** The organization, made by hand as an administrator did over the years. */
async function buildByHand() {
  const management = org.desired.organization.management_account_id;
  // Clients of the test's own, so that what it sends is paced apart from the handlers' (which share org.factory).
  const factory = sandboxFactory(org.endpoint, org.desired.organization.home_region);
  organizations = await factory.forAccount(management).client('organizations');
  rootId = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  ouIds.set('Root', rootId);
  const paths = ['Internal', 'Morgue', 'Internal/Dev', 'Internal/Prod', 'Internal/Platform', 'Internal/Platform/Shared', 'Internal/Platform/Shared/Data', DEEP, 'Labs', 'Labs/Deep Learning'];
  // Internal and Morgue: made by the bootstrap run's sync-accounts already.
  for (const ou of (await readTree(organizations, { withAccounts: false })).ous) ouIds.set(ou.path, ou.id);
  for (const path of paths.filter((p) => !ouIds.has(p))) {
    const parent = ouIds.get(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : 'Root')!;
    const { OrganizationalUnit } = await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: path.split('/').at(-1)! }));
    ouIds.set(path, OrganizationalUnit!.Id!);
  }
  const account = await factory.forAccount(management).client('account');
  for (const [i, made] of ACCOUNTS.entries()) {
    const email = made.email ?? `hand${i}@example.com`;
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: made.name, Email: email }));
    const id = CreateAccountStatus!.AccountId!;
    accountIds.set(made.name, id);
    if (made.ou !== 'Root') await organizations.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ouIds.get(made.ou)! }));
    if (made.tags) await organizations.send(new TagResourceCommand({ ResourceId: id, Tags: Object.entries(made.tags).map(([Key, Value]) => ({ Key, Value })) }));
    if (made.contacts !== 'none' && made.ou !== 'Root') await account.send(new PutAlternateContactCommand({ AccountId: id, AlternateContactType: 'BILLING', ...BILLING }));
    if (made.contacts === 'both') await account.send(new PutAlternateContactCommand({ AccountId: id, AlternateContactType: 'SECURITY', ...SECURITY }));
  }
  await organizations.send(new CloseAccountCommand({ AccountId: accountIds.get('retired-thing')! }));
  for (const type of ['SERVICE_CONTROL_POLICY', 'TAG_POLICY', 'AISERVICES_OPT_OUT_POLICY'] as const) {
    try {
      await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type }));
    } catch (error) {
      if ((error as Error).name !== 'PolicyTypeAlreadyEnabledException') throw error;
    }
  }
  const make = async (name: string, content: string, targets: string[], Type: PolicyType = 'SERVICE_CONTROL_POLICY') => {
    const { Policy } = await organizations.send(new CreatePolicyCommand({ Name: name, Description: `${name} by hand`, Type, Content: content }));
    for (const target of targets) await organizations.send(new AttachPolicyCommand({ PolicyId: Policy!.PolicySummary!.Id!, TargetId: ouIds.get(target)! }));
  };
  await make('deny-leave', policy('DenyLeave', 'organizations:LeaveOrganization'), ['Internal/Prod']);
  await make('deny-gpu', policy('DenyGpu', 'ec2:RunInstances'), ['Internal/Dev', 'Labs']);
  await make('cost-centre', JSON.stringify(COST_CENTRE), ['Root'], 'TAG_POLICY');
  await make('no-ai-training', JSON.stringify({ services: { default: { opt_out_policy: { '@@assign': 'optOut' } } } }), ['Internal/Prod'], 'AISERVICES_OPT_OUT_POLICY');
  // A place a file under policies/ cannot say: left out, and said.
  await make('team-tags', JSON.stringify(COST_CENTRE), ['Internal/Dev', 'Labs'], 'TAG_POLICY');
}

beforeAll(async () => {
  ({ org, workspace, cli } = await ciOrganization(CONFIG));
  // As an adopter does first: orgvend's own OUs (its roots, the morgue) and stacks.
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  await buildByHand();
});

afterAll(() => org.close());

const planOf = async (action: string) => {
  const { code, out } = await cli('--action', action, '--format', 'json');
  const json = JSON.parse(out) as { plans?: { plan: Plan }[] } & Partial<Plan>;
  // Nothing a person must resolve, and nothing noted but what is expected of an import.
  expect(json.plans?.flatMap((p) => p.plan.conflicts) ?? json.conflicts ?? []).toEqual([]);
  expect(code).toBe(0);
  return json;
};
/** The changes of a JSON plan output, whatever its envelope. */
const changesOf = (json: { plans?: { plan: Plan }[]; changes?: Plan['changes'] }) => json.plans?.flatMap((p) => p.plan.changes) ?? json.changes ?? [];

const IDENTITY = /^(managed-by|orgvend:(name|scope|service|environment|region))$/;

describe('import', () => {
  it('reads the organization without changing anything, and writes accounts.yml, scps/ and policies/', async () => {
    const handlerCalls = org.calls.length;
    const { code, out, err, calls } = await cli('--action', 'import', '--out', 'imported.yml');
    expect(err).toContain('note: opt-in regions not read');
    // moto has no account:GetContactInformation either: the alternate contacts are read without it.
    expect(err).toContain('note: primary contacts not read (the primary contact is not supported by the local emulator');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^import wrote imported\\.yml: ${23 + BULK} accounts, 6 scopes; 4 policies under scps/ and policies/; \\d+ not imported`));
    // Dry by nature: no request that changes anything, from the CLI or from any handler.
    expect(calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.slice(handlerCalls).filter((c) => isMutating(c.operation))).toEqual([]);
    // Collisions are resolved and said.
    expect(err).toMatch(/note: account (Foo Bar|foo-bar) \(\d{12}\) is foo-bar-\d{4}: foo-bar is another account's/);
    expect(err).toContain('note: organization.ou_roots: added Labs, where accounts are');

    const text = readFileSync(join(workspace.cwd, 'imported.yml'), 'utf8');
    workspace.file('accounts.yml', text);
    expect(text).toContain('aws_name: "Payments: EU #1"');
    expect(text).toContain('aws_name: "*star"');
    expect(text).toMatch(/# legacy-billing \(\d{12}\) .*in the Root/);
    expect(text).toMatch(/# retired-thing \(\d{12}\) .*suspended/);
    expect(text).toMatch(/# \S+ \(\d{12}\) .*the management account/);
    expect(text).toContain(`organization_unit: ${DEEP}`);
    expect(readFileSync(join(workspace.cwd, 'scps/Internal/Prod/deny-leave.json'), 'utf8')).toContain('"organizations:LeaveOrganization"');
    expect(readFileSync(join(workspace.cwd, 'scps/_library/deny-gpu.json'), 'utf8')).toContain('"ec2:RunInstances"');
    expect(text).toMatch(/deny-gpu: \[ Internal\/Dev, Labs \]/);
    expect(JSON.parse(readFileSync(join(workspace.cwd, 'policies/tag/Root/cost-centre.json'), 'utf8'))).toEqual(COST_CENTRE);
    expect(readFileSync(join(workspace.cwd, 'policies/ai-opt-out/Internal/Prod/no-ai-training.json'), 'utf8')).toContain('"optOut"');
    expect(err).toMatch(/note: policy tag\/team-tags \(p-\w+\) left out: it is attached to Internal\/Dev, Labs/);
    // Refuses to overwrite a file that exists.
    const again = await cli('--action', 'import', '--out', 'imported.yml');
    expect(again.code).toBe(64);
    expect(again.err).toContain('imported.yml exists: --merge adds to it');
  });

  it('writes a repository that validates and plans nothing but the identifying tags', async () => {
    expect((await cli('--action', 'validate')).code).toBe(0);
    const accounts = changesOf(await planOf('sync-accounts'));
    expect(accounts.length).toBe(23 + BULK);
    for (const change of accounts) {
      expect(change.type).toBe('account.tag');
      const tags = (change.after as { tags: Record<string, string | null> }).tags;
      expect(Object.keys(tags).filter((k) => !IDENTITY.test(k) || tags[k] === null)).toEqual([]);
    }
    expect(changesOf(await planOf('sync-scps'))).toEqual([]);
    expect(changesOf(await planOf('put-contacts'))).toEqual([]);
  });

  it('with --merge adds only an account no entry matches, keeping what a person wrote', async () => {
    const edited = readFileSync(join(workspace.cwd, 'accounts.yml'), 'utf8').replace('accounts:\n', 'accounts:\n  # reviewed by the platform team\n');
    workspace.file('accounts.yml', edited);
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: 'late-arrival', Email: 'late@example.com' }));
    await organizations.send(new MoveAccountCommand({ AccountId: CreateAccountStatus!.AccountId!, SourceParentId: rootId, DestinationParentId: ouIds.get('Internal/Dev')! }));
    const { code, out } = await cli('--action', 'import', '--merge');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^import added to accounts\\.yml: 1 account, 0 scopes; \\d+ not imported .*; ${23 + BULK} matched already, left as written`));
    const merged = readFileSync(join(workspace.cwd, 'accounts.yml'), 'utf8');
    expect(merged.startsWith(edited.slice(0, edited.indexOf('  # Not imported')))).toBe(true);
    expect(merged).toMatch(/ {2}late-arrival:\n {4}scope: dev\n/);
    expect((await cli('--action', 'validate')).code).toBe(0);
  });
});
