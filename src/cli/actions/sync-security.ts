/**
 * sync-security: the organization's security baseline from accounts.yml: the delegated
 * administrators of organization.delegated_administrators (trusted access, registration,
 * deregistration) and the organization trail of organization.security.trail, read and
 * changed through the management account's handler; GuardDuty, Security Hub and the Config
 * aggregator of organization.security, read and changed through each service's delegated
 * administrator's own handler (their designation through the management account's);
 * --execute applies.
 */
import type { ExitCode } from '../../errors.js';
import { executeDelegatedAdminPlan } from '../../execute/delegated-admins.js';
import { planSecurity, type SecurityState } from '../../plan/security.js';
import { readDelegations, readTrail } from '../../state/delegated-admins.js';
import { readLive, type Live } from '../../state/live.js';
import { readSecurityServices } from '../../state/security-services.js';
import { securityAdminIds } from '../../plan/security-services.js';
import { SECURITY_SERVICES } from '../../config/delegated-services.js';
import type { Transport } from '../../transport/transport.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const { desired } = runtime;
    // The services are read in their administrators' accounts, found among the live accounts.
    const setsServices = SECURITY_SERVICES.some((service) => desired.organization.security[service] !== undefined);
    const readServices = (transport: Transport, live: Live) => (setsServices ? readSecurityServices(transport, desired, securityAdminIds(desired, live)) : Promise.resolve(undefined));
    return await runPlanAction<SecurityState>(options, io, runtime, {
      readLive: async (transport) => {
        const [[live, services], delegations, trail] = await Promise.all([
          readLive(transport, runtime.sharedRead).then(async (live) => [live, await readServices(transport, live)] as const),
          readDelegations(transport, desired),
          readTrail(transport, desired),
        ]);
        return { live, delegations, trail, services };
      },
      plan: (state) => planSecurity(desired, state),
      execute: (plan, transport, progress) => executeDelegatedAdminPlan(plan, transport, progress),
      // What changed is the delegations, the trail and the services: the organization's accounts are read once, before.
      readTouched: async (before, _executed, transport) => {
        const [delegations, trail, services] = await Promise.all([readDelegations(transport, desired), readTrail(transport, desired), readServices(transport, before.live)]);
        return { live: before.live, delegations, trail, services };
      },
      organizationOf: (state) => state.live.organizationId,
    });
  } finally {
    await runtime.close();
  }
}
