/**
 * A fake Organizations API over aws-sdk-client-mock for unit tests: a tree of OUs and
 * accounts, answered two items per page so every caller must paginate. Any command it
 * does not know fails loudly.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeOu {
  id: string;
  name: string;
  parent: string;
}
export interface FakeAccount {
  id: string;
  name: string;
  email: string;
  parent: string;
  tags?: Record<string, string>;
}

const PAGE = 2;

function page<T>(items: T[], token: string | undefined): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const next = start + PAGE < items.length ? String(start + PAGE) : undefined;
  return { items: items.slice(start, start + PAGE), next };
}

export function fakeOrganizations(tree: { ous: FakeOu[]; accounts: FakeAccount[]; managementId?: string }) {
  const mock = mockClient(OrganizationsClient);
  mock.onAnyCommand().rejects(new Error('unexpected Organizations command in this test'));
  mock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-test123456', MasterAccountId: tree.managementId ?? '111111111111' } });
  mock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root', Name: 'Root' }] });
  mock.on(ListOrganizationalUnitsForParentCommand).callsFake(({ ParentId, NextToken }) => {
    const { items, next } = page(tree.ous.filter((o) => o.parent === ParentId), NextToken);
    return { OrganizationalUnits: items.map((o) => ({ Id: o.id, Name: o.name })), NextToken: next };
  });
  mock.on(ListAccountsForParentCommand).callsFake(({ ParentId, NextToken }) => {
    const { items, next } = page(tree.accounts.filter((a) => a.parent === ParentId), NextToken);
    return { Accounts: items.map((a) => ({ Id: a.id, Arn: `arn:aws:organizations::111111111111:account/o-test123456/${a.id}`, Name: a.name, Email: a.email, State: 'ACTIVE' })), NextToken: next };
  });
  mock.on(ListTagsForResourceCommand).callsFake(({ ResourceId, NextToken }) => {
    const tags = Object.entries(tree.accounts.find((a) => a.id === ResourceId)?.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const { items, next } = page(tags, NextToken);
    return { Tags: items, NextToken: next };
  });
  return mock;
}
