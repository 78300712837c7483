import type { Handler } from './context.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { accountsOfParents, readTags, readTree, type OrganizationTree } from './organization-tree.js';

const organizationOf = (tree: OrganizationTree) => ({
  root_id: tree.rootId,
  organization_id: tree.organizationId,
  management_account_id: tree.managementAccountId,
  ous: tree.ous,
});

export const listOus: Handler<PayloadOf<'LIST_OUS'>, ResultOf<'LIST_OUS'>> = async (_payload, { clients }) =>
  organizationOf(await readTree(await clients.client('organizations'), { withAccounts: false }));

/** The whole organization, or with `parents` one page of its accounts (the CLI reads the tree with LIST_OUS, then the pages in parallel). */
export const listAccounts: Handler<PayloadOf<'LIST_ACCOUNTS'>, ResultOf<'LIST_ACCOUNTS'>> = async ({ parents }, { clients }) => {
  const client = await clients.client('organizations');
  if (parents) {
    const accounts = await accountsOfParents(client, parents);
    const tags = await readTags(client, accounts.map((a) => a.id));
    return { accounts: accounts.map((a) => ({ ...a, tags: tags.get(a.id) ?? {} })) };
  }
  const tree = await readTree(client, { withAccounts: true });
  const tags = await readTags(client, tree.accounts.map((a) => a.id));
  return { ...organizationOf(tree), accounts: tree.accounts.map((a) => ({ ...a, tags: tags.get(a.id) ?? {} })) };
};
