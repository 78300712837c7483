/**
 * The preventive controls of scps/_library that issue 17 added, each loaded as sync-scps
 * loads it (rendered from the tests' copy of the example repository, checked against AWS's
 * action list) and previewed with the evaluator: what it denies, what it leaves alone, and
 * what only AWS can decide at request time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load.js';
import { evaluate, type Decision, type NamedPolicy, type SampleRequest } from '../../../src/scp/evaluate.js';
import { FULL_AWS_ACCESS, FULL_AWS_ACCESS_DOCUMENT } from '../../../src/scp/model.js';
import { loadScps } from '../../../src/scp/load.js';
import { FIXTURE_REPO } from '../../helpers/repo.js';

let library: Map<string, NamedPolicy>;

beforeAll(async () => {
  const config = await readConfig('accounts.yml', FIXTURE_REPO);
  const { scps, diagnostics } = await loadScps(config.desired!, FIXTURE_REPO, config.source);
  expect(diagnostics).toEqual([]);
  library = new Map(scps!.policies.map((p) => [p.name, { name: p.name, document: p.document }]));
});

/** The decision for an account under Root with FullAWSAccess and the one library policy. */
function decide(name: string, request: SampleRequest): Decision {
  const policy = library.get(name);
  if (!policy) throw new Error(`no library policy ${name}`);
  return evaluate([{ target: 'Root', policies: [{ name: FULL_AWS_ACCESS, document: FULL_AWS_ACCESS_DOCUMENT }, policy] }], request).decision;
}

const ADMIN = 'arn:aws:iam::111122223333:role/Admin';
const INFOSEC = 'arn:aws:iam::111122223333:role/InfoSec-Responder';

describe('deny-iam-access-keys', () => {
  it('denies creating an access key, to anyone, and leaves the rest of IAM alone', () => {
    expect(decide('deny-iam-access-keys', { action: 'iam:CreateAccessKey', principalArn: ADMIN })).toBe('denied');
    expect(decide('deny-iam-access-keys', { action: 'iam:CreateAccessKey', principalArn: INFOSEC })).toBe('denied');
    expect(decide('deny-iam-access-keys', { action: 'iam:DeleteAccessKey', principalArn: ADMIN })).toBe('allowed');
    expect(decide('deny-iam-access-keys', { action: 'iam:CreateRole', principalArn: ADMIN })).toBe('allowed');
  });
});

describe('require-s3-encryption', () => {
  it('denies an upload that names no server-side encryption', () => {
    expect(decide('require-s3-encryption', { action: 's3:PutObject', context: {} })).toBe('denied');
  });

  it('allows an upload encrypted with KMS, or with a customer key (SSE-C)', () => {
    expect(decide('require-s3-encryption', { action: 's3:PutObject', context: { 's3:x-amz-server-side-encryption': ['aws:kms'] } })).toBe('allowed');
    expect(decide('require-s3-encryption', { action: 's3:PutObject', context: { 's3:x-amz-server-side-encryption-customer-algorithm': ['AES256'] } })).toBe('allowed');
  });

  it('cannot tell offline without the request\'s headers, and leaves other S3 calls alone', () => {
    expect(decide('require-s3-encryption', { action: 's3:PutObject' })).toBe('unknown');
    expect(decide('require-s3-encryption', { action: 's3:GetObject' })).toBe('allowed');
  });
});

describe('require-ebs-encryption', () => {
  const VOLUMES = 'arn:aws:ec2:us-east-1:111122223333:volume/*';

  it('denies an unencrypted volume, made alone or with an instance', () => {
    expect(decide('require-ebs-encryption', { action: 'ec2:CreateVolume', context: { 'ec2:Encrypted': ['false'] } })).toBe('denied');
    expect(decide('require-ebs-encryption', { action: 'ec2:RunInstances', resource: VOLUMES, context: { 'ec2:Encrypted': ['false'] } })).toBe('denied');
  });

  it('allows encrypted volumes, and the instance itself', () => {
    expect(decide('require-ebs-encryption', { action: 'ec2:CreateVolume', context: { 'ec2:Encrypted': ['true'] } })).toBe('allowed');
    expect(decide('require-ebs-encryption', { action: 'ec2:RunInstances', resource: VOLUMES, context: { 'ec2:Encrypted': ['true'] } })).toBe('allowed');
    expect(decide('require-ebs-encryption', { action: 'ec2:RunInstances', resource: 'arn:aws:ec2:us-east-1:111122223333:instance/*', context: { 'ec2:Encrypted': ['false'] } })).toBe('allowed');
  });

  it('cannot tell offline whether a volume is encrypted when the request does not say', () => {
    expect(decide('require-ebs-encryption', { action: 'ec2:CreateVolume' })).toBe('unknown');
  });
});

describe('protect-security-services', () => {
  const cases: [string, string][] = [
    ['GuardDuty', 'guardduty:DeleteDetector'],
    ['GuardDuty', 'guardduty:DisassociateFromAdministratorAccount'],
    ['AWS Config', 'config:StopConfigurationRecorder'],
    ['AWS Config', 'config:DeleteDeliveryChannel'],
    ['Security Hub', 'securityhub:DisableSecurityHub'],
    ['Security Hub', 'securityhub:BatchDisableStandards'],
  ];

  for (const [service, action] of cases) {
    it(`denies ${action} (${service}) to anyone but the security team's roles`, () => {
      expect(decide('protect-security-services', { action, principalArn: ADMIN })).toBe('denied');
      expect(decide('protect-security-services', { action, principalArn: INFOSEC })).toBe('allowed');
    });
  }

  it('leaves reading the findings and the configuration alone', () => {
    for (const action of ['guardduty:ListFindings', 'config:DescribeConfigurationRecorders', 'securityhub:GetFindings']) {
      expect(decide('protect-security-services', { action, principalArn: ADMIN }), action).toBe('allowed');
    }
  });
});
