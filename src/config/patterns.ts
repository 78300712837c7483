/** Account name and email patterns: `{name}-{environment}-{region}`, `aws+{name}@example.com`. */

export const PLACEHOLDERS = ['name', 'environment', 'region', 'service', 'scope'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PatternValues = Record<Placeholder, string | undefined>;

const PLACEHOLDER_RE = /\{([^{}]*)\}/g;

/** Each pattern's placeholders, found once: every account expands the same two patterns. Bounded, patterns being few. */
const found = new Map<string, readonly string[]>();
const MAX_FOUND = 64;

export function placeholdersIn(pattern: string): string[] {
  let placeholders = found.get(pattern);
  if (!placeholders) {
    if (found.size >= MAX_FOUND) found.clear();
    found.set(pattern, (placeholders = [...pattern.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!)));
  }
  return [...placeholders];
}

export function unknownPlaceholders(pattern: string): string[] {
  return placeholdersIn(pattern).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
}

export type Expansion = { ok: true; value: string } | { ok: false; missing: Placeholder[] };

/** Fill a pattern; reports the placeholders that have no value rather than writing "undefined". */
export function expandPattern(pattern: string, values: PatternValues): Expansion {
  const missing = placeholdersIn(pattern).filter(
    (p): p is Placeholder => (PLACEHOLDERS as readonly string[]).includes(p) && values[p as Placeholder] === undefined,
  );
  if (missing.length) return { ok: false, missing: [...new Set(missing)] };
  // Only the placeholders orgvend knows are looked up: `{constructor}` is left as written (and reported as unknown).
  const known = (p: string): p is Placeholder => (PLACEHOLDERS as readonly string[]).includes(p);
  return { ok: true, value: pattern.replace(PLACEHOLDER_RE, (whole, p: string) => (known(p) ? values[p] : undefined) ?? whole) };
}
