/**
 * sync-scps: the policies under scps/ and their attachments against the organization's,
 * with a preview of which accounts each change touches and how the samples in
 * organization.scps.samples would fare; --execute applies, --stage test stages first.
 */
import { ExitCode, UsageError } from '../../errors.js';
import { executeScpPlan } from '../../execute/scps.js';
import { planScps } from '../../plan/scps.js';
import { readLive, type Live } from '../../state/live.js';
import { readLiveScps } from '../../state/live-scps.js';
import type { LiveScps } from '../../scp/model.js';
import type { Io } from '../io.js';
import { loadDesiredWithScps } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const { desired: loaded, scps } = await loadDesiredWithScps(options, io);
  const stage = options.stage ?? 'all';
  const runtime = await openRuntime(options, io, hooks, loaded);
  try {
    const { desired } = runtime;
    if (stage === 'test' && !desired.organization.scp_test_ou) {
      throw new UsageError('--stage test needs organization.scp_test_ou in accounts.yml: the OU where policies are tried first');
    }
    return await runPlanAction<{ live: Live; scps: LiveScps }>(options, io, runtime, {
      readLive: async (transport) => {
        const live = await readLive(transport, runtime.sharedRead);
        return { live, scps: await readLiveScps(transport, live) };
      },
      // The plan and its violations, from one computation.
      plan: (state) => planScps(desired, scps, state.live, state.scps, { stage }),
      execute: (plan, transport, progress) => executeScpPlan(plan, transport, progress),
      organizationOf: (state) => state.live.organizationId,
    });
  } finally {
    await runtime.close();
  }
}
