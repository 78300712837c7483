/**
 * New accounts bootstrapped by the management handler (BOOTSTRAP_ACCOUNTS) through the
 * sandbox's real bus, in an organization of 200 managed accounts: 10 accounts as a run's
 * plan sends them (one request), then 10 more one request each, as a request per account
 * would. Wall time, requests, the handler's tag reads and CICD stack updates. Starts its
 * own moto.
 */
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand } from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { MemoryRecorder } from '../src/audit/recorder.js';
import type { AwsCall } from '../src/aws/clients.js';
import { applyBootstrap, planBootstrap } from '../src/bootstrap/bootstrap.js';
import { coreAccounts, type BootstrapAccount } from '../src/bootstrap/topology.js';
import { BOOTSTRAP_TAG, identityTags } from '../src/config/identity-tags.js';
import { readConfig } from '../src/config/load.js';
import { executeAccountPlan } from '../src/execute/accounts.js';
import { startWorker } from '../src/handlers/worker.js';
import { makePlan, type Change } from '../src/plan/plan.js';
import { NAMES } from '../src/protocol/names.js';
import { startMoto } from '../src/sandbox/moto.js';
import { createSandboxOrganization, withSandboxIds } from '../src/sandbox/organization.js';
import { sandboxFactory, sandboxHandlerConfig } from '../src/sandbox/sandbox.js';
import { EventBridgeTransport, kmsSigner } from '../src/transport/eventbridge.js';
import { createRequestKey } from '../src/bootstrap/request-key.js';
import { busTopology } from '../src/transport/transport.js';
import { BENCH_ACCOUNTS_YML } from './repo.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const EXISTING = Number(process.env.BENCH_BOOTSTRAP_EXISTING ?? 200);
const NEW = 10;

const moto = await startMoto();
try {
  const configured = (await readConfig(BENCH_ACCOUNTS_YML)).desired!;
  const factory = sandboxFactory(moto.endpoint, configured.organization.home_region);
  const { ids } = await createSandboxOrganization(factory, configured);
  const org = withSandboxIds(configured, ids).organization;
  const cicd = factory.forAccount(org.cicd_account_id);
  const requestKey = await createRequestKey(cicd, org.cicd_account_id);
  const env = { organization: org, templatesDir: 'templates', clientsFor: async (id: string) => factory.forAccount(id), requestKey };
  await applyBootstrap(env, await planBootstrap(env));

  // Managed accounts a previous run bootstrapped, and the new ones, not yet.
  const organizations = await factory.forAccount(org.management_account_id).client('organizations');
  const create = async (name: string, bootstrapped: boolean) => {
    const tags = { ...identityTags({ name, scope: 'dev', service: name, environment: 'dev', region: org.home_region }), ...(bootstrapped ? { [BOOTSTRAP_TAG]: 'bench' } : {}) };
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    return { id: CreateAccountStatus!.AccountId!, name };
  };
  for (let i = 0; i < EXISTING; i++) await create(`old${i}`, true);
  const batched = await Promise.all(Array.from({ length: NEW }, (_, i) => create(`new${i}`, false)));

  const calls: AwsCall[] = [];
  const workerFactory = sandboxFactory(moto.endpoint, org.home_region, (c) => calls.push(c));
  const worker = startWorker({ factory: workerFactory, recorder: new MemoryRecorder(), waitSeconds: 20 });
  // As the sandbox's worker does: an account the management handler bootstraps is served from then on.
  const serve = (account: BootstrapAccount): void => worker.add(sandboxHandlerConfig({ organization: org, templatesDir: 'templates', requestKey }, account, serve));
  for (const account of coreAccounts(org)) serve(account);
  const sent = new MemoryRecorder();
  const transport = new EventBridgeTransport(cicd, busTopology(org), true, sent, kmsSigner(cicd, org.cicd_account_id, org.home_region));

  const measure = async (how: string, managed: number, run: () => Promise<unknown>) => {
    const [from, requestsFrom] = [calls.length, sent.entries.length];
    const start = performance.now();
    await run();
    const wall = performance.now() - start;
    const made = calls.slice(from);
    const cicdUpdates = made.filter((c) => c.operation === 'CreateChangeSet' && c.account === org.cicd_account_id && (c.input as { StackName: string }).StackName === NAMES.stack);
    console.log(JSON.stringify({
      bench: `bootstrap ${how}`,
      managed_accounts: managed,
      new_accounts: NEW,
      wall_ms: Math.round(wall),
      requests: sent.entries.slice(requestsFrom).filter((e) => e.event === 'request').length,
      tag_reads: made.filter((c) => c.operation === 'ListTagsForResource').length,
      cicd_updates: cicdUpdates.length,
    }));
  };
  const change = (a: { id: string; name: string }): Change => ({ type: 'account.bootstrap', target: a.name, reason: 'missing-stack', before: { account_id: a.id }, after: { stack: NAMES.stack } });
  await measure('(one request)', EXISTING + NEW, () => executeAccountPlan(makePlan('sync-accounts', { config: '', live: '' }, batched.map(change), { notes: [] }), org, transport));
  // Made now, so the run above does not already forward to them.
  const single = await Promise.all(Array.from({ length: NEW }, (_, i) => create(`one${i}`, false)));
  const limit = pLimit(4);
  await measure('(request per account)', EXISTING + 2 * NEW, () => Promise.all(single.map((a) => limit(() => transport.request('BOOTSTRAP_ACCOUNTS', { accounts: [{ account_id: a.id, name: a.name }] })))));
  await transport.close();
  await worker.stop();
} finally {
  await moto.stop();
}
