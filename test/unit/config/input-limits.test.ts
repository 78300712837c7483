/**
 * Thousands of problems, very long lines: each problem is placed at its line, and what is
 * printed stays bounded. The inputs are made here rather than stored in
 * test/fixtures/invalid/, where one broken line per file is the rule.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { diagnosticsJson, renderDiagnostic, renderDiagnostics, SHOWN_DIAGNOSTICS } from '../../../src/views/diagnostics.js';
import { style } from '../../../src/views/style.js';
import { errorsOf, minimalText } from '../../helpers/dsl.js';

/** The minimal DSL with `entries` put at the top of `accounts:`. */
const withAccounts = (entries: string) => minimalText().replace(/^accounts:\n/m, `accounts:\n${entries}`);
const lineOf = (text: string, fragment: string) => text.slice(0, text.indexOf(fragment)).split('\n').length;

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
