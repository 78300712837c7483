import { describe, expect, it } from 'vitest';
import { evaluate, matchesPattern } from '../../../src/scp/evaluate.js';
import type { Decision, Level, NamedPolicy, PolicyStatement, SampleRequest } from '../../../src/scp/evaluate.js';

// Fixtures follow the example SCPs in the AWS Organizations user guide (and scps/_library).

const policy = (name: string, ...statements: PolicyStatement[]): NamedPolicy => ({
  name,
  document: { Version: '2012-10-17', Statement: statements },
});
const deny = (statement: Omit<PolicyStatement, 'Effect'>): PolicyStatement => ({ Effect: 'Deny', ...statement });

/** AWS's own FullAWSAccess: one statement, no Sid. */
const FULL_AWS_ACCESS: NamedPolicy = {
  name: 'FullAWSAccess',
  document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
};

const DENY_LEAVE = policy('deny-leave-organization', deny({ Sid: 'DenyLeave', Action: 'organizations:LeaveOrganization', Resource: '*' }));

const DENY_ROOT = policy(
  'deny-root-user',
  deny({ Sid: 'DenyRootUser', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } } }),
);

const APPROVED_REGIONS = policy(
  'approved-regions-only',
  deny({
    Sid: 'DenyUnapprovedRegions',
    NotAction: ['cloudfront:*', 'iam:*', 'organizations:*', 'route53:*', 'sts:*', 'support:*'],
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } },
  }),
);

const REQUIRE_IMDSV2 = policy(
  'require-imdsv2',
  deny({
    Sid: 'RequireIMDSv2',
    Action: 'ec2:RunInstances',
    Resource: 'arn:aws:ec2:*:*:instance/*',
    Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
  }),
);

const PROTECT_SECURITY_ROLES = policy(
  'protect-security-roles',
  deny({
    Sid: 'ProtectSecurityRoles',
    Action: ['iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy'],
    Resource: 'arn:aws:iam::*:role/InfoSec*',
    Condition: { ArnNotLike: { 'aws:PrincipalARN': 'arn:aws:iam::*:role/InfoSec*' } },
  }),
);

