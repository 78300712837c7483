/**
 * The sandbox's state file (.orgvend/sandbox/state.json) and what needs only it: reading,
 * recording the accounts the worker serves, stopping. No AWS SDK here, so sandbox-stop is quick.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootstrapOrganization } from '../bootstrap/topology.js';
import type { AccountRole } from '../protocol/requests.js';

/**
 * 4: requests are signed and handlers verify them with `requestKey`. 5: moto answers
 * HEALTH_PATH with its pid, by which a run knows the moto it finds is the sandbox's. 6: dry
 * runs travel with the plan source, which the stacks' rules of 5 do not carry. 7: the
 * CICD account's rules forward DESCRIBE_ACCOUNTS, which sync-accounts sends after --execute.
 * 8: they forward READ_ACCOUNTS, and members' stacks have the reader role it reads through.
 * 9: the CLI puts each request on the bus of the account that serves it, by ARN (which
 * moto's launcher routes), and the CICD account forwards none. A sandbox made before is rebuilt.
 */
export const SANDBOX_STATE_VERSION = 9;

export interface SandboxState {
  version: typeof SANDBOX_STATE_VERSION;
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
  /** What the handlers are configured from; the management handler renders new members' stacks from it and templatesDir. */
  organization: BootstrapOrganization;
  templatesDir: string;
  /** The public key of the CICD account's request key (base64 DER), which the worker's handlers verify requests with. */
  requestKey: string;
}

export const sandboxDir = (cwd: string) => join(cwd, '.orgvend', 'sandbox');
export const statePath = (cwd: string) => join(sandboxDir(cwd), 'state.json');
/** Where the worker, and so every sandbox account's handler, logs: the sandbox's CloudWatch. */
export const workerLogPath = (cwd: string) => join(sandboxDir(cwd), 'worker.log');

/** The state file at `path` (the worker knows it by its path; the CLI by the folder it runs in). */
export const readStateFile = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as SandboxState;
const writeStateFile = (path: string, state: SandboxState) => writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);

export function readSandboxState(cwd: string): SandboxState | undefined {
  const path = statePath(cwd);
  return existsSync(path) ? readStateFile(path) : undefined;
}

export function writeState(cwd: string, state: SandboxState): void {
  writeStateFile(statePath(cwd), state);
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** After `bootstrap --sandbox`: the worker serves every account that carries the stack now (it rereads the state). */
export function recordBootstrapped(cwd: string, accounts: readonly { id: string; roles: AccountRole[] }[]): void {
  const state = readSandboxState(cwd);
  if (!state) return;
  writeState(cwd, { ...state, accounts: accounts.map((a) => ({ id: a.id, roles: a.roles })) });
}

/** After the management handler's BOOTSTRAP_ACCOUNTS: one more account for the worker (which knows the state file by its path) to serve, also after a restart. */
export function recordOneBootstrapped(path: string, account: { id: string; roles: AccountRole[] }): void {
  const state = readStateFile(path);
  writeStateFile(path, { ...state, accounts: [...state.accounts.filter((a) => a.id !== account.id), { id: account.id, roles: account.roles }] });
}

/**
 * Stop the worker and moto and forget the sandbox. Returns false when none was running.
 * `endMoto: false` when the state file's moto pid is known to belong to another process now
 * (moto exited and the pid was given again): that process is left alone.
 */
export function stopSandbox(cwd: string, { endMoto = true }: { endMoto?: boolean } = {}): boolean {
  const state = readSandboxState(cwd);
  if (!state) return false;
  for (const pid of [state.workerPid, endMoto ? state.motoPid : undefined]) {
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
