/**
 * The benches' repository: the tests' copy of the example (test/fixtures/repo/: accounts.yml,
 * scps/, policies/, templates/), so that an adopter's edits to the repository's own copies
 * change no figure and break no bench. orgvend's own stack, templates/bootstrap.yml.njk, is
 * read where it ships. npm scripts run in the project root.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_REPO = 'test/fixtures/repo';
export const BENCH_ACCOUNTS_YML = join(BENCH_REPO, 'accounts.yml');

/** The benches' repository's policies and templates, and orgvend's own stack, into `dir`. */
export function copyBenchRepo(dir: string): void {
  for (const folder of ['scps', 'policies', 'templates']) cpSync(join(BENCH_REPO, folder), join(dir, folder), { recursive: true });
  cpSync('templates/bootstrap.yml.njk', join(dir, 'templates', 'bootstrap.yml.njk'));
}
