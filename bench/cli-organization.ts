/**
 * An organization with every entry of accounts.yml live, on a moto of the bench's own, for benches that run the
 * CLI itself (runCli, in this process) as CI runs it in AWS: with the CICD account's
 * credentials, the SDK pointed at moto by AWS_ENDPOINT_URL, and the handlers served by the
 * worker in this process (one queue per account, as the sandbox's worker serves them). Built
 * as the integration tests' harness builds theirs (test/integration/harness/organization.ts),
 * without vitest.
 *
 * `bootstrapped`: the live accounts carry orgvend's stack, as `bootstrap` leaves them (the
 * administrator's bootstrap, planBootstrap/applyBootstrap, run once they exist: member stacks,
 * the orgvend:bootstrap tag), and then one
 * `sync-accounts --execute` gives them what accounts.yml says (parameters, VPC stacks), so
 * the next plan has no change. Without it they are left as a run with
 * bootstrap_new_accounts false leaves them.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand, CreateOrganizationalUnitCommand, ListRootsCommand, MoveAccountCommand, paginateListAccounts, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { chunks } from '../src/chunks.js';
import { MemoryRecorder } from '../src/audit/recorder.js';
import type { AwsCall } from '../src/aws/clients.js';
import { everyPage } from '../src/aws/pages.js';
import { applyBootstrap, planBootstrap, type BootstrapEnv } from '../src/bootstrap/bootstrap.js';
import { createRequestKey } from '../src/bootstrap/request-key.js';
import type { BootstrapAccount } from '../src/bootstrap/topology.js';
import type { Io } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { parseConfig } from '../src/config/load.js';
import type { Desired } from '../src/config/resolve.js';
import { startWorker, type Worker } from '../src/handlers/worker.js';
import { executeAccountPlan } from '../src/execute/accounts.js';
import { makePlan, type Plan } from '../src/plan/plan.js';
import { InProcessTransport } from '../src/transport/in-process.js';
import { busTopology } from '../src/transport/transport.js';
import { startMoto } from '../src/sandbox/moto.js';
import { createSandboxOrganization, withSandboxIds } from '../src/sandbox/organization.js';
import { sandboxFactory, sandboxHandlerConfig } from '../src/sandbox/sandbox.js';
import { copyBenchRepo } from './repo.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The CLI reads its version from the package.json two folders above its module: build/bench/ holds none of its own.
const packageJson = new URL('../package.json', import.meta.url);
if (!existsSync(packageJson)) cpSync('package.json', packageJson);

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** The CLI's own AWS calls. */
  cli: AwsCall[];
  /** The handlers' AWS calls while it ran (the worker's polling of its queues left out: Lambda's event source mapping makes those in AWS). */
  handlers: AwsCall[];
  /** The worker's ReceiveMessage, DeleteMessageBatch, ChangeMessageVisibilityBatch and GetQueueUrl calls while it ran. */
  polling: AwsCall[];
  wall_ms: number;
}

export interface BenchOrganization {
  desired: Desired;
  organizationId: string;
  motoPid: number;
  /** Accounts in the organization once it is built (the management account's included). */
  liveAccounts: number;
  /** Accounts the worker serves. */
  served(): number;
  /** Replace accounts.yml (a generated DSL text, with the example's account ids). */
  write(dsl: string): void;
  cli(...argv: string[]): Promise<CliRun>;
  /**
   * Carry out what sync-accounts plans now (setup): the plan the CLI saves with --out,
   * executed by the product's executeAccountPlan with the handlers' code run in this process
   * (as --direct runs it, not through each account's queue, which the worker sweeps beyond
   * 64 accounts), a group of its changes at a time side by side (one run executes 4 of a
   * kind at once: an hour for 1,000 VPC stacks on moto), one kind of change after another:
   * creations, tags and bootstraps first, the bootstraps all in one executeAccountPlan as a
   * run sends them. The number of changes
   * planned, and of those not carried out (left to the next pass).
   */
  converge(): Promise<{ planned: number; failed: number }>;
  close(): Promise<void>;
}

const POLLING = new Set(['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch', 'GetQueueUrl']);

/** Creations sent to moto at once while the organization is built (setup, not measured). */
const SETUP_IN_FLIGHT = 8;
/** Groups of accounts bootstrapped side by side, each STACKS_IN_FLIGHT stacks at a time (setup, not measured). */
const BOOTSTRAP_GROUPS = 16;
/** Groups of a plan's changes of one kind executed side by side (setup, not measured). */
const CONVERGE_GROUPS = 16;
/** Kinds of change converge carries out before the others, in this order (the rest in the plan's order, after them). */
const FIRST_KINDS = ['ou.create', 'account.create', 'account.move', 'account.tag', 'account.bootstrap'];

