/**
 * put-contacts and enable-region: the Account Management API from the delegated
 * administrator. Both read the accounts, then only the settings of the accounts the DSL
 * says something about, plan, and with --execute apply.
 */
import type { Desired, DesiredAccount } from '../../config/resolve.js';
import type { ExitCode } from '../../errors.js';
import { executeContactsPlan, executeRegionPlan } from '../../execute/account-settings.js';
import {
  planContacts,
  planRegions,
  settingsTargets,
  wantsContacts,
  wantsPrimaryContact,
  type SettingsTarget,
  wantsRegions,
} from '../../plan/account-settings.js';
import { readContacts, readRegions } from '../../state/account-settings.js';
import { readLive, type Live } from '../../state/live.js';
import type { Transport } from '../../transport/transport.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction, type PlanActionSpec } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

/** The organization, then the settings of the accounts that `wants` picks. */
async function readSettings<S>(
  transport: Transport,
  desired: Desired,
  options: CliOptions,
  wants: (entry: DesiredAccount) => boolean,
  read: (transport: Transport, targets: SettingsTarget[]) => Promise<S>,
): Promise<{ live: Live; settings: S }> {
  const live = await readLive(transport);
  return { live, settings: await read(transport, settingsTargets(desired, live, wants, { only: options.account }).targets) };
}

const ids = (targets: SettingsTarget[]) => targets.map((t) => t.account.id);

async function runSettingsAction<S>(
  options: CliOptions,
  io: Io,
  hooks: RuntimeHooks,
  loaded: Desired | undefined,
  spec: (desired: Desired) => PlanActionSpec<{ live: Live; settings: S }>,
) {
  const runtime = await openRuntime(options, io, hooks, loaded);
  try {
    return await runPlanAction(options, io, runtime, { organizationOf: ({ live }) => live.organizationId, ...spec(runtime.desired) });
  } finally {
    await runtime.close();
  }
}

export function putContacts(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  return runSettingsAction(options, io, hooks, undefined, (desired) => ({
    readLive: (transport) =>
      readSettings(transport, desired, options, wantsContacts, (t, targets) =>
        readContacts(t, ids(targets), new Set(ids(targets.filter((target) => wantsPrimaryContact(target.entry))))),
      ),
    plan: ({ live, settings }) => planContacts(desired, live, settings, { only: options.account }),
    execute: (plan, transport, progress) => executeContactsPlan(plan, transport, progress),
  }));
}

/** `loaded`: accounts.yml as enable-region read it, with the policies it checks regions against. */
export function enableRegion(options: CliOptions, io: Io, hooks: RuntimeHooks, loaded: Desired): Promise<ExitCode> {
  return runSettingsAction(options, io, hooks, loaded, (desired) => ({
    readLive: (transport) => readSettings(transport, desired, options, wantsRegions, (t, targets) => readRegions(t, ids(targets))),
    plan: ({ live, settings }) => planRegions(desired, live, settings, { only: options.account }),
    execute: (plan, transport, progress) => executeRegionPlan(plan, desired.organization, transport, progress),
  }));
}
