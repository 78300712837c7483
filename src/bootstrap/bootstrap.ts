/**
 * `bootstrap`: render orgvend's stack for each account that carries it, compare with what
 * runs there, and (with --execute) deploy the difference; register the delegated
 * administrator for the Account Management API when the DSL names one. Unlike every other
 * action this one is run by an administrator with direct credentials, once and when the
 * topology changes; everything after it travels over the bus.
 */
import pLimit from 'p-limit';
import { DescribeOrganizationCommand, TagResourceCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { BOOTSTRAP_TAG, IDENTITY_TAG_KEYS } from '../config/identity-tags.js';
import type { AccountClients } from '../aws/clients.js';
import { readTags, tagsOf } from '../handlers/organization-tree.js';
import { sha256Hex } from '../plan/digest.js';
import { isManaged } from '../plan/match.js';
import { makePlan, type Change, type Plan } from '../plan/plan.js';
import { NAMES } from '../protocol/names.js';
import { registerDelegatedAdmin } from '../handlers/delegated-admin.js';
import { ACCOUNT_SERVICE_PRINCIPAL, planDelegatedAdmin, type DelegatedAdminRegistration } from './delegated-admin.js';
import { bootstrapRenderer, type LambdaCode } from './render.js';
import { createRequestKey, readRequestKey } from './request-key.js';
import { REQUEST_KEY_ALIAS, REQUEST_KEY_SPEC } from '../protocol/signature.js';
import { stackAction } from '../plan/stack-action.js';
import { deployStack, settled, stackState } from './stack.js';
import { bootstrapOrganization, coreAccounts, memberAccount, securityRoles, type BootstrapAccount, type BootstrapOrganization } from './topology.js';
import { everyPage } from '../aws/pages.js';
import { byKey } from '../text-order.js';

export interface BootstrapEnv {
  organization: BootstrapOrganization;
  templatesDir: string;
  /** Clients signed as `account` (the caller's own, or a role assumed into it). */
  clientsFor(account: string): Promise<AccountClients>;
  /** The handler's code; absent where a local worker stands in for the Lambda. */
  lambda?: LambdaCode;
  /** The request key's public key every handler verifies requests with; read from the CICD account when absent. */
  requestKey?: string;
  /**
   * The administrator's bootstrap: first check that each account is reachable as --execute
   * reaches it (the role into it, then sts:GetCallerIdentity). One that is not is an error
   * in the plan, and is not read further.
   */
  checkReach?: boolean;
  /** Epoch ms after which a deployment still running is left to run and reported in-progress (the handler's deadline). */
  deadline?: number;
  progress?(line: string): void;
}

export interface BootstrapPlan {
  plan: Plan;
  /** Rendered template per account id. */
  templates: Record<string, string>;
  /** Accounts whose stack is missing or differs. */
  pending: string[];
  /** Every account that carries the stack once the plan is applied. */
  accounts: BootstrapAccount[];
  /** Accounts to tag BOOTSTRAP_TAG = their template's hash, once their stack is deployed. */
  tags: Record<string, string>;
  /** The delegated administrator to register (and trusted access to enable), when not done yet. */
  delegatedAdmin?: DelegatedAdminRegistration;
  /** The request key's public key, or undefined when bootstrap is to make the key first. */
  requestKey: string | undefined;
}


/** orgvend's stack deployed in this many accounts at once. */
const STACKS_IN_FLIGHT = 4;

const managementOrganizations = async (env: BootstrapEnv) => (await env.clientsFor(env.organization.management_account_id)).client('organizations');

async function organizationId(env: BootstrapEnv): Promise<string> {
  const organizations = await managementOrganizations(env);
  const { Organization: org } = await organizations.send(new DescribeOrganizationCommand({}));
  if (!org?.Id) throw new Error(`account ${env.organization.management_account_id} is not the management account of an organization`);
  return org.Id;
}

/** The core accounts, then `members` (id → DSL name) that are not core ones. */
function stackAccounts(given: BootstrapOrganization, members: ReadonlyMap<string, string>): BootstrapAccount[] {
  // security_admins, worked out here when the caller gave the whole organization section.
  const org = bootstrapOrganization(given);
  // A core account orgvend also manages (an entry of accounts.yml) has its name too: it may be the identity or logs account.
  // The DNS account serves the record requests, and only it gets Route 53 permissions for
  // them; a security service's delegated administrator alike serves that service's requests.
  const core = coreAccounts(org).map((a) => ({ ...a, ...(members.has(a.id) ? { name: members.get(a.id)! } : {}), roles: [...a.roles, ...securityRoles(org, members.get(a.id), a.id)] }));
  const coreIds = new Set(core.map((a) => a.id));
  const others = [...members].filter(([id]) => !coreIds.has(id)).sort(byKey);
  return [...core, ...others.map(([id, name]) => memberAccount(id, ['member', ...(name === org.dns_account ? (['dns'] as const) : []), ...securityRoles(org, name)], name))];
}

/**
 * The active accounts orgvend manages (tagged managed-by=orgvend and orgvend:name), id →
 * DSL name: each gets the stack, so requests can reach it by target and it can answer.
 * With the tags of every active account, read once for both. `among`: those accounts
 * alone (BOOTSTRAP_ACCOUNTS), with their tags, and no listing of the organization.
 */
async function managedMembers(env: BootstrapEnv, among?: ReadonlySet<string>): Promise<{ members: Map<string, string>; tags: Map<string, Record<string, string>> }> {
  const organizations = await managementOrganizations(env);
  const active: string[] = [];
  if (among) active.push(...[...among].filter((id) => id !== env.organization.management_account_id));
  else {
    for await (const page of everyPage(paginateListAccounts({ client: organizations }, {}))) {
      for (const a of page.Accounts ?? []) if ((a.State ?? a.Status) === 'ACTIVE' && a.Id !== env.organization.management_account_id) active.push(a.Id!);
    }
  }
  const tags = await readTags(organizations, active);
  return { members: new Map(active.filter((id) => isManaged({ tags: tags.get(id)! })).map((id) => [id, tags.get(id)![IDENTITY_TAG_KEYS.name]!])), tags };
}

/** How the plan names an account's part: `cicd`, `audit`, or its roles. */
const partOf = (account: BootstrapAccount) => (account.isCicd ? 'cicd' : account.isAudit ? 'audit' : account.roles.join(', '));

/**
 * The accounts but the caller's (the management account) whose clients cannot act there,
 * id → one line: what deploying the stack would meet first, found without changing anything.
 */
async function unreachableAccounts(env: BootstrapEnv, accounts: readonly BootstrapAccount[]): Promise<Map<string, string>> {
  const limit = pLimit(STACKS_IN_FLIGHT);
  const unreachable = new Map<string, string>();
  const others = accounts.filter((a) => a.id !== env.organization.management_account_id);
  await Promise.all(
    others.map((account) =>
      limit(async () => {
        const clients = await env.clientsFor(account.id);
        const through = `through ${clients.roleArnIn(account.id)}`;
        try {
          const { Account } = await (await clients.client('sts')).send(new GetCallerIdentityCommand({}));
          if (Account !== account.id) unreachable.set(account.id, `account ${account.id} (${partOf(account)}) is not reached ${through}: that role answers as account ${Account}`);
        } catch (error) {
          const e = error as Error;
          unreachable.set(
            account.id,
            `account ${account.id} (${partOf(account)}) cannot be reached ${through} (${e.name}: ${e.message}): bootstrap --execute deploys orgvend's stack there through that role; check that it exists and trusts the management account`,
          );
        }
      }),
    ),
  );
  return unreachable;
}

/**
 * `only`: plan these accounts' stacks alone (BOOTSTRAP_ACCOUNTS: the new accounts), leaving
 * the delegated administrator to the administrator's bootstrap. No other account's stack
 * changes when one joins: the CLI puts requests on each account's bus itself.
 */
export async function planBootstrap(env: BootstrapEnv, only?: ReadonlySet<string>): Promise<BootstrapPlan> {
  const orgId = await organizationId(env);
  const managed = await managedMembers(env, only);
  const accounts = stackAccounts(env.organization, managed.members);
  const templates: Record<string, string> = {};
  const changes: Change[] = [];
  const pending: string[] = [];
  const unreachable = env.checkReach ? await unreachableAccounts(env, accounts) : new Map<string, string>();
  const delegated = only ? undefined : await planDelegatedAdmin(await env.clientsFor(env.organization.management_account_id), env.organization);
  if (delegated?.change) changes.push(delegated.change);
  const cicd = env.organization.cicd_account_id;
  // The key is read in the CICD account; one that cannot be reached says so among the errors instead.
  const requestKey = env.requestKey ?? (unreachable.has(cicd) ? undefined : await readRequestKey(await env.clientsFor(cicd)));
  if (!requestKey && !unreachable.has(cicd)) {
    changes.push({ type: 'request-key.create', target: `${REQUEST_KEY_ALIAS} in ${cicd}`, reason: 'missing-in-account', before: null, after: { key_spec: REQUEST_KEY_SPEC, usage: 'SIGN_VERIFY' } });
  }
  const tags: Record<string, string> = {};
  const organizations = await managementOrganizations(env);
  const render = bootstrapRenderer({ templatesDir: env.templatesDir, organization: env.organization });
  // Each account's stack and tag read a few at a time; the plan is then built in the accounts' order.
  const limit = pLimit(STACKS_IN_FLIGHT);
  const found = await Promise.all(
    (only ? accounts.filter((a) => only.has(a.id)) : accounts).filter((a) => !unreachable.has(a.id)).map((account) =>
      limit(async () => {
        const state = await stackState(await (await env.clientsFor(account.id)).client('cloudformation'), NAMES.stack);
        // The management account is never tagged; a core account not yet active is not among the tags read.
        const current = account.id === env.organization.management_account_id ? undefined : ((managed.tags.get(account.id) ?? (await tagsOf(organizations, account.id)))[BOOTSTRAP_TAG] ?? null);
        return { account, state, current };
      }),
    ),
  );
  for (const { account, state, current } of found) {
    // Until the key exists the stacks are rendered without it: they all change once it does.
    const template = render({ organizationId: orgId, account, lambda: env.lambda, requestKey: requestKey ?? '' });
    templates[account.id] = template;
    const action = stackAction(state, template);
    const tag = sha256Hex(template).slice(0, 12);
    if (current !== undefined) {
      if (current !== tag) {
        tags[account.id] = tag;
        if (action === 'none') {
          changes.push({ type: 'account.tag', target: account.id, reason: 'bootstrap-tag', before: { account_id: account.id, tags: { [BOOTSTRAP_TAG]: current } }, after: { tags: { [BOOTSTRAP_TAG]: tag } } });
        }
      }
    }
    // A deployment still running (a BOOTSTRAP_ACCOUNTS that met its deadline) is waited for, not taken as done.
    if (action === 'none' && settled(state.status)) continue;
    pending.push(account.id);
    changes.push({
      type: 'stack.deploy',
      target: `${NAMES.stack} in ${account.id} (${partOf(account)})`,
      reason: action === 'create' ? 'missing-in-account' : action === 'update' ? 'template-changed' : 'in-progress',
      before: state.template ? { status: state.status, template_sha256: sha256Hex(state.template).slice(0, 12) } : null,
      after: { template_sha256: tag },
    });
  }
  const live = delegated?.live ? `${orgId} ${JSON.stringify(delegated.live)}` : orgId;
  const basis = { config: sha256Hex(JSON.stringify(templates)).slice(0, 32), live: sha256Hex(live).slice(0, 32) };
  const notes = [...(delegated?.notes ?? []), ...(env.lambda ? [] : ['the handler Lambda is left out: a local worker serves the request queues'])];
  const planned: BootstrapPlan = { plan: makePlan('bootstrap', basis, changes, { notes, conflicts: [...unreachable.values()] }), templates, pending, accounts, tags, requestKey };
  if (delegated?.registration) planned.delegatedAdmin = delegated.registration;
  return planned;
}

/** After applyBootstrap gave `results`: `account`'s stack is in place (deployed now or before), so requests reach it. */
export function reachable(planned: Pick<BootstrapPlan, 'pending'>, results: Record<string, string>, account: string): boolean {
  return !planned.pending.includes(account) || ['created', 'updated', 'unchanged'].includes(results[account] ?? '');
}

/** Results keyed by account id, and by service principal for the delegated administrator. */
export async function applyBootstrap(env: BootstrapEnv, planned: BootstrapPlan): Promise<Record<string, string>> {
  if (!planned.requestKey) {
    // Every stack carries the key's public key: make it, then plan again with it.
    const requestKey = await createRequestKey(await env.clientsFor(env.organization.cicd_account_id), env.organization.cicd_account_id);
    env.progress?.(`${REQUEST_KEY_ALIAS} in ${env.organization.cicd_account_id}: created`);
    return { [REQUEST_KEY_ALIAS]: 'created', ...(await applyBootstrap({ ...env, requestKey }, await planBootstrap({ ...env, requestKey }))) };
  }
  const results: Record<string, string> = {};
  if (planned.delegatedAdmin) {
    const { trusted_access, outcome } = await registerDelegatedAdmin(await managementOrganizations(env), planned.delegatedAdmin, false);
    results[ACCOUNT_SERVICE_PRINCIPAL] = `trusted access ${trusted_access}, ${planned.delegatedAdmin.account_id} ${outcome}`;
    env.progress?.(`delegated administrator for ${ACCOUNT_SERVICE_PRINCIPAL}: ${results[ACCOUNT_SERVICE_PRINCIPAL]}`);
  }
  // A few accounts at a time.
  const options = { ...(env.progress ? { progress: env.progress } : {}), ...(env.deadline ? { deadline: env.deadline } : {}) };
  const failures: string[] = [];
  const deploy = async (account: string) => {
    try {
      const cfn = await (await env.clientsFor(account)).client('cloudformation');
      results[account] = (await deployStack(cfn, NAMES.stack, planned.templates[account]!, options)).outcome;
      env.progress?.(`${NAMES.stack} in ${account}: ${results[account]}`);
    } catch (error) {
      failures.push(`${account}: ${(error as Error).message}`);
    }
  };
  const limit = pLimit(STACKS_IN_FLIGHT);
  await Promise.all(planned.pending.map((a) => limit(() => deploy(a))));
  // Only once its stack is in place: the tag tells sync-accounts that requests can reach the account.
  const organizations = await managementOrganizations(env);
  for (const [account, tag] of Object.entries(planned.tags)) {
    if (!reachable(planned, results, account)) continue;
    await organizations.send(new TagResourceCommand({ ResourceId: account, Tags: [{ Key: BOOTSTRAP_TAG, Value: tag }] }));
  }
  if (failures.length) throw new Error(`${NAMES.stack} could not be deployed in ${failures.join('; ')}`);
  return results;
}
