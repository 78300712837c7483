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
const ADOPTERS = ['accounts.yml', 'scps', 'policies', 'templates'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'golden' ? [] : sources(path);
    return /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** The repository paths `text`, in `file`, names: a relative path literal, or a path joined to the repository's root. */
function namedPaths(file: string, text = readFileSync(file, 'utf8')): string[] {
  const literals = [...text.matchAll(/['"`]((?:\.\.?\/)+[^'"`$]*)['"`]/g)].map((m) => relative(ROOT, resolve(dirname(file), m[1]!)));
  // join(ROOT, 'templates'), where a test names the repository's root `ROOT` or `root`.
  const joined = [...text.matchAll(/join\((?:ROOT|root), ['"`]([^'"`$]*)['"`]/g)].map((m) => m[1]!);
  return [...literals, ...joined];
}

describe("the tests' own fixtures", () => {
  it('no test names the accounts.yml, scps/ or templates/ an adopter edits', () => {
    const offenders = [...sources(join(ROOT, 'test')), ...sources(join(ROOT, 'scripts'))]
      .filter((file) => !['test/helpers/repo.ts', 'scripts/update-fixtures.ts', 'test/unit/own-fixtures.test.ts'].some((own) => file.endsWith(own)))
      .flatMap((file) => namedPaths(file).filter((p) => ADOPTERS.some((a) => p === a || p.startsWith(`${a}/`))).map((p) => `${relative(ROOT, file)}: ${p}`));
    expect(offenders).toEqual([]);
  });

  it('runs the in-process CLI in test/fixtures/repo unless a test says otherwise', () => {
    expect(captureIo().cwd).toBe(FIXTURE_REPO);
  });

  it('catches a test that names them (the check can fail)', () => {
    const file = join(ROOT, 'test/unit/render/a.test.ts');
    expect(namedPaths(file, "new URL('../../../templates/account/vpc.yml.njk', import.meta.url)")).toEqual(['templates/account/vpc.yml.njk']);
    expect(namedPaths(file, "readFileSync('../../../scps/x.json'); cpSync(join(ROOT, 'accounts.yml'), dir)")).toEqual(['scps/x.json', 'accounts.yml']);
  });
});
