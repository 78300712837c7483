/**
 * MOVE_ACCOUNT, TAG_ACCOUNT, RETIRE_ACCOUNT, CLOSE_ACCOUNT, RECORD_APPLIED: each
 * idempotent, each refusing the management and core accounts, and each acting only on an
 * account orgvend manages (TAG_ACCOUNT: or adopts); see account-guards.ts.
 */
import {
  CloseAccountCommand,
  DescribeAccountCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { APPLIED_TAG } from '../config/identity-tags.js';
import { isManaged } from '../plan/match.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { HandlerError, type Handler } from './context.js';
import { refuseCoreAccount, refuseTagging, requireManagedAccount } from './account-guards.js';
import { readTags, tagsOf } from './organization-tree.js';
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

/** TagResource calls in flight: Organizations allows a few per second, and adaptive retry absorbs the rest. */
const RECORDS_IN_FLIGHT = 4;

/** Every account refused (core, unmanaged) before any is tagged; an account already tagged with its fingerprint is left as it is. */
export const recordApplied: Handler<PayloadOf<'RECORD_APPLIED'>, ResultOf<'RECORD_APPLIED'>> = async ({ tag = APPLIED_TAG, accounts }, context) => {
  for (const { account_id } of accounts) refuseCoreAccount(context, account_id);
  const client = await context.clients.client('organizations');
  const tags = await readTags(client, accounts.map((a) => a.account_id));
  const unmanaged = accounts.filter((a) => !isManaged({ tags: tags.get(a.account_id)! })).map((a) => a.account_id);
  if (unmanaged.length) throw new HandlerError('rejected', `accounts ${unmanaged.join(', ')} are not managed by orgvend; orgvend records what it applied only on the accounts it manages`);
  const toTag = accounts.filter((a) => tags.get(a.account_id)![tag] !== a.fingerprint);
  if (context.dryrun) return { recorded: toTag.map((a) => a.account_id), outcome: 'would-record' };
  const limit = pLimit(RECORDS_IN_FLIGHT);
  await Promise.all(toTag.map((a) => limit(() => client.send(new TagResourceCommand({ ResourceId: a.account_id, Tags: [{ Key: tag, Value: a.fingerprint }] })))));
  return { recorded: toTag.map((a) => a.account_id), outcome: 'recorded' };
};
