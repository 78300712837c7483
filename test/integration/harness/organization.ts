/**
 * A local organization for integration tests, built by the same code as the sandbox:
 * the organization from accounts.yml, the bootstrap stack in each core account deployed
 * through CloudFormation, and the handler worker running in this process.
 */
import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateAccountCommand } from '@aws-sdk/client-organizations';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { vi } from 'vitest';
import { MemoryRecorder } from '../../../src/audit/recorder.js';
import type { AwsCall, ClientFactory } from '../../../src/aws/clients.js';
import { applyBootstrap, planBootstrap, type BootstrapEnv } from '../../../src/bootstrap/bootstrap.js';
import { bootstrapOrganization } from '../../../src/bootstrap/topology.js';
import type { BootstrapAccount } from '../../../src/bootstrap/topology.js';
import { runCli } from '../../../src/cli/run.js';
import { parseConfig } from '../../../src/config/load.js';
import type { Desired } from '../../../src/config/resolve.js';
import { handlerConfig as buildHandlerConfig, type HandlerConfig } from '../../../src/handlers/context.js';
import { readTags, readTree } from '../../../src/handlers/organization-tree.js';
import { startWorker, type Worker, type WorkerOptions } from '../../../src/handlers/worker.js';
import { createSandboxOrganization, withSandboxIds } from '../../../src/sandbox/organization.js';
import { sandboxFactory } from '../../../src/sandbox/sandbox.js';
import { EventBridgeTransport, kmsSigner } from '../../../src/transport/eventbridge.js';
import { createRequestKey } from '../../../src/bootstrap/request-key.js';
import { busTopology, type BusTopology } from '../../../src/transport/transport.js';
import type { CollectorOptions } from '../../../src/transport/reply-collector.js';
import { exampleText } from '../../helpers/dsl.js';
import { captureIo } from '../../helpers/io.js';
import { copyTemplates, SHIPPED_TEMPLATES } from '../../helpers/repo.js';
import { motoEndpoint } from './moto-endpoint.js';

const TEMPLATES = SHIPPED_TEMPLATES;

export interface TestOrganization {
  endpoint: string;
  desired: Desired;
  organizationId: string;
  /** DSL account id → emulator account id. */
  ids: Record<string, string>;
  /** Every AWS command sent through `factory`, in order. */
  calls: AwsCall[];
  factory: ClientFactory;
  topology: BusTopology;
  bootstrapEnv: BootstrapEnv;
  /** The handler configuration of a bootstrapped account, as the sandbox worker uses it. */
  handlerConfig(account: string, overrides?: Partial<HandlerConfig>): HandlerConfig;
  /** The public key of the CICD account's request key, which the handlers verify requests with. */
  requestKey: string;
  startWorker(options?: { config?: Partial<HandlerConfig>; factory?: ClientFactory; recorder?: MemoryRecorder } & Pick<WorkerOptions, 'longPolls' | 'idleMs'>): Worker;
  /** Stop every worker started so far (as a Lambda's containers are replaced: what they remembered goes with them). */
  stopWorkers(): Promise<void>;
  transport(options?: { execute?: boolean; collector?: CollectorOptions; recorder?: MemoryRecorder }): EventBridgeTransport;
  queueUrl(account: string, queue: string): Promise<string>;
  /**
   * The administrator's bootstrap after accounts.yml's organization section changed to `dsl`'s:
   * the stacks of the accounts it reaches, and the organization the management handler
   * bootstraps new members from (as ORGVEND_BOOTSTRAP would be in AWS).
   */
  rebootstrap(dsl: string): Promise<void>;
  /** A stack's status and template in `account` and `region`, read straight from moto, or null when there is none. */
  stack(account: string, region: string, name: string): Promise<{ status: string; template: string } | null>;
  close(): Promise<void>;
}

