/**
 * Characters that change where a line ends or how it reads, wherever a value lands: the
 * C0 controls (TAB, LF and CR among them), DEL, the C1 controls (NEL among them), the line
 * and paragraph separators U+2028 and U+2029, and the bidirectional embeddings, overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069), which make text display in another order
 * than it reads.
 *
 * YAML 1.1, which CloudFormation, PyYAML, cfn-lint and moto read, ends a line at CR, NEL,
 * U+2028 and U+2029 as at LF; the yaml package orgvend parses with reads YAML 1.2, where
 * only CR and LF do, and keeps a comment going past a lone CR. One list here, used by the
 * schema (free text refuses them all), the renderers (a rendered template may hold none
 * but LF and TAB) and the views (which write them as escapes).
 */

/** The characters, as code point ranges. */
const RANGES: [number, number][] = [[0x00, 0x1f], [0x7f, 0x9f], [0x2028, 0x2029], [0x202a, 0x202e], [0x2066, 0x2069]];
const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const classBody = (ranges: [number, number][]) => ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('');

/** The characters, as a regular expression class body (no `u` flag needed, so JSON Schema can use it too). */
const CONTROL_CLASS = classBody(RANGES);

/** A string with none of them: one line of free text. */
export const SINGLE_LINE = new RegExp(`^[^${CONTROL_CLASS}]*$`);

const ANY = new RegExp(`[${CONTROL_CLASS}]`, 'g');

const NAMES: Record<string, string> = {
  '\t': 'tab',
  '\n': 'line feed',
  '\r': 'carriage return',
  '\u001b': 'escape',
  '\u0085': 'next line (NEL)',
  '\u2028': 'line separator',
  '\u2029': 'paragraph separator',
};

/** `U+000D (carriage return)`. */
export function characterName(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[char] ?? (/[\u202a-\u202e\u2066-\u2069]/.test(char) ? 'bidirectional control' : 'control character');
  return `${code} (${name})`;
}

/** The first of them in `text` that `allowed` does not list, with its offset. */
export function firstControlCharacter(text: string, allowed = ''): { index: number; char: string } | undefined {
  const match = searcher(allowed).exec(text);
  return match ? { index: match.index, char: match[0] } : undefined;
}

/** A search for the characters but `allowed`, made once per set as one class (a rendered text, LF and TAB allowed, is scanned in one pass). */
const searchers = new Map<string, RegExp>();
function searcher(allowed: string): RegExp {
  let found = searchers.get(allowed);
  if (!found) {
    const skip = new Set([...allowed].map((c) => c.charCodeAt(0)));
    const kept: [number, number][] = [];
    for (const [from, to] of RANGES) {
      for (let code = from; code <= to; code++) {
        if (skip.has(code)) continue;
        const last = kept.at(-1);
        if (last && last[1] === code - 1) last[1] = code;
        else kept.push([code, code]);
      }
    }
    searchers.set(allowed, (found = new RegExp(`[${classBody(kept)}]`)));
  }
  return found;
}

const ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Each of them (but those `keep` lists) written as an escape: `\r`, `\n`, `\u0085`, `\u202e`. */
export function escapeControlCharacters(text: string, keep = ''): string {
  return text.replace(ANY, (char) => (keep.includes(char) ? char : (ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)));
}
