/**
 * A run killed half-way (the CI job cancelled, the runner lost) and a worker killed half-way
 * (a handler Lambda that dies) must not block the runs after them. The real CLI runs as a
 * child process against a sandbox of its own, as CI would run it; it is killed with SIGKILL
 * when its progress says it is creating accounts or deploying stacks, and the next run
 * must converge with one account per entry and no stack or change set left behind.
 */
import { CreateChangeSetCommand, DescribeStacksCommand, ListChangeSetsCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../src/handlers/organization-tree.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import { readSandboxState, stopSandbox } from '../../src/sandbox/state.js';
import { dslText } from '../helpers/dsl.js';
import { copyTemplates } from '../helpers/repo.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
const TSX = import.meta.resolve('tsx');
const RUN_LIMIT_MS = 150_000;

let cwd: string;

const dsl = (names: string[]) => dslText(names.map((name) => [['accounts', name], { scope: 'dev' }]));

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'orgvend-killed-'));
  copyTemplates(cwd);
  writeFileSync(join(cwd, 'accounts.yml'), dsl(['alpha']));
});

afterAll(() => {
  stopSandbox(cwd);
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/**
 * The CLI in its own process; `kill` is called with each line it writes to stderr and the
 * process, and may kill it (or anything else) there.
 */
function cli(args: string[], kill?: (line: string, pid: number) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, '--sandbox', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let [out, err, killed] = ['', '', false];
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (!killed && kill) {
        for (const line of chunk.toString().split('\n')) if (!killed && kill(line, child.pid!)) killed = true;
      }
    });
    // A run that hangs is ended, so that the test fails with what it printed rather than a timeout.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, out, err });
    });
  });
}

/** Kill `pid` with SIGKILL `delayMs` after now. */
const killLater = (pid: number, delayMs: number) => setTimeout(() => process.kill(pid, 'SIGKILL'), delayMs);

/** One account per entry, and no stack of any account waiting on a change set or a half-made state. */
async function assertNothingLeftBehind(names: string[]): Promise<void> {
  const state = readSandboxState(cwd)!;
  const factory = sandboxFactory(state.endpoint, state.region);
  const organizations = await factory.forAccount(state.organization.management_account_id).client('organizations');
  const { accounts } = await readTree(organizations, { withAccounts: true });
  for (const name of ['foo', 'dns', ...names]) expect(accounts.filter((a) => a.email === `aws+${name}@example.com`), name).toHaveLength(1);
  for (const account of accounts) {
    for (const region of ['ap-southeast-2', 'us-east-1']) {
      const cfn = await factory.forAccount(account.id).client('cloudformation', region);
      const { StackSummaries = [] } = await cfn.send(new ListStacksCommand({}));
      for (const stack of StackSummaries.filter((s) => s.StackStatus !== 'DELETE_COMPLETE')) {
        expect(`${stack.StackName} ${stack.StackStatus}`).toMatch(/ (CREATE|UPDATE)_COMPLETE$/);
        const { Summaries = [] } = await cfn.send(new ListChangeSetsCommand({ StackName: stack.StackName }));
        // (moto lists every stack's change sets, whatever StackName says.)
        expect(Summaries.filter((c) => c.StackName === stack.StackName && c.ExecutionStatus === 'AVAILABLE'), `${account.id}/${stack.StackName}`).toEqual([]);
      }
    }
  }
}

/** The next run: it converges, or finds nothing left to do (the handlers finished what the killed run asked for). */
async function converge(): Promise<void> {
  const run = await cli(['--action', 'sync-accounts', '--execute']);
  expect(run.out, run.err).toMatch(/Converged|No changes\./);
  expect(run.code, run.err).toBe(0);
}

describe('a run killed half-way', () => {
  it('while creating accounts: the next run converges, nothing made twice', async () => {
    const killed = await cli(['--action', 'sync-accounts', '--execute'], (line, pid) => {
      if (!line.includes('start account.create')) return false;
      killLater(pid, 300);
      return true;
    });
    expect(killed.code).toBe(null);
    await converge();
    await assertNothingLeftBehind(['alpha']);
  });

  it('while deploying stacks: the next run finishes them, no stack left waiting for review', async () => {
    writeFileSync(join(cwd, 'accounts.yml'), dsl(['alpha', 'bravo']));
    const killed = await cli(['--action', 'sync-accounts', '--execute'], (line, pid) => {
      if (!/start stack\.deploy bravo\/orgvend-vpc/.test(line)) return false;
      killLater(pid, 150);
      return true;
    });
    expect(killed.code).toBe(null);
    await converge();
    await assertNothingLeftBehind(['alpha', 'bravo']);
    const plan = await cli(['--action', 'sync-accounts', '--detailed-exitcode']);
    expect(plan.out).toContain('No changes.');
    expect(plan.code).toBe(0);
  });
});

