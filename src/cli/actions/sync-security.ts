/**
 * sync-security: the organization's security baseline from accounts.yml. Today: the
 * delegated administrators of organization.delegated_administrators (trusted access,
 * registration, deregistration), read and changed through the management account's
 * handler; --execute applies.
 */
import type { ExitCode } from '../../errors.js';
import { executeDelegatedAdminPlan } from '../../execute/delegated-admins.js';
import { planDelegatedAdmins } from '../../plan/delegated-admins.js';
import { readDelegations, type LiveDelegations } from '../../state/delegated-admins.js';
import { readLive, type Live } from '../../state/live.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const { desired } = runtime;
    return await runPlanAction<{ live: Live; delegations: LiveDelegations }>(options, io, runtime, {
      readLive: async (transport) => {
        const [live, delegations] = await Promise.all([readLive(transport), readDelegations(transport, desired)]);
        return { live, delegations };
      },
      plan: (state) => planDelegatedAdmins(desired, state.live, state.delegations),
      execute: (plan, transport, progress) => executeDelegatedAdminPlan(plan, transport, progress),
      // What changed is the delegations alone: the organization's accounts are read once, before.
      readTouched: async (before, _executed, transport) => ({ live: before.live, delegations: await readDelegations(transport, desired) }),
      organizationOf: (state) => state.live.organizationId,
    });
  } finally {
    await runtime.close();
  }
}
