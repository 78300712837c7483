/** The live organization, read through the bus: OU tree and accounts with parent and tags. */
import type { OrgAccount, OrgUnit } from '../protocol/requests.js';
import pLimit from 'p-limit';
import { chunks } from '../chunks.js';
import { APPLIED_TAG, BOOTSTRAP_TAG } from '../config/identity-tags.js';
import type { LiveStack, StackReads } from '../plan/stacks.js';
import { MAX_ACCOUNTS_READ, MAX_PARENTS_READ, MAX_STACKS_READ, type LiveRecorders, type PayloadOf, type PublicAccessBlock, type ResultOf } from '../protocol/requests.js';
import type { SharedRead } from './shared-read.js';
import type { Transport } from '../transport/transport.js';
import { compareText } from '../text-order.js';

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
  /** Account id → its S3 Block Public Access (null: none), for the accounts whose DSL sets it (when read). */
  publicAccessBlocks?: Map<string, PublicAccessBlock | null>;
  /** Account id → its AWS Config recorders by region, for the accounts whose DSL sets config_recorder (when read). */
  configRecorders?: Map<string, LiveRecorders>;
  /**
   * The accounts not read because their applied tag (APPLIED_TAG) is the fingerprint of
   * what the repository says they hold: their parameters, S3 Block Public Access and
   * stacks are planned as they are.
   */
  vouched?: Set<string>;
  /**
   * Of the `vouched` accounts, those whose applied tag vouches for all but these stacks
   * (`region/stack`), which were read (in `stacks`): what the repository says they hold
   * changed in these stacks alone since the tag was recorded (the stacks of accounts this run
   * created), or the run deployed them.
   */
  vouchedExcept?: Map<string, Set<string>>;
}

/** Pages of the organization's accounts read at once; the worker (and each Lambda) serves them side by side. */
const ORGANIZATION_PAGES_IN_FLIGHT = 8;

/**
 * The organization in pages, none near its request's timeout however large it grows: the
 * tree (LIST_OUS), then the accounts and tags of a few parents per LIST_ACCOUNTS, several
 * in flight. About four pages per page in flight, so the work spreads across them when a
 * few OUs hold most accounts, and at most MAX_PARENTS_READ parents each.
 */
export async function readLive(transport: Transport, shared?: SharedRead): Promise<Live> {
  const tree = await transport.request('LIST_OUS', {});
  // A dry run with --shared-read: the accounts an earlier plan of the job read with this same tree, or read and kept for the next.
  const share = transport.execute ? undefined : shared;
  let accounts = share?.accountsFor(tree);
  if (!accounts) {
    accounts = await readAccounts(transport, tree);
    share?.save(tree, accounts);
  }
  const pathOf = new Map(tree.ous.map((ou) => [ou.id, ou.path]));
  return {
    organizationId: tree.organization_id,
    rootId: tree.root_id,
    managementAccountId: tree.management_account_id,
    ous: tree.ous,
    accounts: accounts.map((a) => ({ ...a, ou: pathOf.get(a.parent_id) ?? '' })),
  };
}

async function readAccounts(transport: Transport, tree: ResultOf<'LIST_OUS'>): Promise<OrgAccount[]> {
  const parents = [tree.root_id, ...tree.ous.map((ou) => ou.id)];
  const size = Math.min(MAX_PARENTS_READ, Math.ceil(parents.length / (ORGANIZATION_PAGES_IN_FLIGHT * 4)));
  const limit = pLimit(ORGANIZATION_PAGES_IN_FLIGHT);
  const pages = await Promise.all(chunks(parents, size).map((group) => limit(async () => (await transport.request('LIST_ACCOUNTS', { parents: group })).accounts)));
  // By id, in the parents' order (Root, then the OUs by path): an account moved while the pages are read may be listed under both parents; the one listed last is kept, as a full read keeps it.
  return [...new Map(pages.flat().map((a) => [a.id, a])).values()].sort((a, b) => compareText(a.id, b.id));
}

