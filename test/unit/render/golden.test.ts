/**
 * Every template rendered for the fixture (the repository's accounts.yml with made-up
 * ids) is byte for byte the file under test/golden/templates/, and passes cfn-lint. A
 * change to a template or to the context shows up as a diff of these files: run
 * `npm run golden` and review it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cfnLint } from '../../../src/render/lint.js';
import { GOLDEN, renderFixture } from '../../helpers/render-fixture.js';

const goldenFiles = () => readdirSync(GOLDEN, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(GOLDEN, join(e.parentPath, e.name))).sort();

describe('rendered templates', () => {
  it('match the golden files, and no golden file is left over', async () => {
    const { templates, diagnostics } = await renderFixture();
    expect(diagnostics).toEqual([]);
    expect(templates.map((t) => t.output).sort()).toEqual(goldenFiles());
    for (const t of templates) expect(t.text, `${t.output} differs from test/golden/templates/${t.output}: run npm run golden and review`).toBe(readFileSync(join(GOLDEN, t.output), 'utf8'));
  });

  it('render to the same bytes every time', async () => {
    const [a, b] = [await renderFixture(), await renderFixture()];
    expect(b.templates.map((t) => t.sha256)).toEqual(a.templates.map((t) => t.sha256));
  });

  it('pass cfn-lint with no error or warning', async () => {
    const files = goldenFiles().map((f) => join(GOLDEN, f));
    expect(files.length).toBeGreaterThan(0);
    expect(await cfnLint(files)).toEqual([]);
  }, 120_000);
});
