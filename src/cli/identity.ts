/**
 * Who an action runs as, checked once at start against the caller's own credentials
 * (sts:GetCallerIdentity), before anything is sent: the actions that travel over the bus
 * run in the CICD account, `--direct` and `bootstrap` as an administrator in the
 * management account (bootstrap reaches the others through OrganizationAccountAccessRole),
 * and the CI plan role never executes. Real AWS only: the sandbox picks its own accounts.
 */
import type { CallerIdentity, ClientFactory } from '../aws/clients.js';
import { checkedCaller, credentialSource, describeSource } from '../aws/credentials.js';
import type { Organization } from '../config/schema.js';
import { CredentialsError } from '../errors.js';
import { NAMES } from '../protocol/names.js';
import { ACTIONS } from './actions/index.js';
import type { CliOptions } from './options.js';

/** The role name in an assumed-role ARN (`arn:aws:sts::111111111111:assumed-role/Admin/alice` → `Admin`). */
export function assumedRoleOf(arn: string): string | undefined {
  return /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/]+)\//.exec(arn)?.[1];
}

/** The account the action must run in, and how a line says so. */
function wantedAccount(options: CliOptions, org: Organization): { account: string; runsAs: string; fix: string } {
  const management = org.management_account_id;
  if (options.action === 'bootstrap') {
    return {
      account: management,
      runsAs: `bootstrap runs as an administrator in the management account ${management} (it reaches the other accounts through OrganizationAccountAccessRole)`,
      fix: "Use the management account's credentials (--profile or AWS_PROFILE of an administrator there).",
    };
  }
  if (options.direct) {
    return {
      account: management,
      runsAs: `${options.action} --direct runs as an administrator in the management account ${management}`,
      fix: "Use the management account's credentials, or leave out --direct to go through the bus from the CICD account.",
    };
  }
  const direct = ACTIONS[options.action]?.flags.includes('direct');
  return {
    account: org.cicd_account_id,
    runsAs: `${options.action} runs as the CICD account ${org.cicd_account_id}`,
    fix: `Use the CICD account's credentials${direct ? ', or --direct as an administrator in the management account' : ''}.`,
  };
}

/** The caller, once its credentials are found, accepted, and those the action runs as; otherwise a CredentialsError. */
export async function checkIdentity(options: CliOptions, org: Organization, factory: ClientFactory, env: Record<string, string | undefined> = process.env): Promise<CallerIdentity> {
  const source = credentialSource(options.profile, env);
  const caller = await checkedCaller(factory, source, env);
  const you = `you are ${caller.arn} (account ${caller.account}, ${describeSource(source)})`;
  if (options.execute && assumedRoleOf(caller.arn) === NAMES.planRole) {
    throw new CredentialsError('plan-role', `${NAMES.planRole} only plans; apply runs as ${NAMES.applyRole}: ${you}. Nothing was sent.`);
  }
  const wanted = wantedAccount(options, org);
  if (caller.account !== wanted.account) throw new CredentialsError('wrong-account', `${wanted.runsAs}; ${you}. ${wanted.fix}`);
  return caller;
}
