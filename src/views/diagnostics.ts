/**
 * Diagnostics for people: compiler-style location, the offending line with a marker,
 * what was expected, what was found, and a hint.
 */
import { escapeControlCharacters } from '../config/control-characters.js';
import type { Diagnostic } from '../config/diagnostics.js';
import type { Style } from './style.js';

/** A diagnostic quotes what it found: its control characters are written as escapes, so they cannot restyle the terminal or add lines. */
export function renderDiagnostic(found: Diagnostic, s: Style): string {
  const plain = (text: string | undefined) => (text === undefined ? undefined : escapeControlCharacters(text));
  const d = { ...found, file: plain(found.file)!, path: plain(found.path)!, message: plain(found.message)!, expected: plain(found.expected), found: plain(found.found), hint: plain(found.hint), snippet: found.snippet === undefined ? undefined : escapeControlCharacters(found.snippet, '\t') };
  const label = d.severity === 'error' ? s.red(s.bold('error')) : s.yellow(s.bold('warning'));
  const where = d.path ? `${d.path}: ` : '';
  const lines = [`${label}${s.dim(`[${d.code}]`)} ${s.bold(`${d.file}:${d.line}:${d.column}`)}: ${where}${d.message}`];
  if (d.snippet !== undefined && d.snippet.trim() !== '') {
    const gutter = String(d.line).length;
    const pad = ' '.repeat(gutter);
    lines.push(`${pad} |`);
    lines.push(`${d.line} | ${d.snippet}`);
    lines.push(`${pad} | ${' '.repeat(Math.max(0, d.column - 1))}${s.red('^'.repeat(d.length))}`);
  }
  if (d.expected && !d.message.includes(d.expected)) lines.push(`  = expected: ${d.expected}`);
  if (d.found && !d.message.includes(d.found)) lines.push(`  = found: ${d.found}`);
  if (d.hint) lines.push(`  = hint: ${d.hint}`);
  return lines.join('\n');
}

export function countDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`];
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[], s: Style): string {
  if (diagnostics.length === 0) return '';
  const files = [...new Set(diagnostics.map((d) => d.file))].join(', ');
  return `${diagnostics.map((d) => renderDiagnostic(d, s)).join('\n\n')}\n\n${countDiagnostics(diagnostics)} in ${files}\n`;
}

/** The machine form: one object per diagnostic, without the rendering-only snippet. */
export function diagnosticsJson(diagnostics: readonly Diagnostic[]): object[] {
  return diagnostics.map(({ snippet: _snippet, ...rest }) => rest);
}
