/** The live organization, read through the bus: OU tree and accounts with parent and tags. */
import type { OrgAccount, OrgUnit } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';

export interface LiveAccount extends OrgAccount {
  /** OU path of the parent; '' for Root. */
  ou: string;
}

export interface Live {
  organizationId: string;
  rootId: string;
  managementAccountId: string;
  ous: OrgUnit[];
  accounts: LiveAccount[];
}

export async function readLive(transport: Transport): Promise<Live> {
  const [tree, { accounts }] = await Promise.all([transport.request('LIST_OUS', {}), transport.request('LIST_ACCOUNTS', {})]);
  const pathOf = new Map(tree.ous.map((ou) => [ou.id, ou.path]));
  return {
    organizationId: tree.organization_id,
    rootId: tree.root_id,
    managementAccountId: tree.management_account_id,
    ous: tree.ous,
    accounts: accounts.map((a) => ({ ...a, ou: pathOf.get(a.parent_id) ?? '' })),
  };
}
