/** What sync-security reads through the bus: the delegated administrators of the services accounts.yml names (one LIST_DELEGATED_ADMINS), and its organization trail (one GET_TRAIL). */
import { DELEGATED_SERVICES, declaredServices } from '../config/delegated-services.js';
import type { Desired } from '../config/resolve.js';
import type { LiveTrail, ResultOf } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';

/** One service as LIST_DELEGATED_ADMINS reads it: trusted access, its delegated administrators, or why Organizations refused to list them. */
export type LiveDelegation = Omit<ResultOf<'LIST_DELEGATED_ADMINS'>['services'][number], 'service_principal'>;

/** Service principal → what the organization has for it. */
export type LiveDelegations = ReadonlyMap<string, LiveDelegation>;

export async function readDelegations(transport: Transport, desired: Desired): Promise<Map<string, LiveDelegation>> {
  const principals = declaredServices(desired).map(([service]) => DELEGATED_SERVICES[service]);
  if (!principals.length) return new Map();
  const { services } = await transport.request('LIST_DELEGATED_ADMINS', { service_principals: principals });
  return new Map(services.map(({ service_principal, ...delegation }) => [service_principal, delegation]));
}

/** The trail organization.security.trail names (null: none), or undefined when it names none: one GET_TRAIL. */
export async function readTrail(transport: Transport, desired: Desired): Promise<LiveTrail | null | undefined> {
  const wanted = desired.organization.security.trail;
  if (!wanted) return undefined;
  return (await transport.request('GET_TRAIL', { name: wanted.name })).trail;
}
