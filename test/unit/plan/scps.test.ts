import { describe, expect, it } from 'vitest';
import type { Desired } from '../../../src/config/resolve.js';
import { planScps } from '../../../src/plan/scps.js';
import type { PolicyDocument } from '../../../src/scp/evaluate.js';
import { FULL_AWS_ACCESS, type DesiredPolicy, type DesiredScps, type LivePolicy, type LiveScps } from '../../../src/scp/model.js';
import { minify } from '../../../src/scp/validate.js';
import { desiredOf } from '../../helpers/dsl.js';
import { convergedLive, liveOrg } from '../../helpers/live.js';

const desired: Desired = desiredOf([
  [['organization', 'scp_test_ou'], 'Internal/Infra'],
  [['organization', 'scps', 'samples'], [{ action: 'organizations:LeaveOrganization' }, { action: 'ec2:RunInstances', region: 'eu-west-1' }]],
]);
const live = convergedLive(desired);
const TARGETS = ['Root', 'Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'];

const doc = (statements: object[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements as PolicyDocument['Statement'] });
const DENY_LEAVE = doc([{ Sid: 'DenyLeave', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }]);
const REGIONS = (regions: string[]) =>
  doc([{ Sid: 'Regions', Effect: 'Deny', NotAction: ['iam:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': regions } } }]);
const ALLOW_ALL = doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]);

function wanted(name: string, document: PolicyDocument, targets: string[]): DesiredPolicy {
  return { name, file: `scps/_library/${name}.json`, description: `why ${name}`, document, content: minify(document), targets };
}

function scps(policies: DesiredPolicy[], extra: Partial<DesiredScps> = {}): DesiredScps {
  return { policies, fullAwsAccess: TARGETS, fullAwsAccessExplicit: false, managedTargets: TARGETS, ...extra };
}

function livePolicy(name: string, document: PolicyDocument, targetPaths: string[], ours = true): LivePolicy {
  return {
    id: `p-${name}`,
    name,
    description: `why ${name}`,
    aws_managed: name === FULL_AWS_ACCESS,
    content: JSON.stringify(document, null, 2),
    tags: ours ? { 'managed-by': 'orgvend', 'orgvend:policy': name } : {},
    targets: targetPaths,
    targetPaths,
  };
}

// As in AWS: FullAWSAccess on the root, every OU and every account.
const full = (targets = [...TARGETS, 'account:500000000001', 'account:500000000002']) => livePolicy(FULL_AWS_ACCESS, ALLOW_ALL, targets, false);
const state = (policies: LivePolicy[], enabled = true): LiveScps => ({ enabled, policies: [full(), ...policies] });
const brief = (result: ReturnType<typeof planScps>) => result.plan.changes.map((c) => `${c.type} ${c.target}`);

