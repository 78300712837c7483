import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { errorsOf, minimalText, parse } from '../../helpers/dsl.js';

describe('the DSL schema', () => {
  it('accepts the minimal fixture without a diagnostic', () => {
    expect(parseConfig('minimal.yml', minimalText()).diagnostics).toEqual([]);
  });

  it.each([
    ['+61 2 9999 9999'],
    ['+1 (555) 010-9999'],
    ['+442079460000'],
  ])('accepts the phone number %s', (phone) => {
    expect(errorsOf(parse([[['defaults', 'contacts', 'billing', 'phone'], phone]]))).toEqual([]);
  });

  it.each([['0298765432'], ['+61'], ['call me']])('rejects the phone number %s', (phone) => {
    expect(errorsOf(parse([[['defaults', 'contacts', 'billing', 'phone'], phone]])).map((d) => d.code)).toEqual(['invalid-value']);
  });

  it('accepts OU names with inner spaces and nested paths', () => {
    const result = parse([[['scopes', 'dev', 'organization_unit'], 'Internal/Workloads/Dev Team']]);
    expect(errorsOf(result)).toEqual([]);
    expect(result.desired!.ous).toContain('Internal/Workloads');
  });

  it('rejects a tag value that is a number, saying to quote it', () => {
    const [error] = errorsOf(parse([[['defaults', 'tags', 'cost-center'], 42]]));
    expect(error).toMatchObject({ code: 'invalid-type', path: 'defaults.tags.cost-center' });
    expect(error!.message).toContain('quote numbers');
  });

  it('rejects an unknown key at any depth with a hint', () => {
    const [error] = errorsOf(parse([[['organization', 'limits', 'max_retirement'], 2]]));
    expect(error).toMatchObject({ code: 'unknown-key', path: 'organization.limits.max_retirement', hint: 'did you mean "max_retirements"?' });
  });

  it('does not guess when nothing is close', () => {
    const [error] = errorsOf(parse([[['accounts', 'foo', 'xyzzy'], 1]]));
    expect(error!.hint).toBeUndefined();
    expect(error!.expected).toContain('organization_unit');
  });

  it('fills limits with AWS defaults when the DSL omits them', () => {
    const result = parse([[['organization', 'limits'], undefined]]);
    expect(result.desired!.organization.limits).toMatchObject({ scp_max_characters: 10240, scp_max_per_target: 10, max_creations_in_flight: 3 });
  });

  it('caps creations in flight at the AWS limit', () => {
    const [error] = errorsOf(parse([[['organization', 'limits', 'max_creations_in_flight'], 6]]));
    expect(error!.message).toContain('at most 5');
  });

  it('reports every error of a file at once, sorted by line', () => {
    const result = parse([
      [['accounts', 'foo', 'scope'], 'nope'],
      [['organization', 'home_region'], 'mars-1'],
      [['defaults', 'create_vpc'], 'no'],
    ]);
    const errors = errorsOf(result);
    expect(errors.map((d) => d.code)).toEqual(['invalid-value', 'invalid-type', 'unknown-scope']);
    expect(errors.map((d) => d.line)).toEqual([...errors.map((d) => d.line)].sort((a, b) => a - b));
  });

  it('reports an empty file as one missing map', () => {
    const result = parseConfig('empty.yml', '');
    expect(result.desired).toBeUndefined();
    expect(errorsOf(result)[0]).toMatchObject({ code: 'invalid-type', line: 1 });
  });
});
