/**
 * Input too large to read, aliases that multiply, thousands of problems, very long lines:
 * each is refused (or reported) at its line, and what is printed stays bounded. The
 * inputs are made here rather than stored in test/fixtures/invalid/, where one broken
 * line per file is the rule.
 */
import { existsSync, mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_DSL_BYTES, MAX_EXPANDED_VALUES } from '../../../src/config/input-limits.js';
import { parseConfig, parseConfigBytes, readConfig } from '../../../src/config/load.js';
import { diagnosticsJson, renderDiagnostic, renderDiagnostics, SHOWN_DIAGNOSTICS } from '../../../src/views/diagnostics.js';
import { style } from '../../../src/views/style.js';
import { errorsOf, minimalText } from '../../helpers/dsl.js';

/** The minimal DSL with `entries` put at the top of `accounts:`. */
const withAccounts = (entries: string) => minimalText().replace(/^accounts:\n/m, `accounts:\n${entries}`);
const lineOf = (text: string, fragment: string) => text.slice(0, text.indexOf(fragment)).split('\n').length;

describe('the size of accounts.yml', () => {
  it(`refuses more than ${MAX_DSL_BYTES} bytes before parsing them, whether read or handed in`, () => {
    const text = withAccounts('  big:\n    scope: dev\n    description: "' + 'x'.repeat(MAX_DSL_BYTES) + '"\n');
    for (const result of [parseConfig('accounts.yml', text), parseConfigBytes('accounts.yml', Buffer.from(text))]) {
      expect(result.desired).toBeUndefined();
      expect(result.diagnostics).toEqual([
        expect.objectContaining({ code: 'input-too-large', file: 'accounts.yml', line: 1, column: 1, message: expect.stringMatching(/^accounts\.yml is 4 MiB, over the 4 MiB orgvend reads/) }),
      ]);
    }
  });

  it('refuses a 50 MB file by its size, without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-big-'));
    // A sparse file: 50 MB on paper, nothing on disk. Reading it would take the time the limit saves.
    const fd = openSync(join(dir, 'accounts.yml'), 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const { desired, diagnostics } = await readConfig('accounts.yml', dir);
    expect(desired).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([['input-too-large', 1, 'accounts.yml is 50 MiB, over the 4 MiB orgvend reads of such a file']]);
  });

  it.runIf(existsSync('/dev/zero'))('stops reading a file that never ends at the limit', async () => {
    const { diagnostics } = await readConfig('/dev/zero');
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([['input-too-large', '/dev/zero is larger than the 4 MiB orgvend reads of such a file']]);
  });

  it('takes a file just under the limit', () => {
    const entries = Array.from({ length: 20 }, (_, i) => `  team${i}:\n    scope: dev\n`).join('');
    const text = withAccounts(entries).replace('# The smallest', `#${' '.repeat(MAX_DSL_BYTES - Buffer.byteLength(withAccounts(entries)) - 2)}\n# The smallest`);
    expect(Buffer.byteLength(text)).toBe(MAX_DSL_BYTES);
    expect(parseConfig('accounts.yml', text).desired?.accounts).toHaveLength(22);
  });
  it('reports a long value by its start and shows a bounded part of its line', () => {
    const text = withAccounts(`  foo2:\n    scope: dev\n    description: ${'word '.repeat(400_000)}\n`);
    const [error, ...others] = errorsOf(parseConfig('accounts.yml', text));
    expect(others).toEqual([]);
    expect(error).toMatchObject({ code: 'invalid-value', line: lineOf(text, 'description:'), column: 18, expected: 'a description of at most 1,024 characters' });
    const rendered = renderDiagnostic(error!, style(false));
    expect(rendered.length).toBeLessThan(1_000);
    expect(rendered).toContain(`${lineOf(text, 'description:')} |     description: word word`);
    expect(rendered).toMatch(/ wo?r?d?…\n/);
  });
});

