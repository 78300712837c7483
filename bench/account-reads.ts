/**
 * The reads of a dry-run sync-accounts in bootstrapped accounts (their parameters and a
 * stack each), through the sandbox's real bus, for BENCH_READ_ACCOUNTS accounts (100)
 * bootstrapped as the administrator's bootstrap does: by READ_ACCOUNTS (the management
 * handler reads them through their reader role; cold, then warm with its credentials
 * kept), and as before it, by GET_PARAMETERS and GET_STACKS to each account (READ_ACCOUNTS
 * answered `unreachable` for every account in this process, so the CLI falls back).
 * Requests on the bus, AWS calls of the CLI and of the handlers (but their queues'), wall
 * time. In the emulator READ_ACCOUNTS also asks each account's stack whether it has the
 * reader role (one call an account, never in AWS). Starts its own moto.
 */
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand } from '@aws-sdk/client-organizations';
import { MemoryRecorder } from '../src/audit/recorder.js';
import type { AwsCall } from '../src/aws/clients.js';
import { applyBootstrap, planBootstrap } from '../src/bootstrap/bootstrap.js';
import { identityTags } from '../src/config/identity-tags.js';
import { readConfig } from '../src/config/load.js';
import { startWorker } from '../src/handlers/worker.js';
import type { PayloadOf, RequestType, ResultOf } from '../src/protocol/requests.js';
import { startMoto } from '../src/sandbox/moto.js';
import { createSandboxOrganization, withSandboxIds } from '../src/sandbox/organization.js';
import { sandboxFactory, sandboxHandlerConfig } from '../src/sandbox/sandbox.js';
import { carriesStack, readLive, withAccountState, type StateReads } from '../src/state/live.js';
import { EventBridgeTransport, kmsSigner } from '../src/transport/eventbridge.js';
import type { RequestOptions, Transport } from '../src/transport/transport.js';
import { createRequestKey } from '../src/bootstrap/request-key.js';
import { busTopology } from '../src/transport/transport.js';
import { BENCH_ACCOUNTS_YML } from './repo.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ACCOUNTS = Number(process.env.BENCH_READ_ACCOUNTS ?? 100);
/** The worker's own work on the request queues, as a Lambda's event source mapping would do it. */
const QUEUE_OPERATIONS = new Set(['GetQueueUrl', 'ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch']);

const moto = await startMoto();
try {
  const configured = (await readConfig(BENCH_ACCOUNTS_YML)).desired!;
  const factory = sandboxFactory(moto.endpoint, configured.organization.home_region);
  const { ids } = await createSandboxOrganization(factory, configured);
  const org = withSandboxIds(configured, ids).organization;
  const requestKey = await createRequestKey(factory.forAccount(org.cicd_account_id), org.cicd_account_id);
  // Managed accounts, then the administrator's bootstrap, which gives each its stack (reader role included) and the tag.
  const organizations = await factory.forAccount(org.management_account_id).client('organizations');
  for (let i = 0; i < ACCOUNTS; i++) {
    const name = `read${i}`;
    const tags = identityTags({ name, scope: 'dev', service: name, environment: 'dev', region: org.home_region });
    await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  }
  const env = { organization: org, templatesDir: 'templates', clientsFor: async (id: string) => factory.forAccount(id), requestKey };
  const planned = await planBootstrap(env);
  await applyBootstrap(env, planned);

  const handlerCalls: AwsCall[] = [];
  const worker = startWorker({ factory: sandboxFactory(moto.endpoint, org.home_region, (c) => handlerCalls.push(c)), recorder: new MemoryRecorder(), waitSeconds: 20 });
  for (const account of planned.accounts) worker.add(sandboxHandlerConfig({ organization: org, templatesDir: 'templates', requestKey }, account));
  const cliCalls: AwsCall[] = [];
  const cli = sandboxFactory(moto.endpoint, org.home_region, (c) => cliCalls.push(c)).forAccount(org.cicd_account_id);
  const transport = new EventBridgeTransport(cli, busTopology(org), false, new MemoryRecorder(), kmsSigner(cli, org.cicd_account_id, org.home_region));

  const live = await readLive(transport);
  const members = live.accounts.filter((a) => carriesStack(a) && a.id !== live.managementAccountId);
  // As sync-accounts read them before it listed orgvend's stacks: each account's parameters and its VPC, by name.
  const stacks = new Map(members.map((a) => [a.id, { stacks: [{ stack: 'orgvend-vpc', region: org.home_region }] }]));
  // As sync-accounts reads them now: every stack orgvend owns, listed in each region an account may use (three here).
  const owned = new Map(members.map((a) => [a.id, { stacks: [], owned: { regions: [org.home_region, 'us-east-1', 'us-west-2'] } }]));
  // As before READ_ACCOUNTS: every account answered unreachable, so each is asked itself.
  const perAccount: Transport = {
    execute: false,
    request: async <T extends RequestType>(type: T, payload: PayloadOf<T>, options?: RequestOptions): Promise<ResultOf<T>> =>
      type === 'READ_ACCOUNTS'
        ? ({ accounts: (payload as PayloadOf<'READ_ACCOUNTS'>).accounts.map((e) => ({ account_id: e.account_id, unreachable: { reason: 'failed', message: 'bench' } })) } as ResultOf<T>)
        : transport.request(type, payload, options),
    close: async () => {},
  };

  const measure = async (how: string, through: Transport, reads: StateReads['stacks'] = stacks) => {
    const [cliFrom, handlerFrom] = [cliCalls.length, handlerCalls.length];
    const start = performance.now();
    const read = await withAccountState(through, live, { stacks: reads });
    const wall = performance.now() - start;
    const cliMade = cliCalls.slice(cliFrom);
    // Not the worker's polls of every account's queue, which go on whatever is asked.
    const handlerMade = handlerCalls.slice(handlerFrom).filter((c) => !QUEUE_OPERATIONS.has(c.operation));
    const per = (n: number) => Math.round((n / members.length) * 100) / 100;
    console.log(JSON.stringify({
      bench: `account reads ${how}`,
      bootstrapped_accounts: members.length,
      read: read.parameters!.size,
      wall_ms: Math.round(wall),
      bus_requests: cliMade.filter((c) => c.operation === 'PutEvents').length,
      aws_calls_cli: cliMade.length,
      aws_calls_handlers: handlerMade.length,
      list_stacks: handlerMade.filter((c) => c.operation === 'ListStacks').length,
      assume_role: handlerMade.filter((c) => c.operation === 'AssumeRole').length,
      aws_calls_per_account: per(cliMade.length + handlerMade.length),
    }));
  };
  await measure('(per account, as before)', perAccount);
  await measure('(READ_ACCOUNTS, cold)', transport);
  await measure('(READ_ACCOUNTS, warm)', transport);
  await measure('(READ_ACCOUNTS, warm, listing orgvend\'s stacks in 3 regions)', transport, owned);
  await transport.close();
  await worker.stop();
} finally {
  await moto.stop();
}
