/** The live organization, read through the bus: OU tree and accounts with parent and tags. */
import type { OrgAccount, OrgUnit } from '../protocol/requests.js';
import pLimit from 'p-limit';
import { chunks } from '../chunks.js';
import { BOOTSTRAP_TAG } from '../config/identity-tags.js';
import type { LiveStack, StackReads } from '../plan/stacks.js';
import { MAX_PARENTS_READ, MAX_STACKS_READ } from '../protocol/requests.js';
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
  /** Account id → the deployed stacks read there (when read). */
  stacks?: Map<string, LiveStack[]>;
}

/** Pages of the organization's accounts read at once; the worker (and each Lambda) serves them side by side. */
const ORGANIZATION_PAGES_IN_FLIGHT = 8;

/**
 * The organization in pages, none near its request's timeout however large it grows: the
 * tree (LIST_OUS), then the accounts and tags of a few parents per LIST_ACCOUNTS, several
 * in flight. About four pages per page in flight, so the work spreads across them when a
 * few OUs hold most accounts, and at most MAX_PARENTS_READ parents each.
 */
export async function readLive(transport: Transport): Promise<Live> {
  const tree = await transport.request('LIST_OUS', {});
  const parents = [tree.root_id, ...tree.ous.map((ou) => ou.id)];
  const size = Math.min(MAX_PARENTS_READ, Math.ceil(parents.length / (ORGANIZATION_PAGES_IN_FLIGHT * 4)));
  const limit = pLimit(ORGANIZATION_PAGES_IN_FLIGHT);
  const pages = await Promise.all(chunks(parents, size).map((group) => limit(async () => (await transport.request('LIST_ACCOUNTS', { parents: group })).accounts)));
  // By id, in the parents' order (Root, then the OUs by path): an account moved while the pages are read may be listed under both parents; the one listed last is kept, as a full read keeps it.
  const accounts = [...new Map(pages.flat().map((a) => [a.id, a])).values()].sort((a, b) => a.id.localeCompare(b.id));
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

/** How many requests to single accounts are in flight at once. */
const ACCOUNT_READS_IN_FLIGHT = 8;

/**
 * `live`, plus what the accounts that carry orgvend's stack (tagged BOOTSTRAP_TAG: only a
 * request addressed to those is answered) hold: the parameters of each one (of those in
 * `parametersOf`, when given), and in the accounts `stacks` names, those stacks.
 */
export async function withAccountState(transport: Transport, live: Live, stacks: ReadonlyMap<string, StackReads>, parametersOf?: ReadonlySet<string>): Promise<Live> {
  const reachable = live.accounts.filter((a) => carriesStack(a) && a.id !== live.managementAccountId);
  const limit = pLimit(ACCOUNT_READS_IN_FLIGHT);
  // At most MAX_STACKS_READ stacks by name per request; the listing goes with the first.
  const readStacks = async (account: string, { stacks: named, mappings }: StackReads) => {
    const requests = named.length ? chunks(named, MAX_STACKS_READ) : [[]];
    const replies = await Promise.all(
      requests.map((chunk, i) => limit(async () => (await transport.request('GET_STACKS', { stacks: chunk, ...(i === 0 && mappings ? { mappings } : {}) }, { targetAccount: account })).stacks)),
    );
    return [account, replies.flat()] as const;
  };
  const [parameters, stackStates] = await Promise.all([
    Promise.all(reachable.filter((a) => !parametersOf || parametersOf.has(a.id)).map((a) => limit(async () => [a.id, (await transport.request('GET_PARAMETERS', {}, { targetAccount: a.id })).parameters] as const))),
    Promise.all(reachable.filter((a) => stacks.has(a.id)).map((a) => readStacks(a.id, stacks.get(a.id)!))),
  ]);
  return { ...live, parameters: new Map(parameters), stacks: new Map(stackStates) };
}