/** Peak resident set (VmHWM) of a process in MB, where /proc has it. */
export function peakRssMb(pid: number | 'self'): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/** The OUs at `paths` (parents listed before their children, as Desired.ous lists them), made by hand: the root's id and each OU's id by path. */
export async function createOus(organizations: OrganizationsClient, paths: readonly string[]): Promise<{ root: string; ouIds: Map<string, string> }> {
  const root = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const ouIds = new Map<string, string>();
  for (const path of paths) {
    const parent = path.includes('/') ? ouIds.get(path.slice(0, path.lastIndexOf('/')))! : root;
    const { OrganizationalUnit } = await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: path.split('/').at(-1)! }));
    ouIds.set(path, OrganizationalUnit!.Id!);
  }
  return { root, ouIds };
}

/** Start a process's peak resident set afresh (Linux: clear_refs 5), so a figure taken after covers what follows alone. */
export function resetPeakRss(pid: number | 'self'): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the peak then covers the setup too.
  }
}

export async function benchOrganization(options: { dsl: string; bootstrapped: boolean; log?: (line: string) => void }): Promise<BenchOrganization> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const moto = await startMoto();
  try {
    const configured = parseConfig('accounts.yml', options.dsl).desired!;
    const factory = sandboxFactory(moto.endpoint, configured.organization.home_region);
    const { organizationId, ids } = await createSandboxOrganization(factory, configured);
    const desired = withSandboxIds(configured, ids);
    const org = desired.organization;
    const requestKey = await createRequestKey(factory.forAccount(org.cicd_account_id), org.cicd_account_id);
    const env: BootstrapEnv = { organization: org, templatesDir: 'templates', clientsFor: async (id: string) => factory.forAccount(id), requestKey };
    // The administrator's bootstrap, its one plan applied a group of accounts at a time side
    // by side (applyBootstrap deploys STACKS_IN_FLIGHT at once: hours at 10,000 accounts), the
    // delegated administrator and the tags of accounts already deployed last.
    const bootstrap = async () => {
      const planned = await planBootstrap(env);
      const tagsOf = (ids: readonly string[]) => Object.fromEntries(ids.filter((id) => id in planned.tags).map((id) => [id, planned.tags[id]!]));
      const groups = chunks(planned.pending, Math.ceil(planned.pending.length / BOOTSTRAP_GROUPS) || 1);
      const { delegatedAdmin: _, ...plan } = planned;
      await Promise.all(groups.map((group) => applyBootstrap(env, { ...plan, pending: group, tags: tagsOf(group) })));
      const rest = Object.keys(planned.tags).filter((id) => !planned.pending.includes(id));
      await applyBootstrap(env, { ...planned, pending: [], tags: tagsOf(rest) });
      return planned.accounts;
    };
    // Without the members' stacks the core accounts' are all there is to bootstrap; with them, once the members exist.
    let accounts = options.bootstrapped ? [] : await bootstrap();

    // The organization as a previous sync would have left it: its OUs, and every entry of accounts.yml in its OU (the
    // example's entries too: one left to converge() would be created and bootstrapped there, after liveAccounts is counted).
    const organizations = await factory.forAccount(org.management_account_id).client('organizations');
    const { root, ouIds } = await createOus(organizations, desired.ous);
    let start = performance.now();
    const limit = pLimit(SETUP_IN_FLIGHT);
    const created = desired.accounts.filter((a) => !a.accountId);
    await Promise.all(
      created.map((account) =>
        limit(async () => {
          const tags = Object.entries(account.tags).map(([Key, Value]) => ({ Key, Value }));
          const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: account.awsName, Email: account.email, Tags: tags }));
          await organizations.send(new MoveAccountCommand({ AccountId: CreateAccountStatus!.AccountId!, SourceParentId: root, DestinationParentId: ouIds.get(account.settings.organization_unit)! }));
        }),
      ),
    );
    log(`setup: ${created.length} accounts created in ${Math.round(performance.now() - start)} ms`);
    if (options.bootstrapped) {
      start = performance.now();
      accounts = await bootstrap();
      log(`setup: bootstrap of ${accounts.length} accounts in ${Math.round(performance.now() - start)} ms`);
    }

    let liveAccounts = 0;
    for await (const page of everyPage(paginateListAccounts({ client: organizations }, {}))) liveAccounts += page.Accounts?.length ?? 0;

    // The handlers, served as the sandbox's worker serves them: an account the management handler bootstraps is served from then on.
    let handlerCalls: AwsCall[] = [];
    const workerFactory = sandboxFactory(moto.endpoint, org.home_region, (c) => handlerCalls.push(c));
    const worker: Worker = startWorker({ factory: workerFactory, recorder: new MemoryRecorder(), waitSeconds: 20 });
    const bootstrapped = new Map<string, BootstrapAccount>();
    const configOf = (account: BootstrapAccount) => sandboxHandlerConfig({ organization: org, templatesDir: 'templates', requestKey }, account, serve);
    const serve = (account: BootstrapAccount): void => {
      bootstrapped.set(account.id, account);
      worker.add(configOf(account));
    };
    for (const account of accounts) serve(account);
    // Each account's loop has its credentials and its queue, and has polled it (a second poll is
    // sent once the first returned), before the CLI sends anything: the worker's start is setup.
    const polled = () => {
      const polls = new Map<string, number>();
      for (const c of handlerCalls) if (c.operation === 'ReceiveMessage') polls.set(c.account, (polls.get(c.account) ?? 0) + 1);
      return [...polls.values()].filter((n) => n >= 2).length;
    };
    while (polled() < accounts.length) await new Promise((r) => setTimeout(r, 1000));

    // The repository CI checks out: accounts.yml with the emulator's ids, templates/ and scps/.
    const cwd = mkdtempSync(join(tmpdir(), 'orgvend-bench-'));
    copyBenchRepo(cwd);
    const write = (dsl: string) => writeFileSync(join(cwd, 'accounts.yml'), Object.entries(ids).reduce((t, [dslId, id]) => t.replaceAll(`"${dslId}"`, `"${id}"`), dsl));
    write(options.dsl);
    // CI's credentials in the CICD account (moto evaluates no IAM policy: the role's name is all that differs).
    const { Credentials: c } = await (await factory.client('sts')).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${org.cicd_account_id}:role/orgvend-ci`, RoleSessionName: 'ci' }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: org.home_region,
      AWS_ACCESS_KEY_ID: c!.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: c!.SecretAccessKey!,
      AWS_SESSION_TOKEN: c!.SessionToken!,
    });

    const cli: BenchOrganization['cli'] = async (...argv) => {
      let out = '';
      let err = '';
      const io: Io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: { ...process.env }, cwd };
      const cliCalls: AwsCall[] = [];
      handlerCalls = [];
      const started = performance.now();
      const code = await runCli(argv, io, { onCall: (call) => cliCalls.push(call) });
      const wall_ms = Math.round(performance.now() - started);
      const calls = handlerCalls;
      return { code, out, err, cli: cliCalls, handlers: calls.filter((c) => !POLLING.has(c.operation)), polling: calls.filter((c) => POLLING.has(c.operation)), wall_ms };
    };

    return {
      desired,
      organizationId,
      motoPid: moto.pid,
      liveAccounts,
      served: () => worker.accounts().length,
      write,
      cli,
      async converge() {
        const saved = join(cwd, 'setup-plan.json');
        const dry = await cli('--action', 'sync-accounts', '--out', saved);
        if (dry.code !== 0) throw new Error(`setup: the plan failed (exit ${dry.code}):\n${dry.out.slice(-4000)}\n${dry.err.slice(-4000)}`);
        const plan = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
        // The handlers' own code, run here as --direct runs it: setup at 10,000 accounts cannot wait for each member's queue in turn (the worker sweeps all but 64).
        const transport = new InProcessTransport(busTopology(org), { configFor: (id) => configOf(bootstrapped.get(id)!), clientsFor: (id) => workerFactory.forAccount(id) }, true, new MemoryRecorder());
        let failed = 0;
        try {
          // Kinds in the order a run's steps wait for each other, not the order the plan lists
          // them in: an account's parameters go through its bus, which its bootstrap gives it.
          const rank = (type: string) => (FIRST_KINDS.includes(type) ? FIRST_KINDS.indexOf(type) : FIRST_KINDS.length);
          for (const type of [...new Set(plan.changes.map((c) => c.type))].sort((a, b) => rank(a) - rank(b))) {
            const changes = plan.changes.filter((c) => c.type === type);
            // A run's bootstraps go in one executeAccountPlan, as the CLI sends them (MAX_BOOTSTRAPS a request).
            const groups = type === 'account.bootstrap' ? [changes] : chunks(changes, Math.ceil(changes.length / CONVERGE_GROUPS));
            const results = await Promise.all(groups.map((group) => executeAccountPlan(makePlan(plan.action, plan.basis, group), org, transport)));
            const failures = results.flatMap((r) => [...r].filter(([, step]) => step.status !== 'done').map(([key, step]) => `${key}: ${step.status === 'failed' ? step.error.message : step.status === 'skipped' ? step.reason : ''}`));
            // moto, on one CPU, can fall behind a thousand requests: what failed is planned again by the next pass (the caller's).
            failed += failures.length;
            if (failures.length) console.error(`setup: ${failures.length} of ${changes.length} ${type} failed, left to the next pass: ${failures.slice(0, 3).join('; ')}`);
          }
        } finally {
          await transport.close();
        }
        return { planned: plan.changes.length, failed };
      },
      async close() {
        await worker.stop();
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/** How many of `calls` each operation is, most first. */
export function byOperation(calls: readonly AwsCall[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/** The requests a run put on the bus (its PutEvents entries), counted by type. */
export function requestsByType(calls: readonly AwsCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls.filter((c) => c.operation === 'PutEvents')) {
    for (const e of (c.input as { Entries: { DetailType: string }[] }).Entries) counts[e.DetailType] = (counts[e.DetailType] ?? 0) + 1;
  }
  return counts;
}
