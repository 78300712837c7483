/**
 * Thousands of problems: each is placed at its line. The inputs are made here rather than
 * stored in test/fixtures/invalid/, where one broken line per file is the rule.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
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
});
