/**
 * GET_STACKS, DEPLOY_STACK and DELETE_STACK: the stacks orgvend renders from templates/, in
 * the account the request is addressed to. Deployed through a change set with NAMES.deployerRole as
 * CloudFormation's service role, so the handler itself can create nothing but change sets.
 */
import pLimit from 'p-limit';
import type { AccountClients } from '../aws/clients.js';
import { deleteStack, deployStack, stackState, stackStatus, stacksNamed } from '../bootstrap/stack.js';
import { NAMES, mappingStackPrefix } from '../protocol/names.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';

/** Stacks read at once: CloudFormation throttles the rest. */
const READS_IN_FLIGHT = 8;

/** The stacks named and, with `mappings`, every IAM mapping stack in that region, as they are in the account `clients` sign as (GET_STACKS; READ_ACCOUNTS through the reader role). */
export async function readStacks(clients: AccountClients, { stacks, mappings }: PayloadOf<'GET_STACKS'>): Promise<ResultOf<'GET_STACKS'>['stacks']> {
  const listed = mappings ? (await stacksNamed(await clients.client('cloudformation', mappings.region), mappingStackPrefix)).map((stack) => ({ stack, region: mappings.region })) : [];
  const wanted = new Map([...stacks, ...listed].map((s) => [`${s.region}/${s.stack}`, s]));
  const limit = pLimit(READS_IN_FLIGHT);
  return Promise.all(
    [...wanted.values()].map(({ stack, region }) =>
      limit(async () => {
        const state = await stackState(await clients.client('cloudformation', region), stack);
        return { stack, region, status: state.status ?? null, template: state.template ?? null };
      }),
    ),
  );
}

export const getStacks: Handler<PayloadOf<'GET_STACKS'>, ResultOf<'GET_STACKS'>> = async (payload, { clients }) => ({ stacks: await readStacks(clients, payload) });

export const deleteStackHandler: Handler<PayloadOf<'DELETE_STACK'>, ResultOf<'DELETE_STACK'>> = async (payload, { clients, config, dryrun, deadline }) => {
  const cfn = await clients.client('cloudformation', payload.region);
  if (dryrun) return { outcome: 'would-delete', status: (await stackStatus(cfn, payload.stack)) ?? null };
  return deleteStack(cfn, payload.stack, { roleArn: deployerRoleArn(config.accountId), deadline: deadline - 10_000 });
};

const deployerRoleArn = (account: string) => `arn:aws:iam::${account}:role/${NAMES.deployerRole}`;

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
  });
};
