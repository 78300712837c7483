/**
 * sync-security's security services (organization.security.guardduty, .securityhub,
 * .config), in the home region.
 *
 * GET_/PUT_GUARDDUTY, GET_/PUT_SECURITYHUB, GET_/PUT_CONFIG_AGGREGATOR run in each
 * service's delegated administrator, by that account's own handler: AWS lets only that
 * account set the organization configuration, and the management account's handler gets
 * none of these permissions. Which account may serve them is decided before a handler
 * runs: only a handler whose bootstrap gave it the role `<service>-admin` (the account
 * organization.delegated_administrators names for a service organization.security sets)
 * serves them, and the dispatcher refuses them anywhere else (dispatch.ts, servedTypes).
 *
 * GET_SERVICE_ADMINS and ENABLE_SERVICE_ADMIN run in the management account: GuardDuty and
 * Security Hub each keep their own administrator per region, designated there.
 *
 * Every PUT reads first and changes only what differs, so a repeated delivery changes the
 * world once.
 */
import {
  DescribeConfigurationAggregatorsCommand,
  PutConfigurationAggregatorCommand,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import {
  CreateDetectorCommand,
  DescribeOrganizationConfigurationCommand as DescribeGuardDutyOrganizationCommand,
  EnableOrganizationAdminAccountCommand as EnableGuardDutyAdminCommand,
  ListDetectorsCommand,
  paginateListOrganizationAdminAccounts as paginateGuardDutyAdmins,
  UpdateOrganizationConfigurationCommand as UpdateGuardDutyOrganizationCommand,
  type GuardDutyClient,
} from '@aws-sdk/client-guardduty';
import {
  DescribeHubCommand,
  DescribeOrganizationConfigurationCommand as DescribeSecurityHubOrganizationCommand,
  EnableOrganizationAdminAccountCommand as EnableSecurityHubAdminCommand,
  EnableSecurityHubCommand,
  paginateListOrganizationAdminAccounts as paginateSecurityHubAdmins,
  UpdateOrganizationConfigurationCommand as UpdateSecurityHubOrganizationCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { everyPage } from '../aws/pages.js';
import { IDENTITY_TAG_KEYS, MANAGED_BY } from '../config/identity-tags.js';
import { isManaged } from '../plan/match.js';
import {
  aggregatorDrift,
  aggregatorRoleArn,
  type LiveAggregator,
  type LiveGuardDuty,
  type LiveSecurityHub,
  type PayloadOf,
  type ResultOf,
  type ServiceWithAdmin,
} from '../protocol/requests.js';
import { partitionOf } from '../transport/transport.js';
import { emulatorLacks } from './account-settings.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';
import { tagsOf } from './organization-tree.js';

const MANAGED_TAGS = { [MANAGED_BY.key]: MANAGED_BY.value };

// ── GuardDuty ────────────────────────────────────────────────────────────────

async function detectorId(client: GuardDutyClient): Promise<string | null> {
  // One detector per account and region.
  const { DetectorIds } = await client.send(new ListDetectorsCommand({}));
  return DetectorIds?.[0] ?? null;
}

/** moto has no GuardDuty organization configuration at all: said in one line (emulatorLacks). */
const guardDutyApi = <T>(context: HandlerContext, operation: string, call: () => Promise<T>) =>
  emulatorLacks(context, "GuardDuty's organization configuration", `guardduty:${operation}`, call);

async function readGuardDuty(client: GuardDutyClient, context: HandlerContext): Promise<LiveGuardDuty> {
  const id = await detectorId(client);
  if (!id) return { detector_id: null, auto_enable: null };
  const config = await guardDutyApi(context, 'DescribeOrganizationConfiguration', () => client.send(new DescribeGuardDutyOrganizationCommand({ DetectorId: id })));
  // AutoEnable (true: new accounts) is what an organization set up before AutoEnableOrganizationMembers says.
  return { detector_id: id, auto_enable: config.AutoEnableOrganizationMembers ?? (config.AutoEnable ? 'NEW' : 'NONE') };
}

export const getGuardDuty: Handler<PayloadOf<'GET_GUARDDUTY'>, ResultOf<'GET_GUARDDUTY'>> = async (_payload, context) => ({
  guardduty: await readGuardDuty(await context.clients.client('guardduty'), context),
});

export const putGuardDuty: Handler<PayloadOf<'PUT_GUARDDUTY'>, ResultOf<'PUT_GUARDDUTY'>> = async ({ auto_enable }, context) => {
  const client = await context.clients.client('guardduty');
  const live = await readGuardDuty(client, context);
  const detector = live.detector_id ? 'exists' : context.dryrun ? 'would-create' : 'created';
  const outcome = live.auto_enable === auto_enable ? 'unchanged' : context.dryrun ? 'would-update' : 'updated';
  if (context.dryrun || outcome === 'unchanged') return { detector, outcome };
  let id = live.detector_id;
  if (!id) ({ DetectorId: id = null } = await client.send(new CreateDetectorCommand({ Enable: true, Tags: MANAGED_TAGS })));
  if (!id) throw new HandlerError('failed', 'GuardDuty made no detector');
  await guardDutyApi(context, 'UpdateOrganizationConfiguration', () =>
    client.send(new UpdateGuardDutyOrganizationCommand({ DetectorId: id, AutoEnableOrganizationMembers: auto_enable })),
  );
  return { detector, outcome };
};

// ── Security Hub ─────────────────────────────────────────────────────────────

async function hubEnabled(client: SecurityHubClient): Promise<boolean> {
  try {
    await client.send(new DescribeHubCommand({}));
    return true;
  } catch (error) {
    // "Account is not subscribed to AWS Security Hub".
    if (['InvalidAccessException', 'ResourceNotFoundException'].includes((error as Error).name)) return false;
    throw error;
  }
}

async function readSecurityHub(client: SecurityHubClient, context: HandlerContext): Promise<LiveSecurityHub> {
  if (!(await hubEnabled(client))) return { hub: false, auto_enable: null, auto_enable_standards: null, configuration_type: null };
  let config;
  try {
    config = await client.send(new DescribeSecurityHubOrganizationCommand({}));
  } catch (error) {
    // moto cannot list Security Hub's administrators either (no ListOrganizationAdminAccounts), so sync-security cannot designate one there.
    if (context.clients.isEmulator && (error as Error).name === 'AccessDeniedException') {
      throw new HandlerError(
        'unsupported',
        `account ${context.config.accountId} is not Security Hub's administrator on the local emulator, which has no securityhub:ListOrganizationAdminAccounts for orgvend to designate it by: designate it as the management account (securityhub enable-organization-admin-account)`,
      );
    }
    throw error;
  }
  return {
    hub: true,
    auto_enable: config.AutoEnable ?? false,
    auto_enable_standards: config.AutoEnableStandards === 'NONE' ? 'NONE' : 'DEFAULT',
    configuration_type: config.OrganizationConfiguration?.ConfigurationType ?? 'LOCAL',
  };
}

export const getSecurityHub: Handler<PayloadOf<'GET_SECURITYHUB'>, ResultOf<'GET_SECURITYHUB'>> = async (_payload, context) => ({
  securityhub: await readSecurityHub(await context.clients.client('securityhub'), context),
});

export const putSecurityHub: Handler<PayloadOf<'PUT_SECURITYHUB'>, ResultOf<'PUT_SECURITYHUB'>> = async (wanted, context) => {
  const client = await context.clients.client('securityhub');
  const live = await readSecurityHub(client, context);
  if (live.configuration_type === 'CENTRAL') {
    throw new HandlerError('rejected', `Security Hub uses central configuration in account ${context.config.accountId}: its configuration policies decide what accounts get, and orgvend sets only local configuration's auto-enable`);
  }
  const hub = live.hub ? 'already-enabled' : context.dryrun ? 'would-enable' : 'enabled';
  const same = live.auto_enable === wanted.auto_enable && live.auto_enable_standards === wanted.auto_enable_standards;
  const outcome = same ? 'unchanged' : context.dryrun ? 'would-update' : 'updated';
  if (context.dryrun) return { hub, outcome };
  if (!live.hub) {
    try {
      await client.send(new EnableSecurityHubCommand({ EnableDefaultStandards: wanted.auto_enable_standards === 'DEFAULT', Tags: MANAGED_TAGS }));
    } catch (error) {
      // Enabled meanwhile by a duplicate delivery.
      if ((error as Error).name !== 'ResourceConflictException') throw error;
    }
    // The organization configuration of a hub just enabled is read again: what it starts with is the service's.
    const fresh = await readSecurityHub(client, context);
    if (fresh.auto_enable === wanted.auto_enable && fresh.auto_enable_standards === wanted.auto_enable_standards) return { hub, outcome: 'unchanged' };
  } else if (same) return { hub, outcome };
  await client.send(new UpdateSecurityHubOrganizationCommand({ AutoEnable: wanted.auto_enable, AutoEnableStandards: wanted.auto_enable_standards }));
  return { hub, outcome: 'updated' };
};

// ── AWS Config ───────────────────────────────────────────────────────────────

async function readAggregator(client: ConfigServiceClient, name: string): Promise<LiveAggregator | null> {
  let found;
  try {
    found = (await client.send(new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: [name] }))).ConfigurationAggregators?.[0];
  } catch (error) {
    if ((error as Error).name === 'NoSuchConfigurationAggregatorException') return null;
    throw error;
  }
  if (!found) return null;
  const source = found.OrganizationAggregationSource;
  return { name: found.ConfigurationAggregatorName ?? name, organization: source !== undefined, all_regions: source?.AllAwsRegions === true, role_arn: source?.RoleArn ?? null };
}

