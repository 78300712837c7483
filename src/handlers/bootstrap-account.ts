/**
 * BOOTSTRAP_ACCOUNT, in the management account: a new managed member account gets
 * orgvend's stack, then the CICD account's stack the forward rule to it, then the
 * BOOTSTRAP_TAG that tells sync-accounts requests can reach it. The same code as the
 * administrator's bootstrap, for those two stacks only. The template is rendered here from
 * what the administrator's bootstrap gave this handler (config.bootstrap), never taken from
 * the request, which names an account and nothing else: CI cannot use this to deploy
 * anything of its own through the role Organizations made in the account.
 */
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { applyBootstrap, planBootstrap, type BootstrapEnv } from '../bootstrap/bootstrap.js';
import { coreAccounts } from '../bootstrap/topology.js';
import { isManaged } from '../plan/match.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { HandlerError, type Handler } from './context.js';
import { tagsOf } from './organization-tree.js';
import { refuseManagementAccount } from './organization-units.js';

export const bootstrapAccount: Handler<PayloadOf<'BOOTSTRAP_ACCOUNT'>, ResultOf<'BOOTSTRAP_ACCOUNT'>> = async ({ account_id: id, name }, context) => {
  const setup = context.config.bootstrap;
  if (!setup) throw new HandlerError('unsupported', 'this handler was not given the member bootstrap (an older bootstrap deployed it): an administrator runs bootstrap');
  refuseManagementAccount(context, id);
  const org = setup.organization;
  if (coreAccounts(org).some((a) => a.id === id)) {
    throw new HandlerError('rejected', `account ${id} is one of orgvend's core accounts (CICD, audit, delegated administrator): only the administrator's bootstrap deploys its stack`);
  }
  const organizations = await context.clients.client('organizations');
  const { Account: account } = await organizations.send(new DescribeAccountCommand({ AccountId: id }));
  const state = account?.State ?? account?.Status;
  if (state !== 'ACTIVE') throw new HandlerError('rejected', `account ${id} (${name}) is ${state ?? 'unknown'}, not ACTIVE: only an active account is bootstrapped`);
  if (!isManaged({ tags: await tagsOf(organizations, id) })) {
    throw new HandlerError('rejected', `account ${id} (${name}) is not tagged as managed by orgvend: it gets no stack`);
  }

  const env: BootstrapEnv = {
    organization: org,
    templatesDir: setup.templatesDir,
    clientsFor: async (account) => (account === context.config.accountId ? context.clients : context.clients.inAccount(account)),
    // Time left to reply: a deployment still running then is reported, and asked about again.
    deadline: context.deadline - 10_000,
  };
  if (setup.lambda) env.lambda = setup.lambda;
  const planned = await planBootstrap(env, new Set([id, org.cicd_account_id]));
  if (!planned.pending.length && !Object.keys(planned.tags).length) return { outcome: 'already-bootstrapped', stacks: {} };
  if (context.dryrun) return { outcome: 'would-bootstrap', stacks: Object.fromEntries(planned.pending.map((a) => [a, 'would-deploy'])) };
  const stacks = await applyBootstrap(env, planned);
  if (Object.values(stacks).includes('in-progress')) return { outcome: 'in-progress', stacks };
  setup.onBootstrapped?.(planned.accounts.find((a) => a.id === id)!);
  return { outcome: 'bootstrapped', stacks };
};
