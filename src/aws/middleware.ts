/**
 * What every call's errors mean to the retry strategy (retry.ts), decided once for every
 * call (org-formation's lesson: retries added call by call are retries missed).
 * Organizations answers "another request is in progress" with errors the SDK does not see
 * as throttling, so they are marked as such.
 *
 * A call that makes something new each time it arrives (CreateAccount, …) is never retried
 * blindly: when its answer is lost (a 5xx, a dropped connection, a timeout) AWS may have
 * acted, so the SDK does not send it again. The caller gets an UncertainOutcome and looks for
 * what the first attempt made before it tries again (see once.ts).
 */

import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';

/** AWS errors that mean "not now": retried with backoff like throttling. */
const BUSY_ERRORS = new Set([
  'ConcurrentModificationException',
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'PriorRequestNotComplete',
]);

/** Operations that make something new each time AWS receives them: sent twice, made twice. */
export const NOT_REPEATABLE = new Set(['CreateAccount', 'CreateOrganizationalUnit', 'CreatePolicy', 'CreateChangeSet', 'CreateStack', 'CreateKey']);

/** A call whose answer was lost: AWS may or may not have carried it out. */
export class UncertainOutcome extends Error {
  override readonly name = 'UncertainOutcome';
  constructor(
    readonly operation: string,
    /** What was seen instead of an answer. Not `cause`: the SDK would retry what a transient cause says. */
    readonly seen: string,
    message = `the answer to ${operation} was lost (${seen}); AWS may have carried it out`,
  ) {
    super(message);
  }
}

/** Network failures before the request left: AWS never saw it (the SDK counts them transient too). */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True for an error that leaves unknown whether AWS acted: what the SDK would retry as a
 * server error or a transient failure (a 5xx, a dropped connection, a timeout), but not
 * throttling (AWS did not act) nor a connection never made.
 */
export function isUncertain(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as SdkError & { code?: string };
  if (isThrottlingError(e) || (e.name && BUSY_ERRORS.has(e.name)) || NEVER_SENT.has(e.code ?? '')) return false;
  return isServerError(e) || isTransientError(e);
}

/** The operation a middleware's context is sending: `CreateAccountCommand` → `CreateAccount`. */
export const operationName = (context: { commandName?: string }) => String(context.commandName).replace(/Command$/, '');

type Handler = (args: { input: unknown }) => Promise<unknown>;
interface MiddlewareStackLike {
  add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: object): void;
}

/** Mark busy errors as throttling, and lost answers to NOT_REPEATABLE calls as uncertain, before the retry middleware decides whether to retry. */
export function markRetryable(client: { middlewareStack: unknown }): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const e = error as { name?: string; $retryable?: { throttling?: boolean } };
        if (e && typeof e === 'object' && e.name && BUSY_ERRORS.has(e.name)) e.$retryable = { throttling: true };
        const operation = operationName(context);
        if (NOT_REPEATABLE.has(operation) && isUncertain(error)) throw new UncertainOutcome(operation, (error as Error).message || (e.name ?? 'no answer'));
        throw error;
      }
    },
    // Inside the retry loop: finalizeRequest runs retry at high priority, this one after it.
    { step: 'finalizeRequest', priority: 'low', name: 'orgvendMarkBusyErrors' },
  );
}

/** Report every command to `observe` before it is sent (tests assert on these; dry runs prove nothing mutates). */
export function observeCalls(client: { middlewareStack: unknown }, observe: (operation: string, input: unknown) => void): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      observe(operationName(context), args.input);
      return next(args);
    },
    { step: 'initialize', name: 'orgvendObserveCalls' },
  );
}