const PROTECT_CLOUDTRAIL = policy(
  'protect-cloudtrail',
  deny({ Sid: 'ProtectCloudTrail', Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'], Resource: 'arn:aws:cloudtrail:*:*:trail/org-trail' }),
);

const denyAll = (name: string, condition: PolicyStatement['Condition']) => policy(name, deny({ Sid: 'Test', Action: '*', Resource: '*', Condition: condition }));

const ADMIN = 'arn:aws:iam::111122223333:role/Admin';
const INFOSEC = 'arn:aws:iam::111122223333:role/InfoSecResponder';
const ROOT_USER = 'arn:aws:iam::111122223333:root';
const PROTECTED_ROLE = 'arn:aws:iam::111122223333:role/InfoSecAudit';
const TRAIL = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail';

/** An account directly under Root, with FullAWSAccess beside the policies under test. */
const underRoot = (...policies: NamedPolicy[]): Level[] => [{ target: 'Root', policies: [FULL_AWS_ACCESS, ...policies] }];

interface Case {
  behaviour: string;
  policies: NamedPolicy[];
  request: SampleRequest;
  expected: Decision;
}

const cases: Case[] = [
  { behaviour: 'allows any request when FullAWSAccess is the only policy', policies: [], request: { action: 'ec2:RunInstances', region: 'eu-west-1' }, expected: 'allowed' },
  { behaviour: 'denies the exact action a Deny names', policies: [DENY_LEAVE], request: { action: 'organizations:LeaveOrganization' }, expected: 'denied' },
  { behaviour: 'allows the actions beside the one a Deny names', policies: [DENY_LEAVE], request: { action: 'organizations:DescribeOrganization' }, expected: 'allowed' },
  { behaviour: 'matches actions case-insensitively', policies: [DENY_LEAVE], request: { action: 'Organizations:leaveorganization' }, expected: 'denied' },
  {
    behaviour: 'denies every action of a service named with service:*',
    policies: [policy('deny-organizations', deny({ Action: 'organizations:*' }))],
    request: { action: 'organizations:CreateAccount' },
    expected: 'denied',
  },
  { behaviour: 'denies actions a prefix wildcard like s3:Put* covers', policies: [policy('deny-s3-writes', deny({ Action: 's3:Put*' }))], request: { action: 's3:PutObject' }, expected: 'denied' },
  { behaviour: 'allows actions a prefix wildcard like s3:Put* does not cover', policies: [policy('deny-s3-writes', deny({ Action: 's3:Put*' }))], request: { action: 's3:GetObject' }, expected: 'allowed' },
  { behaviour: 'lets ? stand for exactly one character of an action', policies: [policy('deny-get-set', deny({ Action: 'iam:?et*' }))], request: { action: 'iam:SetSecurityTokenServicePreferences' }, expected: 'denied' },
  { behaviour: 'does not let ? stand for more than one character', policies: [policy('deny-get-set', deny({ Action: 'iam:?et*' }))], request: { action: 'iam:ResetServiceSpecificCredential' }, expected: 'allowed' },
  { behaviour: 'allows a global IAM call that the region policy exempts with NotAction', policies: [APPROVED_REGIONS], request: { action: 'iam:CreateRole' }, expected: 'allowed' },
  { behaviour: 'allows an exempt STS call even in an unapproved region', policies: [APPROVED_REGIONS], request: { action: 'sts:AssumeRole', region: 'us-east-1' }, expected: 'allowed' },
  { behaviour: 'denies EC2 in a region the region policy does not approve', policies: [APPROVED_REGIONS], request: { action: 'ec2:RunInstances', region: 'us-east-1' }, expected: 'denied' },
  { behaviour: 'allows EC2 in an approved region', policies: [APPROVED_REGIONS], request: { action: 'ec2:RunInstances', region: 'eu-central-1' }, expected: 'allowed' },
  { behaviour: 'denies a non-exempt call that names no region, as StringNotEquals holds for an absent key', policies: [APPROVED_REGIONS], request: { action: 's3:ListBucket' }, expected: 'denied' },
  { behaviour: 'denies an action on the very resource a Deny names', policies: [PROTECT_CLOUDTRAIL], request: { action: 'cloudtrail:StopLogging', resource: TRAIL }, expected: 'denied' },
  {
    behaviour: 'allows the action on another resource than the one a Deny names',
    policies: [PROTECT_CLOUDTRAIL],
    request: { action: 'cloudtrail:StopLogging', resource: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/team-trail' },
    expected: 'allowed',
  },
  {
    behaviour: 'matches resources case-sensitively',
    policies: [PROTECT_CLOUDTRAIL],
    request: { action: 'cloudtrail:StopLogging', resource: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/Org-Trail' },
    expected: 'allowed',
  },
  { behaviour: 'cannot tell when a Deny names a resource and the request names none', policies: [PROTECT_CLOUDTRAIL], request: { action: 'cloudtrail:StopLogging' }, expected: 'unknown' },
  {
    behaviour: 'denies resources outside a NotResource list',
    policies: [policy('only-approved-bucket', deny({ Action: 's3:*', NotResource: 'arn:aws:s3:::approved-bucket/*' }))],
    request: { action: 's3:PutObject', resource: 'arn:aws:s3:::other-bucket/report.csv' },
    expected: 'denied',
  },
  {
    behaviour: 'allows resources inside a NotResource list',
    policies: [policy('only-approved-bucket', deny({ Action: 's3:*', NotResource: 'arn:aws:s3:::approved-bucket/*' }))],
    request: { action: 's3:PutObject', resource: 'arn:aws:s3:::approved-bucket/report.csv' },
    expected: 'allowed',
  },
  { behaviour: 'denies the root user everything through StringLike on aws:PrincipalArn', policies: [DENY_ROOT], request: { action: 's3:GetObject', principalArn: ROOT_USER }, expected: 'denied' },
  { behaviour: 'allows a role that the root user policy does not name', policies: [DENY_ROOT], request: { action: 's3:GetObject', principalArn: ADMIN }, expected: 'allowed' },
  { behaviour: 'treats a positive operator on an absent principal as not holding', policies: [DENY_ROOT], request: { action: 's3:GetObject' }, expected: 'allowed' },
  {
    behaviour: 'reads condition keys case-insensitively',
    policies: [denyAll('deny-root-lowercase', { StringLike: { 'aws:principalarn': 'arn:aws:iam::*:root' } })],
    request: { action: 's3:GetObject', principalArn: ROOT_USER },
    expected: 'denied',
  },
  {
    behaviour: 'takes aws:PrincipalAccount from the account field of the principal ARN',
    policies: [denyAll('deny-sandbox-account', { StringEquals: { 'aws:PrincipalAccount': '111122223333' } })],
    request: { action: 'ec2:RunInstances', principalArn: ADMIN },
    expected: 'denied',
  },
  {
    behaviour: 'holds a condition when any of the key’s listed values matches',
    policies: [denyAll('deny-us-regions', { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } })],
    request: { action: 'ec2:RunInstances', region: 'us-west-2' },
    expected: 'denied',
  },
  {
    behaviour: 'needs every operator block of a condition to hold',
    policies: [denyAll('deny-root-in-us', { StringEquals: { 'aws:RequestedRegion': 'us-east-1' }, StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } })],
    request: { action: 'ec2:RunInstances', region: 'us-east-1', principalArn: ADMIN },
    expected: 'allowed',
  },
  {
    behaviour: 'compares StringEqualsIgnoreCase without regard to case',
    policies: [denyAll('deny-us-east-1', { StringEqualsIgnoreCase: { 'aws:RequestedRegion': 'US-EAST-1' } })],
    request: { action: 'ec2:RunInstances', region: 'us-east-1' },
    expected: 'denied',
  },
  {
    behaviour: 'denies with StringNotLike when the value matches none of the patterns',
    policies: [denyAll('eu-only', { StringNotLike: { 'aws:RequestedRegion': 'eu-*' } })],
    request: { action: 'ec2:RunInstances', region: 'ap-southeast-2' },
    expected: 'denied',
  },
  {
    behaviour: 'allows with StringNotLike when the value matches a pattern',
    policies: [denyAll('eu-only', { StringNotLike: { 'aws:RequestedRegion': 'eu-*' } })],
    request: { action: 'ec2:RunInstances', region: 'eu-north-1' },
    expected: 'allowed',
  },
  {
    behaviour: 'does not hold a positive operator on an absent key without IfExists',
    policies: [denyAll('deny-us-east-1', { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } })],
    request: { action: 'iam:CreateRole' },
    expected: 'allowed',
  },
  {
    behaviour: 'holds any operator with IfExists when the key is absent',
    policies: [denyAll('deny-us-east-1', { StringEqualsIfExists: { 'aws:RequestedRegion': 'us-east-1' } })],
    request: { action: 'iam:CreateRole' },
    expected: 'denied',
  },
  {
    behaviour: 'judges an IfExists operator as the plain one when the key is present',
    policies: [denyAll('deny-us-east-1', { StringEqualsIfExists: { 'aws:RequestedRegion': 'us-east-1' } })],
    request: { action: 'ec2:RunInstances', region: 'eu-west-1' },
    expected: 'allowed',
  },
  {
    behaviour: 'denies a contractor role matched by ArnLike',
    policies: [denyAll('deny-contractors', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Contractor*' } })],
    request: { action: 'ec2:RunInstances', principalArn: 'arn:aws:iam::111122223333:role/ContractorAlice' },
    expected: 'denied',
  },
  { behaviour: 'denies other principals changing a protected security role (ArnNotLike)', policies: [PROTECT_SECURITY_ROLES], request: { action: 'iam:DeleteRole', principalArn: ADMIN, resource: PROTECTED_ROLE }, expected: 'denied' },
  { behaviour: 'allows the security team to change its own roles (ArnNotLike)', policies: [PROTECT_SECURITY_ROLES], request: { action: 'iam:DeleteRole', principalArn: INFOSEC, resource: PROTECTED_ROLE }, expected: 'allowed' },
  {
    behaviour: 'allows changes to roles outside the protected prefix',
    policies: [PROTECT_SECURITY_ROLES],
    request: { action: 'iam:DeleteRole', principalArn: ADMIN, resource: 'arn:aws:iam::111122223333:role/AppRole' },
    expected: 'allowed',
  },
  { behaviour: 'denies with Null "true" when the key is absent', policies: [denyAll('deny-anonymous', { Null: { 'aws:PrincipalArn': 'true' } })], request: { action: 's3:GetObject' }, expected: 'denied' },
  { behaviour: 'allows with Null "true" when the key is present', policies: [denyAll('deny-anonymous', { Null: { 'aws:PrincipalArn': 'true' } })], request: { action: 's3:GetObject', principalArn: ADMIN }, expected: 'allowed' },
  { behaviour: 'denies with Null false (a boolean) when the key is present', policies: [denyAll('deny-named', { Null: { 'aws:PrincipalArn': false } })], request: { action: 's3:GetObject', principalArn: ADMIN }, expected: 'denied' },
  {
    behaviour: 'compares Bool values as strings, booleans included',
    policies: [denyAll('odd-bool', { Bool: { 'aws:RequestedRegion': [true, 'false'] } })],
    request: { action: 's3:GetObject', region: 'TRUE' },
    expected: 'denied',
  },
  { behaviour: 'cannot tell Bool on a key only AWS knows', policies: [denyAll('require-mfa', { Bool: { 'aws:MultiFactorAuthPresent': 'false' } })], request: { action: 's3:GetObject' }, expected: 'unknown' },
  {
    behaviour: 'cannot tell a condition on a key only AWS knows',
    policies: [REQUIRE_IMDSV2],
    request: { action: 'ec2:RunInstances', resource: 'arn:aws:ec2:eu-west-1:111122223333:instance/*' },
    expected: 'unknown',
  },
  { behaviour: 'ignores an undecidable condition when the action does not match', policies: [REQUIRE_IMDSV2], request: { action: 's3:GetObject' }, expected: 'allowed' },
  {
    behaviour: 'ignores an undecidable condition when the resource does not match',
    policies: [REQUIRE_IMDSV2],
    request: { action: 'ec2:RunInstances', resource: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-1' },
    expected: 'allowed',
  },
  {
    behaviour: 'cannot tell a condition whose operator is not supported',
    policies: [denyAll('numeric', { NumericLessThan: { 'aws:RequestedRegion': 3 } })],
    request: { action: 'ec2:RunInstances', region: 'eu-west-1' },
    expected: 'unknown',
  },
  {
    behaviour: 'cannot tell a ForAnyValue: condition',
    policies: [denyAll('multi-valued', { 'ForAnyValue:StringLike': { 'aws:RequestedRegion': 'us-*' } })],
    request: { action: 'ec2:RunInstances', region: 'us-east-1' },
    expected: 'unknown',
  },
  {
    behaviour: 'cannot tell a condition that compares with a policy variable',
    policies: [denyAll('own-account', { StringNotEquals: { 'aws:PrincipalAccount': '${aws:ResourceAccount}' } })],
    request: { action: 's3:GetObject', principalArn: ADMIN },
    expected: 'unknown',
  },
];

describe('evaluating SCPs for an account under Root', () => {
  it.each(cases)('$behaviour', ({ policies, request, expected }) => {
    expect(evaluate(underRoot(...policies), request).decision).toBe(expected);
  });

  it.each(cases)('reaches the same decision whatever the order of statements: $behaviour', ({ policies, request, expected }) => {
    const reversed = [...policies, FULL_AWS_ACCESS]
      .reverse()
      .map((p) => ({ ...p, document: { ...p.document, Statement: [...[p.document.Statement].flat()].reverse() } }));
    const merged = policy('merged', ...reversed.flatMap((p) => [p.document.Statement].flat()));
    expect(evaluate([{ target: 'Root', policies: reversed }], request).decision).toBe(expected);
    expect(evaluate([{ target: 'Root', policies: [merged] }], request).decision).toBe(expected);
  });
});

describe('evaluating SCPs down the organization', () => {
  const ec2 = { action: 'ec2:RunInstances', region: 'eu-west-1', principalArn: ADMIN };
  const denyRunInstances = policy('deny-run-instances', deny({ Sid: 'NoEc2InDev', Action: 'ec2:RunInstances', Resource: '*' }));
  const allowS3 = policy('allow-s3', { Sid: 'AllowS3', Effect: 'Allow', Action: 's3:*', Resource: '*' });

  it('denies at the OU whose policy denies, though every level has FullAWSAccess', () => {
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal/Dev', policies: [FULL_AWS_ACCESS, denyRunInstances] },
      { target: '500000000001', policies: [FULL_AWS_ACCESS] },
    ];
    expect(evaluate(levels, ec2)).toEqual({ decision: 'denied', reason: 'denied by deny-run-instances (NoEc2InDev) at Internal/Dev' });
  });

  it('allows at every level when each has FullAWSAccess and nothing denies', () => {
    const levels: Level[] = ['Root', 'Internal', 'Internal/Dev'].map((target) => ({ target, policies: [FULL_AWS_ACCESS] }));
    expect(evaluate(levels, ec2)).toEqual({ decision: 'allowed', reason: 'allowed at every level' });
  });

  it('denies implicitly at a level whose Allows do not cover the action, naming the level', () => {
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal/Dev', policies: [allowS3] },
    ];
    expect(evaluate(levels, ec2)).toEqual({ decision: 'denied', reason: 'no policy at Internal/Dev allows ec2:RunInstances' });
    expect(evaluate(levels, { action: 's3:GetObject' }).decision).toBe('allowed');
  });

  it('denies implicitly at a level with no policies at all', () => {
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal', policies: [] },
    ];
    expect(evaluate(levels, ec2)).toEqual({ decision: 'denied', reason: 'no policy at Internal allows ec2:RunInstances' });
  });

  it('lets a Deny beat an Allow for the same action at the same level', () => {
    const allowRunInstances = policy('allow-ec2', { Sid: 'AllowEc2', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' });
    expect(evaluate([{ target: 'Root', policies: [allowRunInstances, denyRunInstances] }], ec2).decision).toBe('denied');
  });

  it('lets a definite Deny beat one that cannot be decided', () => {
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS, DENY_ROOT] },
      { target: 'Internal', policies: [FULL_AWS_ACCESS, REQUIRE_IMDSV2] },
    ];
    expect(evaluate(levels, { ...ec2, principalArn: ROOT_USER })).toEqual({ decision: 'denied', reason: 'denied by deny-root-user (DenyRootUser) at Root' });
  });

  it('lets an implicit deny beat a Deny that cannot be decided', () => {
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS, REQUIRE_IMDSV2] },
      { target: 'Internal', policies: [allowS3] },
    ];
    expect(evaluate(levels, ec2).decision).toBe('denied');
  });

  it('says which policy, statement and key make the answer unknown', () => {
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal', policies: [FULL_AWS_ACCESS, REQUIRE_IMDSV2] },
    ];
    expect(evaluate(levels, { ...ec2, resource: 'arn:aws:ec2:eu-west-1:111122223333:instance/*' })).toEqual({
      decision: 'unknown',
      reason: 'unknown: require-imdsv2 (RequireIMDSv2) at Internal depends on ec2:MetadataHttpTokens, which cannot be known offline',
    });
  });

  it('says the resource is missing when only the resource leaves a Deny undecided', () => {
    expect(evaluate(underRoot(PROTECT_CLOUDTRAIL), { action: 'cloudtrail:DeleteTrail' }).reason).toBe(
      'unknown: protect-cloudtrail (ProtectCloudTrail) at Root depends on the resource, which the request does not name',
    );
  });

  it('is unknown when a level allows the action only under a condition that cannot be decided', () => {
    const allowTeamTagged = policy('allow-tagged', { Sid: 'AllowTagged', Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'platform' } } });
    const levels: Level[] = [
      { target: 'Root', policies: [FULL_AWS_ACCESS] },
      { target: 'Internal', policies: [allowTeamTagged] },
    ];
    expect(evaluate(levels, ec2)).toEqual({
      decision: 'unknown',
      reason:
        'unknown: allow-tagged (AllowTagged) at Internal depends on aws:PrincipalTag/team, which cannot be known offline, and nothing else at Internal allows ec2:RunInstances',
    });
  });

  it('names a statement without a Sid by its index', () => {
    const unnamed = policy('deny-leave-unnamed', { Effect: 'Allow', Action: 's3:*', Resource: '*' }, deny({ Action: 'organizations:LeaveOrganization', Resource: '*' }));
    expect(evaluate(underRoot(unnamed), { action: 'organizations:LeaveOrganization' }).reason).toBe('denied by deny-leave-unnamed (Statement[1]) at Root');
  });

  it('names the reason for an unsupported operator', () => {
    const numeric = denyAll('numeric', { NumericLessThan: { 'aws:RequestedRegion': 3 } });
    expect(evaluate(underRoot(numeric), ec2).reason).toBe('unknown: numeric (Test) at Root uses the operator NumericLessThan, which the evaluator does not support');
  });

  it('allows everything when no level is given, as SCPs do not reach the management account', () => {
    expect(evaluate([], ec2)).toEqual({ decision: 'allowed', reason: 'no service control policy applies' });
  });
});

