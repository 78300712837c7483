/**
 * The organization read in pages (LIST_OUS, then LIST_ACCOUNTS of a few parents each, in
 * parallel) against the whole organization in one LIST_ACCOUNTS, on moto through the bus.
 */
import { CreateAccountCommand, CreateOrganizationalUnitCommand, ListRootsCommand, MoveAccountCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PARENTS_READ } from '../../src/protocol/requests.js';
import { readLive } from '../../src/state/live.js';
import { createTestOrganization, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;

beforeAll(async () => {
  org = await createTestOrganization();
  // Beyond the example's accounts: nested OUs, accounts in the root and below, with tags of their own.
  const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  const root = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const teams = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Teams' }))).OrganizationalUnit!.Id!;
  const payments = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: teams, Name: 'Payments' }))).OrganizationalUnit!.Id!;
  for (const [i, parent] of [root, teams, payments, payments, payments].entries()) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: `pages-${i}`, Email: `pages-${i}@example.com`, Tags: [{ Key: 'team', Value: `team-${i}` }] }),
    );
    if (parent !== root) await organizations.send(new MoveAccountCommand({ AccountId: CreateAccountStatus!.AccountId!, SourceParentId: root, DestinationParentId: parent }));
  }
});

afterAll(() => org.close());

/** The detail-types of the requests the CICD account put on its bus since `before`, with their payloads. */
const requestsSince = (before: number) =>
  org.calls
    .slice(before)
    .filter((c) => c.operation === 'PutEvents' && c.account === org.desired.organization.cicd_account_id)
    .map((c) => (c.input as { Entries: { DetailType: string; Detail: string }[] }).Entries[0]!)
    .map((e) => ({ type: e.DetailType, payload: (JSON.parse(e.Detail) as { payload: Record<string, unknown> }).payload }));

describe('the organization read in pages', () => {
  it('gives the same organization as the single read: every OU, every account with its parent and tags', async () => {
    const worker = org.startWorker();
    try {
      const transport = org.transport();
      const whole = await transport.request('LIST_ACCOUNTS', {});
      expect('ous' in whole).toBe(true);
      if (!('ous' in whole)) return;
      expect(whole.accounts.length).toBeGreaterThan(5);

      const before = org.calls.length;
      const live = await readLive(transport);

      expect(live).toMatchObject({ organizationId: whole.organization_id, rootId: whole.root_id, managementAccountId: whole.management_account_id, ous: whole.ous });
      expect(live.accounts.map(({ ou: _ou, ...a }) => a)).toEqual(whole.accounts);
      const pathOf = new Map(whole.ous.map((o) => [o.id, o.path]));
      for (const account of live.accounts) expect(account.ou).toBe(pathOf.get(account.parent_id) ?? '');
      expect(live.accounts.find((a) => a.name === 'pages-3')).toMatchObject({ ou: 'Teams/Payments', tags: { team: 'team-3' } });

      // The tree once, then the accounts in pages that together name every parent once.
      const requests = requestsSince(before);
      expect(requests[0]).toEqual({ type: 'LIST_OUS', payload: {} });
      const pages = requests.slice(1);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.every((r) => r.type === 'LIST_ACCOUNTS')).toBe(true);
      const parents = pages.flatMap((r) => r.payload.parents as string[]);
      expect(parents.sort()).toEqual([whole.root_id, ...whole.ous.map((o) => o.id)].sort());
    } finally {
      await worker.stop();
    }
  });

  it.each([
    ['a parent that is not a root or OU id', ['ou-../etc']],
    ['an account id as a parent', ['123456789012']],
    ['no parent at all', []],
    [`more than ${MAX_PARENTS_READ} parents`, Array.from({ length: MAX_PARENTS_READ + 1 }, (_, i) => `ou-abcd-${String(i).padStart(8, '0')}`)],
  ])('the CLI does not send a page with %s (the handler refuses one too: transport.test.ts)', async (_name, parents) => {
    const before = org.calls.length;
    await expect(org.transport().request('LIST_ACCOUNTS', { parents })).rejects.toThrow(/parents/);
    expect(org.calls.slice(before).filter((c) => c.operation === 'PutEvents' || c.service === 'organizations')).toEqual([]);
  });
});
