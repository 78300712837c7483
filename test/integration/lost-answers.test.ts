/**
 * Nothing twice when AWS's answers are lost: the fault proxy sits between the handlers and
 * moto and loses the answer to calls moto has carried out (a 500 or a dropped connection),
 * as a network or AWS itself can. The run must still make one account per entry, one OU
 * per path, and say honestly whether it converged.
 */
import { CreateAccountCommand, CreateOrganizationalUnitCommand, TagResourceCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readTree } from '../../src/handlers/organization-tree.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import { dslText } from '../helpers/dsl.js';
import { startFaultProxy, seededRandom, type Fault, type FaultProxy } from './harness/fault-proxy.js';
import { ciCli, createTestOrganization, liveOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let proxy: FaultProxy;
let cli: CiCli['cli'];
let workspace: CiCli['workspace'];

/**
 * Calls that make something each time they arrive, whose answers the proxy loses half of the
 * time (none is ever resent blindly), and the writes the handlers' ledgers are made of, which
 * the SDK resends (at most 8 attempts: a rate that loses all 8 of some call is another test).
 */
const MAKERS = new Set(['CreateAccount', 'CreateOrganizationalUnit', 'CreateChangeSet', 'CreatePolicy']);
const LEDGER_WRITES = new Set(['PutItem', 'PutParameter']);

const NEW_ACCOUNTS = ['alpha', 'bravo', 'charlie'];
const DSL = dslText(NEW_ACCOUNTS.map((name) => [['accounts', name], { scope: 'dev' }]));

beforeAll(async () => {
  org = await createTestOrganization(DSL);
  // One seeded stream per operation: the n-th call of each gets the same roll whatever the calls' interleaving.
  const streams = new Map<string, () => number>();
  const rollFor = (operation: string) => (streams.get(operation) ?? streams.set(operation, seededRandom(19)).get(operation)!)();
  proxy = await startFaultProxy(org.endpoint, ({ operation }): Fault => {
    const rate = MAKERS.has(operation) ? 0.5 : LEDGER_WRITES.has(operation) ? 0.2 : 0;
    const roll = rollFor(operation);
    return roll < rate * 0.6 ? 'lose-answer' : roll < rate ? 'drop-after' : 'pass';
  });
  // The handlers talk to AWS through the proxy; so does the CLI.
  org.startWorker({ factory: sandboxFactory(proxy.endpoint, org.desired.organization.home_region) });
  ({ cli, workspace } = await ciCli(org, DSL));
  vi.stubEnv('AWS_ENDPOINT_URL', proxy.endpoint);
});

afterAll(async () => {
  await org.close();
  await proxy.close();
});

async function management() {
  return org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
}

/** The organization as it is, read straight from moto. */
const organization = () => liveOrganization(org);

describe('answers lost after AWS acted', () => {
  it('make one account per entry and one OU per path, and the run converges', async () => {
    const { code, out, err } = await cli('--action', 'sync-accounts', '--execute');
    const { ous, accounts } = await organization();
    // However many answers were lost, each entry has exactly one account, each path one OU.
    for (const name of ['foo', 'dns', ...NEW_ACCOUNTS]) {
      expect(accounts.filter((a) => a.email === `aws+${name}@example.com`), name).toHaveLength(1);
    }
    expect(ous.length).toBe(new Set(ous).size);
    expect(proxy.seen.get('Organizations.CreateAccount')?.faults).not.toEqual({});
    expect(proxy.seen.get('DynamoDB.PutItem')?.faults).not.toEqual({});
    expect(proxy.reached('CreateAccount')).toBe(NEW_ACCOUNTS.length + 2);
    expect(out, err).toContain('Converged');
    expect(code).toBe(0);

    const again = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });
});

describe('two live accounts claiming one entry', () => {
  it('is an error in the plan, never "Converged", and the exit code says so', async () => {
    const client = await management();
    const { CreateAccountStatus } = await client.send(new CreateAccountCommand({ AccountName: 'alpha-copy', Email: 'copy+alpha@example.com' }));
    await client.send(new TagResourceCommand({ ResourceId: CreateAccountStatus!.AccountId!, Tags: [{ Key: 'managed-by', Value: 'orgvend' }, { Key: 'orgvend:name', Value: 'alpha' }] }));

    const plan = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(plan.out).toMatch(/error: alpha: left alone because accounts \d{12} and \d{12} are both tagged orgvend:name=alpha/);
    expect(plan.out).not.toContain('No changes.');
    expect(plan.code).toBe(1);

    const applied = await cli('--action', 'sync-accounts', '--execute');
    expect(applied.out).not.toContain('Converged');
    expect(applied.out).toContain('1 conflict');
    expect(applied.code).toBe(1);

    const markdown = await cli('--action', 'sync-accounts', '--format', 'markdown');
    expect(markdown.out).toContain('both tagged orgvend:name=alpha');
    expect(markdown.code).toBe(1);
  });
});

describe('one OU path made twice (moto allows it, AWS does not)', () => {
  it('is an error in the plan, and no account is moved into either', async () => {
    workspace.write(DSL.replace('organization_unit: Internal/Dev', 'organization_unit: Internal/Twice'));
    const client = await management();
    const internal = (await readTree(client, { withAccounts: false })).ous.find((o) => o.path === 'Internal')!;
    for (let i = 0; i < 2; i++) await client.send(new CreateOrganizationalUnitCommand({ ParentId: internal.id, Name: 'Twice' }));

    const plan = await cli('--action', 'sync-accounts');
    expect(plan.out).toMatch(/error: OU Internal\/Twice exists twice \(ou-[\w-]+ and ou-[\w-]+\)/);
    expect(plan.out).not.toMatch(/account\.move +alpha/);
    expect(plan.code).toBe(1);
  });
});
