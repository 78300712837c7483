/**
 * The CLI's one-file build as `npm run build` makes it (scripts/bundle-cli.mjs), built into
 * a folder of the test's own laid out as the repository is (dist/cli/, package.json and
 * node_modules beside), and run as main.ts runs it: the same answers as from source, paths
 * taken relative to its modules still found, and its code cache written once and used after.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../helpers/repo.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const EXAMPLE = join(ROOT, 'test/fixtures/repo/accounts.yml');
let bundle: string;

const run = (target: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/run-bundle.ts'), target, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const fromSource = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

beforeAll(() => {
  const home = mkdtempSync(join(tmpdir(), 'orgvend-cli-bundle-'));
  copyFileSync(join(ROOT, 'package.json'), join(home, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(home, 'node_modules'));
  bundle = join(home, 'dist/cli/orgvend.cjs');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle-cli.mjs'), bundle], { cwd: ROOT });
}, 60_000);

describe('the one-file build', () => {
  it('validates as the CLI from source does, and writes its code cache once', () => {
    const first = run(bundle, '--action', 'validate', '--config', EXAMPLE);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(fromSource('--action', 'validate', '--config', EXAMPLE).stdout);
    expect(first.stdout).toContain('is valid');
    expect(first.stderr).toBe('code cache: written\n');
    expect(existsSync(join(bundle, '../code-cache/validate.bin'))).toBe(true);
    expect(existsSync(join(bundle, '../code-cache/validate.results.json'))).toBe(true);
    // Written as ASCII, which the loader reads without decoding (the source's comments hold — and →).
    expect(isAscii(readFileSync(bundle))).toBe(true);
    const second = run(bundle, '--action', 'validate', '--config', EXAMPLE);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('code cache: used\n');
  });

  it('reports invalid input as the CLI from source does: exit 65, the same diagnostics', () => {
    const missing = join(ROOT, 'test/fixtures/no-such-dir/accounts.yml');
    const bundled = run(bundle, '--action', 'validate', '--config', missing);
    expect(bundled.status).toBe(65);
    expect(bundled.stderr.replace(/code cache: \w+\n$/, '')).toBe(fromSource('--action', 'validate', '--config', missing).stderr);
  });

  it('reports what the schema refuses as the CLI from source does (the bundle holds zod with its English messages alone)', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace('\naccounts:\n', '\naccounts:\n  bench-1:\n    service: 7\n    scope: nope\n    region: mars-1\n    tags: [1]\n    colour: red\n');
    const config = join(scratchRepo({ 'accounts.yml': text }), 'accounts.yml');
    const bundled = run(bundle, '--action', 'validate', '--config', config);
    expect(bundled.status).toBe(65);
    expect(bundled.stderr).toContain('expected a known AWS region name');
    expect(bundled.stderr.replace(/code cache: \w+\n$/, '')).toBe(fromSource('--action', 'validate', '--config', config).stderr);
  });

  it('validates without loading node:child_process, which commander requires for executable subcommands alone (~5 ms of a start)', () => {
    // Run bare (the harness above runs under tsx, which spawns esbuild).
    const report = "process.stderr.write(`child_process: ${process.moduleLoadList.includes('NativeModule child_process')}`)";
    const script = `process.argv.splice(1, 0, ${JSON.stringify(bundle)}); require(${JSON.stringify(bundle)}).start().then(() => ${report})`;
    const child = spawnSync(process.execPath, ['-e', script, '--', '--action', 'validate', '--config', EXAMPLE], { cwd: ROOT, encoding: 'utf8' });
    expect(child.stdout).toContain('is valid');
    expect(child.stderr).toBe('child_process: false');
  });

  it('finds package.json from its folder (--version)', () => {
    const { stdout, status } = run(bundle, '--version');
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(fromSource('--version').stdout.trim());
  });

  it('loads the AWS SDK from node_modules, outside the bundle', () => {
    // A missing profile is found by reading ~/.aws/config through @smithy/core, imported when needed.
    const args = ['--action', 'ping', '--profile', 'orgvend-no-such-profile'];
    const bundled = run(bundle, ...args);
    expect(bundled.status).toBe(1);
    expect(bundled.stderr).toContain('profile "orgvend-no-such-profile" is not in ~/.aws/config');
    expect(bundled.stderr.replace(/code cache: \w+\n$/, '')).toBe(fromSource(...args).stderr);
  });
});