describe('a worker killed half-way', () => {
  it('while it deploys a stack: the next run (with a new worker) converges', async () => {
    writeFileSync(join(cwd, 'accounts.yml'), dsl(['alpha', 'bravo', 'charlie']));
    const killed = await cli(['--action', 'sync-accounts', '--execute'], (line, pid) => {
      if (!/start stack\.deploy charlie\/orgvend-vpc/.test(line)) return false;
      // The handler dies mid-deployment; the CLI, left waiting for its reply, is cancelled too.
      setTimeout(() => process.kill(readSandboxState(cwd)!.workerPid!, 'SIGKILL'), 100);
      killLater(pid, 1500);
      return true;
    });
    expect(killed.code).toBe(null);
    await converge();
    await assertNothingLeftBehind(['alpha', 'bravo', 'charlie']);
  });
});

describe('a stack a killed run left in REVIEW_IN_PROGRESS', () => {
  it('has its change set replaced by the next run, which creates the stack', async () => {
    writeFileSync(join(cwd, 'accounts.yml'), dsl(['alpha', 'bravo', 'charlie', 'delta']));
    const state = readSandboxState(cwd)!;
    const factory = sandboxFactory(state.endpoint, state.region);
    // The run is killed as delta is about to be given orgvend's stack, before its VPC is deployed.
    await cli(['--action', 'sync-accounts', '--execute'], (line, pid) => {
      if (!/start account\.bootstrap delta/.test(line)) return false;
      process.kill(pid, 'SIGKILL');
      return true;
    });
    const organizations = await factory.forAccount(state.organization.management_account_id).client('organizations');
    const delta = (await readTree(organizations, { withAccounts: true })).accounts.find((a) => a.email === 'aws+delta@example.com')!;
    const cfn = await factory.forAccount(delta.id).client('cloudformation', state.region);
    // As a run killed between making the VPC stack's change set and executing it leaves it.
    await cfn.send(new CreateChangeSetCommand({ StackName: 'orgvend-vpc', ChangeSetName: 'orgvend-1', ChangeSetType: 'CREATE', Description: 'orgvend template sha256:0', TemplateBody: 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n' }));
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: 'orgvend-vpc' }));
    expect(Stacks[0]?.StackStatus).toBe('REVIEW_IN_PROGRESS');

    // (Planned after delta's bootstrap, in the run's follow-up; the plan's words for the state are in test/unit/plan/stacks.test.ts.)
    await converge();
    await assertNothingLeftBehind(['alpha', 'bravo', 'charlie', 'delta']);
    expect((await cli(['--action', 'sync-accounts', '--detailed-exitcode'])).code).toBe(0);
  });
});

describe('a run interrupted with Ctrl-C', () => {
  it('while creating accounts: starts nothing more, says what was in flight and exits 130; the next run converges', async () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    // Run alone (-t), every account is new: more than the default limit of 5.
    writeFileSync(join(cwd, 'accounts.yml'), dslText([...names.map((name): [string[], unknown] => [['accounts', name], { scope: 'dev' }]), [['organization', 'limits', 'max_new_accounts'], 10]]));
    const interrupted = await cli(['--action', 'sync-accounts', '--execute'], (line, pid) => {
      if (!line.includes('start account.create')) return false;
      process.kill(pid, 'SIGINT');
      return true;
    });
    expect(interrupted.code, interrupted.err).toBe(130);
    expect(interrupted.out).toMatch(/Applied \d+ of \d+ changes in .*\n\nIn flight when interrupted \(sent; may still complete\) \(\d\):\n/);
    expect(interrupted.out).toMatch(/^ {2}… account\.create [a-z]+$/m);
    expect(interrupted.err).toMatch(/error: interrupted: \d requests? (was|were) in flight and may still complete, \d+ changes? (was|were) not started; run again to converge: nothing will be done twice/);
    await converge();
    await assertNothingLeftBehind(names);
  });
});
