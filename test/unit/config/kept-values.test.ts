/**
 * accounts.yml's values kept between runs (readConfig, run-cache.ts): a run that finds the
 * file's bytes kept checks the kept values, and reports exactly what parsing the file
 * reports (the Desired, its warnings, its schema errors), placing every problem, a later
 * one too, where parsing places it. A file with a YAML problem keeps nothing. Values are
 * found by the file's text and V8's version alone.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/config/diagnostics.js';
import { parseConfig, readConfig } from '../../../src/config/load.js';
import { keepRunCache, saveRunCache } from '../../../src/run-cache.js';
import { exampleText } from '../../helpers/dsl.js';

const EXAMPLE = exampleText();
/** The example with an alias (a value shared by two accounts) and a grant no account uses (a warning). */
const WITH_WARNING = EXAMPLE.replace('- { environments: [nonprod, prod], services: [foo] }', '- { environments: &envs [nonprod, prod], services: [foo] }\n      - { environments: *envs, services: [nobody] }');
/** A schema error (an unknown region), the YAML sound. */
const SCHEMA_ERROR = EXAMPLE.replace(/\n {4}region: [a-z0-9-]+\n/, '\n    region: mars-1\n');
/** A YAML problem (a key twice). */
const DUPLICATE_KEY = EXAMPLE.replace('\naccounts:\n', '\naccounts:\naccounts:\n');
/** A later problem (a policy's, say) placed in accounts.yml. */
const LATER: Problem = { code: 'scp-unknown-policy', path: ['organization', 'ou_roots', 0], message: 'later' };

/** A repository holding `text` as accounts.yml, and a store for a build's results. */
function setup(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-kept-'));
  writeFileSync(join(dir, 'accounts.yml'), text);
  return { dir, store: join(dir, 'validate.results.json') };
}

/** One run: the store opened, accounts.yml read, a later problem placed, the store saved; and whether the run wrote it. */
async function run(dir: string, store: string) {
  keepRunCache(store, 'build-1');
  const result = await readConfig('accounts.yml', dir);
  const later = result.source?.locate(LATER);
  const before = statSync(store, { throwIfNoEntry: false })?.mtimeMs;
  if (before !== undefined) utimesSync(store, 0, 0);
  saveRunCache();
  const wrote = statSync(store, { throwIfNoEntry: false })?.mtimeMs !== (before === undefined ? undefined : 0);
  return { result: { desired: result.desired, diagnostics: result.diagnostics }, later, wrote };
}

const parsedAs = (text: string) => {
  const result = parseConfig('accounts.yml', text);
  return { result: { desired: result.desired, diagnostics: result.diagnostics }, later: result.source?.locate(LATER) };
};

describe("accounts.yml's values kept between runs", () => {
  it.each([
    ['the example', EXAMPLE],
    ['a file with a warning and an alias', WITH_WARNING],
    ['a file the schema refuses', SCHEMA_ERROR],
  ])('reports for %s from kept values exactly what parsing reports, and places a later problem as parsing does', async (_, text) => {
    const { dir, store } = setup(text);
    const expected = parsedAs(text);
    const first = await run(dir, store);
    expect(first.wrote).toBe(true);
    const second = await run(dir, store);
    expect(second.wrote).toBe(false); // nothing computed anew: the values came from the store
    for (const got of [first, second]) {
      expect(got.result).toStrictEqual(expected.result);
      expect(got.later).toStrictEqual(expected.later);
    }
    if (text === WITH_WARNING) expect(second.result.diagnostics.map((d) => d.code)).toEqual(['unused-ecr-grant']);
    if (text === SCHEMA_ERROR) expect(second.result.diagnostics.some((d) => d.message.includes('mars-1'))).toBe(true);
  });

  it('keeps nothing of a file with a YAML problem, and reports it on every run', async () => {
    const { dir, store } = setup(DUPLICATE_KEY);
    const expected = parsedAs(DUPLICATE_KEY);
    expect(expected.result.diagnostics.map((d) => d.code)).toContain('duplicate-key');
    for (let i = 0; i < 2; i++) expect((await run(dir, store)).result).toStrictEqual(expected.result);
    expect(statSync(store, { throwIfNoEntry: false })).toBeUndefined();
  });

  it("finds values by the file's text and this V8's version: planted under that key they are what is checked, under another V8's they are not taken", async () => {
    const { dir, store } = setup(EXAMPLE);
    const other = EXAMPLE.replace('\naccounts:\n  foo:\n', '\naccounts:\n  planted:\n');
    expect(other).not.toBe(EXAMPLE);
    const planted = serialize(parseConfig('accounts.yml', other).source!.toJS()).toString('base64');
    const keyFor = (v8: string) => createHash('sha256').update(JSON.stringify(['accounts.yml values', v8, EXAMPLE])).digest('hex');

    writeFileSync(store, JSON.stringify({ stamp: 'build-1', entries: { [keyFor(process.versions.v8)]: planted } }));
    const taken = await run(dir, store);
    expect(taken.result.desired!.accounts.map((a) => a.name)).toContain('planted');

    writeFileSync(store, JSON.stringify({ stamp: 'build-1', entries: { [keyFor('0.0.0')]: planted } }));
    const notTaken = await run(dir, store);
    expect(notTaken.result).toStrictEqual(parsedAs(EXAMPLE).result);
    expect(JSON.parse(readFileSync(store, 'utf8')).entries).not.toHaveProperty(keyFor('0.0.0'));
  });
});
