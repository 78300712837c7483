/** Driving code that waits (polls, backoff) under vitest's fake timers. */
import { vi } from 'vitest';

/**
 * Let `promise` run, advancing fake time by `stepMs` at most `maxSteps` times. Real I/O
 * (loading modules, credentials) runs between the steps.
 */
export async function settle<T>(promise: Promise<T>, stepMs: number, maxSteps: number): Promise<T> {
  let done = false;
  const outcome = promise.then(
    (value) => ((done = true), { value }),
    (error: unknown) => ((done = true), { error }),
  );
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  const result = await outcome;
  if ('error' in result) throw result.error;
  return result.value;
}
