/** OU paths to ids, creating what is missing (CREATE_OU), and the refusal every account change shares. */
import {
  CreateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  ListParentsCommand,
  MoveAccountCommand,
  ListRootsCommand,
  paginateListOrganizationalUnitsForParent,
  type OrganizationsClient,
  type Root,
} from '@aws-sdk/client-organizations';
import { makeOnce } from '../aws/once.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';
import { everyPage } from '../aws/pages.js';

/** The organization's root, with the policy types enabled on it. */
export async function readRoot(client: OrganizationsClient): Promise<Root & { Id: string }> {
  const { Roots } = await client.send(new ListRootsCommand({}));
  const root = Roots?.[0];
  if (!root?.Id) throw new HandlerError('failed', 'the organization has no root');
  return root as Root & { Id: string };
}

export async function rootId(client: OrganizationsClient): Promise<string> {
  return (await readRoot(client)).Id;
}

/**
 * What this process has found of the tree, per Organizations client (there is one per
 * account in a process: the worker's, or a Lambda container's across its invocations): the
 * root's id, and the ids of OUs by path for OU_MEMORY_MS. A run's new and moved accounts
 * then resolve each OU path once instead of walking the tree each (ListRoots, then
 * ListOrganizationalUnitsForParent per level). Only what was found is remembered, and only
 * for putting accounts into it (`moveTo`): a remembered OU deleted since fails the move,
 * which forgets it and looks again.
 */
interface TreeMemory {
  root?: Promise<string>;
  ous: Map<string, { id: string; until: number }>;
}
const OU_MEMORY_MS = 10 * 60_000;
const memories = new WeakMap<OrganizationsClient, TreeMemory>();

function memoryOf(client: OrganizationsClient): TreeMemory {
  let memory = memories.get(client);
  if (!memory) memories.set(client, (memory = { ous: new Map() }));
  return memory;
}

/** The root's id, asked once per client: an organization's root never changes. */
function rememberedRoot(client: OrganizationsClient): Promise<string> {
  const memory = memoryOf(client);
  return (memory.root ??= rootId(client).catch((error: unknown) => {
    memory.root = undefined;
    throw error;
  }));
}

function recall(client: OrganizationsClient, path: string): string | undefined {
  const found = memoryOf(client).ous.get(path);
  return found && found.until > Date.now() ? found.id : undefined;
}

function remember(client: OrganizationsClient, path: string, id: string): void {
  memoryOf(client).ous.set(path, { id, until: Date.now() + OU_MEMORY_MS });
}

/** Forget `path` and every OU below it. */
function forget(client: OrganizationsClient, path: string): void {
  const { ous } = memoryOf(client);
  for (const known of ous.keys()) if (known === path || known.startsWith(`${path}/`)) ous.delete(known);
}

/** What AWS (and moto) say when an OU id names no OU (any more). */
const OU_GONE = new Set(['ParentNotFoundException', 'DestinationParentNotFoundException', 'OrganizationalUnitNotFoundException']);

async function childrenNamed(client: OrganizationsClient, parentId: string, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of everyPage(paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId }))) {
    for (const ou of page.OrganizationalUnits ?? []) if (ou.Name === name && ou.Id) ids.push(ou.Id);
  }
  return ids.sort();
}

/**
 * The OU called `name` under `parentId`. AWS allows one; moto, and a race AWS loses, may
 * leave two, and then no account is put in either until a person has merged them.
 */
async function childNamed(client: OrganizationsClient, parentId: string, name: string, path: string): Promise<string | undefined> {
  return theOne(await childrenNamed(client, parentId, name), path);
}

/** The id of the OU at `path`, from the ids of the OUs listed under that name: none, one, or a refusal. */
function theOne(ids: string[], path: string): string | undefined {
  if (ids.length > 1) throw new HandlerError('failed', `OU ${path} exists ${ids.length} times (${ids.join(', ')}); move the accounts of all but one into it and delete the others, then run again`);
  return ids[0];
}

