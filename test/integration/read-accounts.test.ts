/**
 * READ_ACCOUNTS: the management handler reads many accounts' parameters and stacks in one
 * request, through the reader role their stacks have, and the CLI's reads go through it;
 * an account whose stack predates the role is answered unreachable and asked itself.
 * Seen in the requests the CLI puts on the bus (its PutEvents calls). The dry runs read
 * with --refresh: the accounts' applied tags would spare them (applied-tag.test.ts). Tests
 * run in order and build on each other's organization.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployStack } from '../../src/bootstrap/stack.js';
import { NAMES } from '../../src/protocol/names.js';
import { MAX_ACCOUNTS_READ, type PayloadOf } from '../../src/protocol/requests.js';
import { carriesStack } from '../../src/state/live.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import { dslText } from '../helpers/dsl.js';
import { requestsOf, type SentRequest } from '../helpers/sent-requests.js';
import { ciOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let cli: CiCli['cli'];

const devAccount = { scope: 'dev', region: 'us-east-1' };
const DSL = dslText([
  [['accounts', 'bar'], devAccount],
  [['accounts', 'baz'], devAccount],
]);

beforeAll(async () => {
  ({ org, cli } = await ciOrganization(DSL));
  const { code, out } = await cli('--action', 'sync-accounts', '--execute');
  expect(out).toContain('Converged: the organization matches the repository.');
  expect(code).toBe(0);
});

afterAll(() => org.close());


const entriesOf = (requests: SentRequest[]) => requests.filter((r) => r.type === 'READ_ACCOUNTS').flatMap((r) => (r.payload as PayloadOf<'READ_ACCOUNTS'>).accounts.map((e) => e.account_id));

/** The accounts that carry orgvend's stack as members (every one but the management account), by name. */
async function bootstrapped(): Promise<{ id: string; name: string }[]> {
  const { accounts } = await org.transport().request('LIST_ACCOUNTS', {});
  const { management_account_id: management, cicd_account_id: cicd, audit_account_id: audit } = org.desired.organization;
  return accounts
    .filter((a) => carriesStack(a) && a.id !== management)
    .map((a) => ({ id: a.id, name: a.tags['orgvend:name'] ?? (a.id === cicd ? 'cicd' : a.id === audit ? 'audit' : a.id) }));
}

/** What each account is asked: its parameters, and its VPC and the ECR repositories' stack (null where there is none). */
const entryFor = (id: string): PayloadOf<'READ_ACCOUNTS'>['accounts'][number] => ({
  account_id: id,
  parameters: true,
  stacks: [
    { stack: 'orgvend-vpc', region: 'us-east-1' },
    { stack: 'orgvend-ecr-repositories', region: org.desired.organization.home_region },
  ],
});

