// Rewrite test/golden/templates/ from templates/ and the fixture: `npm run golden`. Review the diff.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GOLDEN, renderFixture } from '../test/helpers/render-fixture.js';

const { templates, diagnostics } = await renderFixture();
if (diagnostics.length) throw new Error(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
rmSync(GOLDEN, { recursive: true, force: true });
for (const t of templates) {
  mkdirSync(dirname(join(GOLDEN, t.output)), { recursive: true });
  writeFileSync(join(GOLDEN, t.output), t.text);
}
console.log(`wrote ${templates.length} files to test/golden/templates/`);