describe('planning sync-scps', () => {
  it('enables SCPs, creates the policies, then attaches them', () => {
    const disabled: LiveScps = { enabled: false, policies: [livePolicy(FULL_AWS_ACCESS, ALLOW_ALL, [], false)] };
    const result = planScps(desired, scps([wanted('deny-leave', DENY_LEAVE, ['Root'])]), live, disabled, { stage: 'all' });
    expect(brief(result)).toEqual(['scp.enable Root', 'scp.create deny-leave', 'scp.attach deny-leave @ Root']);
    expect(result.plan.preview![0]!.transitions.map((t) => [t.account, t.before, t.after])).toEqual([
      ['foo', 'allowed', 'denied'],
      ['dns', 'allowed', 'denied'],
    ]);
    expect(result.plan.changes[1]!.after).toMatchObject({ description: 'why deny-leave', characters: minify(DENY_LEAVE).length, document: DENY_LEAVE });
    expect(result.violations).toEqual([]);
  });

  it('plans nothing when the organization has what the repository says, whatever the whitespace', () => {
    const result = planScps(desired, scps([wanted('deny-leave', DENY_LEAVE, ['Root'])]), live, state([livePolicy('deny-leave', DENY_LEAVE, ['Root'])]), { stage: 'all' });
    expect(result.plan.changes).toEqual([]);
  });

  it('updates a changed policy in place, keeping its id for the diff', () => {
    const result = planScps(
      desired,
      scps([wanted('regions', REGIONS(['ap-southeast-2', 'us-east-1']), ['Internal'])]),
      live,
      state([livePolicy('regions', REGIONS(['ap-southeast-2']), ['Internal'])]),
      { stage: 'all' },
    );
    expect(brief(result)).toEqual(['scp.update regions']);
    expect(result.plan.changes[0]).toMatchObject({ reason: 'content-changed', before: { policy_id: 'p-regions', document: REGIONS(['ap-southeast-2']) } });
    expect(result.plan.changes[0]!.affects).toEqual(['foo', 'dns']);
  });

  it('moves a policy: attaches it at the new target and detaches it from the old, in that order', () => {
    const result = planScps(desired, scps([wanted('deny-leave', DENY_LEAVE, ['Internal/Infra'])]), live, state([livePolicy('deny-leave', DENY_LEAVE, ['Internal/Dev'])]), { stage: 'all' });
    expect(brief(result)).toEqual(['scp.attach deny-leave @ Internal/Infra', 'scp.detach deny-leave @ Internal/Dev']);
    expect(result.plan.changes[0]!.affects).toEqual(['dns']);
    expect(result.plan.changes[1]!.affects).toEqual(['foo']);
  });

  it('detaches and deletes its own policy once the file is gone, but never someone else\'s', () => {
    const result = planScps(
      desired,
      scps([]),
      live,
      state([livePolicy('old', DENY_LEAVE, ['Internal', 'account:500000000001']), livePolicy('foreign', DENY_LEAVE, ['Internal'], false)]),
      { stage: 'all' },
    );
    expect(brief(result)).toEqual(['scp.detach old @ Internal', 'scp.detach old @ account:500000000001', 'scp.delete old']);
  });

  it('leaves alone a policy of the same name that orgvend did not make, and says so', () => {
    const result = planScps(desired, scps([wanted('shared', DENY_LEAVE, ['Root'])]), live, state([livePolicy('shared', ALLOW_ALL, ['Root'], false)]), { stage: 'all' });
    expect(result.plan.changes).toEqual([]);
    expect(result.plan.notes).toEqual([expect.stringContaining('shared: a policy of that name exists that orgvend did not make')]);
  });

  it('attaches FullAWSAccess where it is missing, and detaches it only when the DSL lists where it goes', () => {
    const partial = state([]);
    partial.policies[0] = full(['Root', 'Internal', 'Internal/Dev', 'account:500000000001', 'account:500000000002']);
    expect(brief(planScps(desired, scps([]), live, partial, { stage: 'all' }))).toEqual([
      'scp.attach FullAWSAccess @ Morgue',
      'scp.attach FullAWSAccess @ Internal/Infra',
    ]);
    const explicit = scps([wanted('allow-all', ALLOW_ALL, ['Internal/Dev'])], { fullAwsAccess: ['Root', 'Internal', 'Morgue', 'Internal/Infra'], fullAwsAccessExplicit: true });
    expect(brief(planScps(desired, explicit, live, state([]), { stage: 'all' }))).toEqual([
      'scp.create allow-all',
      'scp.attach allow-all @ Internal/Dev',
      'scp.detach FullAWSAccess @ Internal/Dev',
    ]);
  });

  it('leaves attachments to accounts and unmanaged OUs alone', () => {
    const result = planScps(desired, scps([wanted('deny-leave', DENY_LEAVE, ['Root'])]), live, state([livePolicy('deny-leave', DENY_LEAVE, ['Root', 'account:500000000001', 'Legacy'])]), { stage: 'all' });
    expect(result.plan.changes).toEqual([]);
  });

  it('waits for OUs that do not exist yet rather than attaching to them', () => {
    const result = planScps(desired, scps([wanted('deny-leave', DENY_LEAVE, ['Internal/Later'])]), live, state([]), { stage: 'all' });
    expect(brief(result)).toEqual(['scp.create deny-leave']);
    expect(result.plan.notes).toEqual([expect.stringContaining('these OUs do not exist: Internal/Later; run sync-accounts first')]);
  });

  it('plans a new organization before sync-accounts made its OUs: what can be attached now, and a note for the rest, with no limit broken', () => {
    const bare = { ...liveOrg([]), stacks: new Map() };
    const fresh: LiveScps = { enabled: false, policies: [livePolicy(FULL_AWS_ACCESS, ALLOW_ALL, [], false)] };
    const policies = scps([wanted('deny-leave', DENY_LEAVE, ['Root']), wanted('regions', REGIONS(['us-east-1']), ['Internal', 'Internal/Dev'])]);
    const result = planScps(desired, policies, bare, fresh, { stage: 'all' });
    expect(result.violations).toEqual([]);
    expect(brief(result)).toEqual(['scp.enable Root', 'scp.create deny-leave', 'scp.create regions', 'scp.attach deny-leave @ Root']);
    expect(result.plan.notes).toEqual([
      'not attached yet, because these OUs do not exist: Internal, Internal/Dev, Internal/Infra, Morgue; run sync-accounts first, which creates them, then sync-scps again',
    ]);
  });

  it('still refuses to leave an existing target without an Allow', () => {
    const policies = scps([wanted('deny-leave', DENY_LEAVE, ['Root'])], { fullAwsAccess: ['Root', 'Internal', 'Morgue', 'Internal/Dev'], fullAwsAccessExplicit: true });
    const result = planScps(desired, policies, live, state([livePolicy('deny-leave', DENY_LEAVE, ['Root'])]), { stage: 'all' });
    expect(result.violations).toEqual(['Internal/Infra would be left with no policy that allows anything: nothing would work in its accounts']);
  });

  it('stages a changed policy as <name>.staged in the test OU only', () => {
    const result = planScps(
      desired,
      scps([wanted('regions', REGIONS(['us-east-1']), ['Internal']), wanted('deny-leave', DENY_LEAVE, ['Root'])]),
      live,
      state([livePolicy('regions', REGIONS(['ap-southeast-2']), ['Internal']), livePolicy('deny-leave', DENY_LEAVE, ['Root'])]),
      { stage: 'test' },
    );
    expect(brief(result)).toEqual(['scp.create regions.staged', 'scp.attach regions.staged @ Internal/Infra']);
    expect(result.plan.changes[1]!.affects).toEqual(['dns']);
  });

  it('removes staged copies when the policies are applied everywhere', () => {
    const result = planScps(
      desired,
      scps([wanted('regions', REGIONS(['us-east-1']), ['Internal'])]),
      live,
      state([livePolicy('regions', REGIONS(['us-east-1']), ['Internal']), livePolicy('regions.staged', REGIONS(['us-east-1']), ['Internal/Infra'])]),
      { stage: 'all' },
    );
    expect(brief(result)).toEqual(['scp.detach regions.staged @ Internal/Infra', 'scp.delete regions.staged']);
    expect(result.plan.changes[1]!.reason).toBe('staging-done');
  });

  it('previews which accounts a sample request changes for, and how', () => {
    const result = planScps(
      desired,
      scps([wanted('deny-leave', DENY_LEAVE, ['Root']), wanted('regions', REGIONS(['ap-southeast-2', 'us-east-1']), ['Internal/Dev'])]),
      live,
      state([]),
      { stage: 'all' },
    );
    expect(result.plan.preview).toEqual([
      {
        action: 'organizations:LeaveOrganization',
        transitions: [
          { account: 'foo', before: 'allowed', after: 'denied', reason: 'denied by deny-leave (DenyLeave) at Root' },
          { account: 'dns', before: 'allowed', after: 'denied', reason: 'denied by deny-leave (DenyLeave) at Root' },
        ],
      },
      {
        action: 'ec2:RunInstances',
        region: 'eu-west-1',
        transitions: [{ account: 'foo', before: 'allowed', after: 'denied', reason: 'denied by regions (Regions) at Internal/Dev' }],
      },
    ]);
  });

  it('stops a plan that would put more policies on a target than allowed', () => {
    const many = Array.from({ length: 10 }, (_, i) => wanted(`p${i}`, DENY_LEAVE, ['Internal']));
    const result = planScps(desired, scps(many), live, state([]), { stage: 'all' });
    expect(result.violations).toEqual([expect.stringContaining('Internal would carry 11 policies')]);
  });

  it('stops a plan that would leave a target without an Allow', () => {
    const explicit = scps([], { fullAwsAccess: ['Root', 'Morgue', 'Internal/Dev', 'Internal/Infra'], fullAwsAccessExplicit: true });
    const result = planScps(desired, explicit, live, state([]), { stage: 'all' });
    expect(brief(result)).toEqual(['scp.detach FullAWSAccess @ Internal']);
    expect(result.violations).toEqual(['Internal would be left with no policy that allows anything: nothing would work in its accounts']);
  });
});

