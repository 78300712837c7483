/**
 * GET_PARAMETERS and PUT_PARAMETERS: the account's orgvend parameters in SSM, all below
 * PARAMETER_PREFIX. A put makes them exactly what was asked: it writes only what differs
 * and deletes what is no longer wanted, so a repeated request changes nothing.
 */
import { DeleteParametersCommand, GetParameterCommand, PutParameterCommand, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import pLimit from 'p-limit';
import { PARAMETER_PREFIX } from '../protocol/names.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { readRecorders } from './config-recorder.js';
import { readPublicAccessBlock } from './public-access-block.js';
import { everyPage } from '../aws/pages.js';

/** One parameter's value, or undefined when there is no such parameter. */
export async function parameterValue(ssm: SSMClient, name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/** DeleteParameters takes at most 10 names. */
const DELETE_BATCH = 10;
/**
 * PutParameter calls in flight. The DNS account holds one parameter per account with
 * allowed DNS domains, all new at once in an organization adopted at scale (about 150 at
 * 1,000 accounts): one at a time, they outlasted the request's timeout. Parameter Store
 * throttles beyond its throughput; the retry strategy's adaptive limiter absorbs that.
 */
const PUTS_IN_FLIGHT = 4;

/** The account's orgvend parameters, by name (GET_PARAMETERS; READ_ACCOUNTS through the reader role). */
export async function current(ssm: SSMClient): Promise<Record<string, string>> {
  const parameters: Record<string, string> = {};
  for await (const page of everyPage(paginateGetParametersByPath({ client: ssm }, { Path: PARAMETER_PREFIX, Recursive: true }))) {
    for (const p of page.Parameters ?? []) if (p.Name) parameters[p.Name] = p.Value ?? '';
  }
  return parameters;
}

export const getParameters: Handler<PayloadOf<'GET_PARAMETERS'>, ResultOf<'GET_PARAMETERS'>> = async (payload, { clients, config }) => {
  const [parameters, block, recorders] = await Promise.all([
    current(await clients.client('ssm')),
    payload.public_access_block ? readPublicAccessBlock(await clients.client('s3control'), config.accountId) : undefined,
    payload.config_recorder ? readRecorders(clients, payload.config_recorder) : undefined,
  ]);
  return { parameters, ...(block !== undefined ? { public_access_block: block } : {}), ...(recorders ? { config_recorders: recorders } : {}) };
};

export const putParameters: Handler<PayloadOf<'PUT_PARAMETERS'>, ResultOf<'PUT_PARAMETERS'>> = async (payload, { clients, dryrun }) => {
  const ssm = await clients.client('ssm');
  const live = await current(ssm);
  const put = Object.keys(payload.parameters).filter((name) => live[name] !== payload.parameters[name]).sort();
  const deleted = Object.keys(live).filter((name) => !(name in payload.parameters)).sort();
  if (!put.length && !deleted.length) return { put, deleted, outcome: 'unchanged' };
  if (dryrun) return { put, deleted, outcome: 'would-update' };
  const limit = pLimit(PUTS_IN_FLIGHT);
  await Promise.all(put.map((name) => limit(() => ssm.send(new PutParameterCommand({ Name: name, Value: payload.parameters[name], Type: 'String', Overwrite: true })))));
  for (let i = 0; i < deleted.length; i += DELETE_BATCH) {
    await ssm.send(new DeleteParametersCommand({ Names: deleted.slice(i, i + DELETE_BATCH) }));
  }
  return { put, deleted, outcome: 'updated' };
};
