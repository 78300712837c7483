import type { Handler } from './context.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { readTags, readTree, type OrganizationTree } from './organization-tree.js';

const organizationOf = (tree: OrganizationTree) => ({
  root_id: tree.rootId,
  organization_id: tree.organizationId,
  management_account_id: tree.managementAccountId,
  ous: tree.ous,
});

export const listOus: Handler<PayloadOf<'LIST_OUS'>, ResultOf<'LIST_OUS'>> = async (_payload, { clients }) =>
  organizationOf(await readTree(await clients.client('organizations'), { withAccounts: false }));

export const listAccounts: Handler<PayloadOf<'LIST_ACCOUNTS'>, ResultOf<'LIST_ACCOUNTS'>> = async (_payload, { clients }) => {
  const client = await clients.client('organizations');
  const tree = await readTree(client, { withAccounts: true });
  const tags = await readTags(client, tree.accounts.map((a) => a.id));
  return { ...organizationOf(tree), accounts: tree.accounts.map((a) => ({ ...a, tags: tags.get(a.id) ?? {} })) };
};