/** An active account bootstrap has given orgvend's stack: a request addressed to it is answered. */
export const carriesStack = (account: Pick<OrgAccount, 'tags' | 'status'>) => account.tags[BOOTSTRAP_TAG] !== undefined && account.status === 'ACTIVE';

/** How many READ_ACCOUNTS requests (and, for accounts they cannot read, requests to single accounts) are in flight at once. */
const ACCOUNT_READS_IN_FLIGHT = 8;

/**
 * The account settings read with an account's parameters, where its DSL sets them: its S3
 * Block Public Access, its AWS Config recorders in these regions. Named as GET_PARAMETERS
 * and READ_ACCOUNTS ask for them.
 */
export interface SettingReads {
  public_access_block?: true;
  config_recorder?: string[];
}

/** What is read of one account: its parameters or not, which of its settings, and which stacks. */
interface AccountReads {
  parameters: boolean;
  settings: SettingReads | undefined;
  stacks: StackReads | undefined;
}
type AccountRead = PayloadOf<'READ_ACCOUNTS'>['accounts'][number];

/** What withAccountState reads, and what it need not. */
export interface StateReads {
  /** Account id → the stacks to read there. */
  stacks: ReadonlyMap<string, StackReads>;
  /** The accounts whose parameters are read; absent: every account's. */
  parametersOf?: ReadonlySet<string>;
  /** Account id → the settings read with its parameters. */
  settingsOf?: ReadonlyMap<string, SettingReads>;
  fingerprints?: ReadonlyMap<string, string>;
}

/**
 * `live`, plus what the accounts that carry orgvend's stack (tagged BOOTSTRAP_TAG: only a
 * request addressed to those is answered) hold: the parameters of each one (of those in
 * `parametersOf`, when given), and in the accounts `stacks` names, those stacks.
 *
 * Read by READ_ACCOUNTS, many accounts to a request, served by the management handler
 * through each account's reader role; an account it cannot read that way (its stack
 * predates the role) is asked itself, by GET_PARAMETERS and GET_STACKS, so an
 * organization whose members are not all bootstrapped by this version is read the same.
 *
 * `fingerprints`: account id → the fingerprint of what the repository says it holds
 * (src/plan/applied.ts). An account whose applied tag is that fingerprint is not read,
 * and is `vouched` for instead; absent (--refresh, create-account): every account is read.
 */
export async function withAccountState(transport: Transport, live: Live, { stacks, parametersOf, settingsOf = new Map(), fingerprints }: StateReads): Promise<Live> {
  const reads = new Map<string, AccountReads>();
  const vouched = new Set<string>();
  for (const a of live.accounts) {
    if (!carriesStack(a) || a.id === live.managementAccountId) continue;
    if (fingerprints?.has(a.id) && a.tags[APPLIED_TAG] === fingerprints.get(a.id)) {
      vouched.add(a.id);
      continue;
    }
    const parameters = !parametersOf || parametersOf.has(a.id);
    const settings = settingsOf.get(a.id);
    if (parameters || settings || stacks.has(a.id)) reads.set(a.id, { parameters, settings, stacks: stacks.get(a.id) });
  }
  const limit = pLimit(ACCOUNT_READS_IN_FLIGHT);
  const entries = [...reads].flatMap(([id, r]) => entriesOf(id, r));
  // The account that holds the IAM mapping's stacks holds one per account of the organization: its entries go alone.
  const alone = (e: AccountRead) => stacks.get(e.account_id)?.alone === true;
  const batches = [...entries.filter(alone).map((e) => [e]), ...chunks(entries.filter((e) => !alone(e)), MAX_ACCOUNTS_READ)];
  const answers = (await Promise.all(batches.map((batch) => limit(async () => (await transport.request('READ_ACCOUNTS', { accounts: batch })).accounts)))).flat();
  const unreachable = new Set(answers.flatMap((a) => ('unreachable' in a ? [a.account_id] : [])));
  const parameters = new Map<string, Record<string, string>>();
  const blocks = new Map<string, PublicAccessBlock | null>();
  const recorders = new Map<string, LiveRecorders>();
  const stackStates = new Map<string, LiveStack[]>();
  for (const answer of answers) {
    if ('unreachable' in answer || unreachable.has(answer.account_id)) continue;
    if (answer.parameters) parameters.set(answer.account_id, answer.parameters);
    if (answer.public_access_block !== undefined) blocks.set(answer.account_id, answer.public_access_block);
    if (answer.config_recorders) recorders.set(answer.account_id, answer.config_recorders);
    if (answer.stacks) stackStates.set(answer.account_id, [...(stackStates.get(answer.account_id) ?? []), ...answer.stacks]);
  }
  const asked = await readEachAccount(transport, [...reads].filter(([id]) => unreachable.has(id)), limit);
  // In the accounts' order, as each was read.
  const byAccount = <V>(read: ReadonlyMap<string, V>, fallback: ReadonlyMap<string, V>) =>
    new Map([...reads.keys()].flatMap((id): [string, V][] => (fallback.has(id) ? [[id, fallback.get(id)!]] : read.has(id) ? [[id, read.get(id)!]] : [])));
  return {
    ...live,
    parameters: byAccount(parameters, asked.parameters),
    stacks: byAccount(stackStates, asked.stacks),
    publicAccessBlocks: byAccount(blocks, asked.blocks),
    configRecorders: byAccount(recorders, asked.recorders),
    ...(fingerprints ? { vouched } : {}),
  };
}

