/**
 * After --execute, what the executed changes touched, read again and merged into the live
 * state read before: the accounts they named (by id), the OU tree when OUs were created,
 * and those accounts' parameters and stacks. The cost grows with what changed, not with
 * what exists; what changed elsewhere meanwhile is seen by the next full read (a plan).
 */
import pLimit from 'p-limit';
import { chunks } from '../chunks.js';
import type { Change } from '../plan/plan.js';
import { MAX_DESCRIBED_ACCOUNTS } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { stacksDiffering, type FingerprintInput } from '../plan/applied.js';
import type { StackReads } from '../plan/stacks.js';
import type { DeployedStack } from '../protocol/names.js';
import { withAccountState, type Live, type LiveAccount, type StateReads } from './live.js';
import { compareText } from '../text-order.js';

/** What an executed change came to, as far as this module needs it. */
export interface ExecutedOutcome {
  change: Change;
  result: { status: string; value?: unknown };
}

export interface Touched {
  /** Ids of the accounts created or changed. */
  accounts: Set<string>;
  /** Of those, the accounts where stacks alone were deployed or deleted: id → those stacks (`region/stack`). */
  stacksOnly: Map<string, Set<string>>;
  /** An OU was (or may have been) created: the tree is read again. */
  ous: boolean;
}

/** The changes that deploy or delete one stack (`after`'s stack and region). */
const STACK_CHANGES = new Set(['stack.deploy', 'stack.delete']);

/** Changes made to the account their `before.account_id` names. */
const ACCOUNT_CHANGES = new Set(['account.move', 'account.tag', 'account.retire', 'account.close', 'account.bootstrap', 'parameters.put', 'public-access-block.put', 'config-recorder.put', 'stack.deploy', 'stack.delete']);

/** DESCRIBE_ACCOUNTS requests in flight. */
const DESCRIBES_IN_FLIGHT = 4;

/**
 * What the changes touched; undefined when that cannot be known (a creation that failed or
 * gave no id may still have made an account; a kind of change this module does not know),
 * and the whole organization has to be read again.
 */
export function touchedBy(executed: readonly ExecutedOutcome[]): Touched | undefined {
  const touched: Touched = { accounts: new Set(), stacksOnly: new Map(), ous: false };
  const stacks = new Map<string, Set<string>>();
  const others = new Set<string>();
  for (const { change, result } of executed) {
    // Never sent: nothing changed.
    if (result.status === 'skipped' || result.status === 'not-started') continue;
    if (change.type === 'ou.create') {
      touched.ous = true;
      continue;
    }
    const id =
      change.type === 'account.create'
        ? result.status === 'done'
          ? (result.value as { account_id?: string | null } | undefined)?.account_id
          : undefined
        : ACCOUNT_CHANGES.has(change.type)
          ? (change.before as { account_id?: string } | null)?.account_id
          : undefined;
    if (!id) return undefined;
    touched.accounts.add(id);
    if (!STACK_CHANGES.has(change.type)) others.add(id);
    else {
      const { stack, region } = change.after as { stack: string; region: string };
      stacks.set(id, (stacks.get(id) ?? new Set()).add(`${region}/${stack}`));
    }
  }
  for (const [id, keys] of stacks) if (!others.has(id)) touched.stacksOnly.set(id, keys);
  return touched;
}

/**
 * `before` with the touched accounts read again by id (DESCRIBE_ACCOUNTS; one gone from the
 * organization is dropped) and, when OUs were created, the OU tree (LIST_OUS). Each account's
 * OU path follows the tree. Parameters and stacks are those of `before`.
 */
export async function readTouchedTree(transport: Transport, before: Live, touched: Touched): Promise<Live> {
  const limit = pLimit(DESCRIBES_IN_FLIGHT);
  const [tree, described] = await Promise.all([
    touched.ous ? transport.request('LIST_OUS', {}) : undefined,
    Promise.all(chunks([...touched.accounts].sort(), MAX_DESCRIBED_ACCOUNTS).map((ids) => limit(async () => (await transport.request('DESCRIBE_ACCOUNTS', { accounts: ids })).accounts))),
  ]);
  const ous = tree?.ous ?? before.ous;
  const pathOf = new Map(ous.map((ou) => [ou.id, ou.path]));
  const fresh = described.flat().filter((a) => touched.accounts.has(a.id));
  const accounts: LiveAccount[] = [...before.accounts.filter((a) => !touched.accounts.has(a.id)), ...fresh]
    .map((a) => ({ ...a, ou: pathOf.get(a.parent_id) ?? '' }))
    .sort((a, b) => compareText(a.id, b.id));
  return { ...before, ous, accounts };
}

