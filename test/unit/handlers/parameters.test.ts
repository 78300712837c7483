import { DeleteParametersCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { putParameters } from '../../../src/handlers/parameters.js';
import { PARAMETER_PREFIX } from '../../../src/protocol/names.js';
import { DNS_ALLOWED_KEY } from '../../../src/protocol/requests.js';
import { handlerContext } from '../../helpers/handler-context.js';

const context = (dryrun = false) => handlerContext({ accountId: '444444444444', roles: ['member', 'dns'] }, { dryrun });

let ssm: ReturnType<typeof mockClient>;
let live: Map<string, string>;
let inFlight: number;
let mostInFlight: number;

beforeEach(() => {
  live = new Map();
  inFlight = 0;
  mostInFlight = 0;
  ssm = mockClient(SSMClient);
  ssm.onAnyCommand().rejects(new Error('unexpected SSM command'));
  ssm.on(GetParametersByPathCommand).callsFake(() => ({ Parameters: [...live].map(([Name, Value]) => ({ Name, Value })) }));
  ssm.on(PutParameterCommand).callsFake(async ({ Name, Value }: { Name: string; Value: string }) => {
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    live.set(Name, Value);
    inFlight--;
    return { Version: 1 };
  });
  ssm.on(DeleteParametersCommand).callsFake(({ Names }: { Names: string[] }) => {
    for (const name of Names) live.delete(name);
    return { DeletedParameters: Names };
  });
});

/** The DNS account's allow list of an organization of `accounts` accounts, each allowed one domain. */
const allowList = (accounts: number) => Object.fromEntries(Array.from({ length: accounts }, (_, i) => [`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}${String(100000000000 + i)}`, `team${i}.example.com`]));

describe('PUT_PARAMETERS', () => {
  it('puts the 150 parameters of a large allow list a few at a time, and makes them exactly what was asked', async () => {
    const wanted = allowList(150);
    live.set(`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}999999999999`, 'gone.example.com');
    live.set(`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}100000000000`, wanted[`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}100000000000`]!);
    const result = await putParameters({ name: 'dns', parameters: wanted }, context());
    expect(result.outcome).toBe('updated');
    expect(result.put).toHaveLength(149);
    expect(result.deleted).toEqual([`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}999999999999`]);
    expect(Object.fromEntries(live)).toEqual(wanted);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(149);
    // Side by side, but no more than four at once.
    expect(mostInFlight).toBe(4);
  });

  it('asked again, changes nothing; as a dry run, says what it would put and puts nothing', async () => {
    const wanted = allowList(12);
    await putParameters({ name: 'dns', parameters: wanted }, context());
    ssm.resetHistory();
    expect((await putParameters({ name: 'dns', parameters: wanted }, context())).outcome).toBe('unchanged');
    const changed = { ...wanted, [`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}100000000003`]: 'other.example.com' };
    const dry = await putParameters({ name: 'dns', parameters: changed }, context(true));
    expect(dry).toEqual({ put: [`${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}100000000003`], deleted: [], outcome: 'would-update' });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(ssm.commandCalls(DeleteParametersCommand)).toHaveLength(0);
  });
});
