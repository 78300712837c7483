/**
 * The CLI starts fast: --help and validate must not load the AWS SDK. Runs the real entry
 * point in a child process and records every module it resolves.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;

function loadedModules(args: string[]): { modules: string[]; stdout: string } {
  const log = join(mkdtempSync(join(tmpdir(), 'orgvend-imports-')), 'imports.log');
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/helpers/record-imports.mjs', 'src/cli/main.ts', ...args],
    { cwd: root, env: { ...process.env, IMPORT_LOG: log, NO_COLOR: '1' }, encoding: 'utf8' },
  );
  return { modules: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout };
}

describe('CLI start-up', () => {
  it.each([[['--help']], [['--action', 'validate', '--config', 'test/fixtures/repo/accounts.yml']]])('%j loads no AWS SDK module', (args) => {
    const { modules, stdout } = loadedModules(args);
    expect(stdout.length).toBeGreaterThan(0);
    expect(modules.some((m) => m.includes('/src/cli/run.ts'))).toBe(true);
    expect(modules.filter((m) => /@aws-sdk|@smithy/.test(m))).toEqual([]);
  });
});

describe('validate loads only what it checks', () => {
  it('renders templates/ without loading bootstrap\'s renderer (it needs only the bootstrap template\'s name)', () => {
    const { modules, stdout } = loadedModules(['--action', 'validate', '--config', 'test/fixtures/repo/accounts.yml']);
    expect(stdout).toContain('is valid');
    expect(modules.some((m) => m.includes('/src/render/render.ts'))).toBe(true);
    expect(modules.filter((m) => /\/src\/bootstrap\/(render|ci-roles)\.ts/.test(m))).toEqual([]);
  });
});
