/**
 * Whether a rendered template parses, without parsing every render. A per-account template
 * renders once per account (5,004 VPC templates, 36 MB of YAML for 5,000 accounts), and
 * the renders of one template mostly differ only in the strings they write. Each string
 * lands JSON-encoded (escaping.ts): `"…"` with every `"`, `\` and line break escaped, so
 * in three places a string cannot change how the text around it is read, whatever it holds:
 * - as a whole double-quoted scalar that is not a key (a key's value decides whether keys
 *   repeat, so a key is not such a place);
 * - inside a comment, which it cannot end;
 * - inside the lines of a block scalar (`|`, `>`), which it cannot end either.
 *
 * The skeleton of a render is its text with each string written replaced by `""`. When
 * the skeleton parses without error and each of its holes is in one of those places, every
 * render with that skeleton parses without error: it is parsed once for all of them.
 * Anything else (a hole in a plain or single-quoted scalar, a key, a marker the template
 * itself holds) leaves the render to be parsed itself, so the errors reported are the
 * render's own. Pure.
 */
import { Parser, visit } from 'yaml';
import { CLOUDFORMATION_TAGS, cloudFormationLines, parseCloudFormation } from './cfn-yaml.js';
import { MARK_CLOSE, MARK_OPEN } from './escaping.js';

const HOLE = '""';
const CLOUDFORMATION_TAG_NAMES = new Set(CLOUDFORMATION_TAGS.map((t: { tag: string }) => t.tag));

export interface Skeleton {
  skeleton: string;
  /** Where each hole starts in the skeleton. */
  holes: number[];
}

/**
 * The skeleton of `text` from its marked render; undefined when the marks do not pair (the
 * template or a value holds one) or, without them, the marked render is not `text`.
 */
export function skeletonOf(marked: string, text: string): Skeleton | undefined {
  let skeleton = '';
  const holes: number[] = [];
  let at = 0;
  let pos = 0;
  // Whether `text` goes on with `part` (and, if so, past it).
  const follows = (part: string) => {
    if (!text.startsWith(part, pos)) return false;
    pos += part.length;
    return true;
  };
  for (;;) {
    const open = marked.indexOf(MARK_OPEN, at);
    const end = marked.indexOf(MARK_CLOSE, at);
    if (open < 0) {
      const rest = marked.slice(at);
      return end < 0 && follows(rest) && pos === text.length ? { skeleton: skeleton + rest, holes } : undefined;
    }
    if (end < open) return undefined;
    const between = marked.slice(at, open);
    const value = marked.slice(open + 1, end);
    if (value.includes(MARK_OPEN) || !follows(between) || !follows(value)) return undefined;
    skeleton += between;
    holes.push(skeleton.length);
    skeleton += HOLE;
    at = end + 1;
  }
}

/** [start, end) of every comment of `text`, as yaml's parser finds them. */
function commentRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const token = node as { type?: unknown; offset?: unknown; source?: unknown };
      if (token.type === 'comment' && typeof token.offset === 'number' && typeof token.source === 'string') ranges.push([token.offset, token.offset + token.source.length]);
      else Object.values(node).forEach(walk);
    }
  };
  walk([...new Parser().parse(text)]);
  return ranges;
}

/** Whether every render with this skeleton parses without error (see the top of this file). */
export function skeletonHolds(skeleton: string, holes: readonly number[]): boolean {
  // Offsets are the skeleton's own only when it holds no line break but LF (a render that does is refused before).
  if (cloudFormationLines(skeleton) !== skeleton) return false;
  const doc = parseCloudFormation(skeleton);
  if (doc.errors.length) return false;
  const placed = new Set<number>();
  const blocks: [number, number][] = [];
  const keys: [number, number][] = [];
  let aliased = false;
  visit(doc, {
    // An alias repeats a value elsewhere, a key among them: parsed render by render.
    Alias() {
      aliased = true;
      return visit.BREAK;
    },
    Pair(_, pair) {
      const range = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (range) keys.push([range[0], range[2]]);
    },
    Scalar(_, node) {
      const [start, end] = node.range ?? [];
      if (start === undefined || end === undefined) return;
      // Untagged or a CloudFormation short tag, whose reading takes any string; `!!int` would not.
      const tagged = node.tag !== undefined && !CLOUDFORMATION_TAG_NAMES.has(node.tag);
      if (node.type === 'QUOTE_DOUBLE' && !tagged && end === start + HOLE.length) placed.add(start);
      if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
        // Its lines start after its header's line.
        const lines = skeleton.indexOf('\n', start) + 1;
        if (lines > 0) blocks.push([lines, end]);
      }
    },
  });
  if (aliased) return false;
  const within = (ranges: [number, number][], hole: number) => ranges.some(([start, end]) => start <= hole && hole + HOLE.length <= end);
  // The comments found only when a hole is in none of the others (parsed again for them).
  let comments: [number, number][] | undefined;
  const inComment = (hole: number) => within((comments ??= commentRanges(skeleton)), hole);
  // Within a key, a value decides whether keys repeat.
  return holes.every((hole) => !within(keys, hole) && (placed.has(hole) || within(blocks, hole) || inComment(hole)));
}
