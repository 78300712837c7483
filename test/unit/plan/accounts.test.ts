import { describe, expect, it } from 'vitest';
import type { Desired } from '../../../src/config/resolve.js';
import { liveDigest, planAccounts } from '../../../src/plan/accounts.js';
import { limitViolations } from '../../../src/plan/limits.js';
import { desiredParameters } from '../../../src/plan/parameters.js';
import { describeChange } from '../../../src/views/plan.js';
import type { Change } from '../../../src/plan/plan.js';
import type { LiveStack } from '../../../src/plan/stacks.js';
import { desiredOf } from '../../helpers/dsl.js';
import { convergedLive, liveAccountFor, liveOrg, MANAGEMENT } from '../../helpers/live.js';

const NOW = new Date('2026-11-23T10:00:00Z');

const desired = desiredOf;

const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.target}`);
const entry = (d: Desired, name: string) => d.accounts.find((a) => a.name === name)!;

/** The live organization exactly as the minimal DSL describes it. */
const converged = (d: Desired) => convergedLive(d);

describe('planning sync-accounts', () => {
  it('creates every OU, parents first, and every account of an empty organization', () => {
    const plan = planAccounts(desired(), liveOrg([]), { now: NOW });
    expect(brief(plan.changes)).toEqual([
      'ou.create Internal',
      'ou.create Morgue',
      'ou.create Internal/Dev',
      'ou.create Internal/Infra',
      'account.create foo',
      'account.create dns',
    ]);
    expect(plan.changes[4]).toEqual({
      type: 'account.create',
      target: 'foo',
      reason: 'missing-in-org',
      before: null,
      after: {
        aws_name: 'foo-nonprod',
        email: 'aws+foo@example.com',
        ou: 'Internal/Dev',
        tags: expect.objectContaining({ 'managed-by': 'orgvend', 'orgvend:name': 'foo', 'cost-center': 'platform' }),
      },
    });
    expect(plan.summary).toEqual({ 'ou.create': 4, 'account.create': 2 });
  });

  it('plans nothing when the organization matches', () => {
    const d = desired();
    const plan = planAccounts(d, converged(d), { now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.unmanaged).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  it('moves the accounts of a scope whose OU changed, creating the new OU first', () => {
    const before = desired();
    const after = desired([[['scopes', 'dev', 'organization_unit'], 'Internal/Workloads/Dev']]);
    const plan = planAccounts(after, converged(before), { now: NOW });
    expect(brief(plan.changes)).toEqual(['ou.create Internal/Workloads', 'ou.create Internal/Workloads/Dev', 'account.move foo']);
    expect(plan.changes[2]).toMatchObject({ reason: 'ou-changed', before: { account_id: '500000000001', ou: 'Internal/Dev' }, after: { ou: 'Internal/Workloads/Dev' } });
  });

  it('retires an account removed from the DSL: to the morgue OU, tagged with the day', () => {
    const d = desired();
    const live = converged(d);
    const plan = planAccounts(desired([[['accounts', 'dns'], undefined], [['organization', 'dns_account'], undefined]]), live, { now: NOW });
    expect(plan.changes).toEqual([
      {
        type: 'account.retire',
        target: 'dns',
        reason: 'removed-from-config',
        before: { account_id: '500000000002', ou: 'Internal/Infra' },
        after: { ou: 'Morgue', tags: { 'orgvend:lifecycle': 'retired', 'orgvend:retired-on': '2026-11-23' } },
      },
    ]);
  });

  it('leaves a retired account in the morgue alone', () => {
    const d = desired([[['accounts', 'dns'], undefined], [['organization', 'dns_account'], undefined]]);
    const live = converged(desired());
    const dns = live.accounts.find((a) => a.id === '500000000002')!;
    Object.assign(dns, { ou: 'Morgue', tags: { ...dns.tags, 'orgvend:lifecycle': 'retired', 'orgvend:retired-on': '2026-01-01' } });
    expect(planAccounts(d, live, { now: NOW }).changes).toEqual([]);
  });

  it('brings a retired account back when its entry returns, removing the retirement tags', () => {
    const d = desired();
    const live = converged(d);
    const dns = live.accounts.find((a) => a.id === '500000000002')!;
    Object.assign(dns, { ou: 'Morgue', tags: { ...dns.tags, 'orgvend:lifecycle': 'retired', 'orgvend:retired-on': '2026-01-01' } });
    const plan = planAccounts(d, live, { now: NOW });
    expect(brief(plan.changes)).toEqual(['account.move dns', 'account.tag dns']);
    expect(plan.changes[1]!.after).toEqual({ tags: { 'orgvend:lifecycle': null, 'orgvend:retired-on': null } });
  });

  it('lists accounts it does not manage and never touches them', () => {
    const d = desired();
    const live = converged(d);
    live.accounts.push(...liveOrg([], [{ id: '700000000001', name: 'legacy', email: 'legacy@example.com', tags: { team: 'x' } }]).accounts.slice(1));
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.unmanaged).toEqual([{ id: '700000000001', name: 'legacy', email: 'legacy@example.com', ou: 'Root' }]);
  });

  it('adopts an account that has the entry\'s email: moves and tags it, creates nothing', () => {
    const d = desired();
    const live = liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'], [
      { id: '500000000001', name: 'foo-nonprod', email: 'AWS+Foo@example.com', ou: '', tags: { team: 'legacy' } },
      liveAccountFor(entry(d, 'dns'), '500000000002'),
    ]);
    const plan = planAccounts(d, live, { now: NOW });
    expect(brief(plan.changes)).toEqual(['account.move foo', 'account.tag foo']);
    // The account's own tag stays: orgvend changes only the tags it owns.
    expect(Object.keys((plan.changes[1]!.after as { tags: object }).tags)).not.toContain('team');
  });

  it('prefers the orgvend:name tag over the email, so a changed email does not create a second account', () => {
    const before = desired();
    const after = desired([[['accounts', 'foo', 'email'], 'new-foo@example.com']]);
    const plan = planAccounts(after, converged(before), { now: NOW });
    expect(brief(plan.changes)).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  it('matches an entry that pins an account id to that account before anything else', () => {
    const d = desired([[['accounts', 'dns', 'account_id'], '600000000009']]);
    const live = converged(desired());
    live.accounts.push(...liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'], [{ id: '600000000009', name: 'old-dns', email: 'dns-root@example.com', ou: 'Internal/Infra' }]).accounts.slice(1));
    const plan = planAccounts(d, live, { now: NOW });
    expect(brief(plan.changes)).toEqual(['account.tag dns']);
    expect(plan.changes[0]!.before).toMatchObject({ account_id: '600000000009' });
    expect(plan.conflicts).toEqual(expect.arrayContaining([expect.stringContaining('account 500000000002 is tagged orgvend:name=dns too')]));
  });

  it('changes only the tags it owns: sets changed values, removes those the DSL nulls, keeps foreign ones', () => {
    const d = desired([
      [['accounts', 'foo', 'tags'], { 'cost-center': 'payments', legacy: null }],
    ]);
    const live = converged(desired());
    const foo = live.accounts.find((a) => a.id === '500000000001')!;
    foo.tags = { ...foo.tags, legacy: 'yes', owner: 'someone' };
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.changes).toEqual([
      {
        type: 'account.tag',
        target: 'foo',
        reason: 'tags-changed',
        before: { account_id: '500000000001', tags: { 'cost-center': 'platform', legacy: 'yes' } },
        after: { tags: { 'cost-center': 'payments', legacy: null } },
      },
    ]);
  });

  it('keeps the tags RECORD_APPLIED sets, as it keeps the bootstrap tag, but removes an orgvend: tag it no longer sets', () => {
    const live = converged(desired());
    const foo = live.accounts.find((a) => a.id === '500000000001')!;
    const recorded = { 'orgvend:applied': 'a'.repeat(32), 'orgvend:applied-contacts': 'b'.repeat(32), 'orgvend:applied-regions': 'c'.repeat(32) };
    foo.tags = { ...foo.tags, ...recorded, 'orgvend:retired-on': '2026-01-01' };
    expect(planAccounts(desired(), live, { now: NOW }).changes.map((c) => [c.type, c.target, c.after])).toEqual([['account.tag', 'foo', { tags: { 'orgvend:retired-on': null } }]]);
  });

  it('never targets the management account, even when an entry has its email', () => {
    const d = desired([[['accounts', 'dns', 'email'], 'root@example.com']]);
    const live = converged(desired());
    live.accounts.find((a) => a.id === MANAGEMENT)!.tags = { 'managed-by': 'orgvend', 'orgvend:name': 'gone' };
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.changes.filter((c) => JSON.stringify(c).includes(MANAGEMENT))).toEqual([]);
    expect(plan.conflicts).toEqual(expect.arrayContaining([expect.stringContaining("dns: left alone because its email root@example.com is the management account's")]));
    expect(plan.unmanaged.map((a) => a.id)).not.toContain(MANAGEMENT);
  });

  it('closes an account only when its entry says lifecycle: closed', () => {
    const d = desired([[['accounts', 'dns', 'lifecycle'], 'closed']]);
    const plan = planAccounts(d, converged(desired()), { now: NOW });
    expect(plan.changes).toEqual([{ type: 'account.close', target: 'dns', reason: 'lifecycle-closed', before: { account_id: '500000000002', status: 'ACTIVE' }, after: { status: 'CLOSED' } }]);
    const closed = converged(desired());
    closed.accounts.find((a) => a.id === '500000000002')!.status = 'SUSPENDED';
    expect(planAccounts(d, closed, { now: NOW }).changes).toEqual([]);
  });

  it('closes only an account orgvend manages: one it would first have to adopt is noted, not closed', () => {
    const d = desired([[['accounts', 'dns', 'lifecycle'], 'closed']]);
    const live = converged(desired());
    live.accounts.find((a) => a.id === '500000000002')!.tags = { team: 'dns' };
    live.accounts.find((a) => a.id === '500000000002')!.email = entry(d, 'dns').email;
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual([
      'dns: account 500000000002 is not tagged as managed by orgvend, and orgvend closes only the accounts it manages; make the entry active, adopt it with sync-accounts --execute, then close it',
    ]);
  });

  it("never moves, tags, retires or closes a core account (CICD, audit, delegated administrator), and says what it leaves alone", () => {
    const d = desired([
      [['organization', 'delegated_admin_account_id'], '444444444444'],
      [['accounts', 'cicd'], { scope: 'infra', account_id: '222222222222' }],
      [['accounts', 'audit'], { scope: 'dev', account_id: '333333333333', lifecycle: 'closed' }],
    ]);
    // Both in Root and untagged, as an organization's first accounts are; the delegated administrator tagged by an older orgvend, its entry gone.
    const live = converged(d);
    live.accounts.push(
      ...liveOrg([], [
        { id: '222222222222', name: 'cicd-prod', email: 'aws+cicd@example.com' },
        { id: '333333333333', name: 'audit-nonprod', email: 'aws+audit@example.com' },
        { id: '444444444444', name: 'admin', email: 'admin@example.com', tags: { 'managed-by': 'orgvend', 'orgvend:name': 'admin' } },
      ]).accounts.slice(1),
    );
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual([
      "cicd: account 222222222222 is one of orgvend's core accounts (CICD, audit, delegated administrator), which orgvend never moves or tags; its OU (Root; accounts.yml says Internal/Infra) and its tags left as they are",
      "audit: account 333333333333 is one of orgvend's core accounts (CICD, audit, delegated administrator); orgvend never closes it",
      "admin: account 444444444444 is one of orgvend's core accounts (CICD, audit, delegated administrator); gone from accounts.yml, it is still never retired",
    ]);
  });

  it('does not create an entry marked closed that was never created', () => {
    const d = desired([[['accounts', 'dns', 'lifecycle'], 'closed']]);
    expect(brief(planAccounts(d, liveOrg([]), { now: NOW }).changes)).not.toContain('account.create dns');
  });

  it('leaves alone an entry two live accounts claim by tag, and says so', () => {
    const d = desired();
    const live = converged(d);
    live.accounts.push(...liveOrg([], [{ id: '600000000001', email: 'other@example.com', tags: { 'managed-by': 'orgvend', 'orgvend:name': 'foo' } }]).accounts.slice(1));
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([expect.stringContaining('foo: left alone because accounts 500000000001 and 600000000001 are both tagged orgvend:name=foo')]);
  });

  it('sees an OU path the organization holds twice as a conflict, and puts nothing into or under either', () => {
    const d = desired();
    const live = converged(d);
    const dev = live.ous.find((o) => o.path === 'Internal/Dev')!;
    live.ous.push({ ...dev, id: 'ou-zzzz-99999999' });
    // foo is in one of them already; a new entry for the path would go into neither.
    const withNew = desired([[['accounts', 'bar'], { scope: 'dev' }]]);
    const plan = planAccounts(withNew, live, { now: NOW });
    expect(plan.conflicts).toEqual([
      `OU Internal/Dev exists twice (${[dev.id, 'ou-zzzz-99999999'].sort().join(' and ')}); move the accounts of all but one into it and delete the others`,
      'bar: left alone because its OU Internal/Dev is ambiguous (see above)',
    ]);
    expect(brief(plan.changes)).not.toContain('account.create bar');
    expect(planAccounts(d, live, { now: NOW }).changes).toEqual([]);
  });

  it('plans one account with create-account: its OUs and itself, nothing retired', () => {
    const plan = planAccounts(desired(), liveOrg([]), { now: NOW, only: 'foo', action: 'create-account' });
    expect(plan.action).toBe('create-account');
    expect(brief(plan.changes)).toEqual(['ou.create Internal', 'ou.create Internal/Dev', 'account.create foo']);
  });

  it('notes, but does not make, a rename', () => {
    const d = desired([[['accounts', 'foo', 'aws_name'], 'foo-renamed']]);
    const plan = planAccounts(d, converged(desired()), { now: NOW });
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual([expect.stringContaining('its AWS name is "foo-nonprod", accounts.yml says "foo-renamed"')]);
  });

  it('says which blast-radius limit a plan exceeds', () => {
    const d = desired([[['organization', 'limits', 'max_new_accounts'], 1]]);
    const plan = planAccounts(d, liveOrg([]), { now: NOW });
    expect(limitViolations(plan, d.organization.limits)).toEqual([
      'the plan has 2 new accounts, over organization.limits.max_new_accounts (1); split the change, or raise the limit in accounts.yml',
    ]);
    expect(limitViolations(planAccounts(desired(), liveOrg([]), { now: NOW }), desired().organization.limits)).toEqual([]);
  });

  it('records what it was computed from, so a saved plan can tell when the organization changed', () => {
    const d = desired();
    const live = converged(d);
    const plan = planAccounts(d, live, { now: NOW });
    expect(plan.basis.live).toBe(liveDigest(live));
    expect(plan.basis).toEqual(planAccounts(d, structuredClone(live), { now: NOW }).basis);
    live.accounts[1]!.tags = { ...live.accounts[1]!.tags, extra: 'x' };
    expect(liveDigest(live)).not.toBe(plan.basis.live);
  });

  it('survives a JSON round trip unchanged (a plan is plain data)', () => {
    const plan = planAccounts(desired(), liveOrg([]), { now: NOW });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('planning the parameters of bootstrapped accounts', () => {
  const d = desired();
  const FOO = '500000000001';
  const withParameters = (parameters: Record<string, string> | undefined) => {
    const live = converged(d);
    const foo = live.accounts.find((a) => a.id === FOO)!;
    foo.tags['orgvend:bootstrap'] = 'abc123';
    return { ...live, parameters: new Map(parameters ? [[FOO, parameters]] : []) };
  };

  it('puts the whole set in an account that has none, and leaves the bootstrap tag alone', () => {
    const plan = planAccounts(d, withParameters({}), { now: NOW });
    expect(brief(plan.changes)).toEqual(['parameters.put foo']);
    const wanted = desiredParameters(entry(d, 'foo'), d.organization);
    expect(plan.changes[0]).toMatchObject({ reason: 'missing-in-account', before: { account_id: FOO }, after: { parameters: wanted } });
    expect(wanted).toMatchObject({ '/orgvend/account/name': 'foo', '/orgvend/account/tags/orgvend/name': 'foo', '/orgvend/account/organization/event_bus': 'orgvend-infra' });
  });

  it('plans nothing when they match, and nothing for an account whose parameters were not read', () => {
    expect(planAccounts(d, withParameters(desiredParameters(entry(d, 'foo'), d.organization)), { now: NOW }).changes).toEqual([]);
    expect(planAccounts(d, withParameters(undefined), { now: NOW }).changes).toEqual([]);
  });

  it('shows only what differs: a changed value, a missing one, one too many', () => {
    const wanted = desiredParameters(entry(d, 'foo'), d.organization);
    const { '/orgvend/account/scope': _scope, ...rest } = wanted;
    const plan = planAccounts(d, withParameters({ ...rest, '/orgvend/account/service': 'bar', '/orgvend/account/extra': 'x' }), { now: NOW });
    expect(plan.changes[0]).toMatchObject({
      reason: 'parameters-changed',
      before: { parameters: { '/orgvend/account/extra': 'x', '/orgvend/account/scope': null, '/orgvend/account/service': 'bar' } },
    });
    expect(describeChange(plan.changes[0]!)).toBe('-extra, +scope=dev, service: bar → foo');
  });

  it('keeps every account\'s allowed domains in the DNS account\'s parameters, also when planning the DNS account alone', () => {
    const withDomains = desiredOf([[['accounts', 'foo', 'allowed_dns_domains'], ['foo.example.com']]]);
    const live = converged(withDomains);
    const dns = live.accounts.find((a) => a.id === '500000000002')!;
    dns.tags['orgvend:bootstrap'] = 'abc123';
    const wanted = { ...desiredParameters(entry(withDomains, 'dns'), withDomains.organization), '/orgvend/account/dns/allowed/500000000001': 'foo.example.com' };
    for (const only of [undefined, 'dns']) {
      const plan = planAccounts(withDomains, { ...live, parameters: new Map([['500000000002', {}]]) }, { now: NOW, ...(only ? { only } : {}) });
      expect(plan.changes.find((c) => c.type === 'parameters.put')).toMatchObject({ target: 'dns', after: { parameters: wanted } });
    }
  });

  it('says what the same run does once new accounts exist', () => {
    const plan = planAccounts(d, liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra']), { now: NOW, bootstrap: true });
    expect(plan.notes).toContain(
      "once the new accounts exist, the same run gives them orgvend's stack, puts their parameters, deploys their VPCs, and renders and deploys again the stacks that name accounts (the IAM mapping, the log bucket, the ECR repositories) (applying a saved plan, with --plan, leaves all this to the next plan, to be reviewed)",
    );
  });
});

describe('planning the bootstrap of managed accounts without orgvend\'s stack', () => {
  const d = desired();
  const FOO = '500000000001';

  it('bootstraps each one, then puts its whole set of parameters', () => {
    const plan = planAccounts(d, { ...converged(d), parameters: new Map() }, { now: NOW, bootstrap: true });
    expect(brief(plan.changes)).toEqual(['account.bootstrap foo', 'parameters.put foo', 'account.bootstrap dns', 'parameters.put dns']);
    expect(plan.changes[0]).toEqual({ type: 'account.bootstrap', target: 'foo', reason: 'missing-stack', before: { account_id: FOO }, after: { stack: 'orgvend-bootstrap' } });
    expect(plan.changes[1]).toMatchObject({ reason: 'missing-in-account', after: { parameters: desiredParameters(entry(d, 'foo'), d.organization) } });
    expect(describeChange(plan.changes[0]!)).toBe('orgvend-bootstrap (its bus, queue, rules and handler)');
  });

  it('leaves alone an account that carries the stack, a suspended one, and a core account, which only the administrator bootstraps', () => {
    const live = liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'], [
      { ...liveAccountFor(entry(d, 'foo'), FOO), tags: { ...entry(d, 'foo').tags, 'orgvend:bootstrap': 'abc123' } },
      liveAccountFor(entry(d, 'dns'), d.organization.audit_account_id),
    ]);
    const plan = planAccounts(d, { ...live, parameters: new Map([[FOO, desiredParameters(entry(d, 'foo'), d.organization)]]) }, { now: NOW, bootstrap: true });
    expect(plan.changes).toEqual([]);
    const suspended = converged(d);
    for (const account of suspended.accounts) account.status = 'SUSPENDED';
    expect(planAccounts(d, suspended, { now: NOW, bootstrap: true }).changes.filter((c) => c.type === 'account.bootstrap')).toEqual([]);
  });

  it('plans the account\'s stacks as new, after its bootstrap; and without the option, nothing', () => {
    const deployment = { account: 'foo', accountId: FOO, stack: 'orgvend-vpc' as const, region: 'us-east-1', source: 'vpc.yml.njk', sha256: 'f'.repeat(64), template: 'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n' };
    const deployments = { deployments: [deployment], notes: [], owners: [] };
    const plan = planAccounts(d, { ...converged(d), parameters: new Map(), stacks: new Map() }, { now: NOW, bootstrap: true, deployments, only: 'foo' });
    expect(brief(plan.changes)).toEqual(['account.bootstrap foo', 'parameters.put foo', 'stack.deploy foo/orgvend-vpc']);
    expect(plan.changes[2]).toMatchObject({ reason: 'missing-in-account', before: { account_id: FOO }, after: { resources: ['+Vpc AWS::EC2::VPC'] } });
    const without = planAccounts(d, { ...converged(d), parameters: new Map(), stacks: new Map() }, { now: NOW, deployments, only: 'foo' });
    expect(without.changes).toEqual([]);
    expect(without.notes).toContain("not deployed until the administrator's bootstrap has given the account orgvend's stack: foo/orgvend-vpc");
  });
});

describe('planning the deletion of the stacks orgvend owns that no deployment wants', () => {
  const d = desired();
  // dns stands in for the identity account here: it carries the stack, and the mapping stacks are listed there.
  const IDENTITY = '500000000002';
  const mappingOf = (account: string, accountId: string | null = '500000000001') => ({
    stack: `orgvend-identity-iam-mapping-${account}`,
    account: 'dns',
    accountId: IDENTITY,
    region: 'ap-southeast-2',
    source: 'templates/account/identity-iam-mapping.yml.njk',
    template: `Resources:\n  AssumeAll:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: orgvend-assume-${account}.all # ${accountId}\n`,
    sha256: 'a'.repeat(64),
  });
  const liveStack = (account: string, status: string | null = 'CREATE_COMPLETE') => ({ ...mappingOf(account), status, template: status ? mappingOf(account).template : null });
  const live = (stacks: ReturnType<typeof liveStack>[]) => {
    const org = converged(d);
    for (const a of org.accounts) a.tags['orgvend:bootstrap'] = 'abc123';
    return { ...org, parameters: new Map(org.accounts.map((a) => [a.id, a.id === '500000000001' ? desiredParameters(entry(d, 'foo'), d.organization) : desiredParameters(entry(d, 'dns'), d.organization)])), stacks: new Map<string, LiveStack[]>([[IDENTITY, stacks.map(({ stack, region, status, template }) => ({ stack, region, status, template }))]]) };
  };
  const deployments = { deployments: [mappingOf('foo')], notes: [], owners: [{ account: 'dns', accountId: IDENTITY, regions: ['ap-southeast-2', 'us-east-1'] }] };
  const bucket = 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n  Policy:\n    Type: AWS::S3::BucketPolicy\n';

  it('deletes the mapping stack of an account no longer rendered and any other owned stack not wanted there, by region, and leaves the rendered ones alone', () => {
    const found = live([liveStack('foo'), liveStack('gone'), liveStack('deleted', null)]);
    found.stacks.get(IDENTITY)!.push({ stack: 'orgvend-log-buckets', region: 'us-east-1', status: 'CREATE_COMPLETE', template: bucket, source: 'templates/log-buckets.yml.njk' });
    const plan = planAccounts(d, found, { now: NOW, deployments });
    expect(brief(plan.changes)).toEqual(['stack.delete dns/ap-southeast-2/orgvend-identity-iam-mapping-gone', 'stack.delete dns/us-east-1/orgvend-log-buckets']);
    expect(plan.changes[0]).toMatchObject({ reason: 'no-longer-rendered', before: { account_id: IDENTITY, status: 'CREATE_COMPLETE' }, after: { stack: 'orgvend-identity-iam-mapping-gone', region: 'ap-southeast-2', resources: ['-AssumeAll AWS::IAM::ManagedPolicy'] } });
    expect(describeChange(plan.changes[0]!)).toBe('delete the stack in ap-southeast-2: 1 to remove');
    // What DeletionPolicy Retain keeps is shown as kept.
    expect(plan.changes[1]).toMatchObject({ before: { source: 'templates/log-buckets.yml.njk' }, after: { resources: ['-Bucket AWS::S3::Bucket (retained)', '-Policy AWS::S3::BucketPolicy'] } });
    expect(describeChange(plan.changes[1]!)).toBe('delete the stack in us-east-1: 1 to remove, 1 retained (DeletionPolicy: Retain)');
  });

  it('never deletes a stack that is wanted but held back (its template is over the size limit)', () => {
    const found = live([liveStack('foo'), liveStack('gone')]);
    const held = { ...deployments, held: [{ stack: 'orgvend-identity-iam-mapping-gone', accountId: IDENTITY, region: 'ap-southeast-2' }] };
    expect(planAccounts(d, found, { now: NOW, deployments: held }).changes).toEqual([]);
  });

  it('counts stack deletions against organization.limits.max_stack_deletions', () => {
    const found = live([liveStack('foo'), ...['a', 'b', 'c', 'e', 'f', 'g'].map((n) => liveStack(n))]);
    const plan = planAccounts(d, found, { now: NOW, deployments });
    expect(plan.changes.filter((c) => c.type === 'stack.delete')).toHaveLength(6);
    expect(limitViolations(plan, d.organization.limits)).toEqual([
      'the plan has 6 stack deletions, over organization.limits.max_stack_deletions (5); split the change, or raise the limit in accounts.yml',
    ]);
  });

  it('deletes nothing when planning one account (create-account), which renders that account\'s alone', () => {
    expect(planAccounts(d, live([liveStack('foo'), liveStack('gone')]), { now: NOW, deployments, only: 'foo' }).changes).toEqual([]);
  });
});