/**
 * What the read after --execute reads again: `whole`, the accounts read as withAccountState
 * reads them; `stacks`, the accounts of which some stacks alone (`region/stack`) are read,
 * every other thing about them known as before. An account is read whole when a change
 * other than a stack's touched it, when what is read of it changed (`readsChanged`), or
 * when it was not read before. Else only its stacks that the run deployed or deleted, and,
 * for one its applied tag vouched for, those whose deployment the repository now renders
 * differently (an IAM mapping stack of each account created): that account stays vouched
 * for the rest. So an account that holds a stack per account of the organization costs
 * what changed in it, not what it holds.
 */
export function rereads(
  touched: Touched,
  candidates: Iterable<string>,
  before: { vouched: ReadonlySet<string>; read: (id: string) => boolean; inputs: ReadonlyMap<string, FingerprintInput> },
  inputs: ReadonlyMap<string, FingerprintInput>,
  readsChanged: (id: string) => boolean,
): { whole: Set<string>; stacks: Map<string, Set<string>> } {
  const whole = new Set<string>();
  const stacks = new Map<string, Set<string>>();
  for (const id of candidates) {
    const vouched = before.vouched.has(id);
    const [was, now] = [before.inputs.get(id), inputs.get(id)];
    // Of an account vouched for, the stacks the repository renders differently now; undefined when more than stacks differ.
    const differing = !vouched ? [] : was && now ? stacksDiffering(was, now) : undefined;
    const deployed = touched.stacksOnly.get(id);
    if (readsChanged(id) || !differing || (touched.accounts.has(id) && !deployed) || (!vouched && !before.read(id))) whole.add(id);
    else if (deployed?.size || differing.length) stacks.set(id, new Set([...(deployed ?? []), ...differing]));
  }
  return { whole, stacks };
}

/**
 * `live` with the accounts in `whole` read again, as withAccountState reads them (`reads`),
 * the stacks named in `stacks` read again in theirs, and every other thing about an account
 * as `before` has it.
 */
export async function withRereadState(transport: Transport, live: Live, before: Live, whole: ReadonlySet<string>, reads: StateReads, stacks: ReadonlyMap<string, ReadonlySet<string>> = new Map()): Promise<Live> {
  const keyOf = (st: { region: string; stack: string }) => `${st.region}/${st.stack}`;
  const named = (id: string, keys: ReadonlySet<string>): StackReads => ({
    stacks: [...keys].map((key) => ({ region: key.slice(0, key.indexOf('/')), stack: key.slice(key.indexOf('/') + 1) as DeployedStack })),
    ...(reads.stacks.get(id)?.alone ? { alone: true } : {}),
  });
  // What `live` carries over from `before` is not what this read vouches for.
  const { vouched: _vouched, vouchedExcept: _except, ...tree } = live;
  const read = await withAccountState(transport, { ...tree, accounts: live.accounts.filter((a) => whole.has(a.id) || stacks.has(a.id)) }, {
    ...reads,
    stacks: new Map([...[...reads.stacks].filter(([id]) => whole.has(id)), ...[...stacks].map(([id, keys]) => [id, named(id, keys)] as const)]),
    parametersOf: new Set([...whole].filter((id) => !reads.parametersOf || reads.parametersOf.has(id))),
    settingsOf: new Map([...(reads.settingsOf ?? [])].filter(([id]) => whole.has(id))),
  });
  const present = new Set(live.accounts.map((a) => a.id));
  // What `before` says of an account is kept while it is still there and was not read again whole.
  const kept = (id: string) => present.has(id) && !whole.has(id);
  const merge = <V>(old: ReadonlyMap<string, V> | undefined, fresh: ReadonlyMap<string, V> | undefined) => new Map([...[...(old ?? [])].filter(([id]) => kept(id)), ...(fresh ?? [])]);
  const merged = merge(before.stacks, read.stacks);
  // An account of which some stacks were read: those as read, the others as before.
  for (const [id, keys] of stacks) {
    const fresh = read.stacks?.get(id);
    if (fresh) merged.set(id, [...(before.stacks?.get(id) ?? []).filter((st) => !keys.has(keyOf(st))), ...fresh]);
  }
  const vouched = new Set([...[...(before.vouched ?? [])].filter(kept), ...(read.vouched ?? [])]);
  // Vouched for by its tag but the stacks read: those are planned as read.
  const except = new Map([...(before.vouchedExcept ?? [])].filter(([id]) => kept(id) && !read.vouched?.has(id)));
  for (const [id, keys] of stacks) if (vouched.has(id) && !read.vouched?.has(id)) except.set(id, new Set([...(except.get(id) ?? []), ...keys]));
  return {
    ...tree,
    parameters: merge(before.parameters, read.parameters),
    stacks: merged,
    publicAccessBlocks: merge(before.publicAccessBlocks, read.publicAccessBlocks),
    configRecorders: merge(before.configRecorders, read.configRecorders),
    ...(before.vouched || read.vouched ? { vouched } : {}),
    ...(except.size ? { vouchedExcept: except } : {}),
  };
}
