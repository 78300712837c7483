/**
 * GET_STACKS and DEPLOY_STACK: the stacks orgvend renders from templates/, in the account
 * the request is addressed to. Deployed through a change set with NAMES.deployerRole as
 * CloudFormation's service role, so the handler itself can create nothing but change sets.
 */
import { deployStack, stackState } from '../bootstrap/stack.js';
import { NAMES } from '../protocol/names.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';

export const getStacks: Handler<PayloadOf<'GET_STACKS'>, ResultOf<'GET_STACKS'>> = async ({ stacks }, { clients }) => ({
  stacks: await Promise.all(
    stacks.map(async ({ stack, region }) => {
      const state = await stackState(await clients.client('cloudformation', region), stack);
      return { stack, region, status: state.status ?? null, template: state.template ?? null };
    }),
  ),
});

export const deployStackHandler: Handler<PayloadOf<'DEPLOY_STACK'>, ResultOf<'DEPLOY_STACK'>> = async (payload, { clients, config, dryrun, deadline }) => {
  const cfn = await clients.client('cloudformation', payload.region);
  if (dryrun) {
    // A change set is a write (a new stack's is a stack in REVIEW_IN_PROGRESS), so a dry run only reads.
    const state = await stackState(cfn, payload.stack);
    return { outcome: 'would-deploy', status: state.status ?? null, changes: [] };
  }
  return deployStack(cfn, payload.stack, payload.template, {
    roleArn: `arn:aws:iam::${config.accountId}:role/${NAMES.deployerRole}`,
    // Time left to reply: a deployment still running then is reported, and asked about again.
    deadline: deadline - 10_000,
  });
};
