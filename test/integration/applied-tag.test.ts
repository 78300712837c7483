/**
 * The applied tag on moto, through the real bus and handlers: `sync-accounts --execute`
 * tags each account it found to be as the repository says; a dry run then reads none of
 * them (their Organizations tags alone), reads again an account whose fingerprint changed,
 * and one whose tag is forged; `--refresh` reads every account. Tests run in order and
 * build on each other's organization.
 */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { TagResourceCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayloadOf } from '../../src/protocol/requests.js';
import { dslText } from '../helpers/dsl.js';
import { requestsOf, type SentRequest } from '../helpers/sent-requests.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let cli: CiCli['cli'];
let workspace: CiCli['workspace'];
let ids: Record<string, string>;

const devAccount = { scope: 'dev', region: 'us-east-1' };
const DSL = dslText([
  [['accounts', 'bar'], devAccount],
  [['accounts', 'baz'], devAccount],
]);

beforeAll(async () => {
  ({ org, cli, workspace } = await ciOrganization(DSL));
});

afterAll(() => org.close());

/** The accounts whose parameters or stacks a run read, by DSL name (cicd: the CICD account, a core account, always read). */
function readIn(requests: SentRequest[]): string[] {
  const names = new Map([...Object.entries(ids).map(([name, id]) => [id, name] as const), [org.desired.organization.cicd_account_id, 'cicd']]);
  const read = requests.flatMap((r) =>
    r.type === 'READ_ACCOUNTS' ? (r.payload as PayloadOf<'READ_ACCOUNTS'>).accounts.map((e) => e.account_id) : r.type === 'GET_PARAMETERS' || r.type === 'GET_STACKS' ? [r.target!] : [],
  );
  return [...new Set(read.map((id) => names.get(id) ?? id))].sort();
}

const tagsOf = async (id: string) => {
  const { accounts } = await org.transport().request('DESCRIBE_ACCOUNTS', { accounts: [id] });
  return accounts[0]!.tags;
};

const tagWrites = () => org.calls.filter((c) => c.operation === 'TagResource').length;

describe('the applied tag', () => {
  it('is set by --execute on every account it found as the repository says, and the next dry run reads none of them', async () => {
    const created = await cli('--action', 'sync-accounts', '--execute');
    expect(created.out).toContain('Converged: the organization matches the repository.');
    expect(created.code).toBe(0);
    ids = await managedIds(org);
    // foo, dns, bar and baz: the CICD account is a core account, never tagged by orgvend.
    expect(created.err).toContain('recorded 4 accounts as the repository wants them (orgvend:applied)');
    for (const name of ['foo', 'dns', 'bar', 'baz']) expect((await tagsOf(ids[name]!))['orgvend:applied'], name).toMatch(/^[0-9a-f]{32}$/);
    expect((await tagsOf(org.desired.organization.cicd_account_id))['orgvend:applied']).toBeUndefined();

    const writes = tagWrites();
    const { code, out, err, calls } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
    expect(readIn(requestsOf(calls))).toEqual(['cicd']);
    // A dry run records nothing.
    expect(err).not.toContain('recorded');
    expect(tagWrites()).toBe(writes);
  });

  it('spares no account whose fingerprint changed: a DSL change to bar reads bar alone, and --execute records it again', async () => {
    const changed = dslText([
      [['accounts', 'bar'], { ...devAccount, tags: { team: 'blue' } }],
      [['accounts', 'baz'], devAccount],
    ]);
    workspace.write(changed);
    const plan = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(readIn(requestsOf(plan.calls))).toEqual(['bar', 'cicd']);
    expect(plan.out).toMatch(/parameters\.put +bar/);

    const before = (await tagsOf(ids.bar!))['orgvend:applied'];
    const applied = await cli('--action', 'sync-accounts', '--execute');
    expect(applied.code).toBe(0);
    expect(applied.err).toContain('recorded 1 account as the repository wants it');
    expect((await tagsOf(ids.bar!))['orgvend:applied']).not.toBe(before);
    const after = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(after.code).toBe(0);
    expect(readIn(requestsOf(after.calls))).toEqual(['cicd']);
  });

  it('vouches for nothing when forged: an account tagged with another fingerprint is read, and --execute puts its own back', async () => {
    const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    await organizations.send(new TagResourceCommand({ ResourceId: ids.baz!, Tags: [{ Key: 'orgvend:applied', Value: 'f'.repeat(32) }] }));
    const plan = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(readIn(requestsOf(plan.calls))).toEqual(['baz', 'cicd']);
    // Nothing to change, but --execute records what it found.
    const applied = await cli('--action', 'sync-accounts', '--execute');
    expect(applied.err).toContain('recorded 1 account as the repository wants it');
    expect((await tagsOf(ids.baz!))['orgvend:applied']).not.toBe('f'.repeat(32));
  });

  it('leaves a change made by hand to --refresh, which reads every account and repairs it', async () => {
    const ssm = await org.factory.forAccount(ids.foo!).client('ssm');
    await ssm.send(new PutParameterCommand({ Name: '/orgvend/account/service', Value: 'by-hand', Type: 'String', Overwrite: true }));
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
    const refreshed = await cli('--action', 'sync-accounts', '--refresh', '--detailed-exitcode');
    expect(refreshed.code).toBe(2);
    expect(readIn(requestsOf(refreshed.calls))).toEqual(['bar', 'baz', 'cicd', 'dns', 'foo']);
    expect(refreshed.out).toMatch(/parameters\.put +foo .*service: by-hand → foo/);
    const repaired = await cli('--action', 'sync-accounts', '--refresh', '--execute');
    expect(repaired.code).toBe(0);
    expect(repaired.out).toContain('Converged');
  });
});
