/**
 * The built CLI as one file, run with V8's code cache. Node 20 reads and compiles each of
 * the ~270 modules `validate` loads on every run, and each function again the first time
 * it is called (Node 22's module compile cache is not in Node 20): for a short action that
 * is most of its time. So `npm run build` also writes the CLI as one CommonJS file
 * (scripts/bundle-cli.mjs), and main.ts runs it as a vm.Script: each action's first run
 * after a build saves the code V8 compiled for it, taken when the run is over so the
 * functions it called are in it, and the action's later runs start from that code.
 *
 * A cache is used only for the bundle it was made from, byte for byte (it starts with the
 * bundle's SHA-256: V8 itself checks no more than the source's length), and when V8 accepts
 * it (the same Node, the same flags); any other is written anew. A read-only install runs
 * without one. It changes only the time a run takes.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { writeWhole } from '../write-whole.js';
import { flagValue } from './flag-value.js';

export const CACHE_DIR = 'code-cache';

/** The files an action's run keeps beside the bundle: V8's code, and what it worked out from the repository's text (run-cache.ts). */
export function cacheFiles(bundle: string, name: string): { code: string; results: string } {
  const folder = join(dirname(bundle), CACHE_DIR);
  return { code: join(folder, `${name}.bin`), results: join(folder, `${name}.results.json`) };
}

/** Whether `bundle` exists and was built after tsc last wrote `compiled` (tsc alone leaves an older bundle behind). */
export function bundleIsCurrent(bundle: string, compiled: string): boolean {
  const built = statSync(bundle, { throwIfNoEntry: false });
  return Boolean(built && built.mtimeMs >= (statSync(compiled, { throwIfNoEntry: false })?.mtimeMs ?? 0));
}

/** The cache's name for a command line: its action, or `other` (a wrong guess costs time, never a wrong result). */
export function cacheName(argv: readonly string[]): string {
  const action = flagValue(argv, '--action');
  return action && /^[a-z][a-z-]{0,39}$/.test(action) ? action : 'other';
}

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** The bundle's SHA-256, hex. */
  digest: string;
  /** Whether V8 took its compiled code from the cache. */
  cached: boolean;
  /** Writes the cache when it was missing, made for other bytes, or refused; call it when the run is over. */
  saveCache(): void;
}

/** The CommonJS file `bundle` run as Node runs a module, its compiled code cached under `name`. */
export function loadBundle(bundle: string, name: string): LoadedBundle {
  const cacheFile = cacheFiles(bundle, name).code;
  const bytes = readFileSync(bundle);
  const digest = createHash('sha256').update(bytes).digest();
  const cachedData = cacheOf(cacheFile, digest);
  // The build writes ASCII, read as Latin-1 without decoding; a hand-edited bundle may not be.
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  // Node's own module wrapper, on the file's first line so its line numbers stay the file's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const cached = Boolean(cachedData) && !script.cachedDataRejected;
  return {
    exports: module.exports,
    digest: digest.toString('hex'),
    cached,
    saveCache() {
      if (cached) return;
      const folder = dirname(cacheFile);
      try {
        mkdirSync(folder, { recursive: true });
        accessSync(folder, constants.W_OK);
      } catch {
        return; // a read-only install runs without the cache, and makes none to throw away
      }
      try {
        writeWhole(cacheFile, Buffer.concat([digest, script.createCachedData()]));
      } catch {
        // a full disk, say: the run is done all the same
      }
    },
  };
}

/**
 * V8 hands a function to its optimizing compiler (TurboFan) after 3 profiler ticks; the CLI
 * asks for 8. A short run (validate of the example, --help) then compiles less that it ends
 * before using, and waits at exit for fewer compile jobs in flight; a long run has its hot
 * functions optimized a little later, at no cost measured (bench/validate.ts: the example
 * 370–378 → 289–292 ms, 5,012 accounts 1,940–1,957 → 1,739–1,872 ms). Turning TurboFan off
 * for the first few hundred milliseconds did better for the example, but a long run's
 * synchronous start (accounts.yml's parse) then ran without it: 5,012 accounts took 2.3 s.
 * Measured on Node 20's V8 11.3 and set there only (V8 prints an error for a flag it lacks).
 */
const V8_FLAGS = process.versions.v8.startsWith('11.') ? '--ticks-before-optimization=8' : undefined;

/** The CLI's bundle run for this command line, its cache saved after; whether its code came from the cache. */
export async function startBundle(bundle: string, argv: readonly string[]): Promise<boolean> {
  // Before the bundle is compiled: V8 takes a cache only under the flags it was made with.
  if (V8_FLAGS) setFlagsFromString(V8_FLAGS);
  const name = cacheName(argv);
  const loaded = loadBundle(bundle, name);
  const runCache = { file: cacheFiles(bundle, name).results, stamp: loaded.digest };
  await (loaded.exports as typeof import('./start.js')).start({ runCache });
  loaded.saveCache();
  return loaded.cached;
}

/** The V8 code in `cacheFile`, when the file was made for the bundle whose SHA-256 is `digest`: it starts with it. */
function cacheOf(cacheFile: string, digest: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  return file.subarray(0, digest.length).equals(digest) ? file.subarray(digest.length) : undefined;
}
