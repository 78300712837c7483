/**
 * config_recorder end to end on moto (whose AWS Config keeps recorders, their status and
 * delivery channels, and whose IAM makes service-linked roles): sync-accounts reads the
 * recorders only in the accounts whose DSL sets config_recorder, plans config-recorder.put
 * and the log bucket's policy for Config, changes nothing without --execute, puts the
 * recorders from the account itself with --execute (every region of the account, the global
 * types in its home region alone, delivering to the logs account's bucket), and the next plan
 * is empty. A recorder stopped by hand is started again; false stops it, and true starts it
 * again, the log bucket's stack kept throughout. Tests run in order
 * on one organization.
 */
import {
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeDeliveryChannelsCommand,
  StopConfigurationRecorderCommand,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let ids: Record<string, string>;
let bucket: string;

/** foo's region (us-east-1, where the global types are recorded), then the other region the fixture's defaults give it. */
const REGIONS = ['us-east-1', 'ap-southeast-2'];
/** The minimal DSL with a logs account, where the recorders deliver. */
const dsl = (changes: Parameters<typeof dslText>[0] = []) => dslText([[['accounts', 'logs'], { scope: 'infra' }], [['organization', 'logs_account'], 'logs'], ...changes]);

beforeAll(async () => {
  ({ org, workspace, cli } = await ciOrganization(dsl()));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  ids = await managedIds(org);
  bucket = `aws-waf-logs-orgvend-${ids.logs}-us-east-1`;
}, 180_000);

afterAll(() => org.close());

const config = async (name: string, region: string) => (await org.factory.forAccount(ids[name]!).client('config', region)) as ConfigServiceClient;

/** The account's recorder in `region` as moto holds it: [recording, all supported, global types, delivery bucket]; null when it has none. */
async function recorderOf(name: string, region: string) {
  const client = await config(name, region);
  const { ConfigurationRecorders: [recorder] = [] } = await client.send(new DescribeConfigurationRecordersCommand({}));
  if (!recorder) return null;
  const { ConfigurationRecordersStatus: [status] = [] } = await client.send(new DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [recorder.name!] }));
  const { DeliveryChannels: [channel] = [] } = await client.send(new DescribeDeliveryChannelsCommand({}));
  return [status?.recording ?? false, recorder.recordingGroup?.allSupported ?? false, recorder.recordingGroup?.includeGlobalResourceTypes ?? false, channel?.s3BucketName ?? null];
}

const reads = () => org.calls.filter((c) => c.operation === 'DescribeConfigurationRecorders');
const writes = () => org.calls.filter((c) => c.service === 'config' && isMutating(c.operation));

