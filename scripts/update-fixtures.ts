// Copy the repository's example files into the tests' own repository, test/fixtures/repo:
// `npm run fixtures`, when orgvend's shipped examples (accounts.yml, scps/, policies/, templates/ but
// bootstrap.yml.njk) are meant to change. Then `npm run golden`, and review both diffs.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_REPO } from '../test/helpers/repo.js';

const ROOT = new URL('../', import.meta.url).pathname;
for (const path of ['accounts.yml', 'scps', 'policies', 'templates']) {
  rmSync(join(FIXTURE_REPO, path), { recursive: true, force: true });
  cpSync(join(ROOT, path), join(FIXTURE_REPO, path), { recursive: true, filter: (source) => !source.endsWith('bootstrap.yml.njk') });
}
console.log('copied accounts.yml, scps/, policies/ and templates/ (but bootstrap.yml.njk) to test/fixtures/repo/');
