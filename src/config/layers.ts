/**
 * Layering: defaults → scope → account. Maps merge key by key, recursively; lists and
 * scalars replace. Every leaf remembers the layer that set it.
 */

export type Origin = 'builtin' | 'defaults' | `scope:${string}` | 'account';

export interface Layer {
  from: Origin;
  values: Record<string, unknown>;
}

/** One effective setting: a dotted key (`contacts.billing.email`), its value and origin. */
export interface Setting {
  key: string;
  value: unknown;
  from: Origin;
}

type Tree = { kind: 'leaf'; value: unknown; from: Origin } | { kind: 'map'; entries: Map<string, Tree>; from: Origin };

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toTree(value: unknown, from: Origin): Tree {
  if (!isPlainMap(value)) return { kind: 'leaf', value, from };
  const entries = new Map<string, Tree>();
  for (const key of Object.keys(value)) entries.set(key, toTree(value[key], from));
  return { kind: 'map', from, entries };
}

function mergeInto(target: Map<string, Tree>, values: Record<string, unknown>, from: Origin): void {
  for (const key of Object.keys(values)) {
    const value = values[key];
    if (value === undefined) continue;
    const existing = target.get(key);
    if (existing?.kind === 'map' && isPlainMap(value)) mergeInto(existing.entries, value, from);
    else target.set(key, toTree(value, from));
  }
}

/** A tree's entries as a plain object, as Object.fromEntries makes it (a key `__proto__` is an own property), without its copies. */
function plainMap(entries: Map<string, Tree>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, tree] of entries) {
    const value = toPlain(tree);
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function toPlain(tree: Tree): unknown {
  return tree.kind === 'leaf' ? tree.value : plainMap(tree.entries);
}

function leaves(tree: Tree, prefix: string, out: Setting[]): void {
  if (tree.kind === 'leaf') {
    out.push({ key: prefix, value: tree.value, from: tree.from });
  } else if (tree.entries.size === 0) {
    out.push({ key: prefix, value: {}, from: tree.from });
  } else {
    for (const [k, v] of tree.entries) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
}

/** Merge layers in order, later layers winning. Returns the plain value and every leaf with its origin. */
export function mergeLayers(layers: readonly Layer[]): { value: Record<string, unknown>; settings: Setting[] } {
  const root = new Map<string, Tree>();
  for (const layer of layers) mergeInto(root, layer.values, layer.from);
  const value = plainMap(root);
  const settings: Setting[] = [];
  for (const [k, v] of root) leaves(v, k, settings);
  return { value, settings };
}

/** The layer that set `key` (or the nearest enclosing map), for messages. */
export function originOf(settings: readonly Setting[], key: string): Origin | undefined {
  return settings.find((s) => s.key === key || s.key.startsWith(`${key}.`))?.from;
}

/** The key path in accounts.yml where a value with this origin is written. */
export function layerPath(from: Origin, account: string): string[] {
  if (from === 'defaults') return ['defaults'];
  if (from === 'account' || from === 'builtin') return ['accounts', account];
  return ['scopes', from.slice('scope:'.length)];
}
