/**
 * Reading the organization while an account moves: a CREATE_ACCOUNT that puts a new
 * account into its OU as the tree is walked (a run that died left its request running)
 * can have Organizations list the account under Root and under the OU. Mocked
 * (aws-sdk-client-mock): moto answers too fast to catch the move half-way.
 */
import { DescribeOrganizationCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, expect, it } from 'vitest';
import { readTree } from '../../../src/handlers/organization-tree.js';

const organizations = mockClient(OrganizationsClient);
afterEach(() => organizations.reset());
// Files share a worker's modules (isolate: false): a stub left behind would answer other files' calls.
afterAll(() => organizations.restore());

it('lists an account seen under two parents once, where it went', async () => {
  organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abc1234567', MasterAccountId: '111111111111' } });
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-dev', Name: 'Dev' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-dev' }).resolves({ OrganizationalUnits: [] });
  const moving = { Id: '222233334444', Arn: 'arn:aws:organizations::111111111111:account/o-abc1234567/222233334444', Name: 'half-a', Email: 'a@example.com', State: 'ACTIVE' as const };
  organizations.on(ListAccountsForParentCommand, { ParentId: 'r-root' }).resolves({ Accounts: [moving] });
  organizations.on(ListAccountsForParentCommand, { ParentId: 'ou-dev' }).resolves({ Accounts: [moving] });
  const { accounts } = await readTree(new OrganizationsClient({ region: 'us-east-1' }), { withAccounts: true });
  expect(accounts.map((a) => [a.id, a.parent_id])).toEqual([['222233334444', 'ou-dev']]);
});

it('reads OUs five levels deep, as AWS nests them, in more branches than parents read at once', async () => {
  organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abc1234567', MasterAccountId: '111111111111' } });
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
  organizations.on(ListAccountsForParentCommand).resolves({ Accounts: [] });
  // Two branches of five levels each under the root: ou-a1 … ou-a5 and ou-b1 … ou-b5.
  organizations.on(ListOrganizationalUnitsForParentCommand).resolves({ OrganizationalUnits: [] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-a1', Name: 'A1' }, { Id: 'ou-b1', Name: 'B1' }] });
  for (const branch of ['a', 'b']) {
    for (let level = 1; level < 5; level++) {
      organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: `ou-${branch}${level}` }).resolves({ OrganizationalUnits: [{ Id: `ou-${branch}${level + 1}`, Name: `${branch.toUpperCase()}${level + 1}` }] });
    }
  }
  const { ous } = await readTree(new OrganizationsClient({ region: 'us-east-1' }), { withAccounts: true });
  expect(ous.map((o) => o.path)).toContain('A1/A2/A3/A4/A5');
  expect(ous.map((o) => o.path)).toContain('B1/B2/B3/B4/B5');
  expect(ous).toHaveLength(10);
}, 5_000);
