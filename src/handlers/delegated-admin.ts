/**
 * REGISTER_DELEGATED_ADMIN: trusted access for the service first (AWS requires it), then
 * the account as the service's delegated administrator. Both steps are skipped when done.
 */
import {
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
