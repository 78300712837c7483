/**
 * GET_TRAIL and PUT_TRAIL: the organization trail, in the management account, in the
 * handler's region (the home region). PUT_TRAIL compares before it changes: a trail that
 * is what the request says is left alone, one that logs is not started again.
 */
import {
  CreateTrailCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { MANAGED_BY } from '../config/identity-tags.js';
import { trailDrift, type LiveTrail, type PayloadOf, type ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';

async function readTrail(client: CloudTrailClient, name: string): Promise<LiveTrail | null> {
  let trail;
  try {
    ({ Trail: trail } = await client.send(new GetTrailCommand({ Name: name })));
  } catch (error) {
    if ((error as Error).name === 'TrailNotFoundException') return null;
    throw error;
  }
  if (!trail) return null;
  const { IsLogging } = await client.send(new GetTrailStatusCommand({ Name: name }));
  return {
    name: trail.Name!,
    bucket: trail.S3BucketName ?? '',
    home_region: trail.HomeRegion ?? '',
    multi_region: trail.IsMultiRegionTrail === true,
    organization: trail.IsOrganizationTrail === true,
    log_file_validation: trail.LogFileValidationEnabled === true,
    global_service_events: trail.IncludeGlobalServiceEvents === true,
    logging: IsLogging === true,
  };
}

export const getTrail: Handler<PayloadOf<'GET_TRAIL'>, ResultOf<'GET_TRAIL'>> = async ({ name }, { clients }) => ({
  trail: await readTrail(await clients.client('cloudtrail'), name),
});

export const putTrail: Handler<PayloadOf<'PUT_TRAIL'>, ResultOf<'PUT_TRAIL'>> = async ({ name, bucket }, { clients, dryrun }) => {
  const client = await clients.client('cloudtrail');
  const trail = await readTrail(client, name);
  const settings = {
    Name: name,
    S3BucketName: bucket,
    IsMultiRegionTrail: true,
    IsOrganizationTrail: true,
    EnableLogFileValidation: true,
    IncludeGlobalServiceEvents: true,
  };
  const drift = trail ? trailDrift(trail, bucket) : [];
  const outcome = !trail ? (dryrun ? 'would-create' : 'created') : drift.length ? (dryrun ? 'would-update' : 'updated') : 'unchanged';
  const logging = trail?.logging ? 'already-logging' : dryrun ? 'would-start' : 'started';
  if (dryrun) return { outcome, logging };
  if (!trail) await client.send(new CreateTrailCommand({ ...settings, TagsList: [{ Key: MANAGED_BY.key, Value: MANAGED_BY.value }] }));
  else if (drift.length) await client.send(new UpdateTrailCommand(settings));
  if (!trail?.logging) await client.send(new StartLoggingCommand({ Name: name }));
  return { outcome, logging };
};
