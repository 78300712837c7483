/**
 * sync-access: people's access through IAM Identity Center. The permission sets of
 * organization.identity_center and every account's `access` groups against Identity
 * Center's, planned; --execute creates and updates the sets (provisioning changed ones
 * again) and creates and deletes the assignments.
 */
import { ExitCode } from '../../errors.js';
import { executeAccessPlan } from '../../execute/access.js';
import { APPLIED_ACCESS_TAG } from '../../config/identity-tags.js';
import { recordSettled } from '../../execute/record-applied.js';
import { planAccess, settledAccess, type LiveAccess } from '../../plan/access.js';
import { vouchedNote } from '../../plan/account-settings.js';
import { readAccess } from '../../state/access.js';
import { readLive, type Live } from '../../state/live.js';
import type { Io } from '../io.js';
import { loadDesired } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const loaded = await loadDesired(options, io);
  const center = loaded.organization.identity_center;
  if (!center) {
    // Nothing of Identity Center's to plan: CI runs every action alike, and this one has nothing to do.
    io.stdout.write('No changes: organization.identity_center is not set, so access is the IAM mapping that sync-accounts deploys to the identity account.\n');
    return ExitCode.ok;
  }
  const runtime = await openRuntime(options, io, hooks, loaded);
  try {
    const { desired } = runtime;
    const scope = { only: options.account };
    return await runPlanAction<{ live: Live; access: LiveAccess }>(options, io, runtime, {
      readLive: async (transport) => {
        const live = await readLive(transport, runtime.sharedRead);
        // --refresh reads every account, whatever its tag says; --account reads its one account.
        return { live, access: await readAccess(transport, desired, live, scope, !options.refresh && !options.account) };
      },
      plan: ({ live, access }) => {
        const plan = planAccess(desired, live, access, scope);
        const n = access.vouched?.size ?? 0;
        if (n) plan.notes.push(vouchedNote(n, APPLIED_ACCESS_TAG));
        return plan;
      },
      execute: (plan, transport, progress) => executeAccessPlan(plan, center.name_prefix, transport, progress),
      organizationOf: ({ live }) => live.organizationId,
      // What the run found to be as the repository says is tagged so, and not read by the next plan while that holds.
      record: ({ live, access }, after, transport) => recordSettled(transport, settledAccess(desired, live, access, after, scope), APPLIED_ACCESS_TAG, 'assignments'),
    });
  } finally {
    await runtime.close();
  }
}
