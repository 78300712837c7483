/**
 * The newcomer's path: `--sandbox` starts a local organization in the background the first
 * time, reuses it after, and `sandbox-stop` ends it. Runs the real CLI entry in-process,
 * in a scratch folder holding a copy of accounts.yml and templates/.
 */
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../src/aws/clients.js';
import { runCli } from '../../src/cli/run.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { TimeoutError } from '../../src/errors.js';
import { probeMoto } from '../../src/sandbox/moto.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import { readSandboxState, stopSandbox } from '../../src/sandbox/state.js';
import { EXAMPLE_PATH } from '../helpers/dsl.js';
import { copyTemplates } from '../helpers/repo.js';
import { captureIo } from '../helpers/io.js';

let cwd: string;

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'orgvend-sandbox-'));
  cpSync(EXAMPLE_PATH, join(cwd, 'accounts.yml'));
  copyTemplates(cwd);
});

afterAll(() => {
  stopSandbox(cwd);
});

function alive(pid: number | undefined): boolean {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the sandbox, from the command line', () => {
  it('starts on first use and answers through the bus', async () => {
    const io = captureIo({ cwd });
    expect(await runCli(['--sandbox', '--action', 'ping'], io)).toBe(0);
    const state = readSandboxState(cwd)!;
    expect(io.err()).toContain('sandbox: ready');
    expect(io.out().trim().split('\n')).toEqual(state.accounts.map((a) => expect.stringMatching(new RegExp(`^ok +${a.id} +(management|cicd|audit) +\\d+ ms$`))));
    expect(alive(state.motoPid) && alive(state.workerPid)).toBe(true);
    // The CICD and audit accounts exist in the organization, under ids the emulator chose.
    expect(Object.keys(state.ids).sort()).toEqual(['222222222222', '333333333333']);
  });

  it('is reused by the next run, and bootstrap finds nothing to change', async () => {
    const before = readSandboxState(cwd)!;
    const io = captureIo({ cwd });
    expect(await runCli(['--sandbox', '--action', 'bootstrap'], io)).toBe(0);
    expect(readSandboxState(cwd)!.motoPid).toBe(before.motoPid);
    expect(io.err()).not.toContain('sandbox: starting');
    expect(io.out()).toContain('No changes.');
    // How the run knew it: the sandbox's moto answers the health route with its own pid.
    expect(await probeMoto(before.endpoint, 5000)).toEqual({ kind: 'answered', pid: before.motoPid });
  });

  it('writes an audit record of every request and reply of a run', async () => {
    const io = captureIo({ cwd });
    expect(await runCli(['--sandbox', '--action', 'ping', '--format', 'json'], io)).toBe(0);
    const runs = join(cwd, '.orgvend', 'runs');
    const { readdirSync } = await import('node:fs');
    const latest = readdirSync(runs).filter((f) => f.endsWith('-ping.jsonl')).sort().at(-1)!;
    const entries = readFileSync(join(runs, latest), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // LIST_ACCOUNTS to find the accounts that carry the stack, then a PING to each of the three.
    expect(entries.filter((e) => e.event === 'request').map((e) => e.type).sort()).toEqual(['LIST_ACCOUNTS', 'PING', 'PING', 'PING']);
    expect(entries.filter((e) => e.event === 'reply' && e.outcome === 'ok')).toHaveLength(4);
    for (const entry of entries) expect(entry.nonce).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs the CLI\'s calls in the CICD account as the CI role ORGVEND_SANDBOX_ROLE names, and refuses a name that is none', async () => {
    const calls: AwsCall[] = [];
    const io = captureIo({ cwd, env: { ORGVEND_SANDBOX_ROLE: 'orgvend-plan' } });
    expect(await runCli(['--sandbox', '--action', 'ping'], io, { onCall: (call) => calls.push(call) }), io.err()).toBe(0);
    const cicd = readSandboxState(cwd)!.organization.cicd_account_id;
    const assumed = calls.filter((c) => c.operation === 'AssumeRole').map((c) => (c.input as { RoleArn: string }).RoleArn);
    expect(assumed).toContain(`arn:aws:iam::${cicd}:role/orgvend-plan`);
    expect(assumed).not.toContain(`arn:aws:iam::${cicd}:role/orgvend-sandbox`);
    expect(calls.filter((c) => c.account === cicd && c.operation === 'PutEvents').length).toBeGreaterThan(0);

    const wrong = captureIo({ cwd, env: { ORGVEND_SANDBOX_ROLE: 'Administrator' } });
    expect(await runCli(['--sandbox', '--action', 'ping'], wrong)).not.toBe(0);
    expect(wrong.err()).toContain('ORGVEND_SANDBOX_ROLE is "Administrator": it names one of the CICD account\'s CI roles, orgvend-plan or orgvend-apply');
  });

  it('answers the next run at once after its worker was stopped: the worker left no long poll open to take a request out of sight', async () => {
    // A run just answered, so each of the worker's queues has a long poll freshly open.
    expect(await runCli(['--sandbox', '--action', 'ping'], captureIo({ cwd }))).toBe(0);
    const { workerPid } = readSandboxState(cwd)!;
    process.kill(workerPid!, 'SIGTERM');
    await until(() => !alive(workerPid));
    // The next run starts a new worker; a request taken by a poll the old one abandoned would
    // stay hidden for the request queue's 960 s visibility timeout, and the run would time out.
    const io = captureIo({ cwd });
    expect(await runCli(['--sandbox', '--action', 'ping'], io)).toBe(0);
    expect(io.err()).toContain('sandbox: restarted the worker');
    expect(readSandboxState(cwd)!.workerPid).not.toBe(workerPid);
  });

  it('says to look at the worker log, not a log group of the Lambda it does not have, when a request gets no reply', async () => {
    const runtime = await openRuntime({ action: 'ping', config: 'accounts.yml', sandbox: true }, captureIo({ cwd }));
    try {
      // An account outside the organization with a bus of orgvend's name, and no rule or handler on it: the request is taken, and nothing answers.
      const { endpoint, region, organization } = readSandboxState(cwd)!;
      await (await sandboxFactory(endpoint, region).forAccount('999999999999').client('events')).send(new CreateEventBusCommand({ Name: organization.event_bus }));
      const error = await runtime.transport().request('PING', {}, { targetAccount: '999999999999', timeoutSeconds: 2 }).then(
        () => new Error('answered'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.message).toMatch(/^PING \(nonce [0-9a-f-]{36}\) got no complete reply within 2s\. /);
      expect(error.message).toContain(`Look at the sandbox worker's log ${join(cwd, '.orgvend', 'sandbox', 'worker.log')}, where the handler of account 999999999999 logs`);
      expect(error.message).not.toMatch(/DLQ|log group|\/aws\/lambda|CloudWatch/);
    } finally {
      await runtime.close();
    }
  });

  it('stops with sandbox-stop', async () => {
    const state = readSandboxState(cwd)!;
    const io = captureIo({ cwd });
    expect(await runCli(['--action', 'sandbox-stop'], io)).toBe(0);
    expect(io.out()).toBe('sandbox stopped\n');
    expect(existsSync(join(cwd, '.orgvend', 'sandbox', 'state.json'))).toBe(false);
    const deadline = Date.now() + 10_000;
    while ((alive(state.motoPid) || alive(state.workerPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(alive(state.motoPid)).toBe(false);
    expect(alive(state.workerPid)).toBe(false);
  });
});
