/**
 * A parsed YAML file that remembers where every key and value came from, so that a
 * problem found anywhere (schema, layering, cross-checks) can point at file:line:column.
 */
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, LineCounter, visit, type Alias, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { formatPath, type Diagnostic, type KeyPath, type Problem } from './diagnostics.js';
import { MAX_EXPANDED_VALUES } from './input-limits.js';
import { parseYamlDocument } from './yaml-parse.js';

interface Located {
  /** The value node at the end of the path, if the whole path exists. */
  value: Node | null | undefined;
  /** The key node of the last map entry walked through. */
  key: Node | undefined;
  /** How many path segments were found. */
  depth: number;
}

/**
 * Every node of the document in document order, a collection before its items and a key
 * before its value, as yaml's visit goes, without the frozen copy of the path it makes
 * at every collection and pair (which made the two walks of a 5,000-account file cost
 * 60–100 ms).
 */
function eachNode(node: unknown, fn: (node: Node) => void): void {
  if (isPair(node)) {
    eachNode(node.key, fn);
    eachNode(node.value, fn);
  } else if (isNode(node)) {
    fn(node);
    if (isCollection(node)) for (const item of node.items) eachNode(item, fn);
  }
}

export class YamlSource {
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;
  private readonly textLines: string[];
  /** Each map's entries by key, made the first time a path goes through it: placing N problems costs N lookups, not N scans. */
  private readonly entries = new WeakMap<YAMLMap, Map<string, Pair>>();
  /** The node each alias stands for (the last anchor of its name before it, as yaml resolves it). */
  private readonly aliases = new Map<Alias, Node>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    // yaml's own duplicate-key check is quadratic in the size of a map; ours is linear.
    this.doc = parseYamlDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false, version: '1.2' });
    this.textLines = text.split(/\r?\n/);
  }

  /**
   * Syntax errors; then aliases that name no anchor, that are part of what they name, or
   * that expand the file past MAX_EXPANDED_VALUES; keys JavaScript would not keep; and
   * duplicate keys. In the same shape as every other diagnostic. After any of them but a
   * duplicate key the file is not read into values (YamlSource.unreadable).
   */
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
    if (syntax.length) return syntax;
    return [...this.aliasDiagnostics(), ...this.keyDiagnostics()];
  }

  /** Problems after which the file is not read into values: the syntax, its aliases, a key that cannot be kept. */
  static unreadable(diagnostics: readonly Diagnostic[]): boolean {
    return diagnostics.some((d) => d.code === 'yaml-syntax' || d.code === 'yaml-alias' || d.code === 'invalid-key');
  }

  private diagnostic(node: { range?: readonly number[] | null } | null | undefined, code: Diagnostic['code'], message: string, more: Pick<Diagnostic, 'expected' | 'hint'>): Diagnostic {
    const [start, end] = node?.range ?? [0, 0];
    return { ...this.position(start!, end!), code, severity: 'error', file: this.file, path: '', message, ...more };
  }

  /**
   * Each alias resolved once, and the values the document holds once every alias is
   * expanded, counted without expanding any: a node's count is remembered, so the count
   * costs one visit per node however often it is aliased. yaml's own guard
   * (maxAliasCount) throws without a position and also refuses a plain anchor used
   * 1,001 times; this one points at the alias that crosses the limit.
   */
  private aliasDiagnostics(): Diagnostic[] {
    const found: Diagnostic[] = [];
    const anchors = new Map<string, Node>();
    eachNode(this.doc.contents, (node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) this.aliases.set(node, target);
        else {
          found.push(this.diagnostic(node, 'yaml-alias', `alias *${node.source} names no anchor before it`, {
            expected: `an anchor &${node.source} earlier in the file`,
            hint: `define &${node.source} on the value before this alias, or write the value out`,
          }));
        }
      } else if (node.anchor) anchors.set(node.anchor, node);
    });
    if (!this.aliases.size) return found;

    const counted = new Map<Node, number>();
    const open = new Set<Node>();
    const count = (node: unknown): number => {
      if (node === null || node === undefined) return 0;
      if (isAlias(node)) {
        const target = this.aliases.get(node);
        if (!target) return 1;
        if (open.has(target)) {
          found.push(this.diagnostic(node, 'yaml-alias', `alias *${node.source} is inside the value it names, which would contain itself without end`, {
            expected: 'an alias outside the value its anchor is on',
            hint: 'write the value out',
          }));
          return 1;
        }
        return count(target);
      }
      if (!isCollection(node)) return 1;
      const known = counted.get(node as Node);
      if (known !== undefined) return known;
      open.add(node as Node);
      let values = 1;
      for (const item of node.items) values += isPair(item) ? count(item.key) + count(item.value) : count(item);
      open.delete(node as Node);
      counted.set(node as Node, values);
      return values;
    };
    if (count(this.doc.contents) <= MAX_EXPANDED_VALUES) return found;

    // Over the limit: the alias at which the values so far, in file order, cross it.
    let values = 0;
    visit(this.doc, {
      Node: (_, node) => {
        if (!isAlias(node)) {
          values += 1;
          return undefined;
        }
        const expands = count(node);
        values += expands;
        if (values <= MAX_EXPANDED_VALUES) return undefined;
        found.push(this.diagnostic(node, 'yaml-alias', `alias *${node.source} stands for ${expands.toLocaleString('en')} values, which takes the file past ${MAX_EXPANDED_VALUES.toLocaleString('en')} once its aliases are expanded`, {
          expected: `at most ${MAX_EXPANDED_VALUES.toLocaleString('en')} values with every alias expanded`,
          hint: 'write the values out, or alias plain values rather than anchors built from other aliases (a "billion laughs")',
        }));
        return visit.BREAK;
      },
    });
    return found;
  }

  /**
   * `__proto__` (written, or through an alias) would not be kept as a key: JavaScript gives
   * it a meaning of its own, and the schema drops it, so an entry by that name would vanish
   * without a word. Then keys that appear twice in one map.
   */
  private keyDiagnostics(): Diagnostic[] {
    const found: Diagnostic[] = [];
    eachNode(this.doc.contents, (map) => {
      if (isMap(map)) {
        const keys = new Set<unknown>();
        for (const pair of map.items) {
          const key = isAlias(pair.key) ? this.aliases.get(pair.key) : pair.key;
          if (isScalar(key) && String(key.value) === '__proto__') {
            found.push({
              ...this.diagnostic(pair.key as Node, 'invalid-key', 'invalid key "__proto__": JavaScript reserves that name, so orgvend would not see this entry', {
                expected: 'a key other than __proto__',
                hint: 'rename the entry',
              }),
              found: '"__proto__"',
            });
          }
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
      }
    });
    return found;
  }

  /** The document as values; only once syntaxDiagnostics has found it readable (aliases counted, none circular). */
  toJS(): unknown {
    // Aliases share one value here; aliasDiagnostics has bounded what expanding them costs later.
    return this.doc.toJS({ maxAliasCount: -1 });
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
