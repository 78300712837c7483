/**
 * The sandbox: a local organization a newcomer can plan against and execute on, with no
 * AWS account. The first `--sandbox` run starts moto in the background, builds the
 * organization from accounts.yml's `organization` section, deploys the bootstrap stack
 * (without the Lambda) and starts the worker that stands in for it; later runs reuse it;
 * `--action sandbox-stop` ends it. State lives in .orgvend/sandbox/.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientFactory, type AwsCall } from '../aws/clients.js';
import { applyBootstrap, planBootstrap } from '../bootstrap/bootstrap.js';
import type { Desired } from '../config/resolve.js';
import type { HandlerConfig } from '../handlers/context.js';
import type { AccountRole } from '../protocol/requests.js';
import { startMoto, waitForMoto } from './moto.js';
import { createSandboxOrganization, withSandboxIds } from './organization.js';

export interface SandboxState {
  version: 1;
  endpoint: string;
  region: string;
  motoPid: number;
  workerPid?: number;
  /** Hash of accounts.yml's organization section the sandbox was built from. */
  topology: string;
  organizationId: string;
  /** DSL account id → emulator account id (moto cannot choose the ids of new accounts). */
  ids: Record<string, string>;
  /** Accounts carrying the bootstrap stack, whose request queues the worker serves. */
  accounts: { id: string; roles: AccountRole[] }[];
  handler: Pick<HandlerConfig, 'cicdAccountId' | 'eventSource' | 'eventBus' | 'hasDelegatedAdmin'>;
}

export const SANDBOX_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;
export const SANDBOX_ROLE = 'orgvend-sandbox';

export const sandboxDir = (cwd: string) => join(cwd, '.orgvend', 'sandbox');
const statePath = (cwd: string) => join(sandboxDir(cwd), 'state.json');

export function sandboxFactory(endpoint: string, region: string, onCall?: (call: AwsCall) => void): ClientFactory {
  return new ClientFactory({ region, endpoint, credentials: SANDBOX_CREDENTIALS, roleName: SANDBOX_ROLE, onCall });
}

/** The worker's view of one sandbox account. The emulator omits `account` from events; see docs/SECURITY.md. */
export function sandboxHandlerConfig(state: SandboxState, account: SandboxState['accounts'][number]): HandlerConfig {
  return { ...state.handler, accountId: account.id, roles: account.roles, senderCheck: 'emulator', handlerVersion: 'sandbox' };
}

export function readSandboxState(cwd: string): SandboxState | undefined {
  const path = statePath(cwd);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SandboxState) : undefined;
}

function writeState(cwd: string, state: SandboxState): void {
  writeFileSync(statePath(cwd), `${JSON.stringify(state, null, 2)}\n`);
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    await waitForMoto(endpoint, 1000);
    return true;
  } catch {
    return false;
  }
}

const topologyHash = (desired: Desired) => createHash('sha256').update(JSON.stringify(desired.organization)).digest('hex').slice(0, 16);

function spawnWorker(cwd: string): number {
  const dir = sandboxDir(cwd);
  const log = openSync(join(dir, 'worker.log'), 'a');
  // Compiled (dist/) in use; from source (via tsx) in development and tests.
  const compiled = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  const args = existsSync(compiled) ? [compiled] : ['--import', 'tsx', compiled.replace(/\.js$/, '.ts')];
  // Run from orgvend's own folder, where tsx is found; the state file path is absolute.
  const home = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(process.execPath, [...args, statePath(cwd)], { detached: true, stdio: ['ignore', log, log], cwd: home });
  child.unref();
  return child.pid!;
}

/** A worker that dies at once (a broken install, say) is reported with its log, not found out by a timeout. */
async function checkWorker(cwd: string, pid: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 700));
  if (alive(pid)) return;
  const log = readFileSync(join(sandboxDir(cwd), 'worker.log'), 'utf8').trim().split('\n').slice(-15).join('\n');
  throw new Error(`the sandbox worker stopped as soon as it started; the end of ${join(sandboxDir(cwd), 'worker.log')}:\n${log}`);
}

