/**
 * sync-security's organization trail on moto, through the bus: sync-accounts deploys the
 * logs account's log bucket (whose policy admits CloudTrail for the trail), then the plan
 * shows the trail, a dry run changes nothing, --execute creates it from the management
 * account, the next plan is empty, and a trail changed by hand is put back.
 */
import { GetTrailCommand, GetTrailStatusCommand, StopLoggingCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dslText } from '../helpers/dsl.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

const TRAIL = 'organization-trail';
const DSL = dslText([
  [['accounts', 'logs'], { scope: 'infra' }],
  [['organization', 'logs_account'], 'logs'],
  [['organization', 'security'], { trail: {} }],
]);

let org: TestOrganization;
let cli: CiCli['cli'];
let bucket: string;

async function cloudtrail() {
  return org.factory.forAccount(org.desired.organization.management_account_id).client('cloudtrail');
}
async function trail() {
  const client = await cloudtrail();
  try {
    const { Trail } = await client.send(new GetTrailCommand({ Name: TRAIL }));
    const { IsLogging } = await client.send(new GetTrailStatusCommand({ Name: TRAIL }));
    return { ...Trail, IsLogging };
  } catch (error) {
    if ((error as Error).name === 'TrailNotFoundException') return null;
    throw error;
  }
}
const trailCalls = () => org.calls.filter((c) => c.service === 'cloudtrail' && !c.operation.startsWith('Get'));

beforeAll(async () => {
  ({ org, cli } = await ciOrganization(DSL));
  const synced = await cli('--action', 'sync-accounts', '--execute');
  expect(synced.out).toContain('Converged');
  const logs = (await managedIds(org)).logs!;
  bucket = `aws-waf-logs-orgvend-${logs}-us-east-1`;
}, 180_000);

afterAll(() => org.close());

describe('sync-security: the organization trail', () => {
  // moto's CloudFormation makes the bucket but not its AWS::S3::BucketPolicy, so the policy is read from the deployed stack's template.
  it('sync-accounts gives the logs account a bucket whose policy admits CloudTrail for the trail alone', async () => {
    const stack = (await org.stack((await managedIds(org)).logs!, 'us-east-1', 'orgvend-log-buckets'))!;
    expect(stack.status).toMatch(/_COMPLETE$/);
    const policy = (parse(stack.template) as { Resources: { LogBucketPolicy: { Properties: { PolicyDocument: { Statement: { Sid: string; Condition?: unknown }[] } } } } }).Resources.LogBucketPolicy.Properties.PolicyDocument;
    const write = policy.Statement.find((s) => s.Sid === 'CloudTrailWrite')!;
    expect(write.Condition).toEqual({
      StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': `arn:aws:cloudtrail:${org.desired.organization.home_region}:${org.desired.organization.management_account_id}:trail/${TRAIL}` },
    });
  });

  it('plans the trail; the dry run creates nothing', async () => {
    const from = trailCalls().length;
    const { code, out } = await cli('--action', 'sync-security', '--detailed-exitcode');
    expect(out).toContain(`+ trail.create  ${TRAIL}  organization trail, every region, log file validation, into s3://${bucket}, logging  (missing-in-org)`);
    expect(code).toBe(2);
    expect(trailCalls().length).toBe(from);
    expect(await trail()).toBeNull();
  });

  it('--execute creates it from the management account, logging, and the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await trail()).toMatchObject({ S3BucketName: bucket, IsOrganizationTrail: true, IsMultiRegionTrail: true, LogFileValidationEnabled: true, IncludeGlobalServiceEvents: true, IsLogging: true });
    const again = await cli('--action', 'sync-security', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('puts back a trail changed by hand: validation switched off, logging stopped', async () => {
    const client = await cloudtrail();
    await client.send(new UpdateTrailCommand({ Name: TRAIL, EnableLogFileValidation: false }));
    await client.send(new StopLoggingCommand({ Name: TRAIL }));
    const plan = await cli('--action', 'sync-security');
    expect(plan.out).toContain(`~ trail.update  ${TRAIL}  log_file_validation: false → true; start logging  (settings-changed)`);
    const { code, out } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await trail()).toMatchObject({ LogFileValidationEnabled: true, IsLogging: true });
  });
});
