/**
 * The tests' own repository, and scratch repositories (accounts.yml, scps/, templates/)
 * for tests that read files.
 *
 * `test/fixtures/repo/` holds the tests' copies of what an adopter edits on day one: the
 * example accounts.yml, scps/ and the templates under templates/ but bootstrap.yml.njk. No
 * test reads the repository's own copies, so editing them breaks no test; `npm run
 * fixtures` copies them here again when orgvend's examples are meant to change (then `npm
 * run golden`). `templates/bootstrap.yml.njk` is orgvend's own stack, not an example: tests
 * read it where it ships.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const FIXTURE_REPO = new URL('../fixtures/repo/', import.meta.url).pathname;
/** The repository's templates/: read for bootstrap.yml.njk alone. */
export const SHIPPED_TEMPLATES = new URL('../../templates/', import.meta.url).pathname;
const BOOTSTRAP_TEMPLATE = 'bootstrap.yml.njk';

/** The fixture's templates and orgvend's own stack into `dir`/templates. */
export function copyTemplates(dir: string): void {
  cpSync(join(FIXTURE_REPO, 'templates'), join(dir, 'templates'), { recursive: true });
  cpSync(join(SHIPPED_TEMPLATES, BOOTSTRAP_TEMPLATE), join(dir, 'templates', BOOTSTRAP_TEMPLATE));
}

export function scratchRepo(files: Record<string, string>, options: { templates?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-repo-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (options.templates) copyTemplates(dir);
  return dir;
}

export const policy = (statements: object[]) => `${JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2)}\n`;
export const denyLeave = policy([{ Sid: 'DenyLeave', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }]);
