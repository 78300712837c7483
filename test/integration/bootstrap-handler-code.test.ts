/**
 * The handler Lambda's code as the administrator's bootstrap (outside the sandbox, where
 * the Lambda is deployed) stores and pins it, on moto: the CLI runs in the management
 * account with the SDK pointed at moto. The key in the artifact bucket is predictable, so
 * these tests plant things there as someone who may write to the bucket would.
 *
 * What moto does not enforce, and so what these tests cannot show: S3 keeps a SHA-256
 * checksum that does not match the body (AWS refuses such an upload with BadDigest), so one
 * planted object below claims the real zip's checksum: bootstrap reads the bytes (and the
 * SDK checks them against the checksum that comes with them), never trusting the claim.
 * moto's Lambda reads the key's current object and ignores S3ObjectVersion, so the pin is
 * shown in the templates CloudFormation runs, not by the functions' code. No bucket policy
 * or IAM is evaluated.
 */
import { DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlerKey, packageHandler } from '../../src/bootstrap/lambda-package.js';
import { NAMES } from '../../src/protocol/names.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciCli, createTestOrganization, type CiCli, type TestOrganization } from './harness/organization.js';
import { SHIPPED_TEMPLATES } from '../helpers/repo.js';

const TEMPLATES = SHIPPED_TEMPLATES;
const BUCKET = 'orgvend-artifacts-apse2';
const DSL = dslText([[['organization', 'artifact_buckets'], { 'ap-southeast-2': BUCKET }]]);

let org: TestOrganization;
let cli: CiCli['cli'];
let s3: S3Client;
let key: string;
let sha256: string;

beforeAll(async () => {
  org = await createTestOrganization(DSL);
  // The administrator: bootstrap runs with the management account's own credentials.
  ({ cli } = await ciCli(org, DSL, org.desired.organization.management_account_id));
  s3 = await org.factory.forAccount(org.desired.organization.cicd_account_id).client('s3');
  ({ sha256 } = await packageHandler(TEMPLATES));
  key = handlerKey(sha256);
}, 120_000);

afterAll(() => org.close());

const versions = async () => (await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: key }))).Versions ?? [];
const managementStack = async () => (await org.stack(org.desired.organization.management_account_id, 'ap-southeast-2', NAMES.stack))!.template;
/** The operations of a run that change something, the bus's messaging aside: uploads, change sets, tags. */
const changes = (run: { calls: { operation: string }[] }) => run.calls.map((c) => c.operation).filter(isMutating);

describe('bootstrap and the handler\'s code in the artifact bucket', () => {
  it('refuses a bucket that does not keep versions, in one line, and changes nothing', async () => {
    const run = await cli('--action', 'bootstrap', '--execute');
    expect(run.code).toBe(1);
    expect(run.err.trim().split('\n').at(-1)).toBe(
      `error: the artifact bucket ${BUCKET} does not keep object versions (versioning never enabled): bootstrap pins the handler Lambda to the version of its code it checked; enable versioning on the bucket and run bootstrap again. Nothing was deployed.`,
    );
    expect(changes(run)).toEqual([]);
    expect(await versions()).toEqual([]);
  });

  it('refuses a different object planted at the handler\'s key, even one claiming the right checksum, and deploys nothing', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    // moto keeps the claimed checksum without checking it against the body; AWS would not.
    const planted = Buffer.from('not the handler');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: planted, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') }));
    const before = await managementStack();

    for (const flags of [[], ['--execute']]) {
      const run = await cli('--action', 'bootstrap', ...flags);
      expect(run.code, flags.join(' ')).toBe(1);
      expect(run.err.trim().split('\n').at(-1)).toBe(
        `error: s3://${BUCKET}/${key} is not the handler bootstrap built (its bytes do not match the checksum stored with them; the handler's is ${sha256}): someone else wrote that key; delete the object and run bootstrap again. Nothing was deployed.`,
      );
      expect(changes(run), flags.join(' ')).toEqual([]);
    }
    expect(await versions()).toHaveLength(1);
    expect(await managementStack()).toBe(before);
    expect(before).not.toContain('AWS::Lambda::Function');
  });

  it('uploads its own zip once the key is free, and every stack pins the version it uploaded', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const run = await cli('--action', 'bootstrap', '--execute');
    expect(run.code, run.err).toBe(0);
    const uploads = run.calls.filter((c) => c.operation === 'PutObject');
    expect(uploads).toHaveLength(1);
    const ours = (await versions()).find((v) => v.IsLatest)!.VersionId!;
    expect(run.err).toContain(`bootstrap: uploaded the handler to s3://${BUCKET}/${key}, version ${ours}`);
    const o = org.desired.organization;
    for (const account of [o.management_account_id, o.cicd_account_id, o.audit_account_id]) {
      const template = (await org.stack(account, 'ap-southeast-2', NAMES.stack))!.template;
      expect(template, account).toContain(`        S3Key: ${key}\n        S3ObjectVersion: "${ours}"\n`);
    }
    // New members' stacks, rendered later by the management handler, pin the same version.
    const given = /ORGVEND_BOOTSTRAP: (.*)$/m.exec(await managementStack())![1]!;
    expect((JSON.parse(JSON.parse(given) as string) as { lambda: unknown }).lambda).toEqual({ bucket: BUCKET, key, objectVersion: ours, version: expect.stringMatching(new RegExp(`\\+${sha256.slice(0, 16)}$`)) });
  });

  it('keeps the pinned version when the key is written over afterwards, and refuses the new object', async () => {
    const pinned = await managementStack();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from('written over') }));
    const run = await cli('--action', 'bootstrap', '--execute');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(new RegExp(`is not the handler bootstrap built \\(its SHA-256 is [0-9a-f]{64}; the handler's is ${sha256}\\)`));
    expect(changes(run)).toEqual([]);
    expect(await managementStack()).toBe(pinned);
  });
});