describe('matching IAM wildcards', () => {
  it.each([
    ['*', 'anything at all', false, true],
    ['s3:Put*', 's3:PutObject', false, true],
    ['s3:Put*', 's3:put', false, true],
    ['iam:?et*', 'iam:GetRole', false, true],
    ['iam:?et*', 'iam:et', false, false],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::Bucket/key', true, false],
    ['arn:aws:s3:::bucket.name/*', 'arn:aws:s3:::bucketxname/key', true, false],
    ['arn:aws:iam::*:role/(admin)+', 'arn:aws:iam::1:role/(admin)+', true, true],
  ] as const)('matches %s against %s (case-sensitive: %s) → %s', (pattern, value, caseSensitive, expected) => {
    expect(matchesPattern(pattern, value, caseSensitive)).toBe(expected);
  });
});

describe('a request that carries condition keys of its own (the CI roles\' policies: test/unit/bootstrap/ci-roles.test.ts)', () => {
  const allow = (condition: PolicyStatement['Condition']): Level[] => [{ target: 'role', policies: [policy('role', { Effect: 'Allow', Action: 'events:PutEvents', Resource: '*', Condition: condition })] }];
  const put = (context: SampleRequest['context']): SampleRequest => ({ action: 'events:PutEvents', resource: 'arn:aws:events:ap-southeast-2:222222222222:event-bus/orgvend-infra', context });
  const onlyPlan = allow({ 'ForAllValues:StringEquals': { 'events:source': ['app.infra.plan'] }, Null: { 'events:source': 'false' } });

  it('judges ForAllValues over every value, and Null by whether the key has one', () => {
    expect(evaluate(onlyPlan, put({ 'events:source': ['app.infra.plan'] })).decision).toBe('allowed');
    expect(evaluate(onlyPlan, put({ 'events:source': ['app.infra.plan', 'app.infra.plan'] })).decision).toBe('allowed');
    expect(evaluate(onlyPlan, put({ 'events:source': ['app.infra.plan', 'app.infra'] })).decision).toBe('denied');
    // ForAllValues alone holds for a request without the key: the Null check is what refuses it.
    expect(evaluate(onlyPlan, put({})).decision).toBe('denied');
    expect(evaluate(allow({ 'ForAllValues:StringEquals': { 'events:source': ['app.infra.plan'] } }), put({})).decision).toBe('allowed');
  });

  it('judges ForAnyValue by one value, and a single-valued operator by the one value there is', () => {
    const anyAlias = allow({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/orgvend-requests' } });
    expect(evaluate(anyAlias, put({ 'kms:ResourceAliases': ['alias/other', 'alias/orgvend-requests'] })).decision).toBe('allowed');
    expect(evaluate(anyAlias, put({ 'kms:ResourceAliases': [] })).decision).toBe('denied');
    const sub = allow({ StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/platform-org:ref:refs/heads/*' } });
    expect(evaluate(sub, put({ 'token.actions.githubusercontent.com:sub': ['repo:acme/platform-org:ref:refs/heads/main'] })).decision).toBe('allowed');
    expect(evaluate(sub, put({ 'token.actions.githubusercontent.com:sub': ['repo:acme/platform-org:pull_request'] })).decision).toBe('denied');
    expect(evaluate(sub, put({ 'token.actions.githubusercontent.com:sub': ['a', 'b'] })).decision).toBe('unknown');
  });

  it('leaves a request without context as before: a service key cannot be known offline', () => {
    expect(evaluate(onlyPlan, { action: 'events:PutEvents', resource: '*' }).decision).toBe('unknown');
  });
});