describe('config_recorder', () => {
  it('is read in no account while the DSL sets it for none', async () => {
    const before = reads().length;
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(out).toContain('No changes.');
    expect(code).toBe(0);
    expect(reads().length).toBe(before);
  });

  it("plans the recorders of the account whose DSL turns it on and the log bucket's policy for Config, reads no other account's, and without --execute changes nothing", async () => {
    workspace.write(dsl([[['accounts', 'foo', 'config_recorder'], true]]));
    const before = reads().length;
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(out).toMatch(new RegExp(`~ config-recorder\\.put +foo \\(\\d{12}\\) +AWS Config: ${REGIONS.map((r) => `${r} none`).join(', ')} → recording every resource type into ${bucket} +\\(missing-in-account\\)`));
    // The logs account's bucket exists since it does; its policy gains Config's statements.
    expect(out).toMatch(/~ stack\.deploy +logs\/orgvend-log-buckets \(\d{12}\) +template [0-9a-f]{12} → [0-9a-f]{12} in us-east-1: 0 to add, 1 to change, 0 to remove/);
    expect(code).toBe(2);
    expect(new Set(reads().slice(before).map((c) => c.account))).toEqual(new Set([ids.foo]));
    expect(reads().slice(before).map((c) => c.region).sort()).toEqual([...REGIONS].sort());
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
    expect(await recorderOf('foo', 'us-east-1')).toBeNull();
  });

  it('puts them from the account itself with --execute, after the bucket policy that lets Config write for the organization; the next plan is empty', async () => {
    const from = org.calls.length;
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    const made = org.calls.slice(from);
    expect(new Set(made.filter((c) => c.service === 'config' && isMutating(c.operation)).map((c) => c.account))).toEqual(new Set([ids.foo]));
    // Config's service-linked role, made once, in foo alone.
    expect(made.filter((c) => c.operation === 'CreateServiceLinkedRole').map((c) => [c.account, (c.input as { AWSServiceName: string }).AWSServiceName])).toEqual([[ids.foo, 'config.amazonaws.com']]);
    for (const region of REGIONS) expect(await recorderOf('foo', region), region).toEqual([true, true, region === 'us-east-1', bucket]);
    expect(await recorderOf('dns', 'us-east-1')).toBeNull();

    // moto's CloudFormation makes the bucket but not its policy: the policy is read from the deployed template.
    const stack = (await org.stack(ids.logs!, 'us-east-1', 'orgvend-log-buckets'))!;
    const statements = (parse(stack.template) as { Resources: { LogBucketPolicy: { Properties: { PolicyDocument: { Statement: { Sid: string; Resource: unknown; Condition?: unknown }[] } } } } }).Resources.LogBucketPolicy.Properties.PolicyDocument.Statement;
    const write = statements.find((s) => s.Sid === 'ConfigWrite')!;
    expect(write.Resource).toBe(`arn:aws:s3:::${bucket}/AWSLogs/*/Config/*`);
    expect(write.Condition).toEqual({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceOrgID': org.organizationId } });

    const next = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(next.out).toContain('No changes.');
    expect(next.code).toBe(0);
  });

  it('starts again a recorder stopped by hand (seen with --refresh), touching that region alone', async () => {
    await (await config('foo', 'ap-southeast-2')).send(new StopConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
    const from = writes().length;
    const { code, out } = await cli('--action', 'sync-accounts', '--execute', '--refresh');
    expect(out).toMatch(/~ config-recorder\.put +foo \(\d{12}\) +AWS Config: ap-southeast-2 stopped → recording every resource type/);
    expect(code).toBe(0);
    expect(writes().slice(from).map((c) => [c.operation, c.region])).toEqual([
      ['PutConfigurationRecorder', 'ap-southeast-2'],
      ['PutDeliveryChannel', 'ap-southeast-2'],
      ['StartConfigurationRecorder', 'ap-southeast-2'],
    ]);
    expect(await recorderOf('foo', 'ap-southeast-2')).toEqual([true, true, false, bucket]);
  });

  it("stops recording where the DSL says false, keeping the recorder and the log bucket's stack", async () => {
    workspace.write(dsl([[['accounts', 'foo', 'config_recorder'], false]]));
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(new RegExp(`~ config-recorder\\.put +foo \\(\\d{12}\\) +AWS Config: ${REGIONS.map((r) => `${r} recording`).join(', ')} → stopped`));
    // Nothing delivers to the bucket any more: its policy loses Config's statements, and the stack stays.
    expect(out).toMatch(/~ stack\.deploy +logs\/orgvend-log-buckets /);
    expect(out).not.toContain('stack.delete');
    expect(code).toBe(0);
    for (const region of REGIONS) expect(await recorderOf('foo', region), region).toEqual([false, true, region === 'us-east-1', bucket]);
    expect(await org.stack(ids.logs!, 'us-east-1', 'orgvend-log-buckets')).toBeDefined();
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });

  it('records again when turned back on, the bucket policy updated in place, and converges', async () => {
    workspace.write(dsl([[['accounts', 'foo', 'config_recorder'], true]]));
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toMatch(/~ stack\.deploy +logs\/orgvend-log-buckets \(\d{12}\) +template /);
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    for (const region of REGIONS) expect(await recorderOf('foo', region), region).toEqual([true, true, region === 'us-east-1', bucket]);
    expect((await cli('--action', 'sync-accounts', '--detailed-exitcode')).code).toBe(0);
  });
});
