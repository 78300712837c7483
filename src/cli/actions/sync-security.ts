/**
 * sync-security: the organization's security baseline from accounts.yml: the delegated
 * administrators of organization.delegated_administrators (trusted access, registration,
 * deregistration) and the organization trail of organization.security.trail, read and
 * changed through the management account's handler; --execute applies.
 */
import type { ExitCode } from '../../errors.js';
import { executeDelegatedAdminPlan } from '../../execute/delegated-admins.js';
import { planSecurity, type SecurityState } from '../../plan/security.js';
import { readDelegations, readTrail } from '../../state/delegated-admins.js';
import { readLive } from '../../state/live.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const { desired } = runtime;
    return await runPlanAction<SecurityState>(options, io, runtime, {
      readLive: async (transport) => {
        const [live, delegations, trail] = await Promise.all([readLive(transport), readDelegations(transport, desired), readTrail(transport, desired)]);
        return { live, delegations, trail };
      },
      plan: (state) => planSecurity(desired, state),
      execute: (plan, transport, progress) => executeDelegatedAdminPlan(plan, transport, progress),
      // What changed is the delegations and the trail: the organization's accounts are read once, before.
      readTouched: async (before, _executed, transport) => {
        const [delegations, trail] = await Promise.all([readDelegations(transport, desired), readTrail(transport, desired)]);
        return { live: before.live, delegations, trail };
      },
      organizationOf: (state) => state.live.organizationId,
    });
  } finally {
    await runtime.close();
  }
}
