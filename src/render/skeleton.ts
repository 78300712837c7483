/**
 * Whether a rendered template parses, without parsing every render. A per-account template
 * renders once per account (5,004 VPC templates, 36 MB of YAML for 5,000 accounts), and
 * the renders of one template mostly differ only in the strings they write, each written
 * JSON-encoded (escaping.ts): `"…"`, with every `"`, `\` and line break escaped.
 *
 * The skeleton of a text is the text with each such string (any `"…"` of JSON's grammar,
 * without raw control characters or line breaks) replaced by `""`, a hole. Such a string
 * cannot change how the text around it is read, whatever it holds, in three places:
 * - as a whole double-quoted scalar that is not within a key (a key's value decides whether
 *   keys repeat), untagged or under a CloudFormation short tag;
 * - inside a comment, which it cannot end;
 * - inside the lines of a block scalar (`|`, `>`), which it cannot end either.
 * So when a skeleton parses without error, holds no alias and has each of its holes in one
 * of those places, every text with that skeleton parses without error: it is parsed once
 * for all of them. The argument is about the text alone, not how it was rendered. Any other
 * text (a hole in a plain or single-quoted scalar, in a key, under `!!int`) is parsed itself,
 * so every error reported is the render's own. Pure.
 */
import { Parser, visit } from 'yaml';
import { parseYamlDocument } from '../config/yaml-parse.js';
import { CLOUDFORMATION_TAGS, cloudFormationLines, parseCloudFormation } from './cfn-yaml.js';

const HOLE = '""';
const CLOUDFORMATION_TAG_NAMES = new Set(CLOUDFORMATION_TAGS.map((t: { tag: string }) => t.tag));

/**
 * A JSON string as JSON.stringify and escapeControlCharacters write it: no raw control
 * character, line break, bidirectional control or BOM, and only the escapes JSON has (less `\/`).
 */
const JSON_STRING = /"(?:[^"\\\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069\ufeff]|\\["\\bfnrt]|\\u[0-9a-fA-F]{4})*"/g;

export interface Skeleton {
  skeleton: string;
  /** Where each hole starts in the skeleton. */
  holes: number[];
}

/** `text` with each JSON string replaced by a hole. */
export function skeletonOf(text: string): Skeleton {
  const holes: number[] = [];
  let removed = 0;
  const skeleton = text.replace(JSON_STRING, (string: string, offset: number) => {
    holes.push(offset - removed);
    removed += string.length - HOLE.length;
    return HOLE;
  });
  return { skeleton, holes };
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
  if (parseCloudFormation(skeleton).errors.length) return false;
  // Its nodes as written: read with CloudFormation's tags, a tagged collection (`!Select [0, !GetAZs ""]`) is one value, its nodes gone.
  const doc = parseYamlDocument(skeleton, { version: '1.1' });
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
