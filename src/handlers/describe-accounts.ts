/**
 * DESCRIBE_ACCOUNTS: some accounts by id, each as LIST_ACCOUNTS gives it (parent and tags),
 * so a run re-reads what it changed without walking the whole organization.
 */
import { DescribeAccountCommand, ListParentsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import type { OrgAccount, PayloadOf, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { orgAccount, tagsOf } from './organization-tree.js';

/** Accounts read at once: three calls each, paced by the client's adaptive retry. */
const ACCOUNTS_IN_FLIGHT = 4;

const NOT_FOUND = new Set(['AccountNotFoundException', 'ChildNotFoundException', 'TargetNotFoundException']);

/** The account, or undefined when it is no account of the organization (any more). */
async function describe(client: OrganizationsClient, id: string): Promise<OrgAccount | undefined> {
  try {
    const [{ Account: a }, { Parents }, tags] = await Promise.all([
      client.send(new DescribeAccountCommand({ AccountId: id })),
      client.send(new ListParentsCommand({ ChildId: id })),
      tagsOf(client, id),
    ]);
    const parent = Parents?.[0]?.Id;
    if (!a?.Id || !parent) return undefined;
    return { ...orgAccount(a, parent), tags };
  } catch (error) {
    // Whichever of the three answers first says so: DescribeAccount, ListParents, or ListTagsForResource (TargetNotFoundException).
    if (NOT_FOUND.has((error as Error).name)) return undefined;
    throw error;
  }
}

export const describeAccounts: Handler<PayloadOf<'DESCRIBE_ACCOUNTS'>, ResultOf<'DESCRIBE_ACCOUNTS'>> = async (payload, { clients }) => {
  const client = await clients.client('organizations');
  const limit = pLimit(ACCOUNTS_IN_FLIGHT);
  const ids = [...new Set(payload.accounts)];
  const accounts = await Promise.all(ids.map((id) => limit(() => describe(client, id))));
  return { accounts: accounts.filter((a): a is OrgAccount => a !== undefined) };
};
