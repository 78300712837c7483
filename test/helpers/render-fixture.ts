/**
 * The golden fixture for render-templates: the tests' own repository (test/fixtures/repo:
 * the example accounts.yml and templates/), with made-up ids for every account but `scp-test` (not created yet, so
 * templates show how they treat an account without an id). `npm run golden` writes what it
 * renders to test/golden/templates/; the golden test compares.
 */
import { readConfig } from '../../src/config/load.js';
import { templateContext } from '../../src/render/context.js';
import { renderTemplates } from '../../src/render/render.js';
import { FIXTURE_REPO } from './repo.js';

export const REPO = FIXTURE_REPO;
export const GOLDEN = new URL('../golden/templates/', import.meta.url).pathname;
export const NOT_CREATED = 'scp-test';

/** Ids as the golden fixture makes them up: by sorted name, every account but those not created. */
export function fixtureIds(names: readonly string[], notCreated: readonly string[] = [NOT_CREATED]): Map<string, string> {
  const skip = new Set(notCreated);
  return new Map([...names].sort().filter((n) => !skip.has(n)).map((name, i) => [name, String(100000000000 + (i + 1) * 1111)]));
}

/** The organization's id the golden fixture makes up. */
export const FIXTURE_ORGANIZATION_ID = 'o-abc123def4';

/** The fixture rendered, with the DSL and the context it was rendered from (as sync-accounts renders it, with the organization's id). */
export async function renderFixture() {
  const { desired } = await readConfig('accounts.yml', REPO);
  if (!desired) throw new Error('accounts.yml is invalid');
  const context = templateContext(desired, fixtureIds(desired.accounts.map((a) => a.name)), FIXTURE_ORGANIZATION_ID);
  return { ...(await renderTemplates(REPO, context)), desired, context };
}