export const getConfigAggregator: Handler<PayloadOf<'GET_CONFIG_AGGREGATOR'>, ResultOf<'GET_CONFIG_AGGREGATOR'>> = async ({ name }, context) => ({
  aggregator: await readAggregator(await context.clients.client('config'), name),
});

export const putConfigAggregator: Handler<PayloadOf<'PUT_CONFIG_AGGREGATOR'>, ResultOf<'PUT_CONFIG_AGGREGATOR'>> = async ({ name }, context) => {
  const client = await context.clients.client('config');
  const live = await readAggregator(client, name);
  // The role this account's bootstrap stack made for it (NAMES.configAggregatorRole): the one role this handler may pass.
  const roleArn = aggregatorRoleArn(partitionOf(await client.config.region()), context.config.accountId);
  const drift = live ? aggregatorDrift(live, context.config.accountId) : [];
  const outcome = !live ? (context.dryrun ? 'would-create' : 'created') : drift.length ? (context.dryrun ? 'would-update' : 'updated') : 'unchanged';
  if (context.dryrun || outcome === 'unchanged') return { outcome };
  await client.send(
    new PutConfigurationAggregatorCommand({
      ConfigurationAggregatorName: name,
      OrganizationAggregationSource: { RoleArn: roleArn, AllAwsRegions: true },
      // Tags go on a new aggregator only: PutConfigurationAggregator refuses to change them.
      ...(live ? {} : { Tags: [{ Key: MANAGED_BY.key, Value: MANAGED_BY.value }] }),
    }),
  );
  return { outcome };
};

