/**
 * What a run worked out from the repository's text alone, kept for the next run, as
 * Jinja's bytecode cache keeps compiled templates and ESLint's cache its verdicts. Four
 * kinds, each a pure function of its inputs and orgvend's code: nunjucks' compiled code of
 * a template or policy (render/escaping.ts; nunjucks lexes, parses and compiles each on
 * every run), the verdict that a rendered template, or a skeleton of renders, parses as
 * YAML (render/lint.ts), the problems of a policy's actions against AWS's list
 * (scp/actions-check.ts, with iam-data's release), and accounts.yml's values
 * (config/load.ts, its YAML parsed). For the example's `validate` they were ~20, ~80, ~30
 * and ~25 ms.
 * The one-file CLI (cli/bundle.ts) gives each action a file for it beside its code cache,
 * stamped with the bundle's SHA-256 (so with the code that computed each result); from
 * source nothing is kept. A result is found by the SHA-256 of everything it depends on; a
 * run writes the file again only when it computed something new, with the results it
 * used, so it never holds more than one run's.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeWhole } from './write-whole.js';

interface Store {
  file: string;
  stamp: string;
  kept: Map<string, string>;
  used: Map<string, string>;
  computed: boolean;
}

let store: Store | undefined;

/** Keep results in `file` for this process, those already there when stamped `stamp`. */
export function keepRunCache(file: string, stamp: string): void {
  let kept = new Map<string, string>();
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { stamp?: unknown; entries?: unknown };
    if (saved.stamp === stamp && saved.entries && typeof saved.entries === 'object') {
      kept = new Map(Object.entries(saved.entries as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // none yet, or not one orgvend wrote: computed anew
  }
  store = { file, stamp, kept, used: new Map(), computed: false };
}

/**
 * The result of `compute`, found by everything it depends on (`dependsOn`, its kind first):
 * kept, or computed and kept; a result of undefined (a template that does not compile, a
 * render that does not parse) is computed on every run and never kept.
 */
export function cached(dependsOn: readonly string[], compute: () => string | undefined): string | undefined {
  if (!store) return compute();
  const key = keyOf(dependsOn);
  return use(key, store.kept.get(key) ?? compute());
}

/** cached, for a result computed asynchronously. */
export async function cachedAsync(dependsOn: readonly string[], compute: () => Promise<string | undefined>): Promise<string | undefined> {
  if (!store) return compute();
  const key = keyOf(dependsOn);
  return use(key, store.kept.get(key) ?? (await compute()));
}

const keyOf = (dependsOn: readonly string[]) => createHash('sha256').update(JSON.stringify(dependsOn)).digest('hex');

/** Marks `result` used under `key` (computed anew when it was not kept). */
function use(key: string, result: string | undefined): string | undefined {
  if (!store || result === undefined) return result;
  if (!store.kept.has(key)) store.computed = true;
  store.used.set(key, result);
  return result;
}

/** Writes the kept results when this run computed one; a file that cannot be written is left. */
export function saveRunCache(): void {
  if (!store?.computed) return;
  try {
    mkdirSync(dirname(store.file), { recursive: true });
    writeWhole(store.file, JSON.stringify({ stamp: store.stamp, entries: Object.fromEntries(store.used) }));
  } catch {
    // a read-only install, a full disk: computed again next time
  }
}