export async function createTestOrganization(dsl = exampleText()): Promise<TestOrganization> {
  const endpoint = motoEndpoint();
  const configured = parseConfig('accounts.yml', dsl);
  if (!configured.desired) throw new Error(`test DSL is invalid: ${JSON.stringify(configured.diagnostics)}`);
  const calls: AwsCall[] = [];
  const factory = sandboxFactory(endpoint, configured.desired.organization.home_region, (call) => calls.push(call));
  const { organizationId, ids } = await createSandboxOrganization(factory, configured.desired);
  const desired = withSandboxIds(configured.desired, ids);
  let org = desired.organization;
  // As the sandbox does: the request key first, so the stacks are planned once, with it.
  const cicdClients = factory.forAccount(org.cicd_account_id);
  const requestKey = await createRequestKey(cicdClients, org.cicd_account_id);
  // As bootstrap's action does: with the security services' administrators, by name and by the id an entry pins.
  const bootstrapEnv: BootstrapEnv = { organization: bootstrapOrganization(org, desired.accounts), templatesDir: TEMPLATES, clientsFor: async (id) => factory.forAccount(id), requestKey };
  const planned = await planBootstrap(bootstrapEnv);
  await applyBootstrap(bootstrapEnv, planned);
  let accounts = planned.accounts;

  const workers: { worker: Worker; overrides: Partial<HandlerConfig> }[] = [];
  const transports: EventBridgeTransport[] = [];
  const topology = busTopology(org);
  const handlerConfig = (account: string, overrides: Partial<HandlerConfig> = {}): HandlerConfig => {
    const bootstrapped = accounts.find((a) => a.id === account);
    if (!bootstrapped) throw new Error(`account ${account} carries no bootstrap stack`);
    const config = buildHandlerConfig(org, account, bootstrapped.roles, { requestKey, handlerVersion: 'test' });
    // As in the sandbox: an account the management handler bootstraps is served from then on.
    if (bootstrapped.roles.includes('management')) config.bootstrap = { organization: bootstrapEnv.organization, templatesDir: TEMPLATES, onBootstrapped: serveAlso };
    return { ...config, ...overrides };
  };
  const serveAlso = (account: BootstrapAccount) => {
    accounts = [...accounts.filter((a) => a.id !== account.id), account];
    for (const { worker, overrides } of workers) worker.add(handlerConfig(account.id, overrides));
  };

  return {
    endpoint,
    desired,
    organizationId,
    ids,
    calls,
    factory,
    topology,
    bootstrapEnv,
    requestKey,
    handlerConfig,
    startWorker(options = {}) {
      const worker = startWorker({ factory: options.factory ?? factory, recorder: options.recorder ?? new MemoryRecorder(), waitSeconds: 1, longPolls: options.longPolls, idleMs: options.idleMs });
      const overrides = options.config ?? {};
      for (const account of accounts) worker.add(handlerConfig(account.id, overrides));
      workers.push({ worker, overrides });
      return worker;
    },
    async stopWorkers() {
      await Promise.all(workers.splice(0).map(({ worker }) => worker.stop()));
    },
    transport(options = {}) {
      const signer = kmsSigner(cicdClients, org.cicd_account_id, org.home_region);
      const transport = new EventBridgeTransport(cicdClients, topology, options.execute ?? false, options.recorder ?? new MemoryRecorder(), signer, options.collector);
      transports.push(transport);
      return transport;
    },
    async rebootstrap(dsl) {
      const changed = parseConfig('accounts.yml', dsl);
      if (!changed.desired) throw new Error(`test DSL is invalid: ${JSON.stringify(changed.diagnostics)}`);
      const sandboxed = withSandboxIds(changed.desired, ids);
      org = sandboxed.organization;
      bootstrapEnv.organization = bootstrapOrganization(org, sandboxed.accounts);
      const replanned = await planBootstrap(bootstrapEnv);
      await applyBootstrap(bootstrapEnv, replanned);
      // Each account serves as its new stack says (an account's roles may have changed: organization.security's administrators).
      accounts = replanned.accounts;
      for (const { worker, overrides } of workers) for (const account of accounts) worker.add(handlerConfig(account.id, overrides));
    },
    async queueUrl(account, queue) {
      const sqs = await factory.forAccount(account).client('sqs');
      return (await sqs.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
    },
    async stack(account, region, name) {
      const cfn = await factory.forAccount(account).client('cloudformation', region);
      try {
        const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
        const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: name }));
        return { status: Stacks![0]!.StackStatus!, template: TemplateBody! };
      } catch {
        return null;
      }
    },
    /** Stops workers and transports, and undoes the environment ciCli stubbed. */
    async close() {
      vi.unstubAllEnvs();
      await Promise.all([...transports.map((t) => t.close()), ...workers.map(({ worker }) => worker.stop())]);
    },
  };
}

/** The organization as it is, read straight from moto (not through the bus): OU paths, and each account with its OU path and tags. */
export async function liveOrganization(org: TestOrganization) {
  const client = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  const tree = await readTree(client, { withAccounts: true });
  const tags = await readTags(client, tree.accounts.map((a) => a.id));
  const pathOf = new Map(tree.ous.map((o) => [o.id, o.path]));
  return {
    ous: tree.ous.map((o) => o.path),
    accounts: tree.accounts.map((a) => ({ ...a, ou: pathOf.get(a.parent_id) ?? 'Root', tags: tags.get(a.id)! })),
  };
}

