/** Which stacks orgvend owns, and so may delete: names.ts isOwnedStack. */
import { describe, expect, it } from 'vitest';
import { isOwnedStack, isOwnedStackName } from '../../../src/protocol/names.js';

const TAGGED = { 'managed-by': 'orgvend', 'orgvend:template': 'templates/account/budget.yml.njk' };

describe('isOwnedStack', () => {
  it('owns an orgvend- stack DEPLOY_STACK tagged as its own with its template', () => {
    expect(isOwnedStack({ name: 'orgvend-budget', tags: TAGGED })).toBe(true);
    expect(isOwnedStack({ name: 'orgvend-vpc', tags: TAGGED })).toBe(true);
  });

  it('owns the stacks of DEPLOYED_STACKS\' names without tags: deployed before stacks were tagged', () => {
    for (const name of ['orgvend-vpc', 'orgvend-log-buckets', 'orgvend-ecr-repositories', 'orgvend-identity-iam-mapping-foo']) expect(isOwnedStack({ name, tags: {} }), name).toBe(true);
  });

  it('never owns the bootstrap stack, whatever its tags', () => {
    expect(isOwnedStack({ name: 'orgvend-bootstrap', tags: TAGGED })).toBe(false);
    expect(isOwnedStackName('orgvend-bootstrap')).toBe(false);
  });

  it('never owns a stack without the orgvend- prefix, whatever its tags', () => {
    for (const name of ['vpc', 'team-orgvend-vpc', 'Orgvend-vpc', 'orgvend', 'orgvend-', 'orgvend-a/b']) expect(isOwnedStack({ name, tags: TAGGED }), name).toBe(false);
  });

  it('does not own an orgvend- stack of another name without both tags', () => {
    expect(isOwnedStack({ name: 'orgvend-budget', tags: {} })).toBe(false);
    expect(isOwnedStack({ name: 'orgvend-budget', tags: { 'managed-by': 'orgvend' } })).toBe(false);
    expect(isOwnedStack({ name: 'orgvend-budget', tags: { 'orgvend:template': 'x' } })).toBe(false);
    expect(isOwnedStack({ name: 'orgvend-budget', tags: { 'managed-by': 'someone', 'orgvend:template': 'x' } })).toBe(false);
  });
});
