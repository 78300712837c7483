/**
 * The deadline of the request being served, for the AWS calls made on its behalf. A handler
 * must reply before its deadline and the CLI stops waiting at a request's timeout, so the
 * retry strategy (retry.ts) never starts a retry that would begin past it. Carried by
 * AsyncLocalStorage rather than through every call: handlers pass their clients to helpers
 * that know nothing of deadlines, and every call they make is bounded all the same.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<number>();

/** Run `work` with AWS calls bounded by `deadline` (epoch ms), or by an enclosing deadline if that is sooner. */
export function withDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  const enclosing = scope.getStore();
  return scope.run(enclosing === undefined ? deadline : Math.min(enclosing, deadline), work);
}

/** The deadline of the work in progress (epoch ms), if it has one. */
export function currentDeadline(): number | undefined {
  return scope.getStore();
}
