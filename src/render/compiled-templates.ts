/**
 * nunjucks' compiled code of each template, kept between runs, as Jinja's bytecode cache
 * keeps it: nunjucks lexes, parses and compiles a template into JavaScript on every run
 * (~21 ms of `validate`'s ~270 for the example's 23 templates and policies). The one-file
 * CLI (cli/bundle.ts) gives each action a file for it beside its code cache, stamped with
 * the bundle's SHA-256 (so with the nunjucks and the environment options it was compiled
 * with); from source nothing is kept. An entry is found by the SHA-256 of the template's
 * path, environment options and text; a run writes the file again only when it compiled something new, with the
 * entries it used, so it never holds more than one run's templates.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeWhole } from '../write-whole.js';

interface Store {
  file: string;
  stamp: string;
  kept: Map<string, string>;
  used: Map<string, string>;
  compiled: boolean;
}

let store: Store | undefined;

/** Keep compiled templates in `file` for this process, those already there when stamped `stamp`. */
export function keepCompiledTemplates(file: string, stamp: string): void {
  let kept = new Map<string, string>();
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { stamp?: unknown; entries?: unknown };
    if (saved.stamp === stamp && saved.entries && typeof saved.entries === 'object') {
      kept = new Map(Object.entries(saved.entries as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // none yet, or not one orgvend wrote: compiled anew
  }
  store = { file, stamp, kept, used: new Map(), compiled: false };
}

/**
 * The compiled code of a template, found by what its code depends on (its path, the
 * environment's options, its text): kept, or `compile`d (undefined when it does not
 * compile) and kept.
 */
export function compiledTemplate(dependsOn: readonly string[], compile: () => string | undefined): string | undefined {
  if (!store) return compile();
  const key = createHash('sha256').update(JSON.stringify(dependsOn)).digest('hex');
  let code = store.kept.get(key);
  if (code === undefined) {
    code = compile();
    if (code === undefined) return undefined;
    store.compiled = true;
  }
  store.used.set(key, code);
  return code;
}

/** Writes the kept templates when this run compiled one; a file that cannot be written is left. */
export function saveCompiledTemplates(): void {
  if (!store?.compiled) return;
  try {
    mkdirSync(dirname(store.file), { recursive: true });
    writeWhole(store.file, JSON.stringify({ stamp: store.stamp, entries: Object.fromEntries(store.used) }));
  } catch {
    // a read-only install, a full disk: compiled again next time
  }
}
