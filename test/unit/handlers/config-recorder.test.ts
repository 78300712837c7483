/**
 * PUT_CONFIG_RECORDER's handler, where moto cannot stage the state: a duplicate delivery
 * that finds Config's service-linked role made meanwhile (AWS answers InvalidInput), a
 * region already as wanted beside one that is not, and a dry run. AWS Config and IAM are
 * mocked (aws-sdk-client-mock); every unmocked call is rejected. The whole path runs on
 * moto in test/integration/config-recorder.test.ts.
 */
import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeDeliveryChannelsCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
  StopConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putConfigRecorder } from '../../../src/handlers/config-recorder.js';
import { handlerContext } from '../../helpers/handler-context.js';

const ACCOUNT = '555555555555';
const BUCKET = 'aws-waf-logs-orgvend-666666666666-us-east-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;
const context = (dryrun = false) => handlerContext({ accountId: ACCOUNT, roles: ['member'] }, { dryrun });
const named = (name: string) => Object.assign(new Error(name), { name });
let config: ReturnType<typeof mockClient>;
let iam: ReturnType<typeof mockClient>;

/** us-east-1 records as wanted; us-west-2 has no recorder. */
function twoRegions() {
  const regionOf = async (client: { config: { region: () => Promise<string> } }) => client.config.region();
  config.on(DescribeConfigurationRecordersCommand).callsFake(async (_input, getClient) => ((await regionOf(getClient() as never)) === 'us-east-1' ? { ConfigurationRecorders: [{ name: 'default', recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } }] } : { ConfigurationRecorders: [] }));
  config.on(DescribeDeliveryChannelsCommand).callsFake(async (_input, getClient) => ((await regionOf(getClient() as never)) === 'us-east-1' ? { DeliveryChannels: [{ name: 'default', s3BucketName: BUCKET }] } : { DeliveryChannels: [] }));
  config.on(DescribeConfigurationRecorderStatusCommand).resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: true }] });
}

beforeEach(() => {
  config = mockClient(ConfigServiceClient);
  config.onAnyCommand().rejects(new Error('unmocked call'));
  iam = mockClient(IAMClient);
  iam.onAnyCommand().rejects(new Error('unmocked call'));
});
// Files share a worker's modules (isolate: false): a stub left behind would answer other files' calls.
afterEach(() => {
  config.restore();
  iam.restore();
});

const payload = { name: 'foo', on: true, regions: ['us-east-1', 'us-west-2'], home_region: 'us-east-1', bucket: BUCKET };
const sent = (client: ReturnType<typeof mockClient>) => client.calls().map((c) => c.args[0].constructor.name);

describe('PUT_CONFIG_RECORDER (mocked: states moto cannot stage)', () => {
  it('puts the region that differs alone, through the role a duplicate delivery made meanwhile', async () => {
    twoRegions();
    config.on(PutConfigurationRecorderCommand).resolves({});
    config.on(PutDeliveryChannelCommand).resolves({});
    config.on(StartConfigurationRecorderCommand).resolves({});
    iam.on(GetRoleCommand).rejects(named('NoSuchEntityException'));
    iam.on(CreateServiceLinkedRoleCommand).rejects(named('InvalidInputException'));
    expect(await putConfigRecorder(payload, context())).toEqual({ outcome: 'updated', regions: ['us-west-2'] });
    const put = config.commandCalls(PutConfigurationRecorderCommand).map((c) => c.args[0].input);
    expect(put).toEqual([{ ConfigurationRecorder: { name: 'default', roleARN: ROLE, recordingGroup: { allSupported: true, includeGlobalResourceTypes: false } } }]);
    expect(config.commandCalls(PutDeliveryChannelCommand).map((c) => c.args[0].input)).toEqual([{ DeliveryChannel: { name: 'default', s3BucketName: BUCKET } }]);
    expect(config.commandCalls(StartConfigurationRecorderCommand)).toHaveLength(1);
  });

  it('changes nothing in a dry run, nor when every region is as wanted', async () => {
    twoRegions();
    expect(await putConfigRecorder(payload, context(true))).toEqual({ outcome: 'would-update', regions: ['us-west-2'] });
    expect(await putConfigRecorder({ ...payload, regions: ['us-east-1'] }, context())).toEqual({ outcome: 'unchanged', regions: [] });
    expect(sent(config).filter((name) => !name.startsWith('Describe'))).toEqual([]);
    expect(sent(iam)).toEqual([]);
  });

  it('off, stops the recorders that record and leaves the rest; makes no role', async () => {
    twoRegions();
    config.on(StopConfigurationRecorderCommand).resolves({});
    expect(await putConfigRecorder({ name: 'foo', on: false, regions: ['us-east-1', 'us-west-2'], home_region: 'us-east-1' }, context())).toEqual({ outcome: 'updated', regions: ['us-east-1'] });
    expect(config.commandCalls(StopConfigurationRecorderCommand).map((c) => c.args[0].input)).toEqual([{ ConfigurationRecorderName: 'default' }]);
    expect(sent(iam)).toEqual([]);
  });

  it('fails on any other IAM error, before putting anything', async () => {
    twoRegions();
    iam.on(GetRoleCommand).rejects(named('AccessDeniedException'));
    await expect(putConfigRecorder(payload, context())).rejects.toThrow('AccessDeniedException');
    expect(sent(config).filter((name) => !name.startsWith('Describe'))).toEqual([]);
  });
});
