/**
 * s3_block_public_access end to end on moto (whose S3 Control holds the account-level
 * setting): sync-accounts reads it only in the accounts whose DSL sets it, plans
 * public-access-block.put where it differs, changes nothing without --execute, puts it from
 * the account itself with --execute, and the next plan is empty. Tests run in order on one
 * organization.
 */
import { GetPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let ids: Record<string, string>;

beforeAll(async () => {
  ({ org, workspace, cli } = await ciOrganization(dslText()));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  ids = await managedIds(org);
});

afterAll(() => org.close());

/** The account's setting as moto holds it; null when it has none. */
async function blockOf(name: string) {
  const client = (await org.factory.forAccount(ids[name]!).client('s3control')) as S3ControlClient;
  try {
    const { PublicAccessBlockConfiguration: c } = await client.send(new GetPublicAccessBlockCommand({ AccountId: ids[name] }));
    return c ? [c.BlockPublicAcls, c.IgnorePublicAcls, c.BlockPublicPolicy, c.RestrictPublicBuckets] : null;
  } catch (error) {
    if ((error as Error).name === 'NoSuchPublicAccessBlockConfiguration') return null;
    throw error;
  }
}

const reads = () => org.calls.filter((c) => c.operation === 'GetPublicAccessBlock');

describe('s3_block_public_access', () => {
  it('is read in no account while the DSL sets it for none', async () => {
    const before = reads().length;
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
    expect(reads().length).toBe(before);
  });

  it('plans a put in the account whose DSL turns it on, reads no other, and without --execute changes nothing', async () => {
    workspace.write(dslText([[['accounts', 'foo', 's3_block_public_access'], true]]));
    const before = reads().length;
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(out).toMatch(/~ public-access-block\.put +foo \(\d{12}\) +S3 Block Public Access: none → all on +\(missing-in-account\)/);
    expect(out).toContain('Plan: 1 change: 1 public-access-block.put.');
    expect(code).toBe(2);
    expect(reads().slice(before).map((c) => c.account)).toEqual([ids.foo]);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
    expect(await blockOf('foo')).toBeNull();
  });

  it('puts it from the account itself with --execute; the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(org.calls.filter((c) => c.operation === 'PutPublicAccessBlock').map((c) => c.account)).toEqual([ids.foo]);
    expect(await blockOf('foo')).toEqual([true, true, true, true]);
    expect(await blockOf('dns')).toBeNull();
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('turns it off where the DSL says false, showing each setting before', async () => {
    workspace.write(dslText([[['accounts', 'foo', 's3_block_public_access'], false]]));
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/~ public-access-block\.put +foo \(\d{12}\) +S3 Block Public Access: block_public_acls on, ignore_public_acls on, block_public_policy on, restrict_public_buckets on → all off +\(setting-changed\)/);
    expect(code).toBe(0);
    expect(await blockOf('foo')).toEqual([false, false, false, false]);
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('is put in an account the same run creates, once bootstrap has given it orgvend\'s stack', async () => {
    workspace.write(dslText([[['defaults', 's3_block_public_access'], true], [['accounts', 'foo', 's3_block_public_access'], false], [['accounts', 'bar'], { scope: 'dev', region: 'us-east-1' }]]));
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    ids = await managedIds(org);
    expect(await blockOf('bar')).toEqual([true, true, true, true]);
    expect(await blockOf('dns')).toEqual([true, true, true, true]);
    expect(await blockOf('foo')).toEqual([false, false, false, false]);
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });
});
