/**
 * The account's AWS Config recorder, region by region: read with the parameters (and by
 * READ_ACCOUNTS through the reader role), made what config_recorder says by
 * PUT_CONFIG_RECORDER. An account records on its own: a recorder and its delivery channel
 * are the account's, in each region, and only its credentials may change them.
 *
 * On, a region records every supported resource type (the global ones, IAM's, in the
 * account's home region only, so they are recorded once) through Config's service-linked
 * role, and its delivery channel writes to the logs account's log bucket (whose policy lets
 * Config write there for the organization's accounts: templates/log-buckets.yml.njk). Off,
 * the recorder is stopped and kept, with its history. The one recorder and the one delivery
 * channel a region may have keep their names (AWS's default is `default`).
 */
import {
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeDeliveryChannelsCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
  StopConfigurationRecorderCommand,
  type ConfigServiceClient,
} from '@aws-sdk/client-config-service';
import { CreateServiceLinkedRoleCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { AccountClients } from '../aws/clients.js';
import { CONFIG_ROLE_PATH, recorderDrift, type LiveRecorder, type LiveRecorders, type PayloadOf, type ResultOf } from '../protocol/requests.js';
import { partitionOf } from '../transport/transport.js';
import type { Handler } from './context.js';

const DEFAULT_NAME = 'default';
const CONFIG_ROLE_NAME = CONFIG_ROLE_PATH.split('/').at(-1)!;

interface RegionState {
  recorder: LiveRecorder | null;
  /** The delivery channel's name, when the region has one. */
  channel: string | undefined;
}

async function readRegion(client: ConfigServiceClient): Promise<RegionState> {
  const [{ ConfigurationRecorders: recorders = [] }, { DeliveryChannels: channels = [] }] = await Promise.all([
    client.send(new DescribeConfigurationRecordersCommand({})),
    client.send(new DescribeDeliveryChannelsCommand({})),
  ]);
  const channel = channels[0];
  // A region holds one recorder of the account's own (a service-linked one, which another service manages, aside).
  const recorder = recorders.find((r) => !r.recordingScope || r.recordingScope === 'PAID');
  if (!recorder?.name) return { recorder: null, channel: channel?.name };
  const { ConfigurationRecordersStatus: status = [] } = await client.send(new DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [recorder.name] }));
  return {
    recorder: {
      name: recorder.name,
      recording: status[0]?.recording === true,
      all_supported: recorder.recordingGroup?.allSupported === true,
      include_global: recorder.recordingGroup?.includeGlobalResourceTypes === true,
      bucket: channel?.s3BucketName ?? null,
    },
    channel: channel?.name,
  };
}

/** The account's recorders in `regions`, by region (null where there is none). */
export async function readRecorders(clients: Pick<AccountClients, 'client'>, regions: readonly string[]): Promise<LiveRecorders> {
  const read = await Promise.all(regions.map(async (region) => [region, (await readRegion(await clients.client('config', region))).recorder] as const));
  return Object.fromEntries(read);
}

/**
 * Config's service-linked role in this account, made when the account has none; its ARN,
 * whose path AWS fixes. A role made meanwhile (a duplicate delivery of this request) is
 * the same role.
 */
async function configRole(iam: IAMClient, partition: string, accountId: string): Promise<string> {
  const arn = `arn:${partition}:iam::${accountId}:role/${CONFIG_ROLE_PATH}`;
  try {
    await iam.send(new GetRoleCommand({ RoleName: CONFIG_ROLE_NAME }));
    return arn;
  } catch (error) {
    if (!/^NoSuchEntity/.test((error as Error).name)) throw error;
  }
  try {
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'config.amazonaws.com' }));
  } catch (error) {
    // AWS: InvalidInput ("has been taken in this account"); moto: EntityAlreadyExists.
    if (!/^(InvalidInput|EntityAlreadyExists)/.test((error as Error).name)) throw error;
  }
  return arn;
}

export const putConfigRecorder: Handler<PayloadOf<'PUT_CONFIG_RECORDER'>, ResultOf<'PUT_CONFIG_RECORDER'>> = async ({ on, regions, home_region, bucket }, { clients, config, dryrun }) => {
  const states = await Promise.all(
    regions.map(async (region) => {
      const client = await clients.client('config', region);
      const state = await readRegion(client);
      return { region, client, state, drift: recorderDrift(state.recorder, on, region, home_region, bucket ?? '') };
    }),
  );
  const changing = states.filter((s) => s.drift.length);
  if (!changing.length) return { outcome: 'unchanged', regions: [] };
  if (dryrun) return { outcome: 'would-update', regions: changing.map((s) => s.region) };
  const iam = on ? await clients.client('iam') : undefined;
  const roleArn = iam && (await configRole(iam, partitionOf(await iam.config.region()), config.accountId));
  for (const { region, client, state } of changing) {
    const name = state.recorder?.name ?? DEFAULT_NAME;
    if (!on) {
      await client.send(new StopConfigurationRecorderCommand({ ConfigurationRecorderName: name }));
      continue;
    }
    // The whole recorder and channel every time: a duplicate delivery puts the same again.
    await client.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: { name, roleARN: roleArn, recordingGroup: { allSupported: true, includeGlobalResourceTypes: region === home_region } },
      }),
    );
    await client.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name: state.channel ?? DEFAULT_NAME, s3BucketName: bucket } }));
    await client.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: name }));
  }
  return { outcome: 'updated', regions: changing.map((s) => s.region) };
};
