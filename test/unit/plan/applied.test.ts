/** The applied tag: what it fingerprints, what a plan skips for an account it vouches for, and which accounts --execute tags. */
import { describe, expect, it } from 'vitest';
import { planAccounts } from '../../../src/plan/accounts.js';
import { fingerprintInputs, fingerprintsOf, settledAccounts, stacksDiffering } from '../../../src/plan/applied.js';
import { desiredParameters } from '../../../src/plan/parameters.js';
import type { Change } from '../../../src/plan/plan.js';
import type { Deployments } from '../../../src/plan/stacks.js';
import type { Live } from '../../../src/state/live.js';
import { desiredOf } from '../../helpers/dsl.js';
import { convergedLive, MINIMAL_IDS } from '../../helpers/live.js';

const NOW = new Date('2026-12-05T10:00:00Z');
const FOO = MINIMAL_IDS.foo!;
const DNS = MINIMAL_IDS.dns!;
const appliedFingerprints = (...args: Parameters<typeof fingerprintInputs>) => fingerprintsOf(fingerprintInputs(...args));
const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.target}`);

const vpc = (sha: string) => ({ stack: 'orgvend-vpc' as const, account: 'foo', accountId: FOO, region: 'us-east-1', source: 'templates/account/vpc.yml.njk', template: `Resources: {} # ${sha}`, sha256: sha.repeat(64) });
const deploymentsOf = (sha = 'a'): Deployments => ({ deployments: [vpc(sha)], notes: [], owners: [{ account: 'foo', accountId: FOO, regions: ['us-east-1'] }] });

/** The minimal organization with both accounts bootstrapped; foo's parameters, block and VPC as `state` says (nothing: not read). */
function organization(d = desiredOf(), state: Partial<Pick<Live, 'parameters' | 'stacks' | 'publicAccessBlocks' | 'vouched'>> = {}): Live {
  const live = convergedLive(d);
  for (const a of live.accounts) if (a.id !== live.managementAccountId) a.tags['orgvend:bootstrap'] = 'abc123';
  return { ...live, ...state };
}

describe('the applied fingerprint', () => {
  const d = desiredOf();
  const of = (desired = d, live = organization(desired), deployments = deploymentsOf()) => appliedFingerprints(desired, live, deployments);

  it('is given to every bootstrapped account accounts.yml names, never to the management account or one without the stack', () => {
    expect([...of().keys()].sort()).toEqual([FOO, DNS]);
    const live = organization();
    delete live.accounts.find((a) => a.id === DNS)!.tags['orgvend:bootstrap'];
    expect([...of(d, live).keys()]).toEqual([FOO]);
  });

  it('is the same for the same repository, and changes with what the account should hold', () => {
    const base = of().get(FOO);
    expect(of().get(FOO)).toBe(base);
    // Its parameters (a tag of its own), its S3 Block Public Access, its stacks' templates, its bootstrap.
    expect(of(desiredOf([[['accounts', 'foo', 'tags'], { team: 'blue' }]])).get(FOO)).not.toBe(base);
    expect(of(desiredOf([[['defaults', 's3_block_public_access'], true]])).get(FOO)).not.toBe(base);
    expect(of(d, organization(), deploymentsOf('b')).get(FOO)).not.toBe(base);
    const rebootstrapped = organization();
    rebootstrapped.accounts.find((a) => a.id === FOO)!.tags['orgvend:bootstrap'] = 'def456';
    expect(of(d, rebootstrapped).get(FOO)).not.toBe(base);
    // Another account's change leaves it alone.
    expect(of(desiredOf([[['accounts', 'dns', 'tags'], { team: 'blue' }]])).get(FOO)).toBe(base);
  });
});

describe('what differs between two fingerprints', () => {
  const d = desiredOf();
  const inputs = (desired = d, deployments = deploymentsOf()) => fingerprintInputs(desired, organization(desired), deployments).get(FOO)!;
  const mapping = (name: string, sha: string) => ({ ...vpc(sha), stack: `orgvend-identity-iam-mapping-${name}` as const, region: 'ap-southeast-2' });
  const withMappings = (...names: string[]): Deployments => ({ ...deploymentsOf(), deployments: [vpc('a'), ...names.map((n) => mapping(n, 'c'))] });

  it('names the stacks deployed in one and not the same in the other, when nothing else differs', () => {
    expect(stacksDiffering(inputs(), inputs())).toEqual([]);
    expect(stacksDiffering(inputs(d, withMappings('bar')), inputs(d, withMappings('bar', 'baz')))).toEqual(['ap-southeast-2/orgvend-identity-iam-mapping-baz']);
    expect(stacksDiffering(inputs(d, withMappings('bar', 'baz')), inputs(d, withMappings('baz')))).toEqual(['ap-southeast-2/orgvend-identity-iam-mapping-bar']);
    expect(stacksDiffering(inputs(), inputs(d, deploymentsOf('b')))).toEqual(['us-east-1/orgvend-vpc']);
  });

  it('is undefined (the account is read whole) when its parameters, settings or the stacks it owns differ', () => {
    expect(stacksDiffering(inputs(), inputs(desiredOf([[['accounts', 'foo', 'tags'], { team: 'blue' }]])))).toBeUndefined();
    expect(stacksDiffering(inputs(), inputs(desiredOf([[['defaults', 's3_block_public_access'], true]])))).toBeUndefined();
    expect(stacksDiffering(inputs(), inputs(d, { ...deploymentsOf(), owners: [{ account: 'foo', accountId: FOO, regions: ['us-east-1', 'us-west-2'] }] }))).toBeUndefined();
  });
});

