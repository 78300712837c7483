import { describe, expect, it } from 'vitest';
import { expandPattern, placeholdersIn, unknownPlaceholders } from '../../../src/config/patterns.js';

const values = { name: 'foo', environment: 'nonprod', region: 'us-east-1', service: 'foo-svc', scope: 'dev' };

describe('account name and email patterns', () => {
  it('fills every placeholder', () => {
    expect(expandPattern('{service}-{environment}-{region}', values)).toEqual({ ok: true, value: 'foo-svc-nonprod-us-east-1' });
    expect(expandPattern('aws+{name}.{scope}@example.com', values)).toEqual({ ok: true, value: 'aws+foo.dev@example.com' });
  });

  it('repeats a placeholder used twice', () => {
    expect(expandPattern('{name}/{name}', values)).toEqual({ ok: true, value: 'foo/foo' });
  });

  it('reports placeholders without a value instead of writing "undefined"', () => {
    expect(expandPattern('{name}-{environment}-{environment}', { ...values, environment: undefined })).toEqual({
      ok: false,
      missing: ['environment'],
    });
  });

  it('finds unknown placeholders', () => {
    expect(placeholdersIn('{name}-{env}')).toEqual(['name', 'env']);
    expect(unknownPlaceholders('{name}-{env}-{region}')).toEqual(['env']);
    expect(unknownPlaceholders('plain')).toEqual([]);
  });
});
