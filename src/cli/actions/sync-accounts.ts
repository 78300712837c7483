/**
 * sync-accounts (and create-account, for one entry): plan the organization's OUs and
 * accounts against accounts.yml; with --execute, carry the plan out.
 */
import type { ExitCode } from '../../errors.js';
import { executeAccountPlan } from '../../execute/accounts.js';
import { planAccounts } from '../../plan/accounts.js';
import { limitViolations } from '../../plan/limits.js';
import { readLiveWithParameters } from '../../state/live.js';
import type { Io } from '../io.js';
import { accountNamed } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  return syncAccounts(options, io, hooks);
}

export async function syncAccounts(options: CliOptions, io: Io, hooks: RuntimeHooks, only?: string): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const { desired } = runtime;
    if (only) accountNamed(desired, only, options.config);
    return await runPlanAction(options, io, runtime, {
      readLive: readLiveWithParameters,
      plan: (live) => planAccounts(desired, live, { now: new Date(), only, action: options.action }),
      violations: (plan) => limitViolations(plan, desired.organization.limits),
      execute: (plan, transport, progress) => executeAccountPlan(plan, desired.organization, transport, progress),
    });
  } finally {
    await runtime.close();
  }
}
