/** The live organization, read through the bus: OU tree and accounts with parent and tags. */
import type { OrgAccount, OrgUnit } from '../protocol/requests.js';
import pLimit from 'p-limit';
import { BOOTSTRAP_TAG } from '../config/identity-tags.js';
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
  /** Account id → its orgvend parameters, for the accounts that carry orgvend's stack (when read). */
  parameters?: Map<string, Record<string, string>>;
}

export async function readLive(transport: Transport): Promise<Live> {
  const { accounts, ...tree } = await transport.request('LIST_ACCOUNTS', {});
  const pathOf = new Map(tree.ous.map((ou) => [ou.id, ou.path]));
  return {
    organizationId: tree.organization_id,
    rootId: tree.root_id,
    managementAccountId: tree.management_account_id,
    ous: tree.ous,
    accounts: accounts.map((a) => ({ ...a, ou: pathOf.get(a.parent_id) ?? '' })),
  };
}

/** An active account bootstrap has given orgvend's stack: a request addressed to it is answered. */
export const carriesStack = (account: Pick<OrgAccount, 'tags' | 'status'>) => account.tags[BOOTSTRAP_TAG] !== undefined && account.status === 'ACTIVE';

/** How many accounts are asked for their parameters at once. */
const PARAMETER_READS_IN_FLIGHT = 8;

/**
 * readLive, plus the parameters of every account bootstrap has given orgvend's stack
 * (tagged BOOTSTRAP_TAG): only those can be reached by a request addressed to them.
 */
export async function readLiveWithParameters(transport: Transport): Promise<Live> {
  const live = await readLive(transport);
  const reachable = live.accounts.filter((a) => carriesStack(a) && a.id !== live.managementAccountId);
  const limit = pLimit(PARAMETER_READS_IN_FLIGHT);
  const read = await Promise.all(
    reachable.map((a) => limit(async () => [a.id, (await transport.request('GET_PARAMETERS', {}, { targetAccount: a.id })).parameters] as const)),
  );
  return { ...live, parameters: new Map(read) };
}
