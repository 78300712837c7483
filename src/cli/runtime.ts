/**
 * What an action that talks to AWS needs, assembled once: the DSL (with the sandbox's
 * account ids in sandbox mode), the client factory, the transport to the acting accounts
 * and the run's audit record.
 */
import { join, resolve } from 'node:path';
import { FileRecorder } from '../audit/recorder.js';
import { ClientFactory, type AccountClients, type AwsCall } from '../aws/clients.js';
import type { RetryPolicy } from '../aws/retry.js';
import { rolesOf } from '../bootstrap/topology.js';
import type { Desired } from '../config/resolve.js';
import { handlerConfig } from '../handlers/context.js';
import { workerLogPath, type SandboxState } from '../sandbox/state.js';
import type { Organization } from '../config/schema.js';
import { busTopology } from '../transport/transport.js';
import { InProcessTransport } from '../transport/in-process.js';
import type { Transport } from '../transport/transport.js';
import { SharedRead } from '../state/shared-read.js';
import type { Io } from './io.js';
import { accountNamed, loadDesired, repoDirOf } from './load-desired.js';
import type { CliOptions } from './options.js';

export interface Runtime {
  desired: Desired;
  factory: ClientFactory;
  /** Where templates/ and scps/ are: next to the DSL file. */
  repoDir: string;
  sandbox?: SandboxState;
  recorder: FileRecorder;
  /** Clients of the account the CLI runs in, the CICD account: its own credentials in AWS, that account's in the sandbox. */
  cicd: AccountClients;
  /** --shared-read: the organization's accounts as an earlier plan of the CI job read them (readLive). */
  sharedRead?: SharedRead;
  /** The bus to the acting accounts, signed as the CICD account. */
  transport(): Transport;
  log(line: string): void;
  close(): Promise<void>;
}

export interface RuntimeHooks {
  /** Sees every AWS command (tests). */
  onCall?: (call: AwsCall) => void;
  /** Changes to the retry policy (tests that throttle every other call shorten the backoff, never the rules). */
  retry?: Partial<RetryPolicy>;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** `loaded`: accounts.yml when the action has read it already (with scps/, say), so it is not read twice. */
export async function openRuntime(options: CliOptions, io: Io, hooks: RuntimeHooks = {}, loaded?: Desired): Promise<Runtime> {
  const configured = loaded ?? (await loadDesired(options, io));
  // A misspelt --account fails here, before the sandbox starts or anything is sent.
  if (options.account) accountNamed(configured, options.account, options.config);
  const repoDir = repoDirOf(options, io);
  const log = (line: string) => io.stderr.write(`${line}\n`);
  let desired = configured;
  let factory: ClientFactory;
  let sandbox: SandboxState | undefined;
  if (options.sandbox) {
    const { ensureSandbox, sandboxFactory, sandboxPrincipal } = await import('../sandbox/sandbox.js');
    const started = await ensureSandbox(configured, { cwd: io.cwd, templatesDir: join(repoDir, 'templates'), log });
    ({ desired, state: sandbox } = started);
    // ORGVEND_SANDBOX_ROLE: the CICD account's clients run as one of its CI roles, as CI does in AWS.
    factory = sandboxFactory(sandbox.endpoint, sandbox.region, hooks.onCall, await sandboxPrincipal(io.env, sandbox));
  } else {
    factory = new ClientFactory({ region: configured.organization.home_region, onCall: hooks.onCall, retry: hooks.retry, ...(options.profile ? { profile: options.profile } : {}) });
    // Credentials missing, expired or not those this action runs as: one line, before anything is sent.
    const { checkIdentity } = await import('./identity.js');
    await checkIdentity(options, configured.organization, factory);
  }
  // The bus's SDK clients (EventBridge, SQS) are loaded only by runs that use the bus.
  const bus = options.direct ? undefined : await import('../transport/eventbridge.js');
  const recorder = new FileRecorder(join(io.cwd, '.orgvend', 'runs', `${timestamp()}-${options.action}.jsonl`));
  let transport: Transport | undefined;
  const org = desired.organization;
  // In the sandbox the handlers log to the worker's file: that is where a timeout sends the reader.
  const topology = { ...busTopology(org), ...(sandbox ? { workerLog: workerLogPath(io.cwd) } : {}) };
  const cicd = factory.forAccount(sandbox ? org.cicd_account_id : undefined);
  return {
    desired,
    factory,
    repoDir,
    sandbox,
    recorder,
    cicd,
    log,
    ...(options.sharedRead ? { sharedRead: new SharedRead(resolve(io.cwd, options.sharedRead), log) } : {}),
    transport() {
      transport ??= bus
        ? new bus.EventBridgeTransport(cicd, topology, Boolean(options.execute), recorder, bus.kmsSigner(cicd, org.cicd_account_id, org.home_region), { log })
        : directTransport(factory, org, Boolean(options.execute), recorder);
      return transport;
    },
    async close() {
      await transport?.close();
    },
  };
}


/**
 * --direct: the handlers run in this process, signed with the caller's credentials in
 * the account they act in (a role assumed into any other). For an administrator working
 * from the management account, before or without the bus. The handlers' checks still run.
 */
function directTransport(factory: ClientFactory, org: Organization, execute: boolean, recorder: FileRecorder): InProcessTransport {
  return new InProcessTransport(
    busTopology(org),
    {
      configFor: (account) => handlerConfig(org, account, rolesOf(org, account), { handlerVersion: 'direct' }),
      clientsFor: (account) => factory.forAccount(account),
    },
    execute,
    recorder,
  );
}
