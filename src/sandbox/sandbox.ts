/**
 * The sandbox: a local organization a newcomer can plan against and execute on, with no
 * AWS account. The first `--sandbox` run starts moto in the background, builds the
 * organization from accounts.yml's `organization` section, deploys the bootstrap stack
 * (without the Lambda) and starts the worker that stands in for it; later runs reuse it;
 * `--action sandbox-stop` ends it. State lives in .orgvend/sandbox/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { ClientFactory, type AwsCall } from '../aws/clients.js';
import { applyBootstrap, planBootstrap } from '../bootstrap/bootstrap.js';
import { createRequestKey } from '../bootstrap/request-key.js';
import type { Desired } from '../config/resolve.js';
import { sha256Hex } from '../plan/digest.js';
import { bootstrapOrganization } from '../bootstrap/topology.js';
import { handlerConfig, type HandlerConfig, type MemberBootstrap } from '../handlers/context.js';
import { NAMES } from '../protocol/names.js';
import { probeMoto, startMoto } from './moto.js';
import { createSandboxOrganization, withSandboxIds } from './organization.js';
import { SANDBOX_STATE_VERSION, alive, readSandboxState, sandboxDir, statePath, stopSandbox, workerLogPath, writeState, type SandboxState } from './state.js';

export const SANDBOX_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;
export const SANDBOX_ROLE = 'orgvend-sandbox';

/** `principal`: the CICD account's clients assume this role there (a CI role: sandboxPrincipal) instead of SANDBOX_ROLE. */
export function sandboxFactory(endpoint: string, region: string, onCall?: (call: AwsCall) => void, principal?: SandboxPrincipal): ClientFactory {
  return new ClientFactory({ region, endpoint, credentials: SANDBOX_CREDENTIALS, roleName: SANDBOX_ROLE, onCall, ...(principal ? { roleNames: { [principal.account]: principal.role } } : {}) });
}

/**
 * ORGVEND_SANDBOX_ROLE=orgvend-plan|orgvend-apply: the CLI runs in the sandbox as that CI
 * role of the CICD account (STS AssumeRole against the emulator), as CI runs it in AWS.
 * The emulator evaluates no IAM policy: what the role may do is asserted on the rendered
 * policy (test/unit/bootstrap/ci-roles.test.ts); this runs the same commands under its name.
 */
export const SANDBOX_ROLE_ENV = 'ORGVEND_SANDBOX_ROLE';
export interface SandboxPrincipal {
  account: string;
  role: string;
}

/** The role ORGVEND_SANDBOX_ROLE names, checked: one of the CI roles, and one the sandbox's CICD stack has (accounts.yml sets organization.ci). */
export async function sandboxPrincipal(env: Record<string, string | undefined>, state: Pick<SandboxState, 'endpoint' | 'region' | 'organization'>): Promise<SandboxPrincipal | undefined> {
  const role = env[SANDBOX_ROLE_ENV];
  if (role === undefined || role === '') return undefined;
  const logicalIds: Record<string, string> = { [NAMES.planRole]: 'CiPlanRole', [NAMES.applyRole]: 'CiApplyRole' };
  const logicalId = logicalIds[role];
  if (!logicalId) throw new Error(`${SANDBOX_ROLE_ENV} is ${JSON.stringify(role)}: it names one of the CICD account's CI roles, ${NAMES.planRole} or ${NAMES.applyRole}`);
  const account = state.organization.cicd_account_id;
  const cfn = await sandboxFactory(state.endpoint, state.region).client('cloudformation', account);
  const { StackResources = [] } = await cfn.send(new DescribeStackResourcesCommand({ StackName: NAMES.stack }));
  if (!StackResources.some((r) => r.LogicalResourceId === logicalId)) {
    throw new Error(`${SANDBOX_ROLE_ENV} is ${role}, which the sandbox's CICD account ${account} does not have: accounts.yml sets no organization.ci (README, "CI principals")`);
  }
  return { account, role };
}

