/**
 * What every planning action does around its own plan: read the live state, plan (or
 * read a saved plan and check it still applies), show it, stop on a blast-radius limit,
 * and with --execute carry it out, then read again (what it touched, when the action can
 * say) and say whether it converged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { escapeControlCharacters } from '../config/control-characters.js';
import { CancelledError, ExitCode, InterruptedError, LimitError, SavedPlanError, UsageError } from '../errors.js';
import { changeStepId, type StepResult } from '../execute/graph.js';
import { accountList, type Change, type Plan } from '../plan/plan.js';
import { PlanFile } from '../plan/plan-file.js';
import { keyOf, savedPlanMismatch, type SavedPlanMismatch } from '../plan/saved-plan.js';
import type { Transport } from '../transport/transport.js';
import type { ChangeOutcome, ExecutedChange } from '../views/execution.js';
import { conflictCount, planJson } from '../views/plan.js';
import { style } from '../views/style.js';
import { confirmApply } from './confirm.js';
import { wantsColor, type Io } from './io.js';
import type { CliOptions } from './options.js';
import { outputOf, type Output } from './output.js';
import { progress, type Progress } from './progress.js';
import type { Runtime } from './runtime.js';

/** A plan with the sentences for each limit it exceeds. */
interface Planned {
  plan: Plan;
  violations: string[];
}

const planOf = (result: Plan | Planned): Plan => ('plan' in result ? result.plan : result);

export interface PlanActionSpec<L> {
  /** Read what the plan is computed from. */
  readLive(transport: Transport): Promise<L>;
  /**
   * Pure. A saved plan is applied only while this gives the same action, basis and changes;
   * what is then shown, checked and carried out is this plan. A planner that finds the
   * violations in the same computation returns them with the plan.
   */
  plan(live: L): Plan | Planned;
  /** Sentences for each limit the plan exceeds, counted from its changes; the run stops if there is any. Absent: none. */
  violations?(plan: Plan): string[];
  execute(plan: Plan, transport: Transport, hooks: Progress): Promise<Map<string, StepResult>>;
  /**
   * Changes that could be planned only once the executed ones were made (what names an
   * account that did not exist): given the plan executed and the plan of the state read
   * after it, the changes to carry out in the same run. Absent or undefined: none.
   */
  followUp?(executed: Plan, after: Plan): Plan | undefined;
  /**
   * After `executed` was carried out, `before` (what the plan was computed from) with what
   * it touched read again, so the convergence check costs what changed, not what exists.
   * Undefined when what was touched cannot be known: readLive then reads it all. Absent: readLive.
   */
  readTouched?(before: L, executed: readonly ExecutedChange[], transport: Transport): Promise<L | undefined>;
  /** The organization's id (`o-…`), named when a person is asked to confirm. */
  organizationOf?(live: L): string;
  /**
   * With --execute, once `plan` (of `state`) leaves nothing to do, or after a run, what the
   * action keeps about it for the next plan (sync-accounts: the accounts found to be what
   * the repository says); a sentence to show, or undefined. Never without --execute.
   */
  record?(state: L, plan: Plan, transport: Transport): Promise<string | undefined>;
}

function readPlanFile(path: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the plan ${path}: ${(error as Error).message}`);
  }
  const parsed = PlanFile.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${path} is not an orgvend plan: ${parsed.error.issues[0]?.message}`);
  return parsed.data as Plan;
}

/** One line saying why the plan in `file` is refused and what to do. */
function describeMismatch(mismatch: SavedPlanMismatch, file: string): string {
  const remake = 'make a new plan (--out), review it and apply that; nothing was changed';
  switch (mismatch.kind) {
    case 'action':
      return `${file} is a plan for ${mismatch.saved}, not ${mismatch.wanted}; nothing was changed`;
    case 'basis': {
      const what = [mismatch.config && "the repository's configuration", mismatch.live && 'the organization'].filter(Boolean).join(' and ');
      return `${what} ${mismatch.config && mismatch.live ? 'have' : 'has'} changed since the plan in ${file} was made; ${remake}`;
    }
    case 'changes': {
      const count = (what: string, changes: Change[]) => `${changes.length} ${what}${changes.length ? ` (${accountList(changes.map(keyOf), 3)})` : ''}`;
      const counts = [count('added', mismatch.added), count('removed', mismatch.removed), count('altered', mismatch.altered)].join(', ');
      return `the changes in ${file} are not what the repository plans: ${counts}; ${remake}`;
    }
  }
}

