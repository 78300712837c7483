import { describe, expect, it } from 'vitest';
import { CONDITION_OPERATORS, minify, validatePolicyDocument } from '../../../src/scp/validate.js';
import type { Problem } from '../../../src/config/diagnostics.js';

// Fixtures follow the example SCPs in the AWS Organizations user guide.

const LIMIT = 10_240;
const validate = (document: unknown, maxCharacters = LIMIT) => validatePolicyDocument(document, { maxCharacters });

/** A policy of the given statements, valid apart from what the statements get wrong. */
const policy = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });
const DENY_LEAVE = { Sid: 'DenyLeave', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' };
const withStatement = (changes: Record<string, unknown>) => policy({ ...DENY_LEAVE, ...changes });
const without = (key: keyof typeof DENY_LEAVE) => {
  const { [key]: _dropped, ...rest } = DENY_LEAVE;
  return policy(rest);
};

/** The one problem a document has; fails with the whole list otherwise. */
function onlyProblem(document: unknown): Problem {
  const problems = validate(document);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

function expectProblem(problem: Problem, code: Problem['code'], path: Problem['path'], message: string): void {
  expect(problem).toMatchObject({ code, severity: 'error', path: [...path] });
  expect(problem.message).toContain(message);
}

describe('validatePolicyDocument', () => {
  describe('a realistic policy', () => {
    it('finds nothing wrong with a policy of the usual guardrails', () => {
      const guardrails = policy(
        DENY_LEAVE,
        {
          Sid: 'DenyUnapprovedRegions',
          Effect: 'Deny',
          NotAction: ['cloudfront:*', 'iam:*', 'organizations:*', 'route53:*', 'sts:*', 'support:*'],
          Resource: '*',
          Condition: { StringNotEqualsIfExists: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } },
        },
        {
          Sid: 'ProtectSecurityRoles',
          Effect: 'Deny',
          Action: ['iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy'],
          Resource: ['arn:aws:iam::*:role/InfoSec*'],
          Condition: { ArnNotLike: { 'aws:PrincipalARN': 'arn:aws:iam::*:role/InfoSec*' } },
        },
      );
      expect(validate(guardrails)).toEqual([]);
    });

    it('accepts a single statement object, an Id, wildcards and set operators', () => {
      const document = {
        Version: '2012-10-17',
        Id: 'guardrails',
        Statement: {
          Effect: 'Allow',
          Action: ['ec2:Describe*', 's3:Get?bject', 'access-analyzer:List*'],
          Condition: {
            'ForAnyValue:StringLike': { 'aws:TagKeys': ['team', 'cost-*'] },
            NumericLessThan: { 's3:max-keys': 10 },
            Bool: { 'aws:SecureTransport': true },
          },
        },
      };
      expect(validate(document)).toEqual([]);
    });
  });

  describe('the document', () => {
    it('refuses a document that is not a JSON object, and does not measure it', () => {
      const problems = validate(['not', 'a', 'policy'], 1);
      expect(problems).toHaveLength(1);
      expectProblem(problems[0]!, 'scp-syntax', [], 'must be a JSON object');
    });

    it('reports an unknown top-level key at the key, suggesting the one meant', () => {
      const problem = onlyProblem({ Version: '2012-10-17', Statements: [DENY_LEAVE], Statement: [DENY_LEAVE] });
      expectProblem(problem, 'scp-statement', ['Statements'], 'unknown top-level key "Statements"');
      expect(problem.at).toBe('key');
      expect(problem.hint).toBe('did you mean "Statement"?');
    });

    it('refuses the 2008 policy version and says why', () => {
      const problem = onlyProblem({ ...policy(DENY_LEAVE), Version: '2008-10-17' });
      expectProblem(problem, 'scp-version', ['Version'], 'Version must be "2012-10-17"');
      expect(problem.found).toBe('"2008-10-17"');
      expect(problem.hint).toContain('lacks policy variables');
    });

    it('reports a missing Version against the whole document', () => {
      expectProblem(onlyProblem({ Statement: [DENY_LEAVE] }), 'scp-version', [], 'has no Version');
    });

    it('reports a missing Statement', () => {
      expectProblem(onlyProblem({ Version: '2012-10-17' }), 'scp-statement', [], 'has no Statement');
    });

    it('refuses an empty list of statements', () => {
      expectProblem(onlyProblem(policy()), 'scp-statement', ['Statement'], 'non-empty list of objects');
    });

    it('refuses a statement that is not an object, at its index', () => {
      expectProblem(onlyProblem(policy(DENY_LEAVE, 'Deny everything')), 'scp-statement', ['Statement', 1], 'statement 1 is not an object');
    });
  });

  describe('statements', () => {
    it('refuses a Principal: an SCP covers every principal of its accounts', () => {
      const problem = onlyProblem(withStatement({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } }));
      expectProblem(problem, 'scp-principal', ['Statement', 0, 'Principal'], 'applies to every principal of the accounts it is attached to');
      expect(problem.hint).toContain('ArnNotLike');
    });

    it('refuses a NotPrincipal too', () => {
      expectProblem(onlyProblem(withStatement({ NotPrincipal: '*' })), 'scp-principal', ['Statement', 0, 'NotPrincipal'], 'it has no NotPrincipal');
    });

    it('reports an unknown statement key, suggesting the one meant', () => {
      const problem = onlyProblem(withStatement({ Resources: '*' }));
      expectProblem(problem, 'scp-statement', ['Statement', 0, 'Resources'], 'unknown statement key "Resources"');
      expect(problem.hint).toBe('did you mean "Resource"?');
    });

    it('refuses an Effect other than Allow or Deny, suggesting the spelling', () => {
      const problem = onlyProblem(withStatement({ Effect: 'deny' }));
      expectProblem(problem, 'scp-statement', ['Statement', 0, 'Effect'], 'Effect must be "Allow" or "Deny"');
      expect(problem.found).toBe('"deny"');
      expect(problem.hint).toBe('did you mean "Deny"?');
    });

    it('reports a missing Effect against the statement', () => {
      expectProblem(onlyProblem(without('Effect')), 'scp-statement', ['Statement', 0], 'has no Effect');
    });

    it('requires one of Action and NotAction', () => {
      expectProblem(onlyProblem(without('Action')), 'scp-statement', ['Statement', 0], 'neither Action nor NotAction');
    });

    it('refuses Action and NotAction together, at NotAction', () => {
      const problem = onlyProblem(withStatement({ NotAction: 'iam:*' }));
      expectProblem(problem, 'scp-statement', ['Statement', 0, 'NotAction'], 'both Action and NotAction');
    });

    it('refuses a Sid with other characters than letters and digits, proposing one', () => {
      const problem = onlyProblem(withStatement({ Sid: 'deny-leave' }));
      expectProblem(problem, 'scp-statement', ['Statement', 0, 'Sid'], 'letters and digits only');
      expect(problem.hint).toBe('write it as "denyleave"');
    });

    it('refuses a Sid used twice, at the second use', () => {
      const problem = onlyProblem(policy(DENY_LEAVE, { ...DENY_LEAVE, Action: 'account:CloseAccount' }));
      expectProblem(problem, 'scp-statement', ['Statement', 1, 'Sid'], 'Sid "DenyLeave" is already used by Statement[0]');
    });

    it('reports paths without an index when Statement is a single object', () => {
      const problem = onlyProblem({ Version: '2012-10-17', Statement: { ...DENY_LEAVE, Effect: 'Block' } });
      expect(problem.path).toEqual(['Statement', 'Effect']);
    });
  });

  describe('actions', () => {
    it('reports each bad action in a list at its own index', () => {
      const problems = validate(withStatement({ Action: ['ec2:RunInstances', 'RunInstances', 's3:Get-Object'] }));
      expect(problems).toHaveLength(2);
      expectProblem(problems[0]!, 'scp-action', ['Statement', 0, 'Action', 1], '"RunInstances" is not an action');
      expect(problems[0]!.hint).toContain('service:Action');
      expectProblem(problems[1]!, 'scp-action', ['Statement', 0, 'Action', 2], '"s3:Get-Object" is not an action');
    });

    it('reports a single bad action string at the key, suggesting the lowercase service', () => {
      const problem = onlyProblem(withStatement({ Action: 'EC2:RunInstances' }));
      expectProblem(problem, 'scp-action', ['Statement', 0, 'Action'], 'is not an action');
      expect(problem.hint).toBe('did you mean "ec2:RunInstances"?');
    });

    it('checks NotAction like Action', () => {
      expectProblem(onlyProblem(policy({ Effect: 'Deny', NotAction: ['iam:*', 'sts'], Resource: '*' })), 'scp-action', ['Statement', 0, 'NotAction', 1], '"sts"');
    });

    it('refuses an empty list of actions and entries that are not strings', () => {
      expectProblem(onlyProblem(withStatement({ Action: [] })), 'scp-action', ['Statement', 0, 'Action'], 'non-empty list of strings');
      expectProblem(onlyProblem(withStatement({ Action: ['iam:*', 42] })), 'scp-action', ['Statement', 0, 'Action', 1], 'must be a string');
    });
  });

  describe('resources', () => {
    it('refuses a resource that is neither "*" nor an ARN', () => {
      const problem = onlyProblem(withStatement({ Resource: ['*', 'my-bucket/*'] }));
      expectProblem(problem, 'scp-resource', ['Statement', 0, 'Resource', 1], '"my-bucket/*" is not a resource ARN');
      expect(problem.hint).toContain('arn:aws:s3:::');
    });

    it('refuses Resource and NotResource together, at NotResource', () => {
      const problem = onlyProblem(withStatement({ NotResource: 'arn:aws:s3:::logs/*' }));
      expectProblem(problem, 'scp-resource', ['Statement', 0, 'NotResource'], 'both Resource and NotResource');
    });

    it('lets a statement go without any Resource', () => {
      expect(validate(without('Resource'))).toEqual([]);
    });
  });

  describe('conditions', () => {
    it('knows the IAM condition operators', () => {
      expect(CONDITION_OPERATORS).toContain('StringNotEqualsIgnoreCase');
      expect(CONDITION_OPERATORS).toHaveLength(27);
    });

    it('refuses an unknown operator, suggesting the one meant with its prefix and suffix', () => {
      const problem = onlyProblem(withStatement({ Condition: { 'ForAnyValue:StringEqualIfExists': { 'aws:TagKeys': 'team' } } }));
      expectProblem(problem, 'scp-condition', ['Statement', 0, 'Condition', 'ForAnyValue:StringEqualIfExists'], 'unknown condition operator');
      expect(problem.hint).toBe('did you mean "ForAnyValue:StringEqualsIfExists"?');
    });

    it('accepts every operator with a set prefix and IfExists, except Null with IfExists', () => {
      const condition = Object.fromEntries(CONDITION_OPERATORS.filter((op) => op !== 'Null').map((op) => [`ForAllValues:${op}IfExists`, { 'aws:TagKeys': 'x' }]));
      expect(validate(withStatement({ Condition: condition }))).toEqual([]);
      expectProblem(onlyProblem(withStatement({ Condition: { NullIfExists: { 'aws:TagKeys': 'true' } } })), 'scp-condition', ['Statement', 0, 'Condition', 'NullIfExists'], 'Null takes no IfExists');
    });

    it('refuses a Condition that is not an object of operator blocks', () => {
      expectProblem(onlyProblem(withStatement({ Condition: ['StringEquals'] })), 'scp-condition', ['Statement', 0, 'Condition'], 'must be an object');
      expectProblem(onlyProblem(withStatement({ Condition: { Bool: true } })), 'scp-condition', ['Statement', 0, 'Condition', 'Bool'], 'must map condition keys to values');
    });

    it('refuses condition values that are not strings, numbers or booleans', () => {
      const problem = onlyProblem(withStatement({ Condition: { StringEquals: { 'aws:PrincipalTag/team': ['ops', { name: 'dev' }] } } }));
      expectProblem(problem, 'scp-condition', ['Statement', 0, 'Condition', 'StringEquals', 'aws:PrincipalTag/team', 1], 'must be a string, number or boolean');
      const nothing = onlyProblem(withStatement({ Condition: { Null: { 'aws:ResourceTag/team': null } } }));
      expectProblem(nothing, 'scp-condition', ['Statement', 0, 'Condition', 'Null', 'aws:ResourceTag/team'], 'non-empty list');
    });

    it('refuses an empty list of condition values', () => {
      const problem = onlyProblem(withStatement({ Condition: { StringEquals: { 'aws:RequestedRegion': [] } } }));
      expectProblem(problem, 'scp-condition', ['Statement', 0, 'Condition', 'StringEquals', 'aws:RequestedRegion'], 'non-empty list');
      expect(problem.hint).toContain('at least one value');
    });
  });

  describe('size', () => {
    const sized = (description: string) => withStatement({ Condition: { StringEquals: { 'aws:PrincipalTag/description': description } } });

    it('accepts a policy exactly at the limit once minified', () => {
      const document = sized('x');
      const limit = minify(document).length;
      expect(minify(document)).not.toMatch(/\s/);
      expect(validate(document, limit)).toEqual([]);
    });

    it('refuses one character over the limit, saying by how much', () => {
      const document = sized('x');
      const problems = validate(document, minify(document).length - 1);
      expect(problems).toHaveLength(1);
      expectProblem(problems[0]!, 'scp-too-large', [], '1 over');
      expect(problems[0]!.message).toContain('organization.limits.scp_max_characters');
    });

    it('gives sizes with thousands separators', () => {
      const document = sized('x'.repeat(10_400));
      const size = minify(document).length;
      const problem = validate(document)[0]!;
      expect(problem.message).toBe(
        `the policy is ${size.toLocaleString('en-US')} characters once minified; the limit (organization.limits.scp_max_characters) is 10,240: ${(size - LIMIT).toLocaleString('en-US')} over`,
      );
    });

    it('counts characters, not bytes: é is one', () => {
      const ascii = minify(sized('cafe')).length;
      expect(minify(sized('café')).length).toBe(ascii);
      expect(validate(sized('café'), ascii)).toEqual([]);
      expectProblem(validate(sized('cafée'), ascii)[0]!, 'scp-too-large', [], '1 over');
    });
  });

  it('reports every problem of a document, not just the first', () => {
    const document = {
      Version: '2008-10-17',
      Statement: [
        { Sid: 'Bad-Sid', Effect: 'Deny', Principal: '*', Action: ['ec2:*', 'Ec2'], Resource: 'bucket' },
        { Effect: 'Permit', NotAction: 'iam:*', Condition: { StringEqual: { 'aws:RequestedRegion': [] } } },
      ],
    };
    const found = validate(document, 100).map((p) => [p.code, p.path.join('.')]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['scp-version', 'Version'],
        ['scp-principal', 'Statement.0.Principal'],
        ['scp-statement', 'Statement.0.Sid'],
        ['scp-action', 'Statement.0.Action.1'],
        ['scp-resource', 'Statement.0.Resource'],
        ['scp-statement', 'Statement.1.Effect'],
        ['scp-condition', 'Statement.1.Condition.StringEqual'],
        ['scp-condition', 'Statement.1.Condition.StringEqual.aws:RequestedRegion'],
        ['scp-too-large', ''],
      ]),
    );
    expect(found).toHaveLength(9);
  });
});