/**
 * The worker's view of one sandbox account: as a Lambda's, with the request key the
 * sandbox's bootstrap made. The management handler bootstraps new members from the
 * repository's templates/, and tells `onBootstrapped`.
 */
export function sandboxHandlerConfig(
  state: Pick<SandboxState, 'organization' | 'templatesDir' | 'requestKey'>,
  account: SandboxState['accounts'][number],
  onBootstrapped?: MemberBootstrap['onBootstrapped'],
): HandlerConfig {
  const config = handlerConfig(state.organization, account.id, account.roles, { requestKey: state.requestKey, handlerVersion: 'sandbox' });
  if (account.roles.includes('management')) config.bootstrap = { organization: state.organization, templatesDir: state.templatesDir, ...(onBootstrapped ? { onBootstrapped } : {}) };
  return config;
}

/** How long a running moto may take to answer before a run gives up on it (and only on the run). */
export const MOTO_PATIENCE_MS = 60_000;

/** What a run finds of the sandbox the state file describes: reused, or gone and why (and whether the pid recorded for moto is still moto's to end). */
type Found = { reuse: true } | { reuse: false; why: string; endMoto: boolean };

/**
 * A sandbox is replaced only when it is really gone (its moto has exited, or its pid is
 * another process's now) or does not fit any more (an earlier orgvend made it, or the
 * organization section changed). A moto that is alive but slow to answer, busy with a large
 * organization say, is waited for and then reported, never stopped: that would throw away
 * the organization in it.
 */
export async function findSandbox(state: SandboxState, desired: Desired, options: { patienceMs: number; log: (line: string) => void }): Promise<Found> {
  if (state.version !== SANDBOX_STATE_VERSION) return { reuse: false, why: 'sandbox: made by an earlier orgvend; rebuilding the sandbox', endMoto: true };
  if (state.topology !== topologyHash(desired)) {
    const keys = changedTopology(state, desired).map((k) => `organization.${k}`);
    const what = keys.length ? `${keys.join(', ')} changed in accounts.yml` : "accounts.yml's organization section changed";
    return { reuse: false, why: `sandbox: ${what}; rebuilding the sandbox`, endMoto: true };
  }
  const { motoPid: pid, endpoint } = state;
  const deadline = Date.now() + options.patienceMs;
  let waiting = false;
  for (;;) {
    if (!alive(pid)) return { reuse: false, why: `sandbox: the previous sandbox is gone (its moto, pid ${pid}, has exited); starting a new one`, endMoto: false };
    const probe = await probeMoto(endpoint, waiting ? Math.max(deadline - Date.now(), 100) : 1000);
    if (probe.kind === 'answered' && probe.pid === pid) return { reuse: true };
    if (probe.kind !== 'silent') {
      const there = probe.kind === 'refused' ? `nothing listens on ${endpoint}` : `another server answers on ${endpoint}`;
      return { reuse: false, why: `sandbox: the previous sandbox is gone (${there}; pid ${pid} is another process now); starting a new one`, endMoto: false };
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the sandbox's moto (pid ${pid}, ${endpoint}) is running but did not answer within ${Math.round(options.patienceMs / 1000)}s, and was left as it is. ` +
          `Wait for it and run again, or start afresh with ./run.sh --action sandbox-stop`,
      );
    }
    if (!waiting) options.log(`sandbox: moto (pid ${pid}) is slow to answer; waiting for it up to ${Math.round(options.patienceMs / 1000)}s`);
    else await new Promise((r) => setTimeout(r, 250)); // an answer cut short rather than late: look again
    waiting = true;
  }
}

/**
 * The hash of what of accounts.yml a sandbox is built from: the organization section's
 * fields orgvend's own stacks are rendered from (BootstrapOrganization: the core accounts,
 * buses, home region, CI roles, artifact buckets). The rest (limits, regions, scopes,
 * accounts) each run reads afresh, so changing it keeps the sandbox and its accounts.
 */
