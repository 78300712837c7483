/**
 * Carry out a sync-accounts plan: each change becomes one request to the management
 * account, ordered by the step graph (OUs before what goes in them), with account
 * creations limited to what AWS allows in flight.
 */
import type { Organization } from '../config/schema.js';
import { RequestError, TimeoutError } from '../errors.js';
import { chunks } from '../chunks.js';
import type { Change, Plan } from '../plan/plan.js';
import { DEPLOYED_STACKS } from '../protocol/names.js';
import { MAX_BOOTSTRAPS, type PayloadOf, type PublicAccessBlock, type RequestType, type ResultOf } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { changeStepId, runChanges, type ExecutionHooks, type Step, type StepResult } from './graph.js';

export type ChangeStep = Step<Change>;

type Before = { account_id: string };
type After = Record<string, unknown>;

export function stepsFor(plan: Plan, org: Organization): ChangeStep[] {
  const ouStep = (path: string | undefined) => (path ? [changeStepId({ type: 'ou.create', target: path })] : []);
  // An account's own requests (its parameters, its stacks) wait for its bus: its bootstrap, when the plan has one.
  const bootstrapChanges = plan.changes.filter((c) => c.type === 'account.bootstrap');
  const bootstraps = new Map(bootstrapChanges.map((c) => [(c.before as Before).account_id, changeStepId(c)]));
  const bootstrapStep = (change: Change) => {
    const step = bootstraps.get((change.before as Before | null)?.account_id ?? '');
    return step ? [step] : [];
  };
  // The handler bootstraps only an account tagged as managed, so an account matched by email
  // is tagged first; and the bootstraps go in one request, so all of them wait for all such tags.
  const bootstrapped = new Set(bootstrapChanges.map((c) => c.target));
  const tagSteps = plan.changes.filter((c) => c.type === 'account.tag' && bootstrapped.has(c.target)).map(changeStepId);
  // The handler moves only an account tagged as managed, so an account being adopted (matched by id or email) is tagged first.
  const tagged = new Set(plan.changes.filter((c) => c.type === 'account.tag').map((c) => c.target));
  const tagStep = (change: Change) => (tagged.has(change.target) ? [changeStepId({ type: 'account.tag', target: change.target })] : []);
  // A Config recorder delivers into the log bucket: the stack that makes it (and lets Config write to it) goes first when the plan deploys it.
  const logBucketSteps = plan.changes.filter((c) => c.type === 'stack.deploy' && (c.after as After).stack === DEPLOYED_STACKS['log-buckets']).map(changeStepId);
  return plan.changes.map((change) => {
    const after = (change.after ?? {}) as After;
    const dependsOn =
      change.type === 'ou.create'
        ? ouStep(after.parent === 'Root' ? undefined : (after.parent as string))
        : change.type === 'account.create'
          ? ouStep(after.ou as string)
          : change.type === 'account.move'
            ? [...ouStep(after.ou as string), ...tagStep(change)]
            : change.type === 'account.retire'
              ? ouStep(org.morgue_ou)
              : change.type === 'parameters.put' || change.type === 'public-access-block.put' || change.type === 'stack.deploy'
                ? bootstrapStep(change)
                : change.type === 'config-recorder.put'
                  ? [...bootstrapStep(change), ...logBucketSteps]
                : change.type === 'account.bootstrap'
                  ? tagSteps
                  : [];
    return { id: changeStepId(change), kind: change.type, dependsOn, data: change };
  });
}

/** The request that carries out a change. */
export function requestFor(change: Change, org: Organization): { [T in RequestType]: { type: T; payload: PayloadOf<T>; targetAccount?: string } }[RequestType] {
  const after = (change.after ?? {}) as After;
  const accountId = (change.before as Before | null)?.account_id ?? '';
  switch (change.type) {
    case 'ou.create':
      return { type: 'CREATE_OU', payload: { path: change.target } };
    case 'account.create':
      return {
        type: 'CREATE_ACCOUNT',
        payload: { name: change.target, aws_name: after.aws_name as string, email: after.email as string, ou_path: after.ou as string, tags: after.tags as Record<string, string> },
      };
    case 'account.move':
      return { type: 'MOVE_ACCOUNT', payload: { account_id: accountId, name: change.target, ou_path: after.ou as string } };
    case 'account.tag': {
      const tags = after.tags as Record<string, string | null>;
      return {
        type: 'TAG_ACCOUNT',
        payload: {
          account_id: accountId,
          name: change.target,
          set: Object.fromEntries(Object.entries(tags).filter((e): e is [string, string] => e[1] !== null)),
          remove: Object.keys(tags).filter((k) => tags[k] === null),
        },
      };
    }
    case 'account.retire':
      return { type: 'RETIRE_ACCOUNT', payload: { account_id: accountId, name: change.target, morgue_path: org.morgue_ou, tags: after.tags as Record<string, string> } };
    case 'account.close':
      return { type: 'CLOSE_ACCOUNT', payload: { account_id: accountId, name: change.target } };
    case 'account.bootstrap':
      return { type: 'BOOTSTRAP_ACCOUNTS', payload: { accounts: [{ account_id: accountId, name: change.target }] } };
    case 'parameters.put':
      // To the account itself, through its own bus (bootstrap gave it one).
      return { type: 'PUT_PARAMETERS', payload: { name: change.target, parameters: after.parameters as Record<string, string> }, targetAccount: accountId };
    case 'public-access-block.put':
      // As the parameters: to the account itself, whose credentials alone may change it.
      return { type: 'PUT_PUBLIC_ACCESS_BLOCK', payload: { name: change.target, block: (after.public_access_block as PublicAccessBlock).block_public_acls }, targetAccount: accountId };
    case 'config-recorder.put':
      // As the parameters: the recorders are the account's own, in each of its regions.
      return {
        type: 'PUT_CONFIG_RECORDER',
        payload: { name: change.target, on: after.config_recorder as boolean, regions: after.regions as string[], home_region: after.home_region as string, ...(after.bucket ? { bucket: after.bucket as string } : {}) },
        targetAccount: accountId,
      };
    case 'stack.deploy':
      return {
        type: 'DEPLOY_STACK',
        payload: { name: change.target, stack: after.stack as string, region: after.region as string, template: after.template as string, ...(after.source ? { source: after.source as string } : {}) },
        targetAccount: accountId,
      };
    case 'stack.delete':
      return { type: 'DELETE_STACK', payload: { name: change.target, stack: after.stack as string, region: after.region as string }, targetAccount: accountId };
    default:
      throw new Error(`sync-accounts cannot carry out ${change.type}`);
  }
}

