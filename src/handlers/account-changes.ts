/**
 * MOVE_ACCOUNT, TAG_ACCOUNT, RETIRE_ACCOUNT, CLOSE_ACCOUNT: each idempotent, each refusing
 * the management and core accounts, and each acting only on an account orgvend manages
 * (TAG_ACCOUNT: or adopts); see account-guards.ts.
 */
import {
  CloseAccountCommand,
  DescribeAccountCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { refuseCoreAccount, refuseTagging, requireManagedAccount } from './account-guards.js';
import { tagsOf } from './organization-tree.js';
import { moveTo } from './organization-units.js';

/** `live`: the account's tags as read just before. */
async function setTags(client: OrganizationsClient, accountId: string, live: Record<string, string>, set: Record<string, string>, remove: readonly string[], dryrun: boolean) {
  const toSet = Object.keys(set).filter((k) => live[k] !== set[k]).sort();
  const toRemove = remove.filter((k) => k in live).sort();
  if (!dryrun && toSet.length) {
    await client.send(new TagResourceCommand({ ResourceId: accountId, Tags: toSet.map((Key) => ({ Key, Value: set[Key]! })) }));
  }
  if (!dryrun && toRemove.length) await client.send(new UntagResourceCommand({ ResourceId: accountId, TagKeys: toRemove }));
  return { set: toSet, removed: toRemove };
}

export const moveAccount: Handler<PayloadOf<'MOVE_ACCOUNT'>, ResultOf<'MOVE_ACCOUNT'>> = async (payload, context) => {
  const client = await context.clients.client('organizations');
  await requireManagedAccount(context, client, payload.account_id, 'moves');
  return moveTo(client, payload.account_id, payload.ou_path, context.dryrun);
};

export const tagAccount: Handler<PayloadOf<'TAG_ACCOUNT'>, ResultOf<'TAG_ACCOUNT'>> = async (payload, context) => {
  refuseCoreAccount(context, payload.account_id);
  const client = await context.clients.client('organizations');
  const live = await tagsOf(client, payload.account_id);
  refuseTagging(payload.account_id, live, payload.set, payload.remove);
  const { set, removed } = await setTags(client, payload.account_id, live, payload.set, payload.remove, context.dryrun);
  const changed = set.length + removed.length > 0;
  return { set, removed, outcome: !changed ? 'unchanged' : context.dryrun ? 'would-tag' : 'tagged' };
};

export const retireAccount: Handler<PayloadOf<'RETIRE_ACCOUNT'>, ResultOf<'RETIRE_ACCOUNT'>> = async (payload, context) => {
  const client = await context.clients.client('organizations');
  const live = await requireManagedAccount(context, client, payload.account_id, 'retires');
  refuseTagging(payload.account_id, live, payload.tags, []);
  const moved = await moveTo(client, payload.account_id, payload.morgue_path, context.dryrun);
  const tagged = await setTags(client, payload.account_id, live, payload.tags, [], context.dryrun);
  if (moved.outcome === 'already-there' && !tagged.set.length) return { outcome: 'already-retired' };
  return { outcome: context.dryrun ? 'would-retire' : 'retired' };
};

export const closeAccount: Handler<PayloadOf<'CLOSE_ACCOUNT'>, ResultOf<'CLOSE_ACCOUNT'>> = async (payload, context) => {
  const client = await context.clients.client('organizations');
  await requireManagedAccount(context, client, payload.account_id, 'closes');
  const { Account } = await client.send(new DescribeAccountCommand({ AccountId: payload.account_id }));
  const state = Account?.State ?? Account?.Status;
  if (state && state !== 'ACTIVE') return { outcome: 'already-closed' };
  if (context.dryrun) return { outcome: 'would-close' };
  try {
    await client.send(new CloseAccountCommand({ AccountId: payload.account_id }));
  } catch (error) {
    if ((error as Error).name === 'AccountAlreadyClosedException') return { outcome: 'already-closed' };
    throw error;
  }
  return { outcome: 'closed' };
};
