/**
 * Read the organization: its root, the OU tree and the accounts in each OU with their
 * tags. Walks the tree rather than asking each account for its parent, so the number of
 * calls grows with the OUs, not the accounts; tags are read with bounded concurrency and
 * the client's adaptive retry paces them under throttling.
 */
import {
  DescribeOrganizationCommand,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListTagsForResource,
  type Account,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import type { OrgAccount, OrgUnit } from '../protocol/requests.js';
import { rootId as rootOf } from './organization-units.js';
import { everyPage } from '../aws/pages.js';
import { compareText } from '../text-order.js';

/** ListTagsForResource calls in flight; Organizations allows a few per second per account. */
const TAG_READS_IN_FLIGHT = 5;
const PARENTS_IN_FLIGHT = 4;

export interface OrganizationTree {
  organizationId: string;
  managementAccountId: string;
  rootId: string;
  ous: OrgUnit[];
  accounts: Omit<OrgAccount, 'tags'>[];
}

export async function readTree(client: OrganizationsClient, { withAccounts }: { withAccounts: boolean }): Promise<OrganizationTree> {
  const [{ Organization: org }, rootId] = await Promise.all([client.send(new DescribeOrganizationCommand({})), rootOf(client)]);
  if (!org?.Id || !org.MasterAccountId) throw new Error('the organization has no root');

  const ous: OrgUnit[] = [];
  // By id: an account moved while the tree is walked may be listed under both parents; the later sighting (where it went, as a move goes down from Root) is kept.
  const accounts = new Map<string, OrganizationTree['accounts'][number]>();
  const limit = pLimit(PARENTS_IN_FLIGHT);

  // The limit holds a slot only while a parent is read, never while its children are
  // visited: a slot held across the recursion deadlocks a tree deeper than the limit.
  const visit = async (parentId: string, path: string): Promise<void> => {
    const children = await limit(async () => {
      const found: OrgUnit[] = [];
      for await (const page of everyPage(paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId }))) {
        for (const ou of page.OrganizationalUnits ?? []) found.push({ id: ou.Id!, name: ou.Name!, path: path ? `${path}/${ou.Name}` : ou.Name!, parent_id: parentId });
      }
      if (withAccounts) for (const account of await accountsOf(client, parentId)) accounts.set(account.id, account);
      return found;
    });
    ous.push(...children);
    await Promise.all(children.map((child) => visit(child.id, child.path)));
  };
  await visit(rootId, '');

  ous.sort((a, b) => compareText(a.path, b.path));
  return { organizationId: org.Id, managementAccountId: org.MasterAccountId, rootId, ous, accounts: [...accounts.values()].sort((a, b) => compareText(a.id, b.id)) };
}

/** An account as Organizations lists or describes it, in `parentId`, as the requests give it (without its tags). */
export function orgAccount(a: Account, parentId: string): OrganizationTree['accounts'][number] {
  return {
    id: a.Id!,
    arn: a.Arn!,
    name: a.Name ?? '',
    email: a.Email ?? '',
    status: a.State ?? a.Status ?? 'UNKNOWN',
    joined_method: a.JoinedMethod,
    joined_at: a.JoinedTimestamp?.toISOString(),
    parent_id: parentId,
  };
}

/** The accounts directly in a root or OU, all pages. */
export async function accountsOf(client: OrganizationsClient, parentId: string): Promise<OrganizationTree['accounts']> {
  const accounts: OrganizationTree['accounts'] = [];
  for await (const page of everyPage(paginateListAccountsForParent({ client }, { ParentId: parentId }))) {
    for (const a of page.Accounts ?? []) accounts.push(orgAccount(a, parentId));
  }
  return accounts;
}

/** The accounts directly in each of `parents` (a few parents listed at once), by id: an account moved while they are listed is kept where it was seen last in `parents`' order. */
export async function accountsOfParents(client: OrganizationsClient, parents: readonly string[]): Promise<OrganizationTree['accounts']> {
  const limit = pLimit(PARENTS_IN_FLIGHT);
  const listed = await Promise.all(parents.map((parent) => limit(() => accountsOf(client, parent))));
  return [...new Map(listed.flat().map((a) => [a.id, a])).values()].sort((a, b) => compareText(a.id, b.id));
}

/** Every tag of an Organizations resource (account, OU, policy), all pages. */
export async function tagsOf(client: OrganizationsClient, resourceId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of everyPage(paginateListTagsForResource({ client }, { ResourceId: resourceId }))) {
    for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

export async function readTags(client: OrganizationsClient, resourceIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const limit = pLimit(TAG_READS_IN_FLIGHT);
  return new Map(await Promise.all(resourceIds.map((id) => limit(async () => [id, await tagsOf(client, id)] as const))));
}
