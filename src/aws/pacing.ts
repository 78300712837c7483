/**
 * Pacing: each operation is sent no faster than AWS's quota for it, per signing account, so
 * a run is not throttled by its own bursts (twenty tag reads at once, a batch of creations).
 * Every attempt is paced, retries included. What the quotas do not cover, the retry
 * strategy's adaptive limiter learns from throttling (retry.ts).
 */
import type { FinalizeHandlerArguments, FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import { TokenBucket } from './token-bucket.js';

export interface Rate {
  /** Calls per second, sustained. */
  perSecond: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
}

/**
 * Rates by `service:Operation`, with `service:*` for the rest of a service; a service not
 * listed is not paced.
 *
 * - Account Management publishes its quotas per account ("Quotas for AWS Account
 *   Management", docs.aws.amazon.com/accounts/latest/reference/quotas.html): these are
 *   them.
 * - Organizations publishes none per operation (awsdocs/aws-organizations-docs#39 asks for
 *   them), and throttles hard. 10 calls a second per account is a guess on the safe side of
 *   what organizations of a few hundred accounts are read at; a lower real limit is found by
 *   the adaptive limiter and absorbed by retries. CreateAccount starts a creation that takes
 *   minutes and Organizations limits creations in progress, so it goes one every 2 seconds.
 */
export const AWS_RATES: Readonly<Record<string, Rate>> = {
  'organizations:*': { perSecond: 10, burst: 10 },
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

/** The rate of `operation` of `service` in `rates`, if it is paced. */
export function rateOf(rates: Readonly<Record<string, Rate>>, service: string, operation: string): Rate | undefined {
  return rates[`${service}:${operation}`] ?? rates[`${service}:*`];
}

/** One bucket per operation and signing account, shared by the clients of every region. */
export class Paces {
  private readonly buckets = new Map<string, TokenBucket | null>();

  constructor(private readonly rates: Readonly<Record<string, Rate>>) {}

  of(account: string, service: string, operation: string): TokenBucket | undefined {
    const key = `${account}/${service}:${operation}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const rate = rateOf(this.rates, service, operation);
      bucket = rate ? new TokenBucket(rate.burst, rate.perSecond) : null;
      this.buckets.set(key, bucket);
    }
    return bucket ?? undefined;
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
    const operation = String(context.commandName).replace(/Command$/, '');
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
