/**
 * REGISTER_DELEGATED_ADMIN: trusted access for the service first (AWS requires it), then
 * the account as the service's delegated administrator. Both steps are skipped when done.
 */
import {
  DeregisterDelegatedAdministratorCommand,
  EnableAWSServiceAccessCommand,
  RegisterDelegatedAdministratorCommand,
  paginateListAWSServiceAccessForOrganization,
  paginateListDelegatedAdministrators,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { everyPage } from '../aws/pages.js';

type Payload = PayloadOf<'REGISTER_DELEGATED_ADMIN'>;
type Result = ResultOf<'REGISTER_DELEGATED_ADMIN'>;

async function trustedAccessEnabled(client: OrganizationsClient, principal: string): Promise<boolean> {
  for await (const page of everyPage(paginateListAWSServiceAccessForOrganization({ client }, {}))) {
    if ((page.EnabledServicePrincipals ?? []).some((s) => s.ServicePrincipal === principal)) return true;
  }
  return false;
}

async function delegatedAdmins(client: OrganizationsClient, principal: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of everyPage(paginateListDelegatedAdministrators({ client }, { ServicePrincipal: principal }))) {
    ids.push(...(page.DelegatedAdministrators ?? []).map((a) => a.Id!));
  }
  return ids;
}

/** What registering would do, without doing it. */
export async function delegatedAdminState(client: OrganizationsClient, { account_id, service_principal }: Payload) {
  const [trusted, admins] = await Promise.all([trustedAccessEnabled(client, service_principal), delegatedAdmins(client, service_principal)]);
  return { trusted, registered: admins.includes(account_id), others: admins.filter((id) => id !== account_id) };
}

export async function registerDelegatedAdmin(client: OrganizationsClient, payload: Payload, dryrun: boolean): Promise<Result> {
  const state = await delegatedAdminState(client, payload);
  const result: Result = {
    trusted_access: state.trusted ? 'already-enabled' : dryrun ? 'would-enable' : 'enabled',
    outcome: state.registered ? 'already-registered' : dryrun ? 'would-register' : 'registered',
  };
  if (dryrun) return result;
  if (!state.trusted) await client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: payload.service_principal }));
  if (!state.registered) {
    try {
      await client.send(new RegisterDelegatedAdministratorCommand({ AccountId: payload.account_id, ServicePrincipal: payload.service_principal }));
    } catch (error) {
      // Registered meanwhile by a duplicate delivery.
      if ((error as Error).name !== 'AccountAlreadyRegisteredException') throw error;
      result.outcome = 'already-registered';
    }
  }
  return result;
}

export const registerDelegatedAdminHandler: Handler<Payload, Result> = async (payload, { clients, dryrun }) =>
  registerDelegatedAdmin(await clients.client('organizations'), payload, dryrun);

// ── sync-security ───────────────────────────────────────────────────────────

/** The emulator (moto) answers this for a service it keeps no delegated administrators for. */
const refusedPrincipal = (error: unknown) => (error as Error).name === 'InvalidInputException';

async function enabledServices(client: OrganizationsClient): Promise<Set<string>> {
  const enabled = new Set<string>();
  for await (const page of everyPage(paginateListAWSServiceAccessForOrganization({ client }, {}))) {
    for (const service of page.EnabledServicePrincipals ?? []) enabled.add(service.ServicePrincipal!);
  }
  return enabled;
}

/** LIST_DELEGATED_ADMINS: trusted access once for all, then one listing per service asked. */
export const listDelegatedAdmins: Handler<PayloadOf<'LIST_DELEGATED_ADMINS'>, ResultOf<'LIST_DELEGATED_ADMINS'>> = async ({ service_principals }, { clients }) => {
  const client = await clients.client('organizations');
  const enabled = await enabledServices(client);
  const services = await Promise.all(
    service_principals.map(async (principal) => {
      const base = { service_principal: principal, trusted_access: enabled.has(principal) };
      try {
        return { ...base, admins: await delegatedAdmins(client, principal) };
      } catch (error) {
        if (!refusedPrincipal(error)) throw error;
        return { ...base, admins: [], refused: (error as Error).message };
      }
    }),
  );
  return { services };
};

/** ENABLE_TRUSTED_ACCESS: EnableAWSServiceAccess, unless it is on (enabling it again is harmless, but says nothing). */
export const enableTrustedAccess: Handler<PayloadOf<'ENABLE_TRUSTED_ACCESS'>, ResultOf<'ENABLE_TRUSTED_ACCESS'>> = async ({ service_principal }, { clients, dryrun }) => {
  const client = await clients.client('organizations');
  if (await trustedAccessEnabled(client, service_principal)) return { outcome: 'already-enabled' };
  if (dryrun) return { outcome: 'would-enable' };
  await client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: service_principal }));
  return { outcome: 'enabled' };
};

/** DEREGISTER_DELEGATED_ADMIN: gone already (a duplicate delivery) is success. */
export const deregisterDelegatedAdmin: Handler<PayloadOf<'DEREGISTER_DELEGATED_ADMIN'>, ResultOf<'DEREGISTER_DELEGATED_ADMIN'>> = async (
  { account_id, service_principal },
  { clients, dryrun },
) => {
  const client = await clients.client('organizations');
  if (!(await delegatedAdmins(client, service_principal)).includes(account_id)) return { outcome: 'not-registered' };
  if (dryrun) return { outcome: 'would-deregister' };
  try {
    await client.send(new DeregisterDelegatedAdministratorCommand({ AccountId: account_id, ServicePrincipal: service_principal }));
  } catch (error) {
    // Deregistered meanwhile by a duplicate delivery.
    if ((error as Error).name === 'AccountNotRegisteredException') return { outcome: 'not-registered' };
    throw error;
  }
  return { outcome: 'deregistered' };
};
