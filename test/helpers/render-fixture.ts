/**
 * The golden fixture for render-templates: the repository's own accounts.yml and
 * templates/, with made-up ids for every account but `scp-test` (not created yet, so
 * templates show how they treat an account without an id). `npm run golden` writes what it
 * renders to test/golden/templates/; the golden test compares.
 */
import { readConfig } from '../../src/config/load.js';
import { templateContext } from '../../src/render/context.js';
import { renderTemplates } from '../../src/render/render.js';

export const REPO = new URL('../../', import.meta.url).pathname;
export const GOLDEN = new URL('../golden/templates/', import.meta.url).pathname;
export const NOT_CREATED = 'scp-test';

export async function renderFixture() {
  const { desired } = await readConfig('accounts.yml', REPO);
  if (!desired) throw new Error('accounts.yml is invalid');
  const names = desired.accounts.map((a) => a.name).sort();
  const ids = new Map(names.filter((n) => n !== NOT_CREATED).map((name, i) => [name, String(100000000000 + (i + 1) * 1111)]));
  return renderTemplates(REPO, templateContext(desired, ids));
}
