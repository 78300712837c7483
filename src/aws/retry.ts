/**
 * The retry strategy of every client the factory makes. Throttling means AWS did not act,
 * so a throttled call is retried until the deadline of the request it serves (deadline.ts)
 * or, outside a request, for `throttledCallMs`: throttling slows a run down, it never fails
 * it while there is time. Transient failures (5xx, a dropped connection) are retried up to
 * `maxAttempts`.
 *
 * Built from the SDK's parts: its backoff (full jitter, doubling, capped), its retry costs,
 * and its adaptive rate limiter, which slows the client down after throttling. What differs
 * is the retry budget. The SDK's is spent by retries and earned back only by successes, and
 * a client lives as long as the process (a warm Lambda, the sandbox worker): under sustained
 * throttling it ran dry after ~100 throttled retries and calls failed on their first
 * throttle. Here the budget refills with time; an empty budget refuses transient retries (a
 * service that is down is not hammered) and makes throttled ones wait their turn.
 */
import { DefaultRateLimiter, isThrottlingError, MAXIMUM_RETRY_DELAY, NO_RETRY_INCREMENT, Retry } from '@smithy/core/retry';
import type { FinalizeRequestMiddleware, MiddlewareStack, RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';
import { currentDeadline } from './deadline.js';
import { AWS_RATES, operationOf, type Rate } from './pacing.js';
import { TokenBucket } from './token-bucket.js';

export interface RetryPolicy {
  /** Attempts at a call that fails transiently (5xx, a dropped connection). Throttling is bounded by time instead. */
  maxAttempts: number;
  /** Backoff base after a transient failure and after throttling (ms): a random wait up to base × 2^retry, at most maxDelayMs. */
  baseDelayMs: number;
  throttlingBaseDelayMs: number;
  maxDelayMs: number;
  /** How long a call may go on being throttled when no request's deadline bounds it (ms). */
  throttledCallMs: number;
  /** The retry budget of a client: tokens, and tokens regained per second. A throttled retry costs 5, a transient one 14. */
  budget: { capacity: number; refillPerSecond: number };
  /** The adaptive limiter never slows a client below this many sends per second. */
  minSendRate: number;
  /** Calls per second by `service:Operation` (pacing.ts). */
  rates: Readonly<Record<string, Rate>>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: Retry.delay(),
  throttlingBaseDelayMs: Retry.throttlingDelay(),
  maxDelayMs: MAXIMUM_RETRY_DELAY,
  throttledCallMs: 5 * 60_000,
  // The SDK's 500 tokens (100 throttled retries at once), regained at 2 throttled retries a second.
  budget: { capacity: 500, refillPerSecond: 10 },
  minSendRate: 0.5,
  rates: AWS_RATES,
};

/** One call's attempts so far, and when it must stop retrying. */
class CallToken implements StandardRetryToken {
  readonly $retryLog = { acquisitionDelay: 0 };

  constructor(
    readonly until: number,
    private readonly retries: number,
    private readonly cost: number | undefined,
  ) {}

  getRetryCount(): number {
    return this.retries;
  }

  /** The strategy has waited already. */
  getRetryDelay(): number {
    return 0;
  }

  getRetryCost(): number | undefined {
    return this.cost;
  }
}

/** Refusals end the retries; the retry middleware then throws the call's own error, not this. */
const refuse = (why: string): never => {
  throw new Error(`no retry: ${why}`);
};

export class PacedRetryStrategy implements RetryStrategyV2 {
  private readonly budget: TokenBucket;
  private readonly sendRate: DefaultRateLimiter;

  constructor(
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly random: () => number = Math.random,
  ) {
    this.budget = new TokenBucket(policy.budget.capacity, policy.budget.refillPerSecond);
    this.sendRate = new DefaultRateLimiter({ minFillRate: policy.minSendRate });
  }

  async acquireInitialRetryToken(): Promise<RetryToken> {
    const until = currentDeadline() ?? Date.now() + this.policy.throttledCallMs;
    await this.sendRate.getSendToken();
    return new CallToken(until, 0, undefined);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const token = previous as CallToken;
    this.sendRate.updateClientSendingRate(info);
    const throttled = info.errorType === 'THROTTLING';
    if (!throttled && info.errorType !== 'TRANSIENT') refuse(`a ${info.errorType} is not retried`);
    const retries = token.getRetryCount();
    if (!throttled && retries + 1 >= this.policy.maxAttempts) refuse(`${this.policy.maxAttempts} attempts made`);

    const cost = throttled ? Retry.throttlingCost() : Retry.cost();
    let wait = this.backoff(retries, throttled, info.retryAfterHint);
    if (throttled) wait = Math.max(wait, this.budget.reserve(cost));
    else if (!this.budget.tryTake(cost)) refuse('the retry budget is spent');
    if (Date.now() + wait > token.until) {
      this.budget.give(cost);
      refuse('the retry would start past the deadline');
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    await this.sendRate.getSendToken();
    const next = new CallToken(token.until, retries + 1, cost);
    next.$retryLog.acquisitionDelay = wait;
    return next;
  }

  recordSuccess(previous: RetryToken): void {
    this.sendRate.updateClientSendingRate({});
    this.budget.give((previous as CallToken).getRetryCost() ?? NO_RETRY_INCREMENT);
  }

  /** Full jitter, as the SDK's: a random wait up to base × 2^retries, capped; at least what a Retry-After asks, within 5 s more. */
  private backoff(retries: number, throttled: boolean, retryAfter: Date | undefined): number {
    const base = throttled ? this.policy.throttlingBaseDelayMs : this.policy.baseDelayMs;
    const delay = Math.floor(this.random() * Math.min(base * 2 ** retries, this.policy.maxDelayMs));
    return retryAfter ? Math.max(delay, Math.min(retryAfter.getTime() - Date.now(), delay + 5000)) : delay;
  }
}

/**
 * EventBridge answers a throttled PutEvents with a success whose entries failed with
 * ThrottlingException. When every entry failed so, AWS took none of them: the answer is
 * turned into the throttling error it is, which the strategy retries like any other.
 */
export function retryThrottledEntries(client: { middlewareStack: unknown }): void {
  const check: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
    const result = await next(args);
    const output = result.output as { FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[]; $metadata?: object };
    const entries = output.Entries ?? [];
    const allThrottled = context.commandName === 'PutEventsCommand' && entries.length > 0 && output.FailedEntryCount === entries.length && entries.every((e) => e.ErrorCode === 'ThrottlingException');
    if (allThrottled) throw Object.assign(new Error(entries[0]!.ErrorMessage ?? 'Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { ...output.$metadata } });
    return result;
  };
  // Inside the retry loop, like the marking of busy errors (middleware.ts).
  (client.middlewareStack as MiddlewareStack<object, object>).add(check, { step: 'finalizeRequest', priority: 'low', name: 'orgvendRetryThrottledEntries' });
}

/**
 * For an error that throttling caused, once retries ended: what AWS did, in words, e.g.
 * "AWS throttled PutEvents on all 9 attempts over 41s (ThrottlingException: Rate exceeded)".
 * Undefined for any other error.
 */
export function throttlingReport(error: unknown): string | undefined {
  if (!error || typeof error !== 'object' || !isThrottlingError(error as Parameters<typeof isThrottlingError>[0])) return undefined;
  const e = error as { name?: string; message?: string; $metadata?: { attempts?: number; totalRetryDelay?: number } };
  const attempts = e.$metadata?.attempts ?? 1;
  const seconds = Math.round((e.$metadata?.totalRetryDelay ?? 0) / 1000);
  const tries = attempts === 1 ? 'its only attempt' : `all ${attempts} attempts over ${seconds}s`;
  return `AWS throttled ${operationOf(error) ?? 'the call'} on ${tries} (${e.name}: ${e.message})`;
}
