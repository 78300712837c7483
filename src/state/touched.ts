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
import { withAccountState, type Live, type LiveAccount, type StateReads } from './live.js';

/** What an executed change came to, as far as this module needs it. */
export interface ExecutedOutcome {
  change: Change;
  result: { status: string; value?: unknown };
}

export interface Touched {
  /** Ids of the accounts created or changed. */
  accounts: Set<string>;
  /** An OU was (or may have been) created: the tree is read again. */
  ous: boolean;
}

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
  const touched: Touched = { accounts: new Set(), ous: false };
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
  }
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
    .sort((a, b) => a.id.localeCompare(b.id));
  return { ...before, ous, accounts };
}

/**
 * `live` with the parameters and stacks of the accounts in `reread` read again, as
 * withAccountState reads them (`reads`), and every other account's as `before` has them.
 */
export async function withRereadState(transport: Transport, live: Live, before: Live, reread: ReadonlySet<string>, reads: StateReads): Promise<Live> {
  const read = await withAccountState(transport, { ...live, accounts: live.accounts.filter((a) => reread.has(a.id)) }, reads);
  const present = new Set(live.accounts.map((a) => a.id));
  // What `before` says of an account is kept while it is still there and was not read again.
  const kept = (id: string) => present.has(id) && !reread.has(id);
  const merge = <V>(old: ReadonlyMap<string, V> | undefined, fresh: ReadonlyMap<string, V> | undefined) => new Map([...[...(old ?? [])].filter(([id]) => kept(id)), ...(fresh ?? [])]);
  return {
    ...live,
    parameters: merge(before.parameters, read.parameters),
    stacks: merge(before.stacks, read.stacks),
    publicAccessBlocks: merge(before.publicAccessBlocks, read.publicAccessBlocks),
    configRecorders: merge(before.configRecorders, read.configRecorders),
    ...(before.vouched || read.vouched ? { vouched: new Set([...[...(before.vouched ?? [])].filter(kept), ...(read.vouched ?? [])]) } : {}),
  };
}