export interface Sandbox {
  state: SandboxState;
  /** accounts.yml with the sandbox's account ids. */
  desired: Desired;
}

/** Reuse the running sandbox, or build a new one. `log` gets one line per step. */
export async function ensureSandbox(desired: Desired, options: { cwd: string; templatesDir: string; log: (line: string) => void }): Promise<Sandbox> {
  const { cwd, log } = options;
  const topology = topologyHash(desired);
  let state = readSandboxState(cwd);
  if (state && state.topology === topology && alive(state.motoPid) && (await answers(state.endpoint))) {
    if (!alive(state.workerPid)) {
      state.workerPid = spawnWorker(cwd);
      writeState(cwd, state);
      await checkWorker(cwd, state.workerPid);
      log(`sandbox: restarted the worker (pid ${state.workerPid})`);
    }
    return { state, desired: withSandboxIds(desired, state.ids) };
  }
  if (state) {
    log(state.topology === topology ? 'sandbox: the previous sandbox is gone; starting a new one' : "sandbox: accounts.yml's organization section changed; rebuilding the sandbox");
    stopSandbox(cwd);
  }

  mkdirSync(sandboxDir(cwd), { recursive: true });
  log('sandbox: starting a local AWS (moto) on 127.0.0.1...');
  const moto = await startMoto({ detached: true, logFile: join(sandboxDir(cwd), 'moto.log') });
  const region = desired.organization.home_region;
  const factory = sandboxFactory(moto.endpoint, region);
  const { organizationId, ids } = await createSandboxOrganization(factory, desired);
  const effective = withSandboxIds(desired, ids);
  const org = effective.organization;
  log(`sandbox: organization ${organizationId} with management ${org.management_account_id}, CICD ${org.cicd_account_id}, audit ${org.audit_account_id}`);

  const env = { organization: org, templatesDir: options.templatesDir, clientsFor: async (id: string) => factory.forAccount(id), progress: log };
  const planned = await planBootstrap(env);
  await applyBootstrap(env, planned);
  state = {
    version: 1,
    endpoint: moto.endpoint,
    region,
    motoPid: moto.pid,
    topology,
    organizationId,
    ids,
    accounts: planned.accounts.map((a) => ({ id: a.id, roles: a.roles })),
    handler: { cicdAccountId: org.cicd_account_id, eventSource: org.event_source, eventBus: org.event_bus, hasDelegatedAdmin: org.delegated_admin_account_id !== undefined },
  };
  writeState(cwd, state);
  state.workerPid = spawnWorker(cwd);
  writeState(cwd, state);
  await checkWorker(cwd, state.workerPid);
  log(`sandbox: ready (moto ${moto.endpoint}, worker pid ${state.workerPid}); stop it with ./run.sh --action sandbox-stop`);
  return { state, desired: effective };
}

/** After `bootstrap --sandbox`: the worker serves every account that carries the stack now (it rereads the state). */
export function recordBootstrapped(cwd: string, accounts: readonly { id: string; roles: AccountRole[] }[]): void {
  const state = readSandboxState(cwd);
  if (!state) return;
  writeState(cwd, { ...state, accounts: accounts.map((a) => ({ id: a.id, roles: a.roles })) });
}

/** Stop the worker and moto and forget the sandbox. Returns false when none was running. */
export function stopSandbox(cwd: string): boolean {
  const state = readSandboxState(cwd);
  if (!state) return false;
  for (const pid of [state.workerPid, state.motoPid]) {
    if (!alive(pid)) continue;
    try {
      process.kill(-pid!, 'SIGTERM'); // the process group: moto's server and what it started
    } catch {
      process.kill(pid!, 'SIGTERM');
    }
  }
  rmSync(statePath(cwd), { force: true });
  return true;
}