describe('a plan with accounts vouched for by their applied tag', () => {
  const d = desiredOf([[['defaults', 's3_block_public_access'], true]]);
  const stale = { parameters: new Map([[FOO, {}]]), publicAccessBlocks: new Map([[FOO, null]]), stacks: new Map([[FOO, []]]) };

  it('plans the parameters, S3 Block Public Access and stacks of an account that was read', () => {
    const plan = planAccounts(d, organization(d, stale), { now: NOW, deployments: deploymentsOf() });
    expect(brief(plan.changes)).toEqual(['parameters.put foo', 'public-access-block.put foo', 'stack.deploy foo/orgvend-vpc']);
  });

  it('plans none of them for an account vouched for, and deletes none of its stacks', () => {
    const withOrphan = { ...stale, stacks: new Map([[FOO, [{ stack: 'orgvend-old', region: 'us-east-1', status: 'CREATE_COMPLETE', template: 'Resources: {}' }]]]) };
    const plan = planAccounts(d, organization(d, { ...withOrphan, vouched: new Set([FOO]) }), { now: NOW, deployments: deploymentsOf() });
    expect(plan.changes).toEqual([]);
  });

  it('plans, of an account vouched for but some stacks, those stacks alone as read: deployed or deleted', () => {
    const orphan = { stack: 'orgvend-old', region: 'us-east-1', status: 'CREATE_COMPLETE', template: 'Resources: {}' };
    const live = { ...organization(d, { ...stale, stacks: new Map([[FOO, [orphan]]]), vouched: new Set([FOO]) }), vouchedExcept: new Map([[FOO, new Set(['us-east-1/orgvend-vpc', 'us-east-1/orgvend-old'])]]) };
    expect(brief(planAccounts(d, live, { now: NOW, deployments: deploymentsOf() }).changes)).toEqual(['stack.deploy foo/orgvend-vpc', 'stack.delete foo/us-east-1/orgvend-old']);
    // The VPC stack vouched for: not planned.
    live.vouchedExcept = new Map([[FOO, new Set(['us-east-1/orgvend-old'])]]);
    expect(brief(planAccounts(d, live, { now: NOW, deployments: deploymentsOf() }).changes)).toEqual(['stack.delete foo/us-east-1/orgvend-old']);
  });
});

describe('the accounts --execute records as applied', () => {
  const d = desiredOf();
  const fingerprints = appliedFingerprints(d, organization(d), deploymentsOf());
  const read = (tags: Record<string, Record<string, string>> = {}, vouched: string[] = []) => {
    const live = organization(d, { parameters: new Map([[FOO, desiredParameters(d.accounts[0]!, d.organization)]]), vouched: new Set(vouched) });
    for (const a of live.accounts) Object.assign(a.tags, tags[a.id] ?? {});
    return live;
  };
  const plan = (changes: Change[] = [], conflicts: string[] = []) => ({ ...planAccounts(d, organization(d), { now: NOW }), changes, conflicts });

  it('are those read, with nothing left to change, whose tag is not yet their fingerprint', () => {
    expect([...settledAccounts(fingerprints, read(), plan())]).toEqual([[FOO, fingerprints.get(FOO)]]);
    // dns was not read (no parameters): not recorded.
    expect(settledAccounts(fingerprints, read({ [FOO]: { 'orgvend:applied': fingerprints.get(FOO)! } }), plan()).size).toBe(0);
    expect(settledAccounts(fingerprints, read({}, [FOO]), plan()).size).toBe(0);
    // Vouched for but the stacks that differ from what its tag vouches for, which were read: recorded anew.
    expect([...settledAccounts(fingerprints, { ...read({}, [FOO]), vouchedExcept: new Map([[FOO, new Set(['us-east-1/orgvend-vpc'])]]) }, plan())]).toEqual([[FOO, fingerprints.get(FOO)]]);
  });

  it('leave out an account with a change left, and every account while the plan holds a conflict', () => {
    const left: Change = { type: 'parameters.put', target: 'foo', reason: 'parameters-changed', before: { account_id: FOO, parameters: {} }, after: { parameters: {} } };
    expect(settledAccounts(fingerprints, read(), plan([left])).size).toBe(0);
    expect(settledAccounts(fingerprints, read(), plan([], ['foo: left alone because …'])).size).toBe(0);
  });
});
