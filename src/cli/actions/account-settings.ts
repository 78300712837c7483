/**
 * put-contacts and enable-region: the Account Management API from the delegated
 * administrator. Both read the accounts, then only the settings of the accounts the DSL
 * says something about and whose tag does not vouch for them, plan, with --execute apply,
 * and tag the accounts found as the DSL says (src/plan/account-settings.ts).
 */
import type { Desired } from '../../config/resolve.js';
import type { ExitCode } from '../../errors.js';
import { executeContactsPlan, executeRegionPlan } from '../../execute/account-settings.js';
import { recordSettled } from '../../execute/record-applied.js';
import {
  CONTACTS,
  planContacts,
  planRegions,
  REGIONS,
  settingsTargets,
  settledTargets,
  vouchedNote,
  vouchedTargets,
  wantsPrimaryContact,
  type SettingsKind,
  type SettingsTarget,
} from '../../plan/account-settings.js';
import { readContacts, readRegions } from '../../state/account-settings.js';
import { readLive, type Live } from '../../state/live.js';
import type { Transport } from '../../transport/transport.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction, type PlanActionSpec } from '../plan-action.js';
import type { Plan } from '../../plan/plan.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

/** The organization, then what the DSL says of which accounts' settings, which of those settings were read, and the targets vouched for by their tag. */
type Settings<S> = { live: Live; targets: SettingsTarget[]; vouched: ReadonlySet<string>; settings: S };

const ids = (targets: SettingsTarget[]) => targets.map((t) => t.account.id);

async function runSettingsAction<S extends ReadonlyMap<string, unknown>>(
  options: CliOptions,
  io: Io,
  hooks: RuntimeHooks,
  loaded: Desired | undefined,
  kind: SettingsKind,
  spec: (desired: Desired) => {
    read(transport: Transport, targets: SettingsTarget[]): Promise<S>;
    plan(state: Settings<S>): Plan;
    execute: PlanActionSpec<Settings<S>>['execute'];
  },
) {
  const runtime = await openRuntime(options, io, hooks, loaded);
  const { desired } = runtime;
  const { read, plan, execute } = spec(desired);
  // --refresh reads every account, whatever its tag says; --account reads its one account.
  const trustTags = !options.refresh && !options.account;
  try {
    return await runPlanAction<Settings<S>>(options, io, runtime, {
      organizationOf: ({ live }) => live.organizationId,
      readLive: async (transport) => {
        const live = await readLive(transport, runtime.sharedRead);
        const { targets } = settingsTargets(desired, live, kind.wants, { only: options.account });
        const vouched = trustTags ? vouchedTargets(desired, live, kind, targets) : new Set<string>();
        return { live, targets, vouched, settings: await read(transport, targets.filter((t) => !vouched.has(t.account.id))) };
      },
      plan: (state) => {
        const planned = plan(state);
        const n = state.vouched.size;
        if (n) planned.notes.push(vouchedNote(n, kind.tag));
        return planned;
      },
      execute,
      // What the run found to be as the repository says is tagged so, and not read by the next plan while that holds.
      record: ({ live, targets, settings }, after, transport) =>
        recordSettled(transport, settledTargets(desired, live, kind, targets, (id) => settings.has(id), after), kind.tag, kind.what),
    });
  } finally {
    await runtime.close();
  }
}

export function putContacts(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  return runSettingsAction(options, io, hooks, undefined, CONTACTS, (desired) => ({
    read: (t, targets) => readContacts(t, ids(targets), new Set(ids(targets.filter((target) => wantsPrimaryContact(target.entry))))),
    plan: ({ live, settings }) => planContacts(desired, live, settings, { only: options.account }),
    execute: (plan, transport, progress) => executeContactsPlan(plan, transport, progress),
  }));
}

/** `loaded`: accounts.yml as enable-region read it, with the policies it checks regions against. */
export function enableRegion(options: CliOptions, io: Io, hooks: RuntimeHooks, loaded: Desired): Promise<ExitCode> {
  return runSettingsAction(options, io, hooks, loaded, REGIONS, (desired) => ({
    read: (t, targets) => readRegions(t, ids(targets)),
    plan: ({ live, settings }) => planRegions(desired, live, settings, { only: options.account }),
    execute: (plan, transport, progress) => executeRegionPlan(plan, desired.organization, transport, progress),
  }));
}