describe('aliases', () => {
  /** Anchors built from aliases, `levels` deep, nine aliases each: 9^levels values from a few lines. */
  const laughs = (levels: number) => {
    const lines = ['    tags:', '      l0: &l0 [a, a, a, a, a, a, a, a, a]'];
    for (let i = 1; i <= levels; i++) lines.push(`      l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    return withAccounts(`  laughs:\n    scope: dev\n${lines.join('\n')}\n`);
  };

  it('refuses aliases that expand to billions of values, at the alias that crosses the limit', () => {
    const text = laughs(12);
    const { desired, diagnostics } = parseConfig('accounts.yml', text);
    expect(desired).toBeUndefined();
    // l5 stands for 597,871 values, and l0 to l5 hold 672,603: the first *l5 in l6 takes the file past a million.
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['yaml-alias', lineOf(text, 'l6: &l6'), 16]]);
    expect(diagnostics[0]!.message).toBe(`alias *l5 stands for 597,871 values, which takes the file past ${MAX_EXPANDED_VALUES.toLocaleString('en')} once its aliases are expanded`);
  });

  it('takes an anchor used by 1,500 accounts, which the YAML library would call an attack', () => {
    const contacts = '  shared:\n    scope: dev\n    contacts: &ops\n      operations: { name: Ops, title: On call, email: ops@example.com, phone: "+61 2 9000 0002" }\n';
    const entries = Array.from({ length: 1500 }, (_, i) => `  team${i}:\n    scope: dev\n    contacts: *ops\n`).join('');
    const { desired, diagnostics } = parseConfig('accounts.yml', withAccounts(contacts + entries));
    expect(errorsOf({ diagnostics })).toEqual([]);
    expect(desired!.accounts.find((a) => a.name === 'team1499')!.settings.contacts.operations).toMatchObject({ email: 'ops@example.com' });
  });

  it('refuses a __proto__ key reached through an alias', () => {
    const text = withAccounts('  foo2:\n    scope: dev\n    tags: { &key __proto__: x, other: y }\n  foo3:\n    scope: dev\n    tags: { *key : z }\n');
    const errors = errorsOf(parseConfig('accounts.yml', text));
    expect(errors.map((d) => [d.code, d.line])).toEqual([
      ['invalid-key', lineOf(text, '&key')],
      ['invalid-key', lineOf(text, '*key')],
    ]);
  });
});

describe('many problems', () => {
  const broken = (count: number) => withAccounts(Array.from({ length: count }, (_, i) => `  bad${i}:\n    scope: dev\n    region: mars-${i}\n`).join(''));

  it('places each of 10,000 problems at its own line', () => {
    const text = broken(10_000);
    const errors = errorsOf(parseConfig('accounts.yml', text));
    expect(errors).toHaveLength(10_000);
    const first = lineOf(text, 'region: mars-0\n');
    expect(errors.every((d, i) => d.line === first + 3 * i && d.column === 13 && d.path === `accounts.bad${i}.region`)).toBe(true);
    expect(errors.at(-1)!.message).toBe('expected a known AWS region name, e.g. ap-southeast-2, found mars-9999');
  });

  it(`prints the first ${SHOWN_DIAGNOSTICS}, how many more there are, and the count of all`, () => {
    const { diagnostics } = parseConfig('accounts.yml', broken(250));
    const text = renderDiagnostics(diagnostics, style(false));
    expect(text.match(/^error\[/gm)).toHaveLength(SHOWN_DIAGNOSTICS);
    expect(text).toContain('accounts.bad99.region');
    expect(text).not.toContain('accounts.bad100.region');
    expect(text).toMatch(/… and 150 more not shown \(the first 100 are\)\n\n250 errors in accounts\.yml\n$/);

    const json = diagnosticsJson(diagnostics);
    expect(json.diagnostics).toHaveLength(SHOWN_DIAGNOSTICS);
    expect(json.more_diagnostics).toBe(150);
  });

  it('shows the part of a long line around the problem, with the marker under it', () => {
    const text = withAccounts(`  wide:\n    scope: dev\n    regions: [${'us-east-1, '.repeat(20_000)}mars-1]\n`);
    const [error] = errorsOf(parseConfig('accounts.yml', text));
    expect(error).toMatchObject({ code: 'invalid-value', line: lineOf(text, 'mars-1'), column: 15 + 11 * 20_000 });
    const [, , source, marker] = renderDiagnostic(error!, style(false)).split('\n');
    expect(source!.length).toBeLessThan(200);
    expect(source).toMatch(/^\d+ \| …[a-z0-9, -]+, mars-1\]$/);
    expect(source!.indexOf('mars-1')).toBe(marker!.indexOf('^'));
    expect(marker).toMatch(/\^{6}$/);
  });

  it('says nothing of more when all are shown', () => {
    const { diagnostics } = parseConfig('accounts.yml', broken(3));
    expect(renderDiagnostics(diagnostics, style(false))).not.toContain('more not shown');
    expect(diagnosticsJson(diagnostics)).toEqual({ diagnostics: expect.any(Array) });
  });
});

describe('a file given by path', () => {
  it('is read as bytes: one that is not UTF-8 is refused at its line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-utf8-'));
    const text = withAccounts('  café:\n    scope: dev\n');
    const at = Buffer.from(text).indexOf('é');
    writeFileSync(join(dir, 'accounts.yml'), Buffer.concat([Buffer.from(text).subarray(0, at), Buffer.from([0xe9]), Buffer.from(text).subarray(at + 2)]));
    const { desired, diagnostics } = await readConfig('accounts.yml', dir);
    expect(desired).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.message])).toEqual([['invalid-utf8', lineOf(text, 'café'), 6, 'not UTF-8: 0xE9 0x3A is not a UTF-8 character']]);
  });
});
