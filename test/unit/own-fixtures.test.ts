/**
 * The tests own their fixtures: an adopter edits accounts.yml, scps/ and templates/ on day
 * one, and no test may fail because of it. No test file names those files where they ship
 * (only test/helpers/repo.ts names templates/, for orgvend's own stack), and the CLI run in
 * process runs in the tests' own repository. The whole suite was also run once on a copy
 * of the project with an account added, a template and a library SCP removed and an SCP
 * added (the closing note of issue 14 says how); this keeps it so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../helpers/io.js';
import { FIXTURE_REPO } from '../helpers/repo.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ADOPTERS = ['accounts.yml', 'scps', 'templates'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'golden' ? [] : sources(path);
    return /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** The repository paths a file names with `new URL('…', import.meta.url)` or a literal relative path. */
function namedPaths(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const literals = [...text.matchAll(/['"`]((?:\.\.?\/)+[^'"`$]*)['"`]/g)].map((m) => m[1]!);
  return literals.map((l) => relative(ROOT, resolve(dirname(file), l)));
}

describe("the tests' own fixtures", () => {
  it('no test names the accounts.yml, scps/ or templates/ an adopter edits', () => {
    const offenders = [...sources(join(ROOT, 'test')), ...sources(join(ROOT, 'scripts'))]
      .filter((file) => !file.endsWith('test/helpers/repo.ts') && !file.endsWith('scripts/update-fixtures.ts'))
      .flatMap((file) => namedPaths(file).filter((p) => ADOPTERS.some((a) => p === a || p.startsWith(`${a}/`))).map((p) => `${relative(ROOT, file)}: ${p}`));
    expect(offenders).toEqual([]);
  });

  it('runs the in-process CLI in test/fixtures/repo unless a test says otherwise', () => {
    expect(captureIo().cwd).toBe(FIXTURE_REPO);
  });

  it('catches a test that names them (the check can fail)', () => {
    expect(namedPaths(join(ROOT, 'test/helpers/repo.ts'))).toContain('templates');
  });
});
