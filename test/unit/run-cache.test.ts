/**
 * What a run works out from the repository's text, kept between runs (src/run-cache.ts).
 * nunjucks' compiled templates: the example's templates render to the same bytes from kept
 * code as compiled anew, a kept file of another stamp is not used, a template that does not
 * compile says what it says without the store, and the file holds only what the last run
 * used. The verdicts that rendered templates parse: renderedProblems reports from kept
 * verdicts exactly what parsing each render reports, renders that do not parse included,
 * and a verdict kept by another build is not taken. The problems of a policy's actions
 * (scp/actions-check.ts): the same from kept results, and none kept for another iam-data.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseProblems, renderedProblems } from '../../src/render/lint.js';
import { keepRunCache, saveRunCache } from '../../src/run-cache.js';
import { iamDataRelease, unknownActions } from '../../src/scp/actions-check.js';
import { templateContext } from '../../src/render/context.js';
import { renderTemplates, type RenderedTemplate } from '../../src/render/render.js';
import { desiredOf, exampleText } from '../helpers/dsl.js';
import { scratchRepo } from '../helpers/repo.js';

const REPO = new URL('../fixtures/repo/', import.meta.url).pathname;
const context = templateContext(desiredOf([], exampleText()), new Map());
const render = async (repo = REPO) => {
  const { templates, diagnostics } = await renderTemplates(repo, context);
  return { texts: templates.map((t) => [t.output, t.text]), diagnostics };
};
const compiler = (nunjucks as unknown as { compiler: { compile: (...args: unknown[]) => string } }).compiler;
const BROKEN = { 'templates/a.yml.njk': 'A: {% if %}\n' };

/** Renders of a few shapes: values that parse anywhere, in a key (a skeleton that cannot vouch), and ones that break a plain or single-quoted scalar. */
const rendered = (texts: string[]): RenderedTemplate[] => texts.map((text, i) => ({ source: 't.yml.njk', output: `t/${i}.yml`, text, sha256: '' }));
const VALUES = ['"a"', '"b"', '"b: c"', '"#d"', '"\\u0041"', '"x\\"y"'];
const RENDERS = [
  ...rendered(VALUES.map((v) => `Key: ${v}\nOther: !Sub ${v}\n`)),
  ...rendered(VALUES.map((v) => `${v}: 1\n"b": 2\n`)),
  ...rendered(['Key: a: b\n', "Key: 'it's'\n", 'Key: [x\n', 'Key: "fine"\n']),
];
const display = (t: RenderedTemplate) => t.output;
const eachParsed = (templates: RenderedTemplate[]) => templates.flatMap((t) => parseProblems(display(t), t));

/** A policy naming a misspelt action and service, a wildcard that matches nothing, and actions that are fine. */
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['s3:DeleteBuckett', 'ec3:RunInstances', 'iam:Nothing*', 's3:GetObject', 'ec2:*'], Resource: '*' }] };
const FINE = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }] };

let parsed: ReturnType<typeof eachParsed>;
let policyProblems: Awaited<ReturnType<typeof unknownActions>>;
let fresh: Awaited<ReturnType<typeof render>>;
let brokenFresh: Awaited<ReturnType<typeof render>>;
const file = () => join(mkdtempSync(join(tmpdir(), 'orgvend-run-cache-')), 'validate.results.json');

beforeAll(async () => {
  // Without a store, as from source: what every other test renders.
  fresh = await render();
  brokenFresh = await render(scratchRepo(BROKEN));
  parsed = eachParsed(RENDERS);
  policyProblems = await unknownActions(POLICY);
  expect(policyProblems.map((p) => p.found)).toEqual(['s3:DeleteBuckett', 'ec3', 'iam:Nothing*']);
  expect(parsed.length).toBeGreaterThanOrEqual(4); // the repeated key, and each broken scalar
  expect(fresh.texts.length).toBeGreaterThan(5);
  expect(brokenFresh.diagnostics.length).toBe(1);
});

