/**
 * What --execute would meet, found by the dry run without changing anything, on moto with
 * the CLI outside the sandbox (as CI and the administrator run it): an artifact bucket that
 * is missing or in another region is named with its region and its key in accounts.yml,
 * and bootstrap names the accounts it could not reach through OrganizationAccountAccessRole.
 *
 * moto's AssumeRole assumes any role, existing or not, trusted or not: the refusal of the
 * role into one account comes from aws-sdk-client-mock, on the STS client of one factory.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../src/aws/clients.js';
import { planBootstrap } from '../../src/bootstrap/bootstrap.js';
import { runCli } from '../../src/cli/run.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import { dslText } from '../helpers/dsl.js';
import { captureIo } from '../helpers/io.js';
import { isMutating } from '../helpers/mutating.js';
import { ciCli, createTestOrganization, type CliWorkspace, type TestOrganization } from './harness/organization.js';

const ORG_DSL = dslText([[['organization', 'artifact_buckets'], { 'ap-southeast-2': 'artifacts-apse2' }]]);
/** The CI's accounts.yml: one bucket that is there, one that is not, one in another region than its key says. */
const CI_DSL = dslText([[['organization', 'artifact_buckets'], { 'ap-southeast-2': 'artifacts-apse2', 'us-east-1': 'artifacts-missing', 'us-west-2': 'artifacts-elsewhere' }]]);
const ADMIN_DSL = dslText([[['organization', 'artifact_buckets'], { 'ap-southeast-2': 'handler-missing' }]]);

const MARKER = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /orgvend/marker
      Type: String
      Value: marker
`;

let org: TestOrganization;
let ci: CliWorkspace;
let admin: CliWorkspace;

/** The CLI in `workspace`, with its credentials. */
async function cli(workspace: CliWorkspace, ...argv: string[]): Promise<{ code: number; out: string; err: string; calls: AwsCall[] }> {
  Object.assign(process.env, workspace.env);
  const calls: AwsCall[] = [];
  const io = captureIo({ cwd: workspace.cwd });
  const code = await runCli(argv, io, { onCall: (call) => calls.push(call) });
  return { code, out: io.out(), err: io.err(), calls };
}

beforeAll(async () => {
  org = await createTestOrganization(ORG_DSL);
  org.startWorker();
  const cicd = org.desired.organization.cicd_account_id;
  const s3 = await org.factory.client('s3', cicd, 'eu-west-1');
  await s3.send(new CreateBucketCommand({ Bucket: 'artifacts-elsewhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  ({ workspace: ci } = await ciCli(org, CI_DSL));
  // One small template of this test's own: the repository's are covered by the golden test.
  for (const name of readdirSync(join(ci.cwd, 'templates'), { recursive: true }) as string[]) {
    if (name.endsWith('.njk') && name !== 'bootstrap.yml.njk') ci.file(join('templates', name));
  }
  ci.file('templates/marker.yml.njk', MARKER);
  ({ workspace: admin } = await ciCli(org, ADMIN_DSL, org.desired.organization.management_account_id));
});

afterAll(() => org.close());

describe('render-templates and the artifact buckets', () => {
  const missing = 'the artifact bucket artifacts-missing (organization.artifact_buckets.us-east-1) does not exist in us-east-1: create it (with versioning) or name an existing one; nothing is uploaded to it';
  const elsewhere = 'the artifact bucket artifacts-elsewhere (organization.artifact_buckets.us-west-2) is in eu-west-1, not us-west-2: name a bucket of us-west-2 under that key; nothing is uploaded to it';

  it('names a missing bucket and one in another region as errors of the plan, and the dry run fails', async () => {
    const run = await cli(ci, '--action', 'render-templates');
    expect(run.code).toBe(1);
    expect(run.out).toContain(`error: ${missing}`);
    expect(run.out).toContain(`error: ${elsewhere}`);
    expect(run.out).toMatch(/\+ template\.upload +marker\.yml @ ap-southeast-2 /);
    expect(run.out).not.toMatch(/template\.upload .* @ (us-east-1|us-west-2)/);
    expect(run.calls.map((c) => c.operation).filter(isMutating)).toEqual([]);

    const json = JSON.parse((await cli(ci, '--action', 'render-templates', '--format', 'json')).out) as { conflicts: string[] };
    expect(json.conflicts).toEqual([missing, elsewhere]);
  });

  it('with --execute uploads to the bucket that is there, nothing elsewhere, and fails', async () => {
    const run = await cli(ci, '--action', 'render-templates', '--execute');
    expect(run.code).toBe(1);
    expect(run.out).toContain(`error: ${missing}`);
    const puts = run.calls.filter((c) => c.operation === 'PutObject').map((c) => {
      const { Bucket, Key } = c.input as { Bucket: string; Key: string };
      return `${Bucket} ${Key.replace(/[0-9a-f]{16}/, 'HASH')}`;
    });
    expect(puts).toEqual(['artifacts-apse2 templates/marker/HASH.yml', 'artifacts-apse2 templates/orgvend-published.json']);
    expect(run.err).not.toContain('NoSuchBucket');
  });
});

describe("bootstrap's dry run", () => {
  it('names the missing bucket the handler would be stored in, before packaging it, and changes nothing', async () => {
    const run = await cli(admin, '--action', 'bootstrap');
    expect(run.code).toBe(1);
    expect(run.err.trim().split('\n').at(-1)).toBe(
      "error: the artifact bucket handler-missing (organization.artifact_buckets.ap-southeast-2) does not exist in ap-southeast-2: create it (with versioning) or name an existing one. bootstrap stores the handler's code there. Nothing was deployed.",
    );
    expect(run.calls.map((c) => c.operation)).toEqual(['GetCallerIdentity', 'HeadBucket']);
  });

  it('lists an account whose role cannot be assumed as an error, and reads nothing more there', async () => {
    const { management_account_id: management, audit_account_id: audit } = org.desired.organization;
    // A factory of its own, whose STS client (the one every role is assumed with) refuses the role into the audit account.
    const calls: AwsCall[] = [];
    const factory = sandboxFactory(org.endpoint, org.desired.organization.home_region, (call) => calls.push(call));
    const sts = mockClient(await factory.client('sts'));
    sts.send.callThrough();
    const refused = `User: arn:aws:sts::${management}:assumed-role/Admin/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${audit}:role/orgvend-sandbox`;
    sts.on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${audit}:role/orgvend-sandbox` }).rejects(Object.assign(new Error(refused), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    try {
      const planned = await planBootstrap({ ...org.bootstrapEnv, clientsFor: async (id) => factory.forAccount(id), checkReach: true });
      expect(planned.plan.conflicts).toEqual([
        `account ${audit} (audit) cannot be reached through arn:aws:iam::${audit}:role/orgvend-sandbox (AccessDenied: ${refused}): bootstrap --execute deploys orgvend's stack there through that role; check that it exists and trusts the management account`,
      ]);
      expect(planned.plan.changes.filter((c) => c.target.includes(audit))).toEqual([]);
      expect(calls.filter((c) => c.account === audit && c.operation !== 'GetCallerIdentity')).toEqual([]);
      expect(calls.map((c) => c.operation).filter(isMutating)).toEqual([]);
    } finally {
      sts.restore();
    }
  });
});
