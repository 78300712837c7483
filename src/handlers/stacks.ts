/**
 * GET_STACKS, DEPLOY_STACK and DELETE_STACK: the stacks orgvend renders from templates/, in
 * the account the request is addressed to. Deployed through a change set with NAMES.deployerRole as
 * CloudFormation's service role, so the handler itself can create nothing but change sets.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import pLimit from 'p-limit';
import type { AccountClients } from '../aws/clients.js';
import { deleteStack, deployStack, describedStack, stackState, stackStatus, stacksNamed } from '../bootstrap/stack.js';
import { NAMES, OWNED_STACK_PREFIX, roleArn, TEMPLATE_TAG, isOwnedStack, isOwnedStackName } from '../protocol/names.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { HandlerError, type Handler } from './context.js';

/** Stacks read at once: CloudFormation throttles the rest. */
const READS_IN_FLIGHT = 8;

type LiveStack = ResultOf<'GET_STACKS'>['stacks'][number];
/** What AWS answers a call to an opt-in region the account has not enabled. */
const REGION_NOT_ENABLED = /^(InvalidClientTokenId|UnrecognizedClientException|OptInRequired)$/;

/**
 * The stacks named and, with `owned`, every stack orgvend owns in those regions, as they are
 * in the account `clients` sign as (GET_STACKS; READ_ACCOUNTS through the reader role). One
 * ListStacks a region; of the `orgvend-*` stacks it finds, the tags of each (DescribeStacks),
 * and the template of those orgvend owns.
 */
export async function readStacks(clients: AccountClients, { stacks, owned }: PayloadOf<'GET_STACKS'>): Promise<LiveStack[]> {
  const limit = pLimit(READS_IN_FLIGHT);
  const cfn = (region: string) => clients.client('cloudformation', region);
  const listIn = async (region: string) => {
    try {
      return (await stacksNamed(await cfn(region), OWNED_STACK_PREFIX)).filter(isOwnedStackName).map((stack) => ({ stack, region }));
    } catch (error) {
      // A region the account has not enabled (one of its `regions`, before enable-region) holds no stack: AWS refuses the credentials there.
      if (REGION_NOT_ENABLED.test((error as Error).name)) return [];
      throw error;
    }
  };
  const listed = owned ? (await Promise.all(owned.regions.map(listIn))).flat() : [];
  const named = new Set(stacks.map((s) => `${s.region}/${s.stack}`));
  const wanted = new Map([...stacks, ...listed].map((s) => [`${s.region}/${s.stack}`, s]));
  const read = await Promise.all(
    [...wanted.entries()].map(([key, { stack, region }]) => limit(async () => readStack(await cfn(region), stack, region, named.has(key)))),
  );
  return read.filter((s): s is LiveStack => s !== undefined);
}

/** One stack: a stack asked for by name is answered whatever it is (null when absent); one found by listing, only when orgvend owns it. */
async function readStack(cfn: CloudFormationClient, stack: string, region: string, named: boolean): Promise<LiveStack | undefined> {
  // One DescribeStacks: its tags (whose it is, which template) and its status.
  const described = await describedStack(cfn, stack).catch((error: unknown) => notOwned(error, named));
  if (!named && !(described && isOwnedStack({ name: stack, tags: described.tags }))) return undefined;
  const state = await stackState(cfn, stack, { status: described?.status });
  const source = described?.tags[TEMPLATE_TAG];
  return { stack, region, status: state.status ?? null, template: state.template ?? null, ...(source ? { source } : {}) };
}

/**
 * IAM lets orgvend describe an `orgvend-*` stack only when DEPLOY_STACK tagged it (requests.ts
 * ownedStackPermissions): one found by listing that it may not describe is not orgvend's.
 */
function notOwned(error: unknown, named: boolean): undefined {
  if (!named && /AccessDenied/.test((error as Error).name)) return undefined;
  throw error;
}

export const getStacks: Handler<PayloadOf<'GET_STACKS'>, ResultOf<'GET_STACKS'>> = async (payload, { clients }) => ({ stacks: await readStacks(clients, payload) });

/** DELETE_STACK: only a stack orgvend owns (isOwnedStack, by the tags DEPLOY_STACK put on it); any other `orgvend-*` stack is refused, dry run or not. */
export const deleteStackHandler: Handler<PayloadOf<'DELETE_STACK'>, ResultOf<'DELETE_STACK'>> = async (payload, { clients, config, dryrun, deadline }) => {
  const cfn = await clients.client('cloudformation', payload.region);
  const described = await describedStack(cfn, payload.stack);
  if (described && !isOwnedStack({ name: payload.stack, tags: described.tags })) {
    throw new HandlerError('rejected', `stack ${payload.stack} in ${payload.region} is not orgvend's (no ${TEMPLATE_TAG} tag from DEPLOY_STACK): orgvend deletes only the stacks it deployed`);
  }
  if (dryrun) return { outcome: 'would-delete', status: described?.status ?? null };
  return deleteStack(cfn, payload.stack, { roleArn: deployerRoleArn(config.accountId), deadline: deadline - 10_000 });
};

const deployerRoleArn = (account: string) => roleArn(account, NAMES.deployerRole);

export const deployStackHandler: Handler<PayloadOf<'DEPLOY_STACK'>, ResultOf<'DEPLOY_STACK'>> = async (payload, { clients, config, dryrun, deadline }) => {
  const cfn = await clients.client('cloudformation', payload.region);
  if (dryrun) {
    // A change set is a write (a new stack's is a stack in REVIEW_IN_PROGRESS), so a dry run only reads.
    return { outcome: 'would-deploy', status: (await stackStatus(cfn, payload.stack)) ?? null, changes: [] };
  }
  return deployStack(cfn, payload.stack, payload.template, {
    roleArn: deployerRoleArn(config.accountId),
    // Time left to reply: a deployment still running then is reported, and asked about again.
    deadline: deadline - 10_000,
    // What makes it orgvend's to delete later (isOwnedStack); a request without `source` (an older CLI's) names the stack.
    tags: { [TEMPLATE_TAG]: payload.source ?? payload.stack },
  });
};