describe('compiled templates kept between runs', () => {
  it('renders the same bytes from kept code, and compiles nothing the second time', async () => {
    const kept = file();
    keepRunCache(kept, 'build-1');
    expect(await render()).toEqual(fresh);
    saveRunCache();
    const entries = Object.keys((JSON.parse(readFileSync(kept, 'utf8')) as { entries: object }).entries);
    expect(entries.length).toBeGreaterThan(0);

    keepRunCache(kept, 'build-1');
    const compile = vi.spyOn(compiler, 'compile');
    try {
      expect(await render()).toEqual(fresh);
      expect(compile).not.toHaveBeenCalled();
    } finally {
      compile.mockRestore();
    }
    utimesSync(kept, new Date(0), new Date(0));
    saveRunCache(); // nothing new compiled: not written again
    expect(statSync(kept).mtimeMs).toBe(0);
  });

  it('does not use what another build kept', async () => {
    const kept = file();
    keepRunCache(kept, 'build-1');
    await render();
    saveRunCache();
    // The same keys with code that would render something else.
    const saved = JSON.parse(readFileSync(kept, 'utf8')) as { stamp: string; entries: Record<string, string> };
    const planted = Object.fromEntries(Object.keys(saved.entries).map((key) => [key, 'return { root: function (env, context, frame, runtime, cb) { cb(null, "planted"); } };']));
    writeFileSync(kept, JSON.stringify({ stamp: 'build-1', entries: planted }));
    keepRunCache(kept, 'build-2');
    expect(await render()).toEqual(fresh);
    saveRunCache();
    expect((JSON.parse(readFileSync(kept, 'utf8')) as { stamp: string }).stamp).toBe('build-2');
  });

  it('reports a template that does not compile as without it, and keeps nothing of it', async () => {
    const kept = file();
    keepRunCache(kept, 'build-1');
    expect(await render(scratchRepo(BROKEN))).toEqual(brokenFresh);
    saveRunCache();
    // The environment's probe ('{{ v }}') alone: the broken template is not kept.
    expect(Object.keys((JSON.parse(readFileSync(kept, 'utf8')) as { entries: object }).entries)).toHaveLength(1);
  });

  it('keeps only what the last run used', async () => {
    const kept = file();
    keepRunCache(kept, 'build-1');
    await render();
    saveRunCache();
    keepRunCache(kept, 'build-1');
    await render(scratchRepo({ 'templates/one.yml.njk': 'One: {{ organization.management_account_id }}\n' }));
    saveRunCache();
    expect(Object.keys((JSON.parse(readFileSync(kept, 'utf8')) as { entries: object }).entries)).toHaveLength(2); // the template and the environment's probe
  });
});

describe('parse verdicts kept between runs', () => {
  it('reports from kept verdicts what parsing each render reports, and parses only what does not parse', () => {
    const kept = file();
    keepRunCache(kept, 'build-1');
    expect(renderedProblems(RENDERS, display)).toEqual(parsed);
    saveRunCache();
    keepRunCache(kept, 'build-1');
    expect(renderedProblems(RENDERS, display)).toEqual(parsed);
    // Every verdict found kept (a verdict worked out anew is written): the renders that do not parse were parsed again, for their errors.
    utimesSync(kept, new Date(0), new Date(0));
    saveRunCache();
    expect(statSync(kept).mtimeMs).toBe(0);
  });

  it('takes a verdict only from the build that kept it', () => {
    const broken = rendered(['Key: a: b\n']);
    const problems = eachParsed(broken);
    expect(problems).toHaveLength(1);
    // A verdict under the key the store finds it by, as a build would have kept it.
    const key = createHash('sha256').update(JSON.stringify(['rendered template parses', broken[0]!.text])).digest('hex');
    const kept = file();
    writeFileSync(kept, JSON.stringify({ stamp: 'build-1', entries: { [key]: 'parses' } }));
    keepRunCache(kept, 'build-2');
    expect(renderedProblems(broken, display)).toEqual(problems);
    // The build that kept it is trusted (docs/SECURITY.md: whoever can write the install runs code as its users).
    keepRunCache(kept, 'build-1');
    expect(renderedProblems(broken, display)).toEqual([]);
  });
});

describe("a policy's action problems kept between runs", () => {
  it('reports from kept results what the check reports, for each document and kind', async () => {
    const kept = file();
    keepRunCache(kept, 'build-1');
    expect(await unknownActions(POLICY)).toEqual(policyProblems);
    expect(await unknownActions(FINE)).toEqual([]);
    saveRunCache();
    keepRunCache(kept, 'build-1');
    expect(await unknownActions(POLICY)).toEqual(policyProblems);
    expect(await unknownActions(FINE)).toEqual([]);
    utimesSync(kept, new Date(0), new Date(0));
    saveRunCache(); // every result found kept
    expect(statSync(kept).mtimeMs).toBe(0);
    // A resource control policy is checked on its own: S3 supports RCPs, EC2 and IAM do not.
    expect((await unknownActions(POLICY, { rcp: true })).map((p) => p.found)).toEqual(['s3:DeleteBuckett', 'ec3', 'iam:Nothing*', 'ec2:*']);
  });

  it("takes no result kept for another release of AWS's action list", async () => {
    const release = iamDataRelease();
    expect(release).toMatch(/^\d+\.\d+\.\d+ \d{4}-/);
    const keyFor = (data: string) => createHash('sha256').update(JSON.stringify(['policy actions', data, 'false', JSON.stringify(POLICY)])).digest('hex');
    const kept = file();
    // What an older list might have said of the same document, kept by this build.
    writeFileSync(kept, JSON.stringify({ stamp: 'build-1', entries: { [keyFor('0.0.1 2020-01-01')]: '[]' } }));
    keepRunCache(kept, 'build-1');
    expect(await unknownActions(POLICY)).toEqual(policyProblems);
    // Under this release's key, the build's result is taken (the key is the one the check uses).
    writeFileSync(kept, JSON.stringify({ stamp: 'build-1', entries: { [keyFor(release!)]: '[]' } }));
    keepRunCache(kept, 'build-1');
    expect(await unknownActions(POLICY)).toEqual([]);
  });
});
