/**
 * Every account orgvend manages carries the bootstrap stack once an administrator runs
 * bootstrap again after sync-accounts has created accounts: the new accounts get their
 * bus, queue and rules, the CICD bus forwards requests addressed to them, and a request
 * reaches each one and is answered by it. Unmanaged accounts get nothing.
 */
import { CreateAccountCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NAMES } from '../../src/protocol/names.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciCli, createTestOrganization, type TestOrganization } from './harness/organization.js';

const DSL = dslText();
let org: TestOrganization;
let ids: Record<string, string>;
let unmanaged: string;

beforeAll(async () => {
  org = await createTestOrganization(DSL);
  org.startWorker();
  const { cli } = await ciCli(org, DSL);
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  const { accounts } = await org.transport().request('LIST_ACCOUNTS', {});
  ids = Object.fromEntries(accounts.filter((a) => a.tags['orgvend:name']).map((a) => [a.tags['orgvend:name']!, a.id]));
  const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  unmanaged = (await organizations.send(new CreateAccountCommand({ AccountName: 'legacy', Email: 'legacy@example.com' }))).CreateAccountStatus!.AccountId!;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await org.close();
});

describe('bootstrap of the managed accounts', () => {
  it('plans the stack in each new managed account and the CICD account\'s new forward rules; unmanaged accounts get nothing', async () => {
    const { planBootstrap } = await import('../../src/bootstrap/bootstrap.js');
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const planned = await planBootstrap(org.bootstrapEnv);
    const cicd = org.desired.organization.cicd_account_id;
    expect(planned.plan.changes.map((c) => c.target).sort()).toEqual(
      [`${NAMES.stack} in ${cicd} (cicd)`, `${NAMES.stack} in ${ids.dns} (member)`, `${NAMES.stack} in ${ids.foo} (member)`].sort(),
    );
    expect(planned.accounts.map((a) => a.id)).not.toContain(unmanaged);
    expect(planned.templates[cicd]).toContain(`ForwardToAccount${ids.foo}`);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
  });

  it('deploys it; requests then reach the new accounts by target, and the next plan is empty', async () => {
    await org.bootstrap();
    const transport = org.transport();
    for (const name of ['foo', 'dns']) {
      expect(await transport.request('PING', {}, { targetAccount: ids[name] })).toMatchObject({ account_id: ids[name] });
    }
    const { planBootstrap } = await import('../../src/bootstrap/bootstrap.js');
    expect((await planBootstrap(org.bootstrapEnv)).plan.changes).toEqual([]);
  });
});
