/**
 * Diagnostics for people: compiler-style location, the offending line with a marker,
 * what was expected, what was found, and a hint.
 */
import { escapeControlCharacters } from '../config/control-characters.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { code, inline } from './markdown.js';
import type { Style } from './style.js';

/** At most this many diagnostics are shown, in text and in JSON; the rest are counted. */
export const SHOWN_DIAGNOSTICS = 100;

/** Characters of a source line shown around the column; a longer line is cut, marked with "…". */
const SNIPPET_WIDTH = 160;

/** The part of a long source line around `column`, and the column in that part. */
function around(snippet: string, column: number, length: number): { snippet: string; column: number; length: number } {
  if (snippet.length <= SNIPPET_WIDTH) return { snippet, column, length };
  const start = Math.max(0, Math.min(column - 1 - SNIPPET_WIDTH / 4, snippet.length - SNIPPET_WIDTH));
  const end = start + SNIPPET_WIDTH;
  const lead = start > 0 ? '…' : '';
  return {
    snippet: `${lead}${snippet.slice(start, end)}${end < snippet.length ? '…' : ''}`,
    column: column - start + lead.length,
    length: Math.max(1, Math.min(length, end - (column - 1))),
  };
}

/** A diagnostic quotes what it found: its control characters are written as escapes, so they cannot restyle the terminal or add lines. */
export function renderDiagnostic(found: Diagnostic, s: Style): string {
  const plain = (text: string | undefined) => (text === undefined ? undefined : escapeControlCharacters(text));
  const line = found.snippet === undefined ? undefined : around(found.snippet, found.column, found.length);
  const d = { ...found, file: plain(found.file)!, path: plain(found.path)!, message: plain(found.message)!, expected: plain(found.expected), found: plain(found.found), hint: plain(found.hint), snippet: line && escapeControlCharacters(line.snippet, '\t') };
  const label = d.severity === 'error' ? s.red(s.bold('error')) : s.yellow(s.bold('warning'));
  const where = d.path ? `${d.path}: ` : '';
  const lines = [`${label}${s.dim(`[${d.code}]`)} ${s.bold(`${d.file}:${d.line}:${d.column}`)}: ${where}${d.message}`];
  if (d.snippet !== undefined && d.snippet.trim() !== '') {
    const gutter = String(d.line).length;
    const pad = ' '.repeat(gutter);
    lines.push(`${pad} |`);
    lines.push(`${d.line} | ${d.snippet}`);
    lines.push(`${pad} | ${' '.repeat(Math.max(0, line!.column - 1))}${s.red('^'.repeat(line!.length))}`);
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

/** The first SHOWN_DIAGNOSTICS, how many more there are, and the count of all. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], s: Style): string {
  if (diagnostics.length === 0) return '';
  const files = [...new Set(diagnostics.map((d) => d.file))].join(', ');
  const shown = diagnostics.slice(0, SHOWN_DIAGNOSTICS).map((d) => renderDiagnostic(d, s));
  const more = diagnostics.length - shown.length;
  if (more > 0) shown.push(`… and ${more} more not shown (the first ${SHOWN_DIAGNOSTICS} are)`);
  return `${shown.join('\n\n')}\n\n${countDiagnostics(diagnostics)} in ${files}\n`;
}

/** The machine form: the first SHOWN_DIAGNOSTICS, one object each without the rendering-only snippet, and how many more there are. */
export function diagnosticsJson(diagnostics: readonly Diagnostic[]): { diagnostics: object[]; more_diagnostics?: number } {
  const shown = diagnostics.slice(0, SHOWN_DIAGNOSTICS).map(({ snippet: _snippet, ...rest }) => rest);
  return diagnostics.length > shown.length ? { diagnostics: shown, more_diagnostics: diagnostics.length - shown.length } : { diagnostics: shown };
}

/** For a PR comment: each diagnostic a list item (its location in `<code>`, every value escaped), the first SHOWN_DIAGNOSTICS, then the count of the rest. */
export function renderDiagnosticsMarkdown(diagnostics: readonly Diagnostic[]): string {
  const lines = diagnostics.slice(0, SHOWN_DIAGNOSTICS).map((d) => {
    const where = d.path ? `${inline(d.path)}: ` : '';
    const extra = [
      d.expected && !d.message.includes(d.expected) && `expected: ${inline(d.expected)}`,
      d.found && !d.message.includes(d.found) && `found: ${inline(d.found)}`,
      d.hint && `hint: ${inline(d.hint)}`,
    ].filter(Boolean);
    return `- **${d.severity}**[${inline(d.code)}] ${code(`${d.file}:${d.line}:${d.column}`)}: ${where}${inline(d.message)}${extra.length ? `<br>${extra.join('<br>')}` : ''}`;
  });
  if (diagnostics.length > SHOWN_DIAGNOSTICS) lines.push(`- … and ${diagnostics.length - SHOWN_DIAGNOSTICS} more not shown (the first ${SHOWN_DIAGNOSTICS} are)`);
  return `${lines.join('\n')}\n`;
}
