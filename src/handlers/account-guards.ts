/**
 * Which accounts the management handler's account changes may touch, checked before any
 * call that changes something, dry runs included. Never the management account, nor
 * orgvend's core accounts (CICD, audit, delegated administrator): the administrator's,
 * changed by bootstrap alone. Moves, retirements and closures: only an account tagged as
 * managed by orgvend. Tags: only where the account is managed by orgvend afterwards, which
 * lets sync-accounts adopt an untagged account it matched (its identifying tags are set)
 * and never lets a request give one up.
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { APPLIED_TAGS, BOOTSTRAP_TAG, IDENTITY_TAG_KEYS, MANAGED_BY } from '../config/identity-tags.js';
import { isManaged } from '../plan/match.js';
import { HandlerError, type HandlerConfig, type HandlerContext } from './context.js';
import { tagsOf } from './organization-tree.js';
import { refuseManagementAccount } from './organization-units.js';

const MANAGED = `${MANAGED_BY.key}=${MANAGED_BY.value} and ${IDENTITY_TAG_KEYS.name}`;

/** orgvend's core accounts other than the management account, by id, with what each is. */
export function coreAccountsOf(config: Pick<HandlerConfig, 'cicdAccountId' | 'auditAccountId' | 'delegatedAdminAccountId'>): Map<string, string> {
  const core = new Map([
    [config.cicdAccountId, 'the CICD account'],
    [config.auditAccountId, 'the audit account'],
  ]);
  if (config.delegatedAdminAccountId) core.set(config.delegatedAdminAccountId, 'the delegated administrator');
  return core;
}

/** The management account and the core accounts are refused, whatever the request. */
export function refuseCoreAccount(context: HandlerContext, accountId: string): void {
  refuseManagementAccount(context, accountId);
  const what = coreAccountsOf(context.config).get(accountId);
  if (what) {
    throw new HandlerError('rejected', `account ${accountId} is ${what}, one of orgvend's core accounts; orgvend never moves, tags, retires or closes it (only the administrator's bootstrap changes it)`);
  }
}

/** The account's tags, once it is found to be neither core nor unmanaged; `verb`: what orgvend would do (`moves`, `closes`). */
export async function requireManagedAccount(context: HandlerContext, client: OrganizationsClient, accountId: string, verb: string): Promise<Record<string, string>> {
  refuseCoreAccount(context, accountId);
  const tags = await tagsOf(client, accountId);
  if (!isManaged({ tags })) {
    throw new HandlerError('rejected', `account ${accountId} is not tagged as managed by orgvend (${MANAGED}); orgvend ${verb} only the accounts it manages`);
  }
  return tags;
}

/**
 * Refuses tags that would leave the account unmanaged (an unmanaged account is tagged only
 * when the request adopts it), and any change to the bootstrap tag, which only bootstrap sets,
 * or to the applied tags, which only RECORD_APPLIED sets.
 */
export function refuseTagging(accountId: string, live: Record<string, string>, set: Record<string, string>, remove: readonly string[]): void {
  if (BOOTSTRAP_TAG in set || remove.includes(BOOTSTRAP_TAG)) {
    throw new HandlerError('rejected', `${BOOTSTRAP_TAG} on account ${accountId} is set by bootstrap alone, never by TAG_ACCOUNT`);
  }
  const applied = APPLIED_TAGS.find((tag) => tag in set || remove.includes(tag));
  if (applied) throw new HandlerError('rejected', `${applied} on account ${accountId} is set by RECORD_APPLIED alone, never by TAG_ACCOUNT`);
  const after: Record<string, string> = Object.fromEntries(Object.entries(live).filter(([key]) => !remove.includes(key)));
  Object.assign(after, set);
  if (isManaged({ tags: after })) return;
  throw new HandlerError(
    'rejected',
    isManaged({ tags: live })
      ? `the tags asked for would leave account ${accountId} no longer managed by orgvend (${MANAGED}); orgvend does not give up an account by tagging it`
      : `account ${accountId} is not managed by orgvend, and the request does not adopt it (set ${MANAGED}); orgvend tags only accounts it manages or adopts`,
  );
}