describe('READ_ACCOUNTS', () => {
  it('reads the parameters and stacks of every bootstrapped account in one request, exactly as each account reads its own', async () => {
    const accounts = await bootstrapped();
    // CICD, audit, foo, dns, bar, baz.
    expect(accounts.map((a) => a.name).sort()).toEqual(['audit', 'bar', 'baz', 'cicd', 'dns', 'foo']);
    const transport = org.transport();
    const { accounts: answers } = await transport.request('READ_ACCOUNTS', { accounts: accounts.map((a) => entryFor(a.id)) });
    expect(answers.map((a) => a.account_id)).toEqual(accounts.map((a) => a.id));
    for (const [i, { id, name }] of accounts.entries()) {
      const entry = entryFor(id);
      const own = {
        account_id: id,
        parameters: (await transport.request('GET_PARAMETERS', {}, { targetAccount: id })).parameters,
        stacks: (await transport.request('GET_STACKS', { stacks: entry.stacks }, { targetAccount: id })).stacks,
      };
      expect(answers[i], name).toEqual(own);
    }
    // Each account's reader role was assumed once in this process (the runs before included), for the SSM and CloudFormation clients of both regions alike.
    const assumed = org.calls.filter((c) => c.operation === 'AssumeRole' && (c.input as { RoleArn: string }).RoleArn.endsWith(`:role/${NAMES.readerRole}`)).map((c) => (c.input as { RoleArn: string }).RoleArn);
    expect(assumed.sort()).toEqual(accounts.map((a) => `arn:aws:iam::${a.id}:role/${NAMES.readerRole}`).sort());
    // What was read is there to read: the managed accounts' parameters, their VPCs, the CICD account's repositories.
    const byName = new Map(accounts.map((a, i) => [a.name, answers[i] as { parameters: Record<string, string>; stacks: { stack: string; status: string | null }[] }]));
    expect(Object.keys(byName.get('foo')!.parameters).length).toBeGreaterThan(0);
    for (const name of ['foo', 'bar', 'baz']) expect(byName.get(name)!.stacks.find((s) => s.stack === 'orgvend-vpc')!.status, name).toMatch(/_COMPLETE$/);
    expect(byName.get('cicd')!.stacks.find((s) => s.stack === 'orgvend-ecr-repositories')!.status).toMatch(/_COMPLETE$/);
    expect(byName.get('dns')!.stacks.every((s) => s.status === null)).toBe(true);
  });

  it(`serves a dry run's reads of N bootstrapped accounts in ceil(N / ${MAX_ACCOUNTS_READ}) requests, none addressed to an account, and plans nothing`, async () => {
    const accounts = await bootstrapped();
    const { code, out, calls } = await cli('--action', 'sync-accounts', '--refresh', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
    const requests = requestsOf(calls);
    // The audit account is not in accounts.yml and gets no stack from templates/: nothing is read there.
    const read = accounts.filter((a) => a.name !== 'audit');
    expect(requests.filter((r) => r.type === 'READ_ACCOUNTS')).toHaveLength(Math.ceil(read.length / MAX_ACCOUNTS_READ));
    expect(entriesOf(requests).sort()).toEqual(read.map((a) => a.id).sort());
    // Before READ_ACCOUNTS: GET_PARAMETERS to each, and GET_STACKS to each with stacks to read (2N requests here).
    expect(requests.filter((r) => r.type === 'GET_PARAMETERS' || r.type === 'GET_STACKS')).toEqual([]);
  });

  it('answers an account whose stack predates the reader role unreachable; the CLI asks that account itself and plans the same', async () => {
    const accounts = await bootstrapped();
    const foo = accounts.find((a) => a.name === 'foo')!.id;
    const bar = accounts.find((a) => a.name === 'bar')!.id;
    // foo's stack as an older orgvend deployed it: without the reader role.
    const region = org.desired.organization.home_region;
    const { template } = (await org.stack(foo, region, NAMES.stack))!;
    const older = template.replace(/^ {2}ReaderRole:\n(?: {4,}.*\n|\n)*/m, '');
    expect(older).not.toContain(NAMES.readerRole);
    expect((await deployStack(await org.factory.forAccount(foo).client('cloudformation', region), NAMES.stack, older)).outcome).toBe('updated');
    // A handler that never read foo, as when foo joined with that stack: the running one holds the role's credentials from the runs before.
    await org.stopWorkers();
    org.startWorker({ factory: sandboxFactory(org.endpoint, region) });

    const { accounts: answers } = await org.transport().request('READ_ACCOUNTS', { accounts: [entryFor(foo), entryFor(bar)] });
    expect(answers[0]).toEqual({ account_id: foo, unreachable: { reason: 'cannot-assume-reader', message: expect.stringContaining(NAMES.readerRole) } });
    expect(answers[1]).toMatchObject({ account_id: bar, parameters: expect.any(Object), stacks: expect.any(Array) });

    const { code, out, calls } = await cli('--action', 'sync-accounts', '--refresh', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
    const requests = requestsOf(calls);
    expect(entriesOf(requests).sort()).toEqual(accounts.filter((a) => a.name !== 'audit').map((a) => a.id).sort());
    // foo alone is asked itself: its parameters, and its stacks, in whichever order they are sent.
    expect(requests.filter((r) => r.type === 'GET_PARAMETERS' || r.type === 'GET_STACKS').map((r) => [r.type, r.target]).sort()).toEqual([
      ['GET_PARAMETERS', foo],
      ['GET_STACKS', foo],
    ]);
  });
});
