/**
 * --direct: an administrator in the management account runs the handlers in the CLI's
 * own process, with no bus and no worker. The same checks and the same plan apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { ciCli, createTestOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let cli: CiCli['cli'];

beforeAll(async () => {
  org = await createTestOrganization(dslText());
  ({ cli } = await ciCli(org, dslText(), org.desired.organization.management_account_id));
});

afterAll(() => org.close());

describe('--direct', () => {
  it('plans and applies from the management account without the bus', async () => {
    const { code, out, calls } = await cli('--direct', '--action', 'sync-accounts', '--execute');
    expect(code).toBe(0);
    expect(out).toContain('Converged');
    expect(calls.filter((c) => c.operation === 'PutEvents' || c.service === 'sqs')).toEqual([]);
    // In its own account the caller needs no role.
    const management = org.desired.organization.management_account_id;
    expect(calls.some((c) => c.operation === 'CreateAccount' && c.account === management)).toBe(true);
    expect(calls.filter((c) => c.operation === 'AssumeRole' && JSON.stringify(c.input).includes(management))).toEqual([]);

    const again = await cli('--direct', '--action', 'sync-accounts', '--detailed-exitcode');
    expect(again.code).toBe(0);
    expect(again.out).toContain('No changes.');
  });

  it('cannot be combined with --sandbox', async () => {
    const { code, err } = await cli('--direct', '--sandbox', '--action', 'sync-accounts');
    expect(code).toBe(64);
    expect(err).toContain("option '--sandbox' cannot be used with option '--direct'");
  });
});