export async function runPlanAction<L>(options: CliOptions, io: Io, runtime: Runtime, spec: PlanActionSpec<L>): Promise<ExitCode> {
  const output = outputOf(io, options);
  const err = style(wantsColor(io.stderr, io.env));
  // A file that is not a plan is refused before the organization is read.
  const saved = options.plan ? readPlanFile(resolve(io.cwd, options.plan)) : undefined;
  const transport = runtime.transport();
  const live = await spec.readLive(transport);

  const fresh = spec.plan(live);
  // A saved plan is applied only if it is exactly what the repository plans now; the fresh
  // plan is then the one shown, checked and carried out, so nothing else the file says is read.
  const plan = planOf(fresh);
  if (saved) {
    const mismatch = savedPlanMismatch(saved, plan);
    if (mismatch) return output.fail(new SavedPlanError(describeMismatch(mismatch, options.plan!)));
  }

  output.plan(plan);
  if (options.out) writeFileSync(resolve(io.cwd, options.out), planJson(plan));

  const violations = 'plan' in fresh ? fresh.violations : (spec.violations?.(plan) ?? []);
  if (violations.length) return output.fail(new LimitError(violations));
  if (!options.execute || !plan.changes.length) {
    // A conflict is not something --execute can fix: the run fails until a person has resolved it.
    if (plan.conflicts.length) return conflicted(io, err, plan);
    if (options.execute) await record(spec, live, plan, transport, io, err);
    return options.detailedExitcode && plan.changes.length ? ExitCode.changesPending : ExitCode.ok;
  }
  const where = spec.organizationOf?.(live) ?? runtime.desired?.organization.management_account_id;
  if (!(await confirmApply(io, options, plan.changes.length, where))) return output.fail(new CancelledError('the answer was not "yes"; nothing was changed'));

  try {
    const executed = await executeAndShow(plan, spec, transport, io, output);
    // Read again: success is the organization matching the repository, not the requests answered.
    // What the changes touched is read (all of it when that is not known), and planned afresh.
    const readAfter = async (before: L, done: readonly ExecutedChange[]) => (await spec.readTouched?.(before, done, transport)) ?? (await spec.readLive(transport));
    let state = await readAfter(live, executed);
    let after = planOf(spec.plan(state));
    const followUp = spec.followUp?.(plan, after);
    // A saved plan is carried out and nothing else: what could be planned only once it was
    // made was never reviewed, so it is shown and left for the next plan.
    const left = saved && followUp?.changes.length ? followUp : undefined;
    if (followUp?.changes.length && !left) {
      output.plan(followUp, true);
      const followed = await executeAndShow(followUp, spec, transport, io, output);
      executed.push(...followed);
      state = await readAfter(state, followed);
      after = planOf(spec.plan(state));
    }
    const leftKeys = new Set(left?.changes.map(keyOf));
    const remaining = after.changes.filter((c) => !leftKeys.has(keyOf(c)));
    // Converged is the organization matching the repository: no change failed (what a plan
    // cannot read, it does not plan), none left, and no conflict, which no run can resolve.
    const failed = executed.filter((e) => e.result.status !== 'done').length;
    const converged = failed === 0 && remaining.length === 0 && after.conflicts.length === 0;
    output.converged({ converged, remaining: remaining.length, conflicts: after.conflicts, failed, ...(left ? { left } : {}) });
    await record(spec, state, after, transport, io, err);
    return converged ? ExitCode.ok : ExitCode.failure;
  } catch (error) {
    if (error instanceof InterruptedError) return output.fail(error);
    throw error;
  } finally {
    io.stderr.write(`audit record: ${runtime.recorder.path}\n`);
  }
}

/**
 * The action's record of what the run found (spec.record), said in one line on stderr. A
 * record that cannot be made fails nothing: the next plan reads what it would have spared.
 */
async function record<L>(spec: PlanActionSpec<L>, state: L, plan: Plan, transport: Transport, io: Io, err: ReturnType<typeof style>): Promise<void> {
  try {
    const said = await spec.record?.(state, plan, transport);
    if (said) io.stderr.write(`${said}\n`);
  } catch (error) {
    io.stderr.write(`${err.yellow('warning:')} ${escapeControlCharacters((error as Error).message ?? String(error))}; the next plan reads those accounts again\n`);
  }
}

/** A plan that holds conflicts fails: one line on stderr saying so (the plan above lists them). */
function conflicted(io: Io, err: ReturnType<typeof style>, plan: Plan): ExitCode {
  io.stderr.write(`${err.red('error:')} ${conflictCount(plan.conflicts.length)} (listed in the plan); orgvend does nothing for them until they are resolved.\n`);
  return ExitCode.failure;
}

/**
 * Carry out the plan, with progress on stderr, and say what was done. Ctrl-C stops it:
 * no change starts after it, and what was done, what is in flight and what was never
 * started is said before the InterruptedError goes on.
 */
async function executeAndShow<L>(plan: Plan, spec: PlanActionSpec<L>, transport: Transport, io: Io, output: Output): Promise<ExecutedChange[]> {
  const started = Date.now();
  const interrupt = new AbortController();
  const hooks = progress(io, style(wantsColor(io.stderr, io.env)));
  const stopListening = io.interrupts?.on(() => interrupt.abort());
  // After Ctrl-C the changes still in flight are no longer reported as they end: the report has been made.
  const heard = { onStart: hooks.onStart, onEnd: (change: Change, result: StepResult) => interrupt.signal.aborted || hooks.onEnd?.(change, result), signal: interrupt.signal };
  let results: ReadonlyMap<string, ChangeOutcome>;
  let stopped: InterruptedError | undefined;
  try {
    results = await spec.execute(plan, transport, { ...heard, stop: hooks.stop });
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    stopped = error;
    const inFlight = new Set(error.inFlight);
    results = new Map(plan.changes.map((change) => {
      const id = changeStepId(change);
      const outcome: ChangeOutcome = (error.results.get(id) as StepResult | undefined) ?? { status: inFlight.has(id) ? 'in-flight' : 'not-started' };
      return [id, outcome];
    }));
  } finally {
    stopListening?.();
    hooks.stop();
  }
  const executed: ExecutedChange[] = plan.changes.map((change) => ({ change, result: results.get(changeStepId(change))! }));
  output.execution(executed, Date.now() - started);
  if (stopped) throw stopped;
  return executed;
}
