/**
 * import through the sandbox's real bus, from an organization of 1,000 live accounts
 * (BENCH_LIVE_ACCOUNTS): the reads import sends (LIST_OUS, LIST_ACCOUNTS, GET_CONTACTS,
 * GET_REGIONS, which moto lacks and answers with an error, LIST_POLICIES), the inference
 * and the YAML written, timed together; the setup (1,000 CreateAccount calls) is not.
 * Starts its own moto; slow to set up, so bench/index.ts runs it only with
 * ORGVEND_BENCH_IMPORT=1.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand, MoveAccountCommand } from '@aws-sdk/client-organizations';
import { createOus } from './cli-organization.js';
import { MemoryRecorder } from '../src/audit/recorder.js';
import type { AwsCall } from '../src/aws/clients.js';
import { applyBootstrap, planBootstrap } from '../src/bootstrap/bootstrap.js';
import { coreAccounts } from '../src/bootstrap/topology.js';
import { parseConfig } from '../src/config/load.js';
import { startWorker } from '../src/handlers/worker.js';
import { newRepositoryText } from '../src/import/document.js';
import { inferRepository } from '../src/import/infer.js';
import { readContacts, readRegions } from '../src/state/account-settings.js';
import { readLiveScps } from '../src/state/live-scps.js';
import { startMoto } from '../src/sandbox/moto.js';
import { createSandboxOrganization, withSandboxIds } from '../src/sandbox/organization.js';
import { handlerConfig } from '../src/handlers/context.js';
import { sandboxFactory } from '../src/sandbox/sandbox.js';
import { busTopology } from '../src/transport/transport.js';
import { readLive } from '../src/state/live.js';
import { EventBridgeTransport, kmsSigner } from '../src/transport/eventbridge.js';
import { createRequestKey } from '../src/bootstrap/request-key.js';
import { generateDsl } from './generate-dsl.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ACCOUNTS = Number(process.env.BENCH_LIVE_ACCOUNTS ?? 1000);

/** A process's peak resident set (VmHWM) in MB, where /proc has it. */
function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

const moto = await startMoto();
try {
  const configured = parseConfig('accounts.yml', generateDsl(ACCOUNTS)).desired!;
  const setupCalls: AwsCall[] = [];
  const factory = sandboxFactory(moto.endpoint, configured.organization.home_region, (c) => setupCalls.push(c));
  const { organizationId, ids } = await createSandboxOrganization(factory, configured);
  const desired = withSandboxIds(configured, ids);
  const requestKey = await createRequestKey(factory.forAccount(desired.organization.cicd_account_id), desired.organization.cicd_account_id);
  const env = { organization: desired.organization, templatesDir: 'templates', clientsFor: async (id: string) => factory.forAccount(id), requestKey };
  await applyBootstrap(env, await planBootstrap(env));

  // The organization as a previous sync would have left it.
  const organizations = await factory.forAccount(desired.organization.management_account_id).client('organizations');
  const { root, ouIds } = await createOus(organizations, desired.ous);
  for (const account of desired.accounts.filter((a) => !a.accountId).slice(0, ACCOUNTS)) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: account.awsName, Email: account.email, Tags: Object.entries(account.tags).map(([Key, Value]) => ({ Key, Value })) }),
    );
    await organizations.send(new MoveAccountCommand({ AccountId: CreateAccountStatus!.AccountId!, SourceParentId: root, DestinationParentId: ouIds.get(account.settings.organization_unit)! }));
  }

  const handlerCalls: AwsCall[] = [];
  const workerFactory = sandboxFactory(moto.endpoint, desired.organization.home_region, (c) => handlerCalls.push(c));
  const worker = startWorker({ factory: workerFactory, recorder: new MemoryRecorder(), waitSeconds: 20 });
  for (const account of coreAccounts(env.organization)) worker.add(handlerConfig(desired.organization, account.id, account.roles, { requestKey, handlerVersion: 'bench' }));

  const cliCalls: AwsCall[] = [];
  const cliFactory = sandboxFactory(moto.endpoint, desired.organization.home_region, (c) => cliCalls.push(c));
  const org = desired.organization;
  const cli = cliFactory.forAccount(org.cicd_account_id);
  const transport = new EventBridgeTransport(cli, busTopology(org), false, new MemoryRecorder(), kmsSigner(cli, org.cicd_account_id, org.home_region));

  // What import's organization section would be: the generated repository's, with no accounts.
  const config = stringify({ organization: { ...org, scps: undefined, limits: undefined, artifact_buckets: undefined }, scopes: {}, accounts: {} });
  const start = performance.now();
  const live = await readLive(transport);
  const readable = live.accounts.filter((a) => a.status === 'ACTIVE' && a.id !== live.managementAccountId).map((a) => a.id);
  const contacts = await readContacts(transport, readable);
  const regions = await readRegions(transport, readable).catch(() => undefined);
  const scps = await readLiveScps(transport, live);
  const imported = inferRepository({ organization: org, fallback: { region: org.home_region, regions: [org.home_region, 'us-east-1'], globalRegion: 'us-east-1' }, live, contacts, regions, scps });
  const text = newRepositoryText(config, imported);
  const wall = performance.now() - start;
  const valid = parseConfig('accounts.yml', text).desired !== undefined;
  await transport.close();
  await worker.stop();

  console.log(JSON.stringify({
    bench: 'import (sandbox)',
    organization: organizationId,
    live_accounts: live.accounts.length,
    imported_accounts: imported.accounts.length,
    scopes: imported.scopes.length,
    valid,
    yaml_bytes: Buffer.byteLength(text),
    wall_ms: Math.round(wall),
    aws_calls_cli: cliCalls.length,
    aws_calls_handlers: handlerCalls.length,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    moto_peak_rss_mb: peakRssMb(moto.pid),
  }));
} finally {
  await moto.stop();
}
