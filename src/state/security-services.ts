/**
 * What sync-security reads of the security services organization.security sets: who
 * GuardDuty and Security Hub name as their administrator (one GET_SERVICE_ADMINS, in the
 * management account), then each service's organization configuration in its delegated
 * administrator's account (GET_GUARDDUTY, GET_SECURITYHUB, GET_CONFIG_AGGREGATOR, sent to
 * that account: `targetAccount`).
 *
 * A service whose configuration cannot be read is answered `unavailable` with one line,
 * and the plan says so and plans nothing for it: the local emulator lacking its API, or
 * the administrator's handler not serving it yet (its stack predates
 * organization.security: bootstrap gives it the role).
 */
import type { SecurityService } from '../config/delegated-services.js';
import type { Desired } from '../config/resolve.js';
import { RequestError, TimeoutError } from '../errors.js';
import type { LiveAggregator, LiveGuardDuty, LiveSecurityHub, RequestType, ServiceWithAdmin } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';

/** A service's state as read, or why it could not be. */
export type ServiceRead<T> = { live: T } | { unavailable: string };

export interface LiveSecurityServices {
  /** The administrators GuardDuty and Security Hub name in the home region, for those organization.security sets. */
  admins: Partial<Record<ServiceWithAdmin, ServiceRead<string[]>>>;
  /**
   * Each service's configuration in its administrator's account; absent when not read (the
   * service is not set, its administrator is not in the organization, or GuardDuty or Security
   * Hub does not name it yet, so only its designation can be planned).
   */
  guardduty?: ServiceRead<LiveGuardDuty>;
  securityhub?: ServiceRead<LiveSecurityHub>;
  config?: ServiceRead<LiveAggregator | null>;
}

/** A refusal that says the administrator's handler does not serve the request (dispatch.ts: "is not handled in account"). */
const notServed = (error: RequestError) => error.code === 'rejected' && error.detail.includes('is not handled in account');

async function read<T>(type: RequestType, account: string | undefined, service: SecurityService, call: () => Promise<T>): Promise<ServiceRead<T>> {
  try {
    return { live: await call() };
  } catch (error) {
    // An administrator's stack older than organization.security has a bus rule that does not
    // pass the request to its handler, so no refusal comes back either: the wait says why it may be.
    if (error instanceof TimeoutError && account !== undefined) {
      error.message += `. If account ${account}'s orgvend stack predates organization.security.${service}, its bus does not pass ${type} to its handler: an administrator runs bootstrap --execute, which gives it the ${service}-admin role`;
    }
    if (!(error instanceof RequestError)) throw error;
    if (error.code === 'unsupported') return { unavailable: error.detail };
    if (notServed(error)) {
      return {
        unavailable: `the handler of account ${account} does not serve ${type} yet: its orgvend stack predates organization.security.${service}; an administrator runs bootstrap --execute, which gives it the ${service}-admin role`,
      };
    }
    throw error;
  }
}

/**
 * `adminIds`: the live id of each set service's delegated administrator, for those in the
 * organization (plan/security-services.ts securityAdminIds).
 */
export async function readSecurityServices(transport: Transport, desired: Desired, adminIds: Partial<Record<SecurityService, string>>): Promise<LiveSecurityServices> {
  const security = desired.organization.security;
  const withAdmin = (['guardduty', 'securityhub'] as const).filter((s) => security[s] !== undefined && adminIds[s] !== undefined);
  const state: LiveSecurityServices = { admins: {} };
  if (withAdmin.length) {
    const listed = await read('GET_SERVICE_ADMINS', undefined, withAdmin[0]!, () => transport.request('GET_SERVICE_ADMINS', { services: withAdmin }));
    for (const service of withAdmin) {
      const found = 'live' in listed ? listed.live.services.find((s) => s.service === service) : undefined;
      state.admins[service] = !('live' in listed) ? listed : found?.unsupported !== undefined ? { unavailable: found.unsupported } : { live: found?.admins ?? [] };
    }
  }
  // A service that names another account (or none) cannot be read from the one the DSL names: only its designation is planned.
  const readable = (service: ServiceWithAdmin) => {
    const admins = state.admins[service];
    return admins !== undefined && (!('live' in admins) || admins.live.includes(adminIds[service]!));
  };
  const target = (service: SecurityService) => ({ targetAccount: adminIds[service]! });
  await Promise.all([
    readable('guardduty') &&
      read('GET_GUARDDUTY', adminIds.guardduty, 'guardduty', async () => (await transport.request('GET_GUARDDUTY', {}, target('guardduty'))).guardduty).then((r) => (state.guardduty = r)),
    readable('securityhub') &&
      read('GET_SECURITYHUB', adminIds.securityhub, 'securityhub', async () => (await transport.request('GET_SECURITYHUB', {}, target('securityhub'))).securityhub).then((r) => (state.securityhub = r)),
    security.config !== undefined &&
      adminIds.config !== undefined &&
      read('GET_CONFIG_AGGREGATOR', adminIds.config, 'config', async () => (await transport.request('GET_CONFIG_AGGREGATOR', { name: security.config!.aggregator }, target('config'))).aggregator).then(
        (r) => (state.config = r),
      ),
  ]);
  return state;
}
