/**
 * --direct: an administrator in the management account runs the handlers in the CLI's
 * own process, with no bus and no worker. The same checks and the same plan apply.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AwsCall } from '../../src/aws/clients.js';
import { runCli } from '../../src/cli/run.js';
import { dslText } from '../helpers/dsl.js';
import { captureIo } from '../helpers/io.js';
import { cliWorkspace, createTestOrganization, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let cwd: string;

beforeAll(async () => {
  org = await createTestOrganization(dslText());
  const workspace = await cliWorkspace(org, dslText(), org.desired.organization.management_account_id);
  cwd = workspace.cwd;
  for (const [key, value] of Object.entries(workspace.env)) vi.stubEnv(key, value);
});

afterAll(() => org.close());

describe('--direct', () => {
  it('plans and applies from the management account without the bus', async () => {
    const calls: AwsCall[] = [];
    const io = captureIo({ cwd });
    expect(await runCli(['--direct', '--action', 'sync-accounts', '--execute'], io, { onCall: (c) => calls.push(c) })).toBe(0);
    expect(io.out()).toContain('Converged');
    expect(calls.filter((c) => c.operation === 'PutEvents' || c.service === 'sqs')).toEqual([]);
    // In its own account the caller needs no role.
    const management = org.desired.organization.management_account_id;
    expect(calls.some((c) => c.operation === 'CreateAccount' && c.account === management)).toBe(true);
    expect(calls.filter((c) => c.operation === 'AssumeRole' && JSON.stringify(c.input).includes(management))).toEqual([]);

    const again = captureIo({ cwd });
    expect(await runCli(['--direct', '--action', 'sync-accounts', '--detailed-exitcode'], again)).toBe(0);
    expect(again.out()).toContain('No changes.');
  });

  it('cannot be combined with --sandbox', async () => {
    const io = captureIo({ cwd });
    expect(await runCli(['--direct', '--sandbox', '--action', 'sync-accounts'], io)).toBe(64);
    expect(io.err()).toContain("option '--sandbox' cannot be used with option '--direct'");
  });
});
