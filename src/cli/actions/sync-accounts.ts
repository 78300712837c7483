/**
 * sync-accounts (and create-account, for one entry): plan the organization's OUs and
 * accounts against accounts.yml; with --execute, carry the plan out.
 */
import { APPLIED_TAG } from '../../config/identity-tags.js';
import type { ExitCode } from '../../errors.js';
import { executeAccountPlan } from '../../execute/accounts.js';
import { recordApplied } from '../../execute/record-applied.js';
import { planAccounts } from '../../plan/accounts.js';
import { limitViolations } from '../../plan/limits.js';
import { recorderRegions } from '../../plan/parameters.js';
import { FOLLOW_UP_TYPES } from '../../plan/accounts.js';
import { digest } from '../../plan/digest.js';
import { fingerprintInputs, fingerprintsOf, settledAccounts, type FingerprintInput } from '../../plan/applied.js';
import { makePlan } from '../../plan/plan.js';
import { deploymentsOf, stacksToRead, type Deployments } from '../../plan/stacks.js';
import { liveIds } from '../../render/context.js';
import { renderWithIds } from '../../render/render.js';
import { readLive, withAccountState, type Live, type SettingReads, type StateReads } from '../../state/live.js';
import { readTouchedTree, rereads, touchedBy, withRereadState } from '../../state/touched.js';
import type { Io } from '../io.js';
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
    /**
     * `reads`: what withAccountState read (the stacks, the accounts whose parameters and which
     * of their settings); `inputs`: what each account should hold, and `fingerprints`, their
     * digests (src/plan/applied.ts).
     */
    type State = { live: Live; deployments: Deployments; reads: StateReads; inputs: ReadonlyMap<string, FingerprintInput>; fingerprints: ReadonlyMap<string, string> };
    // create-account reads its one account; --refresh reads every account, whatever its applied tag says.
    const trustTags = !only && !options.refresh;
    // With --direct no handler Lambda is involved, so new accounts wait for the administrator's bootstrap (as when it is turned off).
    // The templates depend on accounts.yml and the ids of the accounts that exist: rendered
    // again only when those ids change (an account this run created), not on every read.
    let rendered: { ids: string; deployments: State['deployments'] } | undefined;
    const readsFor = async (tree: Live) => {
      const ids = liveIds(desired, tree);
      const key = digest([...ids]);
      if (rendered?.ids !== key) {
        const { context, templates } = await renderWithIds(runtime.repoDir, desired, ids, tree.organizationId);
        rendered = { ids: key, deployments: deploymentsOf(templates, context, only) };
      }
      const { deployments } = rendered;
      // Only the accounts accounts.yml names (a retired one keeps orgvend's stack), and for create-account its one.
      const parametersOf: ReadonlySet<string> = new Set(only ? (ids.has(only) ? [ids.get(only)!] : []) : ids.values());
      // An account's settings are read only where the DSL says what they should be.
      const settingsOf = new Map(
        desired.accounts.flatMap((a): [string, SettingReads][] => {
          const id = ids.get(a.name);
          if (!id || !parametersOf.has(id)) return [];
          const reads: SettingReads = {
            ...(a.settings.s3_block_public_access !== undefined ? { public_access_block: true as const } : {}),
            ...(a.settings.config_recorder !== undefined ? { config_recorder: recorderRegions(a) } : {}),
          };
          return Object.keys(reads).length ? [[id, reads]] : [];
        }),
      );
      const inputs = only ? new Map<string, FingerprintInput>() : fingerprintInputs(desired, tree, deployments);
      const fingerprints = fingerprintsOf(inputs);
      // What withAccountState reads: the applied tags vouch for an account unless --refresh.
      const reads: StateReads = { stacks: stacksToRead(deployments), parametersOf, settingsOf, fingerprints: trustTags ? fingerprints : undefined };
      return { deployments, inputs, fingerprints, reads };
    };
    return await runPlanAction<State>(options, io, runtime, {
      readLive: async (transport) => {
        const tree = await readLive(transport, runtime.sharedRead);
        const state = await readsFor(tree);
        return { live: await withAccountState(transport, tree, state.reads), ...state };
      },
      readTouched: async (before, executed, transport) => {
        const touched = touchedBy(executed);
        if (!touched) return undefined;
        const tree = await readTouchedTree(transport, before.live, touched);
        const state = await readsFor(tree);
        const { reads, inputs, fingerprints } = state;
        // Besides the touched accounts, one whose reads changed (the templates rendered again
        // with a new account's id, an account accounts.yml now names) is read again, and one
        // vouched for by its applied tag whose fingerprint changed (the DNS account's allow list,
        // the identity account's IAM mapping stacks): whole, or only the stacks that changed.
        const readsChanged = (id: string) =>
          digest(reads.stacks.get(id) ?? null) !== digest(before.reads.stacks.get(id) ?? null) ||
          reads.parametersOf?.has(id) !== before.reads.parametersOf?.has(id) ||
          digest(reads.settingsOf?.get(id) ?? null) !== digest(before.reads.settingsOf?.get(id) ?? null);
        const vouched = before.live.vouched ?? new Set<string>();
        const candidates = tree.accounts.map((a) => a.id).filter((id) => touched.accounts.has(id) || readsChanged(id) || (vouched.has(id) && fingerprints.get(id) !== before.fingerprints.get(id)));
        const read = (id: string) => before.live.parameters?.has(id) === true || before.live.stacks?.has(id) === true;
        const { whole, stacks } = rereads(touched, candidates, { vouched, read, inputs: before.inputs }, inputs, readsChanged);
        return { live: await withRereadState(transport, tree, before.live, whole, reads, stacks), ...state };
      },
      plan: ({ live, deployments }) => planAccounts(desired, live, { now: new Date(), only, action: options.action, deployments, bootstrap: !options.direct && desired.organization.bootstrap_new_accounts }),
      violations: (plan) => limitViolations(plan, desired.organization.limits),
      organizationOf: ({ live }) => live.organizationId,
      execute: (plan, transport, progress) => executeAccountPlan(plan, desired.organization, transport, progress),
      // What the run found to be as the repository says is tagged so, and not read by the next plan while that holds.
      record: async ({ live, fingerprints }, plan, transport) => {
        const settled = settledAccounts(fingerprints, live, plan);
        if (!settled.size) return undefined;
        await recordApplied(transport, settled);
        const n = settled.size;
        return `recorded ${n} account${n === 1 ? '' : 's'} as the repository wants ${n === 1 ? 'it' : 'them'} (${APPLIED_TAG}): the next plan reads ${n === 1 ? 'its' : 'their'} parameters and stacks only if accounts.yml or the templates change what ${n === 1 ? 'it holds' : 'they hold'}, or with --refresh`;
      },
      // Once accounts exist, what names them (their bootstrap, parameters, the stacks rendered with their ids) is planned again.
      followUp: (executed, after) =>
        executed.changes.some((c) => c.type === 'account.create')
          ? makePlan(after.action, after.basis, after.changes.filter((c) => FOLLOW_UP_TYPES.has(c.type)), { notes: after.notes, conflicts: after.conflicts })
          : undefined,
    });
  } finally {
    await runtime.close();
  }
}
