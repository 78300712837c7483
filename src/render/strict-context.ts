/** A template context where reading a key an object lacks is an error naming it, for templates/ and scps/ alike. */
import { firstMatch } from '../config/diagnostics.js';

export class Undefined extends Error {
  constructor(readonly path: string, readonly available: string[]) {
    super(`${path} is undefined`);
  }

  /** The key that was read: the last part of its path. */
  get key(): string {
    return this.path.split(/[.[\]]/).filter(Boolean).at(-1)!;
  }
}

/** Keys engines probe on any object (JSON.stringify, promises, nunjucks' keyword arguments). */
const PROBED = new Set(['toJSON', 'then', '__keywords']);

/**
 * The context, where reading a key an object lacks throws instead of giving undefined.
 * nunjucks keeps only the message of what a template throws, so `seen` keeps the error.
 */
export function strict(value: unknown, path: string, seen: { missing?: Undefined }): unknown {
  if (Array.isArray(value)) return value.map((item, i) => strict(item, `${path}[${i}]`, seen));
  if (value === null || typeof value !== 'object') return value;
  const inner = Object.fromEntries(Object.entries(value).map(([key, v]) => [key, strict(v, path ? `${path}.${key}` : key, seen)]));
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target) && !PROBED.has(key)) throw (seen.missing = new Undefined(path ? `${path}.${key}` : key, Object.keys(target)));
      return Reflect.get(target, key, receiver);
    },
  });
}

/** Each top-level value of `context`, strict; `seen` keeps what a render found missing. */
export function strictValues(context: object, seen: { missing?: Undefined }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context).map(([key, value]) => [key, strict(value, key, seen)]));
}

/** Where `text` first reads the missing key (nunjucks loses the line of errors thrown while reading a member). */
export function firstUse(text: string, missing: Undefined): { line: number; column: number } | undefined {
  const use = firstMatch(text, new RegExp(`\\.${missing.key}\\b`));
  // The column of the key, after its dot.
  return use && { line: use.line, column: use.column + 1 };
}