/** One account's READ_ACCOUNTS entries: its stacks MAX_STACKS_READ names to an entry, its parameters and the listing of orgvend's stacks with the first. */
function entriesOf(account: string, { parameters, settings, stacks }: AccountReads): AccountRead[] {
  const named = stacks?.stacks ?? [];
  return (named.length ? chunks(named, MAX_STACKS_READ) : [[]]).map((chunk, i) => ({
    account_id: account,
    parameters: i === 0 && parameters,
    ...(i === 0 ? settings : {}),
    stacks: chunk,
    ...(i === 0 && stacks?.owned ? { owned: stacks.owned } : {}),
  }));
}

/** The accounts' reads asked of each account itself: GET_PARAMETERS, and GET_STACKS with at most MAX_STACKS_READ stacks by name (the listing with the first). */
async function readEachAccount(transport: Transport, accounts: readonly (readonly [string, AccountReads])[], limit: ReturnType<typeof pLimit>) {
  const readStacks = async (account: string, { stacks: named, owned }: StackReads) => {
    const requests = named.length ? chunks(named, MAX_STACKS_READ) : [[]];
    const replies = await Promise.all(
      requests.map((chunk, i) => limit(async () => (await transport.request('GET_STACKS', { stacks: chunk, ...(i === 0 && owned ? { owned } : {}) }, { targetAccount: account })).stacks)),
    );
    return [account, replies.flat()] as const;
  };
  const [answers, stacks] = await Promise.all([
    Promise.all(
      accounts
        .filter(([, r]) => r.parameters || r.settings)
        .map(([id, r]) => limit(async () => [id, r, await transport.request('GET_PARAMETERS', { ...r.settings }, { targetAccount: id })] as const)),
    ),
    Promise.all(accounts.flatMap(([id, r]) => (r.stacks ? [readStacks(id, r.stacks)] : []))),
  ]);
  return {
    parameters: new Map(answers.flatMap(([id, r, answer]) => (r.parameters ? [[id, answer.parameters] as const] : []))),
    blocks: new Map(answers.flatMap(([id, r, answer]) => (r.settings?.public_access_block ? [[id, answer.public_access_block ?? null] as const] : []))),
    recorders: new Map(answers.flatMap(([id, r, answer]) => (r.settings?.config_recorder ? [[id, answer.config_recorders ?? {}] as const] : []))),
    stacks: new Map(stacks),
  };
}
