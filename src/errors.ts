/**
 * The few kinds of failure orgvend knows. They are values; `cli/` alone turns them into
 * messages and exit codes.
 */
import type { Diagnostic } from './config/diagnostics.js';

/** Exit codes, as documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  changesPending: 2,
  usage: 64,
  invalidInput: 65,
  /** Interrupted (Ctrl-C), as a shell reports a process that SIGINT ended: 128 + 2. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command line is wrong: unknown action or flag, missing argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The input (DSL, SCP, template) is invalid; nothing was sent anywhere. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.filter((d) => d.severity === 'error').length} error(s) in the input`);
  }
}

/** A handler answered that it could not do what was asked, or refused it. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly type: string,
    readonly nonce: string,
    readonly code: string,
    readonly detail: string,
    readonly responder?: string,
    readonly awsError?: string,
  ) {
    super(`${type} (nonce ${nonce}) ${code === 'rejected' ? 'was refused' : 'failed'}${responder ? ` in account ${responder}` : ''}: ${detail}${awsError ? ` [${awsError}]` : ''}`);
  }
}

/** AWS refused a call the CLI made to send a request (signing it, putting it on the bus): the request was not sent, or may not have been. */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly type: string,
    readonly nonce: string,
    /** The account the request was for. */
    readonly account: string,
    /** The AWS error's name. */
    readonly awsError: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** No (complete) reply came in time. Says where to look. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly type: string,
    readonly nonce: string,
    readonly seconds: number,
    whereToLook: string,
  ) {
    super(`${type} (nonce ${nonce}) got no complete reply within ${seconds}s. Look at ${whereToLook}`);
  }
}

/**
 * The caller's AWS credentials are missing, expired, or not the ones the action runs as
 * (checked once, before anything is sent): `line` is the one sentence users see.
 */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  constructor(
    readonly reason: 'no-credentials' | 'unknown-profile' | 'expired' | 'invalid' | 'wrong-account' | 'plan-role',
    readonly line: string,
  ) {
    super(line);
  }
}

/** A plan over the organization's blast-radius limits (`organization.limits`): nothing was sent. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(readonly violations: string[]) {
    super(violations.join('; '));
  }
}

/** A saved plan (--plan FILE) that is no longer what the repository plans: nothing was sent. */
export class SavedPlanError extends Error {
  override readonly name = 'SavedPlanError';
}

/** The person at the terminal did not answer `yes` to the confirmation: nothing was sent. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
}

/**
 * Ctrl-C while changes were being carried out: no change started after it. `inFlight` are
 * the step ids whose requests were sent and not yet answered (they may still complete),
 * `notStarted` those never sent; `results` what finished before.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(
    readonly results: ReadonlyMap<string, { status: string }>,
    readonly inFlight: readonly string[],
    readonly notStarted: readonly string[],
  ) {
    super(
      `interrupted: ${inFlight.length} request${inFlight.length === 1 ? ' was' : 's were'} in flight and may still complete, ${notStarted.length} change${notStarted.length === 1 ? ' was' : 's were'} not started; run again to converge: nothing will be done twice`,
    );
  }
}
