/**
 * Why a run failed, for machines and for PR comments. `cli/output.ts` makes a Failure
 * from whatever error ended the run; these render it. Every value is escaped for where it
 * lands: a message may quote accounts.yml or AWS.
 */
import type { Diagnostic } from '../config/diagnostics.js';
import { countDiagnostics, diagnosticsJson, renderDiagnosticsMarkdown } from './diagnostics.js';
import { inline } from './markdown.js';

export interface Failure {
  exitCode: number;
  /** What kind of failure, stable for scripts: `usage`, `invalid-input`, `limits`, `saved-plan`, `cancelled`, `interrupted`, `credentials`, `request`, `timeout`, `aws`, `error`, … */
  kind: string;
  /** One line. */
  message: string;
  diagnostics?: readonly Diagnostic[];
  /** The blast-radius limits a plan exceeds, one sentence each. */
  violations?: readonly string[];
  /** What identifies a failed request: its type and nonce. */
  request?: { type: string; nonce: string };
  /** Why credentials were refused: `no-credentials`, `unknown-profile`, `expired`, `invalid`, `wrong-account`, `plan-role`. */
  reason?: string;
}

/**
 * `{"ok": false, "exit_code", "error": {"kind", "message", …}}`; a failure from invalid
 * input also lists its diagnostics at the top level, where `validate --format json` has them.
 */
export function failureJson(failure: Failure): Record<string, unknown> {
  const error = {
    kind: failure.kind,
    message: failure.message,
    ...(failure.violations ? { violations: failure.violations } : {}),
    ...(failure.request ? { request: failure.request } : {}),
    ...(failure.reason ? { reason: failure.reason } : {}),
  };
  return { ok: false, exit_code: failure.exitCode, error, ...(failure.diagnostics ? diagnosticsJson(failure.diagnostics) : {}) };
}

/** The failure as the end of a PR comment: what went wrong, each diagnostic or limit, and the exit code. */
export function renderFailureMarkdown(failure: Failure): string {
  const lines: string[] = [];
  if (failure.diagnostics?.length) {
    lines.push(`> **error:** ${inline(countDiagnostics(failure.diagnostics))} in the input; nothing was sent anywhere.`, '', renderDiagnosticsMarkdown(failure.diagnostics));
  } else if (failure.violations?.length) {
    lines.push(...failure.violations.map((v) => `> **error:** ${inline(v)}`), '', 'Nothing was changed.', '');
  } else {
    lines.push(`> **error:** ${inline(failure.message)}`, '');
  }
  lines.push(`orgvend exited ${failure.exitCode} (${inline(failure.kind)}).`, '');
  return lines.join('\n');
}