describe('planning the other policy types with the SCPs', () => {
  const TAG = { tags: { costcenter: { tag_key: { '@@assign': 'CostCenter' } } } } as unknown as PolicyDocument;
  const tagPolicy = (name: string, targets: string[]): DesiredPolicy => ({ ...wanted(name, TAG, targets), file: `policies/tag/${targets[0]}/${name}.json` });

  it('enables a type on the root the first time it is used, then creates and attaches its policies', () => {
    const result = planScps(desired, scps([], { others: [{ type: 'TAG_POLICY', policies: [tagPolicy('cost-centre', ['Root'])] }] }), live, state([]), { stage: 'all' });
    expect(brief(result)).toEqual(['policy.enable Root: tag', 'policy.create tag/cost-centre', 'policy.attach tag/cost-centre @ Root']);
    expect(result.plan.changes[1]!.after).toMatchObject({ policy_type: 'TAG_POLICY', name: 'cost-centre', file: 'policies/tag/Root/cost-centre.json' });
    expect(result.plan.changes.every((c) => c.affects === undefined)).toBe(true);
  });

  it('plans nothing once the type is enabled and its policy is in place, and keeps a same-named SCP apart', () => {
    const current: LiveScps = { ...state([livePolicy('cost-centre', DENY_LEAVE, ['Root'])]), others: [{ type: 'TAG_POLICY', enabled: true, policies: [livePolicy('cost-centre', TAG, ['Root'])] }] };
    const desiredScps = scps([wanted('cost-centre', DENY_LEAVE, ['Root'])], { others: [{ type: 'TAG_POLICY', policies: [tagPolicy('cost-centre', ['Root'])] }] });
    expect(brief(planScps(desired, desiredScps, live, current, { stage: 'all' }))).toEqual([]);
  });

  it('detaches and deletes orgvend\'s policies of a type the repository no longer uses, and never enables it', () => {
    const current: LiveScps = { ...state([]), others: [{ type: 'AISERVICES_OPT_OUT_POLICY', enabled: true, policies: [livePolicy('opt-out', TAG, ['Root']), livePolicy('theirs', TAG, ['Root'], false)] }] };
    expect(brief(planScps(desired, scps([]), live, current, { stage: 'all' }))).toEqual(['policy.detach ai-opt-out/opt-out @ Root', 'policy.delete ai-opt-out/opt-out']);
  });

  it('stages a changed policy of another type in the test OU, as SCPs are staged', () => {
    const current: LiveScps = { ...state([]), others: [{ type: 'TAG_POLICY', enabled: true, policies: [livePolicy('cost-centre', DENY_LEAVE, ['Root'])] }] };
    const result = planScps(desired, scps([], { others: [{ type: 'TAG_POLICY', policies: [tagPolicy('cost-centre', ['Root'])] }] }), live, current, { stage: 'test' });
    expect(brief(result)).toEqual(['policy.create tag/cost-centre.staged', 'policy.attach tag/cost-centre.staged @ Internal/Infra']);
  });
});