/**
 * Create the OU `name` under `parentId`, once: an answer lost on the way is followed by a
 * look for what it made, and when two runs made it at the same time, the one that made the
 * later id deletes its own (still empty) and both use the other.
 */
async function createChild(client: OrganizationsClient, parentId: string, name: string, path: string): Promise<string | undefined> {
  let made: string | undefined;
  try {
    made = await makeOnce(
      `creating OU ${path}`,
      async () => (await client.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }))).OrganizationalUnit?.Id,
      async () => (await childrenNamed(client, parentId, name))[0],
    );
  } catch (error) {
    if ((error as Error).name !== 'DuplicateOrganizationalUnitException') throw error;
  }
  const ids = await childrenNamed(client, parentId, name);
  if (made && ids.length > 1 && ids[0] !== made) {
    await client.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: made }));
    return ids[0];
  }
  return theOne(ids, path);
}

/**
 * The id of the OU at `path` (below Root), or undefined if it does not exist. With
 * `create`, missing OUs along the path are created; one created meanwhile by someone else
 * is found rather than duplicated.
 */
export async function ouAt(client: OrganizationsClient, path: string, create = false): Promise<{ id?: string; created: boolean }> {
  let parent = await rememberedRoot(client);
  let created = false;
  const names = path.split('/');
  for (const [i, name] of names.entries()) {
    const here = names.slice(0, i + 1).join('/');
    let id = await childNamed(client, parent, name, here);
    if (!id && create) {
      id = await createChild(client, parent, name, here);
      created = true;
    }
    if (!id) return { created };
    remember(client, here, id);
    parent = id;
  }
  return { id: parent, created };
}

/**
 * An OU that must exist for an account to go into it; remembered, when `remembered`, from
 * an earlier look in this process.
 */
export async function requireOu(client: OrganizationsClient, path: string, remembered = false): Promise<string> {
  const known = remembered ? recall(client, path) : undefined;
  if (known) return known;
  const { id } = await ouAt(client, path);
  if (!id) throw new HandlerError('failed', `OU ${path} does not exist; it is created before the accounts that go into it, so run the plan again`);
  return id;
}

async function parentOf(client: OrganizationsClient, accountId: string): Promise<string> {
  const { Parents } = await client.send(new ListParentsCommand({ ChildId: accountId }));
  const id = Parents?.[0]?.Id;
  if (!id) throw new HandlerError('failed', `account ${accountId} has no parent: is it in this organization?`);
  return id;
}

/** Into the OU at `path`, from wherever it is; nothing when it is there already. */
export async function moveTo(client: OrganizationsClient, accountId: string, path: string, dryrun: boolean, again = false): Promise<{ from: string; to: string; outcome: 'already-there' | 'would-move' | 'moved' }> {
  const [from, to] = await Promise.all([parentOf(client, accountId), requireOu(client, path, !again)]);
  if (from === to) return { from, to, outcome: 'already-there' };
  if (dryrun) return { from, to, outcome: 'would-move' };
  try {
    await client.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: from, DestinationParentId: to }));
  } catch (error) {
    // The OU remembered at `path` has been deleted since (and perhaps made again): look again, once.
    if (again || !OU_GONE.has((error as Error).name)) throw error;
    forget(client, path);
    return moveTo(client, accountId, path, dryrun, true);
  }
  return { from, to, outcome: 'moved' };
}

/** orgvend never moves, tags, retires or closes the management account. */
export function refuseManagementAccount(context: HandlerContext, accountId: string): void {
  if (context.config.roles.includes('management') && accountId === context.config.accountId) {
    throw new HandlerError('rejected', `account ${accountId} is the management account; orgvend never moves, tags, retires or closes it`);
  }
}

export const createOu: Handler<PayloadOf<'CREATE_OU'>, ResultOf<'CREATE_OU'>> = async ({ path }, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  if (dryrun) {
    const { id } = await ouAt(client, path);
    return { path, id: id ?? null, outcome: id ? 'exists' : 'would-create' };
  }
  const { id, created } = await ouAt(client, path, true);
  return { path, id: id ?? null, outcome: created ? 'created' : 'exists' };
};