/** DSL name → account id of every account orgvend has tagged, as LIST_ACCOUNTS reads them through the bus. */
export async function managedIds(org: TestOrganization): Promise<Record<string, string>> {
  const { accounts } = await org.transport().request('LIST_ACCOUNTS', {});
  return Object.fromEntries(accounts.filter((a) => a.tags['orgvend:name']).map((a) => [a.tags['orgvend:name']!, a.id]));
}

/**
 * Run the CLI as CI does in AWS, against this organization: in the CICD account (or
 * `as` another), with that account's credentials in the environment, the SDK pointed at moto by
 * AWS_ENDPOINT_URL. Writes `dsl` (with the organization's emulator ids) and templates/
 * into a scratch folder and returns it with the environment to use.
 */
async function cliWorkspace(
  org: TestOrganization,
  dsl: string,
  as = org.desired.organization.cicd_account_id,
  role = 'orgvend-ci',
): Promise<{ cwd: string; env: Record<string, string>; write(text: string): void; file(path: string, text?: string): void }> {
  const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const cwd = mkdtempSync(join(tmpdir(), 'orgvend-cli-'));
  copyTemplates(cwd);
  const write = (text: string) => writeFileSync(join(cwd, 'accounts.yml'), withIds(org, text));
  write(dsl);
  const sts = await org.factory.client('sts');
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${as}:role/${role}`, RoleSessionName: 'ci' }),
  );
  return {
    cwd,
    write,
    /** Write a file of the repository, or remove it when `text` is absent. */
    file(path, text) {
      const full = join(cwd, path);
      if (text === undefined) return rmSync(full, { force: true });
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    },
    env: {
      AWS_ENDPOINT_URL: org.endpoint,
      AWS_REGION: org.desired.organization.home_region,
      AWS_ACCESS_KEY_ID: c!.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: c!.SecretAccessKey!,
      AWS_SESSION_TOKEN: c!.SessionToken!,
    },
  };
}

export type CliWorkspace = Awaited<ReturnType<typeof cliWorkspace>>;

export interface CiCli {
  workspace: CliWorkspace;
  /** Every AWS call the CLI has sent, over all runs, in order. */
  calls: AwsCall[];
  /** Run the CLI in `workspace`; `calls` are the AWS calls of this run alone. */
  cli(...argv: string[]): Promise<{ code: number; out: string; err: string; calls: AwsCall[] }>;
}

/**
 * The CLI as CI runs it against `org` (see cliWorkspace), in the CICD account or `as` another,
 * as the role `role` there (orgvend-ci, a role of the test's; orgvend-plan, orgvend-apply):
 * the workspace's environment stubbed with vi.stubEnv from here on (until org.close()), every AWS call the CLI sends recorded in `calls`.
 */
export async function ciCli(org: TestOrganization, dsl: string, as?: string, role?: string): Promise<CiCli> {
  const workspace = await cliWorkspace(org, dsl, as, role);
  for (const [key, value] of Object.entries(workspace.env)) vi.stubEnv(key, value);
  const calls: AwsCall[] = [];
  return {
    workspace,
    calls,
    async cli(...argv) {
      const run: AwsCall[] = [];
      const io = captureIo({ cwd: workspace.cwd });
      const code = await runCli(argv, io, { onCall: (call) => {
          run.push(call);
          calls.push(call);
        },
      });
      return { code, out: io.out(), err: io.err(), calls: run };
    },
  };
}

/** A DSL text with the pre-existing accounts' ids replaced by the ids they have in the emulator. */
function withIds(org: TestOrganization, text: string): string {
  return Object.entries(org.ids).reduce((t, [dslId, emulatorId]) => t.replaceAll(`"${dslId}"`, `"${emulatorId}"`), text);
}

/** A test organization with its handlers' worker running, and the CLI as CI runs it against it (see ciCli). */
export async function ciOrganization(dsl: string): Promise<CiCli & { org: TestOrganization }> {
  const org = await createTestOrganization(dsl);
  org.startWorker();
  return { org, ...(await ciCli(org, dsl)) };
}

/** An account orgvend does not manage, made straight in the organization (no tags): its id. */
export async function unmanagedAccount(org: TestOrganization, name: string): Promise<string> {
  const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
  const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  return CreateAccountStatus!.AccountId!;
}
