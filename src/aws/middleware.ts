/**
 * Retry and pacing live here, once, for every call (org-formation's lesson: retries added
 * call by call are retries missed). The SDK's adaptive strategy backs off with jitter and
 * rate-limits the client after throttling; Organizations also answers "another request is
 * in progress" with errors the SDK does not see as throttling, so they are marked as such.
 */

/** AWS errors that mean "not now": retried with backoff like throttling. */
const BUSY_ERRORS = new Set([
  'ConcurrentModificationException',
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'PriorRequestNotComplete',
]);

type Handler = (args: { input: unknown }) => Promise<unknown>;
interface MiddlewareStackLike {
  add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: object): void;
}

/** Mark busy errors as throttling before the retry middleware decides whether to retry. */
export function markRetryable(client: { middlewareStack: unknown }): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const e = error as { name?: string; $retryable?: { throttling?: boolean } };
        if (e && typeof e === 'object' && e.name && BUSY_ERRORS.has(e.name)) e.$retryable = { throttling: true };
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
      observe(String(context.commandName).replace(/Command$/, ''), args.input);
      return next(args);
    },
    { step: 'initialize', name: 'orgvendObserveCalls' },
  );
}