export const topologyHash = (desired: Desired) => sha256Hex(JSON.stringify(bootstrapOrganization(desired.organization, desired.accounts))).slice(0, 16);

/** The organization keys whose values differ from those the sandbox was built with. */
function changedTopology(state: SandboxState, desired: Desired): string[] {
  const sandboxed = withSandboxIds(desired, state.ids);
  const now: Record<string, unknown> = bootstrapOrganization(sandboxed.organization, sandboxed.accounts);
  const then: Record<string, unknown> = state.organization;
  return [...new Set([...Object.keys(now), ...Object.keys(then)])].filter((k) => JSON.stringify(now[k]) !== JSON.stringify(then[k])).sort();
}

function spawnWorker(cwd: string): number {
  const log = openSync(workerLogPath(cwd), 'a');
  // Compiled (dist/) in use; from source (via tsx) in development and tests. The path climbs
  // out of this folder first, so it holds from the CLI's one-file build in dist/cli/ too.
  const compiled = fileURLToPath(new URL('../sandbox/worker-main.js', import.meta.url));
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
  const log = readFileSync(workerLogPath(cwd), 'utf8').trim().split('\n').slice(-15).join('\n');
  throw new Error(`the sandbox worker stopped as soon as it started; the end of ${workerLogPath(cwd)}:\n${log}`);
}

export interface Sandbox {
  state: SandboxState;
  /** accounts.yml with the sandbox's account ids. */
  desired: Desired;
}

/**
 * Reuse the running sandbox, or build a new one. `log` gets one line per step. `patienceMs`:
 * how long a running moto may take to answer (MOTO_PATIENCE_MS).
 */
export async function ensureSandbox(
  desired: Desired,
  options: { cwd: string; templatesDir: string; log: (line: string) => void; patienceMs?: number },
): Promise<Sandbox> {
  const { cwd, log } = options;
  const topology = topologyHash(desired);
  let state = readSandboxState(cwd);
  if (state) {
    const found = await findSandbox(state, desired, { patienceMs: options.patienceMs ?? MOTO_PATIENCE_MS, log });
    if (found.reuse) {
      if (!alive(state.workerPid)) {
        state.workerPid = spawnWorker(cwd);
        writeState(cwd, state);
        await checkWorker(cwd, state.workerPid);
        log(`sandbox: restarted the worker (pid ${state.workerPid})`);
      }
      return { state, desired: withSandboxIds(desired, state.ids) };
    }
    log(found.why);
    stopSandbox(cwd, { endMoto: found.endMoto });
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

  // The request key first, so the stacks are planned once, with it.
  const requestKey = await createRequestKey(factory.forAccount(org.cicd_account_id), org.cicd_account_id);
  // With the security services' administrators, by name and by pinned id (bootstrap's own action does the same).
  const organization = bootstrapOrganization(org, effective.accounts);
  const env = { organization, templatesDir: options.templatesDir, clientsFor: async (id: string) => factory.forAccount(id), progress: log, requestKey };
  const planned = await planBootstrap(env);
  await applyBootstrap(env, planned);
  state = {
    version: SANDBOX_STATE_VERSION,
    endpoint: moto.endpoint,
    region,
    motoPid: moto.pid,
    topology,
    organizationId,
    ids,
    accounts: planned.accounts.map((a) => ({ id: a.id, roles: a.roles })),
    organization,
    templatesDir: options.templatesDir,
    requestKey,
  };
  writeState(cwd, state);
  state.workerPid = spawnWorker(cwd);
  writeState(cwd, state);
  await checkWorker(cwd, state.workerPid);
  log(`sandbox: ready (moto ${moto.endpoint}, worker pid ${state.workerPid}); stop it with ./run.sh --action sandbox-stop`);
  return { state, desired: effective };
}
