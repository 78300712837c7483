/**
 * nunjucks' compiled templates kept between runs (src/render/compiled-templates.ts): the
 * example's templates render to the same bytes from kept code as compiled anew, a kept file
 * of another stamp is not used, a template that does not compile says what it says without
 * the store, and the file holds only what the last run used.
 */
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { keepCompiledTemplates, saveCompiledTemplates } from '../../../src/render/compiled-templates.js';
import { templateContext } from '../../../src/render/context.js';
import { renderTemplates } from '../../../src/render/render.js';
import { desiredOf, exampleText } from '../../helpers/dsl.js';
import { scratchRepo } from '../../helpers/repo.js';

const REPO = new URL('../../fixtures/repo/', import.meta.url).pathname;
const context = templateContext(desiredOf([], exampleText()), new Map());
const render = async (repo = REPO) => {
  const { templates, diagnostics } = await renderTemplates(repo, context);
  return { texts: templates.map((t) => [t.output, t.text]), diagnostics };
};
const compiler = (nunjucks as unknown as { compiler: { compile: (...args: unknown[]) => string } }).compiler;
const BROKEN = { 'templates/a.yml.njk': 'A: {% if %}\n' };

let fresh: Awaited<ReturnType<typeof render>>;
let brokenFresh: Awaited<ReturnType<typeof render>>;
const file = () => join(mkdtempSync(join(tmpdir(), 'orgvend-compiled-')), 'validate.templates.json');

beforeAll(async () => {
  // Without a store, as from source: what every other test renders.
  fresh = await render();
  brokenFresh = await render(scratchRepo(BROKEN));
  expect(fresh.texts.length).toBeGreaterThan(5);
  expect(brokenFresh.diagnostics.length).toBe(1);
});

describe('compiled templates kept between runs', () => {
  it('renders the same bytes from kept code, and compiles nothing the second time', async () => {
    const kept = file();
    keepCompiledTemplates(kept, 'build-1');
    expect(await render()).toEqual(fresh);
    saveCompiledTemplates();
    const entries = Object.keys((JSON.parse(readFileSync(kept, 'utf8')) as { entries: object }).entries);
    expect(entries.length).toBeGreaterThan(0);

    keepCompiledTemplates(kept, 'build-1');
    const compile = vi.spyOn(compiler, 'compile');
    try {
      expect(await render()).toEqual(fresh);
      expect(compile).not.toHaveBeenCalled();
    } finally {
      compile.mockRestore();
    }
    utimesSync(kept, new Date(0), new Date(0));
    saveCompiledTemplates(); // nothing new compiled: not written again
    expect(statSync(kept).mtimeMs).toBe(0);
  });

  it('does not use what another build kept', async () => {
    const kept = file();
    keepCompiledTemplates(kept, 'build-1');
    await render();
    saveCompiledTemplates();
    // The same keys with code that would render something else.
    const saved = JSON.parse(readFileSync(kept, 'utf8')) as { stamp: string; entries: Record<string, string> };
    const planted = Object.fromEntries(Object.keys(saved.entries).map((key) => [key, 'return { root: function (env, context, frame, runtime, cb) { cb(null, "planted"); } };']));
    writeFileSync(kept, JSON.stringify({ stamp: 'build-1', entries: planted }));
    keepCompiledTemplates(kept, 'build-2');
    expect(await render()).toEqual(fresh);
    saveCompiledTemplates();
    expect((JSON.parse(readFileSync(kept, 'utf8')) as { stamp: string }).stamp).toBe('build-2');
  });

  it('reports a template that does not compile as without it, and keeps nothing of it', async () => {
    const kept = file();
    keepCompiledTemplates(kept, 'build-1');
    expect(await render(scratchRepo(BROKEN))).toEqual(brokenFresh);
    saveCompiledTemplates();
    // The environment's probe ('{{ v }}') alone: the broken template is not kept.
    expect(Object.keys((JSON.parse(readFileSync(kept, 'utf8')) as { entries: object }).entries)).toHaveLength(1);
  });

  it('keeps only what the last run used', async () => {
    const kept = file();
    keepCompiledTemplates(kept, 'build-1');
    await render();
    saveCompiledTemplates();
    keepCompiledTemplates(kept, 'build-1');
    await render(scratchRepo({ 'templates/one.yml.njk': 'One: {{ organization.management_account_id }}\n' }));
    saveCompiledTemplates();
    expect(Object.keys((JSON.parse(readFileSync(kept, 'utf8')) as { entries: object }).entries)).toHaveLength(2); // the template and the environment's probe
  });
});
