/**
 * Problems found in the input. A `Problem` names a key path (`accounts.foo.scope`); the
 * loader turns it into a `Diagnostic` with file, line, column and the source line, so
 * checks never need to know about YAML.
 */
import { compareText } from '../text-order.js';

export type DiagnosticCode =
  | 'input-too-large'
  | 'invalid-utf8'
  | 'yaml-syntax'
  | 'yaml-alias'
  | 'duplicate-key'
  | 'duplicate-value'
  | 'unknown-key'
  | 'missing-key'
  | 'invalid-type'
  | 'invalid-value'
  | 'invalid-key'
  | 'unknown-scope'
  | 'unknown-account'
  | 'management-delegated-admin'
  | 'closed-delegated-admin'
  | 'trail-without-logs-account'
  | 'config-recorder-without-logs-account'
  | 'trail-not-protected'
  | 'security-service-without-admin'
  | 'unknown-access-level'
  | 'duplicate-aws-name'
  | 'duplicate-email'
  | 'duplicate-account-id'
  | 'ou-outside-roots'
  | 'region-not-allowed'
  | 'pattern-placeholder'
  | 'pattern-missing-value'
  | 'invalid-aws-name'
  | 'invalid-email'
  | 'reserved-tag'
  | 'too-many-tags'
  | 'unused-ecr-grant'
  | 'scp-syntax'
  | 'scp-version'
  | 'scp-statement'
  | 'scp-action'
  | 'scp-resource'
  | 'scp-condition'
  | 'scp-principal'
  | 'scp-too-large'
  | 'scp-too-many'
  | 'scp-no-allow'
  | 'scp-duplicate-name'
  | 'scp-unknown-target'
  | 'scp-unknown-policy'
  | 'policy-content'
  | 'policy-unknown-type'
  | 'region-denied-by-scp'
  | 'template-render'
  | 'template-lint'
  | 'template-invalid'
  | 'template-control-character'
  | 'template-name'
  | 'template-header'
  | 'unknown-customization'
  | 'unused-customization'
  | 'role-trusts-outsider'
  | 'unknown-resource-type'
  | 'resource-type-not-allowed'
  | 'role-without-boundary';

export type Severity = 'error' | 'warning';

export type KeyPath = readonly (string | number)[];

export interface Problem {
  code: DiagnosticCode;
  severity?: Severity;
  /** Where the problem is: a key path into the file. */
  path: KeyPath;
  /** Point at the key itself rather than its value (unknown keys, duplicates). */
  at?: 'key' | 'value';
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  /** Columns underlined on `line`, at least 1. */
  length: number;
  /** Dotted key path, e.g. `accounts.foo.scope`; empty for the whole file. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
  /** The source line, for rendering. */
  snippet?: string;
}

export function formatPath(path: KeyPath): string {
  return path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : seg)).join('.').replace(/\.\[/g, '[');
}

export function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.column - b.column || compareText(a.message, b.message);
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** An error in a file that is not YAML orgvend reads by key (a policy, a template): at a line and column of `text`, with that line. */
/** Where `pattern` first matches a line of `text` (1-based), or undefined when it matches none. */
export function firstMatch(text: string, pattern: RegExp): { line: number; column: number } | undefined {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => pattern.test(l));
  return i < 0 ? undefined : { line: i + 1, column: lines[i]!.search(pattern) + 1 };
}

export function fileDiagnostic(file: string, text: string, code: DiagnosticCode, message: string, at = { line: 1, column: 1 }, hint?: string): Diagnostic {
  return { code, severity: 'error', file, ...at, length: 1, path: '', message, hint, snippet: text.split('\n')[at.line - 1] };
}
