/**
 * Making something AWS must not make twice. The clients never resend such a call when its
 * answer is lost (middleware.ts, NOT_REPEATABLE); the caller looks for what the first attempt
 * may have made, and only when nothing is there sends it again.
 */
import { UncertainOutcome } from './middleware.js';

/** Attempts at a call whose answers keep being lost, before giving up (and the next run looks again). */
const ATTEMPTS = 3;
/** A pause before looking, so that what the lost call made has time to show in AWS's lists. */
const SETTLE_MS = 1_000;

/** True for a call whose answer was lost: what it made may exist. */
export const isUncertainOutcome = (error: unknown): error is UncertainOutcome => (error as Error | undefined)?.name === 'UncertainOutcome';

/** `make`, or after an answer lost on the way, what `find` finds that it made. */
export async function makeOnce<T>(what: string, make: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await make();
    } catch (error) {
      if (!isUncertainOutcome(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * attempt));
      const found = await find();
      if (found !== undefined) return found;
      if (attempt >= ATTEMPTS) {
        throw new UncertainOutcome(
          error.operation,
          error.seen,
          `${what}: the answer to ${error.operation} was lost ${ATTEMPTS} times (${error.seen}) and nothing it made is to be found yet; run again, and orgvend will look for it again before making it`,
        );
      }
    }
  }
}