// ── The services' own administrators (management account) ───────────────────

/** The accounts `service` names as its administrator in this region. */
async function serviceAdmins(context: HandlerContext, service: ServiceWithAdmin): Promise<string[]> {
  const ids: string[] = [];
  if (service === 'guardduty') {
    const client = await context.clients.client('guardduty');
    for await (const page of everyPage(paginateGuardDutyAdmins({ client }, {}))) ids.push(...(page.AdminAccounts ?? []).map((a) => a.AdminAccountId!));
    return ids;
  }
  const client = await context.clients.client('securityhub');
  await emulatorLacks(context, "Security Hub's administrator", 'securityhub:ListOrganizationAdminAccounts', async () => {
    for await (const page of everyPage(paginateSecurityHubAdmins({ client }, {}))) ids.push(...(page.AdminAccounts ?? []).map((a) => a.AccountId!));
  });
  return ids;
}

/** One service the local emulator cannot list is answered `unsupported`, and the other as it is. */
export const getServiceAdmins: Handler<PayloadOf<'GET_SERVICE_ADMINS'>, ResultOf<'GET_SERVICE_ADMINS'>> = async ({ services }, context) => ({
  services: await Promise.all(
    services.map(async (service) => {
      try {
        return { service, admins: await serviceAdmins(context, service) };
      } catch (error) {
        if (error instanceof HandlerError && error.code === 'unsupported') return { service, admins: [], unsupported: error.message };
        throw error;
      }
    }),
  ),
});

/**
 * ENABLE_SERVICE_ADMIN: only a member account orgvend manages, and, when bootstrap told this
 * handler which account organization.security names for the service, that one (by the id
 * its entry pins, for a core account such as the audit account).
 */
export const enableServiceAdmin: Handler<PayloadOf<'ENABLE_SERVICE_ADMIN'>, ResultOf<'ENABLE_SERVICE_ADMIN'>> = async ({ service, account_id }, context) => {
  if (account_id === context.config.accountId) throw new HandlerError('rejected', `account ${account_id} is the management account, which AWS never makes ${service}'s delegated administrator`);
  const organization = context.config.bootstrap?.organization;
  const which = `the account organization.delegated_administrators.${service} names`;
  // A core account (the audit account, say) is named by the id its entry pins: it carries no orgvend tags.
  const pinned = organization?.security_admin_ids?.[service];
  if (pinned !== undefined && account_id !== pinned) throw new HandlerError('rejected', `account ${account_id} is not ${pinned}, ${which}`);
  if (pinned === undefined) {
    const tags = await tagsOf(await context.clients.client('organizations'), account_id);
    if (!isManaged({ tags })) throw new HandlerError('rejected', `account ${account_id} is not tagged as managed by orgvend: orgvend makes no other account ${service}'s administrator`);
    const named = organization?.security_admins?.[service];
    if (named !== undefined && tags[IDENTITY_TAG_KEYS.name] !== named) {
      throw new HandlerError('rejected', `account ${account_id} (${tags[IDENTITY_TAG_KEYS.name] ?? 'no orgvend:name'}) is not ${named}, ${which}`);
    }
  }
  if ((await serviceAdmins(context, service)).includes(account_id)) return { outcome: 'already-admin' };
  if (context.dryrun) return { outcome: 'would-enable' };
  if (service === 'guardduty') await (await context.clients.client('guardduty')).send(new EnableGuardDutyAdminCommand({ AdminAccountId: account_id }));
  else await (await context.clients.client('securityhub')).send(new EnableSecurityHubAdminCommand({ AdminAccountId: account_id }));
  return { outcome: 'enabled' };
};
