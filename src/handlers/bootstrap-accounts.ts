/**
 * BOOTSTRAP_ACCOUNTS, in the management account: new managed member accounts get
 * orgvend's stack, then the BOOTSTRAP_TAG that tells sync-accounts requests can reach them
 * (the CLI puts requests on their bus itself: no other account's stack changes). The same
 * code as the administrator's bootstrap, for their stacks only. The template is rendered here from
 * what the administrator's bootstrap gave this handler (config.bootstrap), never taken from
 * the request, which names accounts and nothing else: CI cannot use this to deploy
 * anything of its own through the role Organizations made in the account.
 */
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { applyBootstrap, planBootstrap, reachable, type BootstrapEnv } from '../bootstrap/bootstrap.js';
import { isManaged } from '../plan/match.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import { coreAccountsOf } from './account-guards.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';
import { tagsOf } from './organization-tree.js';
import { refuseManagementAccount } from './organization-units.js';

export const bootstrapAccounts: Handler<PayloadOf<'BOOTSTRAP_ACCOUNTS'>, ResultOf<'BOOTSTRAP_ACCOUNTS'>> = async ({ accounts }, context) => {
  const setup = context.config.bootstrap;
  if (!setup) throw new HandlerError('unsupported', 'this handler was not given the member bootstrap (organization.bootstrap_new_accounts is false, or an older bootstrap deployed it): an administrator runs bootstrap');
  const org = setup.organization;
  // The same core accounts every account change of this handler refuses.
  const core = coreAccountsOf(context.config);
  const organizations = await context.clients.client('organizations');
  // Every account is checked before anything is done for any.
  for (const { account_id: id, name } of accounts) {
    refuseManagementAccount(context, id);
    if (core.has(id)) throw new HandlerError('rejected', `account ${id} (${name}) is one of orgvend's core accounts (CICD, audit, delegated administrator): only the administrator's bootstrap deploys its stack`);
    const { Account: account } = await organizations.send(new DescribeAccountCommand({ AccountId: id }));
    const state = account?.State ?? account?.Status;
    if (state !== 'ACTIVE') throw new HandlerError('rejected', `account ${id} (${name}) is ${state ?? 'unknown'}, not ACTIVE: only an active account is bootstrapped`);
    if (!isManaged({ tags: await tagsOf(organizations, id) })) throw new HandlerError('rejected', `account ${id} (${name}) is not tagged as managed by orgvend: it gets no stack`);
  }

  // A new account's role is assumable a little after the account exists (IAM is eventually consistent).
  const waiting = await rolesNotReady(context, accounts.map((a) => a.account_id));
  if (waiting.length) return { accounts: Object.fromEntries(accounts.map((a) => [a.account_id, 'in-progress'])), stacks: Object.fromEntries(waiting.map((id) => [id, 'role-not-assumable-yet'])) };

  const env: BootstrapEnv = {
    organization: org,
    templatesDir: setup.templatesDir,
    clientsFor: async (account) => (account === context.config.accountId ? context.clients : context.clients.inAccount(account)),
    // Time left to reply: a deployment still running then is reported, and asked about again.
    deadline: context.deadline - 10_000,
  };
  if (setup.lambda) env.lambda = setup.lambda;
  // New members verify requests with the key this handler verifies them with.
  if (context.config.requestKey) env.requestKey = context.config.requestKey;
  const ids = accounts.map((a) => a.account_id);
  const planned = await planBootstrap(env, new Set(ids));
  const todo = (id: string) => planned.pending.includes(id) || id in planned.tags;
  const outcomes = (outcome: (id: string) => ResultOf<'BOOTSTRAP_ACCOUNTS'>['accounts'][string]) => Object.fromEntries(ids.map((id) => [id, todo(id) ? outcome(id) : 'already-bootstrapped']));
  if (context.dryrun) return { accounts: outcomes(() => 'would-bootstrap'), stacks: Object.fromEntries(planned.pending.map((a) => [a, 'would-deploy'])) };
  if (!planned.pending.length && !Object.keys(planned.tags).length) return { accounts: outcomes(() => 'already-bootstrapped'), stacks: {} };
  const stacks = await applyBootstrap(env, planned);
  // As applyBootstrap tagged them: the account's stack is in place.
  const result = { accounts: outcomes((id) => (reachable(planned, stacks, id) ? 'bootstrapped' : 'in-progress')), stacks };
  for (const account of planned.accounts) if (ids.includes(account.id) && result.accounts[account.id] === 'bootstrapped') setup.onBootstrapped?.(account);
  return result;
};

/** How long to wait for a new account's role to become assumable, and between tries. */
const ROLE_WAIT_MS = 120_000;
const ROLE_RETRY_MS = 10_000;

/**
 * The accounts whose role into them (OrganizationAccountAccessRole) still refuses to be
 * assumed after up to ROLE_WAIT_MS (or what the deadline leaves): AWS makes it assumable
 * a little after CreateAccount says SUCCEEDED. Asked directly, not through the clients'
 * cached credentials, so a refusal now does not stick to them.
 */
async function rolesNotReady(context: HandlerContext, accounts: readonly string[]): Promise<string[]> {
  if (context.dryrun) return [];
  const sts = await context.clients.client('sts');
  const until = Math.min(context.now().getTime() + ROLE_WAIT_MS, context.deadline - 60_000);
  let waiting = [...accounts];
  for (;;) {
    const refused = await Promise.all(
      waiting.map((id) =>
        sts.send(new AssumeRoleCommand({ RoleArn: context.clients.roleArnIn(id), RoleSessionName: 'orgvend-bootstrap-check', DurationSeconds: 900 })).then(
          () => undefined,
          (error: Error) => (error.name === 'AccessDenied' ? id : Promise.reject(error)),
        ),
      ),
    );
    waiting = refused.filter((id): id is string => id !== undefined);
    if (!waiting.length || context.now().getTime() + ROLE_RETRY_MS > until) return waiting;
    await new Promise((resolve) => setTimeout(resolve, ROLE_RETRY_MS));
  }
}
