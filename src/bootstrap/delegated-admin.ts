/**
 * The delegated administrator for the Account Management API, as `bootstrap` plans and
 * registers it: trusted access for account.amazonaws.com first (AWS requires it), then the
 * account named by `organization.delegated_admin_account_id`. bootstrap holds the
 * management account's credentials, so it calls the REGISTER_DELEGATED_ADMIN handler's
 * functions directly rather than over the bus, which it is busy building.
 */
import type { AccountClients } from '../aws/clients.js';
import { delegatedAdminState } from '../handlers/delegated-admin.js';
import type { Change } from '../plan/plan.js';
import type { BootstrapOrganization } from './topology.js';
import type { PayloadOf } from '../protocol/requests.js';

export const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';

export type DelegatedAdminRegistration = PayloadOf<'REGISTER_DELEGATED_ADMIN'>;

interface DelegatedAdminPlan {
  /** What registering changes; absent when trusted access is on and the account registered. */
  change?: Change;
  /** What REGISTER_DELEGATED_ADMIN's registerDelegatedAdmin is to send; present exactly when `change` is. */
  registration?: DelegatedAdminRegistration;
  notes: string[];
  /** The live state read, for the plan's basis; absent where it cannot be read (the emulator). */
  live?: { trusted: boolean; registered: boolean; others: string[] };
}

/**
 * AWS allows one delegated administrator per organization for this service, and orgvend
 * never deregisters one it did not register: the operator must, and the note says how.
 */
function othersNote(others: string[], registering: string | undefined): string {
  const [verb, pronoun, subject] = others.length === 1 ? ['is', 'it', 'it is'] : ['are', 'them', 'they are'];
  const consequence = registering
    ? ` AWS allows one per organization, so registering ${registering} fails until ${subject} deregistered: ` +
      `aws organizations deregister-delegated-administrator --service-principal ${ACCOUNT_SERVICE_PRINCIPAL} --account-id ${others.length === 1 ? others[0] : '<id>'}`
    : '';
  return `${others.join(', ')} ${verb} already registered as delegated administrator for ${ACCOUNT_SERVICE_PRINCIPAL}; orgvend leaves ${pronoun} alone.${consequence}`;
}

/**
 * Reads only (ListAWSServiceAccessForOrganization, ListDelegatedAdministrators), with the
 * management account's clients.
 */
export async function planDelegatedAdmin(management: AccountClients, org: BootstrapOrganization): Promise<DelegatedAdminPlan | undefined> {
  const accountId = org.delegated_admin_account_id;
  if (!accountId) return undefined;
  const registration: DelegatedAdminRegistration = { account_id: accountId, service_principal: ACCOUNT_SERVICE_PRINCIPAL };
  let live: NonNullable<DelegatedAdminPlan['live']>;
  try {
    live = await delegatedAdminState(await management.client('organizations'), registration);
  } catch (error) {
    // moto knows trusted access for this service but refuses it delegated administrators.
    if (!management.isEmulator || (error as Error).name !== 'InvalidInputException') throw error;
    return { notes: [`the emulator has no delegated administrators for ${ACCOUNT_SERVICE_PRINCIPAL}: ${accountId} is not registered in the sandbox`] };
  }
  const notes = live.others.length ? [othersNote(live.others, live.registered ? undefined : accountId)] : [];
  if (live.trusted && live.registered) return { notes, live };
  const change: Change = {
    type: 'delegated-admin.register',
    target: ACCOUNT_SERVICE_PRINCIPAL,
    reason: 'missing-in-org',
    before: { trusted_access: live.trusted, delegated_admins: live.registered ? [accountId, ...live.others] : live.others },
    after: { trusted_access: true, delegated_admin: accountId },
  };
  return { change, registration, notes, live };
}

