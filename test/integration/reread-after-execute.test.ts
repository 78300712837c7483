/**
 * After --execute, sync-accounts reads again only what the executed changes touched (the
 * accounts by id, their parameters and stacks) and plans that, rather than the whole
 * organization. Seen in the requests the CLI puts on the bus (its PutEvents calls).
 * Tests run in order and build on each other's organization.
 */
import { TagResourceCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { REQUESTS } from '../../src/protocol/requests.js';
import { dslText } from '../helpers/dsl.js';
import { requestsOf, type SentRequest } from '../helpers/sent-requests.js';
import { captureIo } from '../helpers/io.js';
import { ciOrganization, liveOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];

const devAccount = { scope: 'dev', region: 'us-east-1' };
const MAPPING_REGION = 'ap-southeast-2';
/** With an identity account, which holds an IAM mapping stack per dev account (one per account of the organization, as in most). */
const accountsOf = (names: string[]) =>
  dslText([
    [['organization', 'identity_account'], 'identity'],
    [['scopes', 'dev', 'access'], { ro: ['ReadOnly'] }],
    [['accounts', 'identity'], { scope: 'infra' }],
    ...names.map((name): [string[], unknown] => [['accounts', name], devAccount]),
  ]);
const FIRST = accountsOf(['bar', 'baz']);

beforeAll(async () => {
  ({ org, workspace, cli } = await ciOrganization(FIRST));
});

afterAll(() => org.close());


/** The accounts whose parameters or stacks the requests read: many to a READ_ACCOUNTS, or one to a GET_PARAMETERS or GET_STACKS. */
const accountsRead = (requests: SentRequest[]): string[] =>
  requests.flatMap((r) =>
    r.type === 'READ_ACCOUNTS' ? (r.payload.accounts as { account_id: string }[]).map((e) => e.account_id) : r.type === 'GET_PARAMETERS' || r.type === 'GET_STACKS' ? [r.target!] : [],
  );

/** The requests sent once the first change was made: the reads after execution (and the follow-up's changes). */
const afterFirstChange = (requests: SentRequest[]) => requests.slice(requests.findIndex((r) => REQUESTS[r.type].mutating));

/** The READ_ACCOUNTS entries for `account`. */
const readEntries = (requests: SentRequest[], account: string) =>
  requests.flatMap((r) => (r.type === 'READ_ACCOUNTS' ? (r.payload.accounts as { account_id: string }[]).filter((e) => e.account_id === account) : []));

const idOf = async (name: string) => (await liveOrganization(org)).accounts.find((a) => a.tags['orgvend:name'] === name)!.id;

describe('the read after --execute', () => {
  it('builds an organization of several managed, bootstrapped accounts', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);
  });

  it('asks only for the touched accounts when one account is created, still converges, and the next plan is empty', async () => {
    const untouched = await Promise.all(['foo', 'dns', 'bar', 'baz'].map(idOf));
    workspace.write(accountsOf(['bar', 'baz', 'qux']));
    const { code, out, calls } = await cli('--action', 'sync-accounts', '--refresh', '--execute');
    expect(out).toMatch(/\+ account\.create +qux/);
    expect(out).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);

    const requests = requestsOf(calls);
    // Before the changes, the whole organization was read (its tree, then its accounts by pages): its parameters included.
    expect(requests[0]!.type).toBe('LIST_OUS');
    const readBefore = requests.slice(0, requests.findIndex((r) => r.type === 'CREATE_ACCOUNT'));
    expect(readBefore.map((r) => r.type)).toContain('LIST_ACCOUNTS');
    expect(accountsRead(readBefore)).toEqual(expect.arrayContaining(untouched));

    const qux = await idOf('qux');
    const identity = await idOf('identity');
    const after = afterFirstChange(requests);
    expect(after[0]!.type).toBe('CREATE_ACCOUNT');
    expect(after.map((r) => r.type)).not.toContain('LIST_ACCOUNTS');
    expect(after.map((r) => r.type)).not.toContain('LIST_OUS');
    // Once after the creation: qux alone; once after the follow-up (bootstrap, parameters, VPC, qux's IAM mapping stack): qux and the identity account.
    const described = after.filter((r) => r.type === 'DESCRIBE_ACCOUNTS').map((r) => r.payload.accounts);
    expect(described).toEqual([[qux], [qux, identity].sort()]);
    // No untouched account's parameters or stacks are read again.
    expect(accountsRead(after)).toContain(qux);
    for (const id of untouched) expect(accountsRead(after)).not.toContain(id);
    // Of the identity account, which the follow-up deployed qux's mapping stack to, that stack alone, without listing the others.
    expect(readEntries(after, identity)).toEqual([{ account_id: identity, parameters: false, stacks: [{ stack: 'orgvend-identity-iam-mapping-qux', region: MAPPING_REGION }] }]);

    const again = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('does not see a change made behind its back in an untouched account while it executes, which the next plan does see', async () => {
    // The trade-off of reading only what changed: an untouched account's drift waits for the next full read (any plan).
    const baz = await idOf('baz');
    const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    workspace.write(accountsOf(['bar', 'baz', 'qux', 'quux']));
    // Once the plan is made (read whole), as the creation is sent: someone re-tags baz.
    let behindItsBack: Promise<unknown> | undefined;
    const io = captureIo({ cwd: workspace.cwd });
    const code = await runCli(['--action', 'sync-accounts', '--execute'], io, {
      onCall: (call) => {
        const entries = call.operation === 'PutEvents' ? (call.input as { Entries: { DetailType: string }[] }).Entries : [];
        if (entries.some((e) => e.DetailType === 'CREATE_ACCOUNT')) {
          behindItsBack ??= organizations.send(new TagResourceCommand({ ResourceId: baz, Tags: [{ Key: 'cost-center', Value: 'changed-by-hand' }] }));
        }
      },
    });
    await behindItsBack;
    expect(behindItsBack).toBeDefined();
    expect(io.out()).toMatch(/\+ account\.create +quux/);
    expect(io.out()).not.toMatch(/account\.tag +baz/);
    expect(io.out()).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);

    const next = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(next.out).toMatch(/~ account\.tag +baz/);
    expect(next.code).toBe(2);
  });

  it('reads of an account its applied tag vouches for only the stacks this run renders anew or deploys, and records it again', async () => {
    // The identity account's tag vouches for its mapping stacks; creating corge adds one: that one is read, never the others.
    const identity = await idOf('identity');
    // baz's tag set by hand, put back.
    expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
    workspace.write(accountsOf(['bar', 'baz', 'qux', 'quux', 'corge']));
    const { code, out, calls } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/\+ account\.create +corge/);
    expect(out).toMatch(/~ stack\.deploy +identity\/orgvend-identity-iam-mapping-corge \(\d{12}\) +create with template/);
    expect(out).toContain('Converged: the organization matches the repository.');
    expect(code).toBe(0);
    const requests = requestsOf(calls);
    expect(accountsRead(requests.slice(0, requests.findIndex((r) => r.type === 'CREATE_ACCOUNT')))).not.toContain(identity);
    // Once the creation gave corge an id (its stack is new to the repository), once after the follow-up deployed it.
    const corgeStack = { account_id: identity, parameters: false, stacks: [{ stack: 'orgvend-identity-iam-mapping-corge', region: MAPPING_REGION }] };
    expect(readEntries(afterFirstChange(requests), identity)).toEqual([corgeStack, corgeStack]);
    expect(await org.stack(identity, MAPPING_REGION, 'orgvend-identity-iam-mapping-corge')).toMatchObject({ status: 'CREATE_COMPLETE' });

    // Recorded again, as it now is: the next plan reads nothing of it, and reading everything finds nothing to change.
    const next = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(next.out).toContain('No changes.');
    expect(accountsRead(requestsOf(next.calls))).not.toContain(identity);
    const refreshed = await cli('--action', 'sync-accounts', '--detailed-exitcode', '--refresh');
    expect(refreshed.out).toContain('No changes.');
    expect(refreshed.code).toBe(0);
  });

  it('DESCRIBE_ACCOUNTS gives each account as LIST_ACCOUNTS does, and leaves out an id that is no account of the organization', async () => {
    const transport = org.transport();
    const { accounts } = await transport.request('LIST_ACCOUNTS', {});
    const described = await transport.request('DESCRIBE_ACCOUNTS', { accounts: [...accounts.slice(0, 19).map((a) => a.id), '123456789012'] });
    expect(described.accounts).toEqual(accounts.slice(0, 19));
  });
});