/** Requests in flight per kind of change; Organizations throttles, the client paces the rest. */
const DEFAULT_CONCURRENCY = 4;
/**
 * BOOTSTRAP_ACCOUNTS requests in flight. A bootstrap step waits for its batch's request, so
 * its limit counts steps: four batches' worth, or the first batch's steps alone would hold
 * every slot and the batches would go one after another.
 */
const BOOTSTRAP_REQUESTS_IN_FLIGHT = 4;
/**
 * A creation, deployment or bootstrap still running when the handler had to reply is asked for again
 * this many times in all: the handler then waits for it, it does not start it again.
 */
const ATTEMPTS = 4;

export async function executeAccountPlan(plan: Plan, org: Organization, transport: Transport, hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  const steps = stepsFor(plan, org);
  /** Sends a request; asks again for what the handler reports still running. */
  const ask = async <T extends RequestType>(type: T, payload: PayloadOf<T>, target: string, targetAccount?: string): Promise<ResultOf<T>> => {
    for (let attempt = 1; ; attempt++) {
      let result: ResultOf<T>;
      try {
        result = await transport.request(type, payload, targetAccount ? { targetAccount } : {});
      } catch (error) {
        const stillRunning = (error instanceof RequestError && error.code === 'timeout') || error instanceof TimeoutError;
        if (type !== 'CREATE_ACCOUNT' || !stillRunning || attempt >= ATTEMPTS) throw error;
        continue;
      }
      const running = stillDeploying(type, result);
      if (running === undefined) return result;
      if (attempt >= ATTEMPTS) throw new Error(`${target} is still deploying (${running}); run again to wait for it`);
    }
  };
  // A run's bootstraps go in as few requests as the handler takes (MAX_BOOTSTRAPS accounts each),
  // side by side. Each batch's request is sent when the first of its changes runs.
  const batchOf = new Map<Change, () => Promise<ResultOf<'BOOTSTRAP_ACCOUNTS'>>>();
  for (const batch of chunks(plan.changes.filter((c) => c.type === 'account.bootstrap'), MAX_BOOTSTRAPS)) {
    let sent: Promise<ResultOf<'BOOTSTRAP_ACCOUNTS'>> | undefined;
    const accounts = batch.flatMap((c) => (requestFor(c, org).payload as PayloadOf<'BOOTSTRAP_ACCOUNTS'>).accounts);
    const send = () => (sent ??= ask('BOOTSTRAP_ACCOUNTS', { accounts }, batch.map((c) => c.target).join(', ')));
    for (const change of batch) batchOf.set(change, send);
  }
  const bootstrap = async (change: Change) => {
    const result = await batchOf.get(change)!();
    const id = (change.before as Before).account_id;
    return { outcome: result.accounts[id], stack: result.stacks[id] ?? null };
  };
  const concurrency: Partial<Record<string, number>> = {
    'account.create': org.limits.max_creations_in_flight,
    'ou.create': 1,
    'account.bootstrap': BOOTSTRAP_REQUESTS_IN_FLIGHT * MAX_BOOTSTRAPS,
  };
  return runChanges(steps, {
    concurrency: (kind) => concurrency[kind] ?? DEFAULT_CONCURRENCY,
    run: async (change) => {
      if (change.type === 'account.bootstrap') return bootstrap(change);
      const { type, payload, targetAccount } = requestFor(change, org);
      return ask(type, payload as never, change.target, targetAccount);
    },
  }, hooks);
}

/** What is still deploying, when the reply says so (a stack's status, or the accounts whose bootstrap is); else undefined. */
function stillDeploying(type: RequestType, result: unknown): string | undefined {
  if (type === 'DEPLOY_STACK' || type === 'DELETE_STACK') {
    const { outcome, status } = result as ResultOf<'DEPLOY_STACK' | 'DELETE_STACK'>;
    return outcome === 'in-progress' ? (status ?? 'in progress') : undefined;
  }
  if (type === 'BOOTSTRAP_ACCOUNTS') {
    const { accounts, stacks } = result as ResultOf<'BOOTSTRAP_ACCOUNTS'>;
    return Object.values(accounts).includes('in-progress') ? JSON.stringify(stacks) : undefined;
  }
  return undefined;
}
