/**
 * Values in GitHub-flavoured Markdown, written so that nothing in them is markup: a value
 * cannot end a table row or cell, add a line, open an HTML tag or comment (`<!--` would
 * hide every row after it), start a link, an emphasis or a code span. Line breaks and
 * control characters become visible escapes first (`\n`, `\u001b`).
 */
import { escapeControlCharacters } from '../config/control-characters.js';

/** `|` too: a table splits its rows at a `|` before anything else, and an entity is no `|` to it. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '|': '&#124;' };

/** Text inside HTML (a `<summary>`): entities, on one line. */
export function html(value: string): string {
  return escapeControlCharacters(String(value)).replace(/[&<>"|]/g, (c) => ENTITIES[c]!);
}

/**
 * Text in a table cell, a list item or a paragraph: `& < > |` as entities, a backslash
 * before each other character that is markup wherever it stands (\ ` * _ [ ] ~), and
 * before a first character that would make the line a heading, a list or a quote.
 */
export function inline(value: string): string {
  return escapeControlCharacters(String(value))
    .replace(/[&<>|]/g, (c) => ENTITIES[c]!)
    .replace(/[\\`*_[\]~]/g, '\\$&')
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** In monospace: `<code>` rather than backticks, so the value is escaped as inline text is. */
export const code = (value: string) => `<code>${inline(value)}</code>`;
