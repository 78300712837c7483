/**
 * Pacing: each operation is sent no faster than AWS's quota for it, per signing account, so
 * a run is not throttled by its own bursts (twenty tag reads at once, a batch of creations).
 * Every attempt is paced, retries included. What the quotas do not cover, the retry
 * strategy's adaptive limiter learns from throttling (retry.ts).
 */
import type { FinalizeHandlerArguments, FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import { operationName } from './middleware.js';
import { TokenBucket } from './token-bucket.js';

export interface Rate {
  /** Calls per second, sustained. */
  perSecond: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
}

/**
 * Rates by `service:Operation`, each operation listed with a bucket of its own, and
 * `service:*` for the rest of a service's operations together; a service not listed is not
 * paced.
 *
 * - Account Management publishes its quotas per account and operation ("Quotas for AWS
 *   Account Management", docs.aws.amazon.com/accounts/latest/reference/quotas.html): these
 *   are them.
 * - Organizations publishes none (awsdocs/aws-organizations-docs#39 asks for them) and
 *   throttles hard, per account. Its calls share 20 a second: the most that keeps bursts
 *   (tag reads in flight, a batch of moves) in check while LIST_ACCOUNTS of 5,000 accounts,
 *   one ListTagsForResource each, still fits its 600 s; below that, the adaptive limiter
 *   finds the real limit and retries absorb the rest. CreateAccount starts a creation that
 *   takes minutes, and Organizations limits creations in progress: one every 2 seconds.
 */
export const AWS_RATES: Readonly<Record<string, Rate>> = {
  'organizations:*': { perSecond: 20, burst: 20 },
  'organizations:CreateAccount': { perSecond: 0.5, burst: 1 },
  'account:EnableRegion': { perSecond: 1, burst: 1 },
  'account:DisableRegion': { perSecond: 1, burst: 1 },
  'account:GetRegionOptStatus': { perSecond: 5, burst: 5 },
  'account:ListRegions': { perSecond: 5, burst: 5 },
  'account:GetAlternateContact': { perSecond: 10, burst: 15 },
  'account:PutAlternateContact': { perSecond: 5, burst: 8 },
  'account:DeleteAlternateContact': { perSecond: 1, burst: 6 },
  'account:GetContactInformation': { perSecond: 10, burst: 15 },
  'account:PutContactInformation': { perSecond: 5, burst: 8 },
  'account:PutAccountName': { perSecond: 1, burst: 1 },
};

/** The entry of `rates` that paces `operation` of `service` (`service:Operation` or `service:*`), if any. */
export function paceKey(rates: Readonly<Record<string, Rate>>, service: string, operation: string): string | undefined {
  return [`${service}:${operation}`, `${service}:*`].find((key) => rates[key] !== undefined);
}

/** One bucket per entry of the rates and signing account, shared by the clients of every region. */
export class Paces {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rates: Readonly<Record<string, Rate>>) {}

  of(account: string, service: string, operation: string): TokenBucket | undefined {
    const entry = paceKey(this.rates, service, operation);
    if (entry === undefined) return undefined;
    const key = `${account}/${entry}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const rate = this.rates[entry]!;
      this.buckets.set(key, (bucket = new TokenBucket(rate.burst, rate.perSecond)));
    }
    return bucket;
  }
}

/** The operation an AWS error came from, as `paceCalls` marks it (for messages). */
export function operationOf(error: unknown): string | undefined {
  return (error as { $operation?: string } | null)?.$operation;
}

/**
 * Wait for `bucketOf(operation)` before each attempt goes out, and mark the errors of the
 * client's calls with their operation (`operationOf`).
 */
export function paceCalls(client: { middlewareStack: unknown }, bucketOf: (operation: string) => TokenBucket | undefined): void {
  const pace: FinalizeRequestMiddleware<object, object> = (next, context) => async (args: FinalizeHandlerArguments<object>) => {
    const operation = operationName(context);
    const wait = bucketOf(operation)?.reserve(1) ?? 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      return await next(args);
    } catch (error) {
      if (error && typeof error === 'object') (error as { $operation?: string }).$operation = operation;
      throw error;
    }
  };
  // Inside the retry loop (finalizeRequest, after the retry middleware), so each attempt waits its turn.
  (client.middlewareStack as MiddlewareStack<object, object>).add(pace, { step: 'finalizeRequest', priority: 'low', name: 'orgvendPaceCalls' });
}
