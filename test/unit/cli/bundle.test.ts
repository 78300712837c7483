/**
 * The one-file build's loader (src/cli/bundle.ts) on a small CommonJS file of the test's
 * own: the code cache is written once, used after, and never trusted when it was made for
 * other bytes or is not V8's.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_DIR, bundleIsCurrent, cacheName, loadBundle } from '../../../src/cli/bundle.js';

const BODY = "exports.name = require('node:path').basename(__filename); exports.add = (a, b) => a + b;\n";
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

function bundleFile(source = BODY) {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-bundle-'));
  const file = join(dir, 'cli.cjs');
  writeFileSync(file, source);
  return { dir, file, cache: join(dir, CACHE_DIR, 'validate.bin') };
}

/** Moves a file's modification time by `seconds` from now. */
const touch = (file: string, seconds: number) => utimesSync(file, new Date(), new Date(Date.now() + seconds * 1000));

describe('cacheName', () => {
  it.each([
    [['--action', 'validate', '--config', 'a.yml'], 'validate'],
    [['--config', 'a.yml', '--action=sync-accounts'], 'sync-accounts'],
    [['--help'], 'other'],
    [['--action'], 'other'],
    [['--action', '../../etc/passwd'], 'other'],
    [['--action', 'Validate'], 'other'],
  ])('%j → %s', (argv, name) => {
    expect(cacheName(argv)).toBe(name);
  });
});

describe('loadBundle', () => {
  it('runs the file as a CommonJS module: its exports, require and __filename', () => {
    const { file } = bundleFile();
    const { exports, cached } = loadBundle(file, 'validate');
    expect(exports.name).toBe('cli.cjs');
    expect((exports.add as (a: number, b: number) => number)(2, 3)).toBe(5);
    expect(cached).toBe(false);
  });

  it('reads a file that is not ASCII (one edited by hand) as UTF-8, and runs it from its cache after', () => {
    // The build writes ASCII (scripts/bundle-cli.mjs), read as Latin-1; as Latin-1 this would say "Ã©â€”".
    const { file } = bundleFile("exports.text = 'é—😀';\n");
    const first = loadBundle(file, 'validate');
    expect(first.exports.text).toBe('é—😀');
    first.saveCache();
    const second = loadBundle(file, 'validate');
    expect(second.cached).toBe(true);
    expect(second.exports.text).toBe('é—😀');
  });

  it('writes the cache once and runs from it after', () => {
    const { file, cache } = bundleFile();
    const first = loadBundle(file, 'validate');
    first.saveCache();
    const written = readFileSync(cache);
    expect(written.length).toBeGreaterThan(0);
    const second = loadBundle(file, 'validate');
    expect(second.cached).toBe(true);
    expect(second.exports.name).toBe('cli.cjs');
    touch(cache, 10); // a cache that was used is not written again
    const mtime = statSync(cache).mtimeMs;
    second.saveCache();
    expect(statSync(cache).mtimeMs).toBe(mtime);
  });

  it('keeps one cache per name', () => {
    const { file, dir } = bundleFile();
    loadBundle(file, 'validate').saveCache();
    const other = loadBundle(file, 'sync-accounts');
    expect(other.cached).toBe(false);
    other.saveCache();
    expect(readdirSync(join(dir, CACHE_DIR)).sort()).toEqual(['sync-accounts.bin', 'validate.bin']);
    expect(loadBundle(file, 'sync-accounts').cached).toBe(true);
  });

  it('does not use a cache made for other bytes of the same length, which V8 would take, and writes it anew', () => {
    const { file, cache } = bundleFile();
    loadBundle(file, 'validate').saveCache();
    // Rebuilt, or edited by hand, to other code of the same length: V8 checks only the length.
    const other = "exports.name = 'rebuilt'; exports.add = (a, b) => a * b;".padEnd(BODY.length - 1, ' ') + '\n';
    expect(other.length).toBe(BODY.length);
    writeFileSync(file, other);
    const rebuilt = loadBundle(file, 'validate');
    expect(rebuilt.cached).toBe(false);
    expect(rebuilt.exports.name).toBe('rebuilt');
    expect((rebuilt.exports.add as (a: number, b: number) => number)(2, 3)).toBe(6);
    rebuilt.saveCache();
    expect(readFileSync(cache).subarray(0, 32).equals(sha256(other))).toBe(true);
    expect(loadBundle(file, 'validate').cached).toBe(true);
  });

  it('runs the file when V8 refuses the cache, and replaces the cache with its own', () => {
    const { file, cache } = bundleFile();
    mkdirSync(join(file, '..', CACHE_DIR));
    // Made for these bytes, as far as its first 32 bytes say; the rest is not V8's.
    const garbage = Buffer.concat([sha256(BODY), Buffer.alloc(4096, 7)]);
    writeFileSync(cache, garbage);
    const refused = loadBundle(file, 'validate');
    expect(refused.cached).toBe(false);
    expect(refused.exports.name).toBe('cli.cjs');
    refused.saveCache();
    expect(readFileSync(cache).equals(garbage)).toBe(false);
    expect(loadBundle(file, 'validate').cached).toBe(true);
  });

  it('runs without a cache it cannot write', () => {
    const { file, dir } = bundleFile();
    writeFileSync(join(dir, CACHE_DIR), 'a file where the cache folder would be');
    const loaded = loadBundle(file, 'validate');
    expect(() => loaded.saveCache()).not.toThrow();
    expect(loadBundle(file, 'validate').cached).toBe(false);
  });
});

describe('bundleIsCurrent', () => {
  it('is the bundle when it exists and is not older than what tsc last wrote', () => {
    const { file, dir } = bundleFile();
    const compiled = join(dir, '.tsbuildinfo');
    expect(bundleIsCurrent(join(dir, 'missing.cjs'), compiled)).toBe(false);
    expect(bundleIsCurrent(file, compiled)).toBe(true);
    writeFileSync(compiled, '{}');
    touch(compiled, 60);
    expect(bundleIsCurrent(file, compiled)).toBe(false);
    touch(file, 120);
    expect(bundleIsCurrent(file, compiled)).toBe(true);
  });
});

describe('startBundle', () => {
  it('leaves V8 its optimizing compiler: a hot function is optimized (the CLI only asks it to wait longer)', () => {
    // V8's own status bits (--allow-natives-syntax): 16 is "optimized".
    const { file } = bundleFile(`
      function hot(x) { let s = 0; for (let i = 0; i < 100; i++) s += i * x; return s; }
      exports.start = async () => {
        for (let i = 0; i < 1000000; i++) hot(i);
        process.stdout.write(JSON.stringify({ optimized: (%GetOptimizationStatus(hot) & 16) !== 0 }));
      };
    `);
    const root = new URL('../../../', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', join(root, 'test/helpers/run-bundle.ts'), file], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ optimized: true });
  });
});
