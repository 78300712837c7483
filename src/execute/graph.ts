import { InterruptedError } from '../errors.js';
import type { Change } from '../plan/plan.js';

/**
 * Run steps in dependency order, as many at once as each kind allows. A step whose
 * dependency failed is skipped, saying which; independent steps carry on.
 */
export interface Step<T> {
  id: string;
  kind: string;
  dependsOn: string[];
  data: T;
}

export type StepResult =
  | { status: 'done'; value: unknown; ms: number }
  | { status: 'failed'; error: Error; ms: number }
  | { status: 'skipped'; reason: string };

export interface GraphOptions<T> {
  /** Steps of this kind allowed in flight at once. */
  concurrency(kind: string): number;
  run(step: Step<T>): Promise<unknown>;
  onStart?(step: Step<T>): void;
  onEnd?(step: Step<T>, result: StepResult): void;
  /**
   * Aborted (Ctrl-C): no step starts after it, and the run ends at once with an
   * InterruptedError saying what finished, what is in flight and what never started.
   */
  signal?: AbortSignal;
}

export async function runGraph<T>(steps: readonly Step<T>[], options: GraphOptions<T>): Promise<Map<string, StepResult>> {
  const results = new Map<string, StepResult>();
  const ids = new Set(steps.map((s) => s.id));
  const pending = new Map(steps.map((s) => [s.id, { ...s, dependsOn: s.dependsOn.filter((d) => ids.has(d)) }]));
  const inFlight = new Map<string, Promise<void>>();
  const busy = new Map<string, number>();

  const finish = (step: Step<T>, result: StepResult) => {
    results.set(step.id, result);
    options.onEnd?.(step, result);
  };
  const { signal } = options;
  // Settles when the signal aborts, so a wait on steps in flight ends with it.
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  const interrupted = () => new InterruptedError(new Map(results), [...inFlight.keys()], [...pending.keys()]);

  while (pending.size || inFlight.size) {
    if (signal?.aborted) throw interrupted();
    // Skip whatever depends on a step that did not succeed.
    for (const step of pending.values()) {
      const blocker = step.dependsOn.find((d) => results.has(d) && results.get(d)!.status !== 'done');
      if (blocker) {
        pending.delete(step.id);
        finish(step, { status: 'skipped', reason: `${blocker} did not complete` });
      }
    }
    for (const step of [...pending.values()]) {
      const ready = step.dependsOn.every((d) => results.get(d)?.status === 'done');
      const slots = options.concurrency(step.kind) - (busy.get(step.kind) ?? 0);
      if (!ready || slots <= 0) continue;
      pending.delete(step.id);
      busy.set(step.kind, (busy.get(step.kind) ?? 0) + 1);
      options.onStart?.(step);
      const started = Date.now();
      inFlight.set(
        step.id,
        options.run(step).then(
          (value) => finish(step, { status: 'done', value, ms: Date.now() - started }),
          (error: unknown) => finish(step, { status: 'failed', error: error instanceof Error ? error : new Error(String(error)), ms: Date.now() - started }),
        ).finally(() => {
          busy.set(step.kind, busy.get(step.kind)! - 1);
          inFlight.delete(step.id);
        }),
      );
    }
    if (inFlight.size) {
      await Promise.race([...inFlight.values(), aborted]);
    } else if (pending.size) {
      // Nothing runs and nothing can start: the rest wait on each other.
      for (const step of pending.values()) finish(step, { status: 'skipped', reason: 'its dependencies form a cycle' });
      pending.clear();
    }
  }
  return results;
}

/** The id of the step that carries out a change; execution results are keyed by it. */
export const changeStepId = (change: Pick<Change, 'type' | 'target'>) => `${change.type} ${change.target}`;

/** What a run reports as each change starts and ends (progress lines). */
export interface ExecutionHooks {
  onStart?(change: Change): void;
  onEnd?(change: Change, result: StepResult): void;
  /** Aborted: no change starts after it (see GraphOptions.signal). */
  signal?: AbortSignal;
}

/** Changes that depend on nothing, all of one kind (one concurrency limit). */
export const independentSteps = (changes: readonly Change[], kind: string): Step<Change>[] =>
  changes.map((change) => ({ id: changeStepId(change), kind, dependsOn: [], data: change }));

/** A plan's changes as a step graph: `run` carries out one change; the hooks hear of each. */
export function runChanges(
  steps: readonly Step<Change>[],
  options: { concurrency(kind: string): number; run(change: Change): Promise<unknown> },
  hooks: ExecutionHooks = {},
): Promise<Map<string, StepResult>> {
  return runGraph(steps, {
    concurrency: options.concurrency,
    run: (step) => options.run(step.data),
    onStart: (step) => hooks.onStart?.(step.data),
    onEnd: (step, result) => hooks.onEnd?.(step.data, result),
    signal: hooks.signal,
  });
}
