/**
 * A parsed YAML file that remembers where every key and value came from, so that a
 * problem found anywhere (schema, layering, cross-checks) can point at file:line:column.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { formatPath, type Diagnostic, type KeyPath, type Problem } from './diagnostics.js';

interface Located {
  /** The value node at the end of the path, if the whole path exists. */
  value: Node | null | undefined;
  /** The key node of the last map entry walked through. */
  key: Node | undefined;
  /** How many path segments were found. */
  depth: number;
}

export class YamlSource {
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;
  private readonly textLines: string[];
  /** Each map's entries by key, made the first time a path goes through it: placing N problems costs N lookups, not N scans. */
  private readonly entries = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    // yaml's own duplicate-key check is quadratic in the size of a map; ours is linear.
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false, version: '1.2' });
    this.textLines = text.split(/\r?\n/);
  }

  /** Syntax errors and duplicate keys, in the same shape as every other diagnostic. */
  syntaxDiagnostics(): Diagnostic[] {
    // The parser often reports one mistake several ways at the same spot: keep the first.
    const seen = new Set<number>();
    const errors = this.doc.errors.filter((e) => !seen.has(e.pos[0]) && seen.add(e.pos[0]));
    const syntax = errors.map((error): Diagnostic => {
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return {
        ...this.position(error.pos[0], error.pos[1]),
        code: 'yaml-syntax',
        severity: 'error',
        file: this.file,
        path: '',
        message: `YAML syntax error: ${message}`,
        hint: 'check the indentation of this line and the lines around it',
      };
    });
    return [...syntax, ...this.duplicateKeys()];
  }

  private duplicateKeys(): Diagnostic[] {
    const found: Diagnostic[] = [];
    visit(this.doc, {
      Map: (_, map) => {
        const keys = new Set<unknown>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          if (keys.has(pair.key.value)) {
            const [start, end] = pair.key.range ?? [0, 0];
            found.push({
              ...this.position(start, end),
              code: 'duplicate-key',
              severity: 'error',
              file: this.file,
              path: '',
              message: `duplicate key "${String(pair.key.value)}": a key may appear only once in a map`,
              hint: 'merge the two entries into one, or rename one of them',
            });
          }
          keys.add(pair.key.value);
        }
      },
    });
    return found;
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  private entry(map: YAMLMap, segment: string | number): Pair | undefined {
    let entries = this.entries.get(map);
    if (!entries) {
      entries = new Map();
      for (const pair of map.items) {
        // The first of duplicate keys, as a scan would find it.
        if (isScalar(pair.key) && !entries.has(String(pair.key.value))) entries.set(String(pair.key.value), pair);
      }
      this.entries.set(map, entries);
    }
    return entries.get(String(segment));
  }

  private walk(path: KeyPath): Located {
    let value: Node | null | undefined = this.doc.contents;
    let key: Node | undefined;
    let depth = 0;
    for (const segment of path) {
      if (isMap(value)) {
        const pair = this.entry(value, segment);
        if (!pair) break;
        key = pair.key as Node;
        value = pair.value as Node | null;
      } else if (isSeq(value) && typeof segment === 'number' && segment < value.items.length) {
        value = value.items[segment] as Node | null;
        key = undefined;
      } else {
        break;
      }
      depth += 1;
    }
    return { value: depth === path.length ? value : undefined, key, depth };
  }

  /** The source text of the value at `path`, as the user wrote it, or a word for its shape. */
  describeValue(path: KeyPath): string {
    const { value, depth } = this.walk(path);
    if (depth < path.length || value === undefined) return 'nothing (the key is missing)';
    if (value === null || (isScalar(value) && value.value === null)) return 'an empty value';
    if (isMap(value)) return 'a map';
    if (isSeq(value)) return 'a list';
    const [start, end] = value.range ?? [0, 0];
    const source = this.text.slice(start, end).trim();
    return source.length > 60 ? `${source.slice(0, 57)}...` : source;
  }

  /** Turn a path-based problem into a positioned diagnostic. */
  locate(problem: Problem): Diagnostic {
    const { value, key, depth } = this.walk(problem.path);
    // Point at the value when asked and present; else at the key of the deepest entry found,
    // so a missing key is reported on its parent's line.
    // A block map or list spans many lines: its key's line is the one to show.
    const isBlock = (isMap(value) || isSeq(value)) && !value.flow;
    const wantValue = problem.at !== 'key' && depth === problem.path.length && value && !(isBlock && key);
    const node = wantValue ? value : key ?? value ?? this.doc.contents;
    const [start, end] = node?.range ?? [0, 0];
    return {
      ...this.position(start, end),
      code: problem.code,
      severity: problem.severity ?? 'error',
      file: this.file,
      path: formatPath(problem.path),
      message: problem.message,
      expected: problem.expected,
      found: problem.found,
      hint: problem.hint,
    };
  }

  private position(start: number, end: number) {
    const { line, col } = this.lines.linePos(start);
    const snippet = this.textLines[line - 1] ?? '';
    const endPos = this.lines.linePos(Math.max(start, end));
    const length = endPos.line === line ? Math.max(1, endPos.col - col) : Math.max(1, snippet.length - col + 1);
    return { line, column: col, length, snippet };
  }
}
