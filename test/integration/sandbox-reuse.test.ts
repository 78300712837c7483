/**
 * What a run does with the sandbox its state file describes, when the processes in it are
 * not what they were: stand-in processes (node, listening or not) take moto's place, so no
 * organization has to be built. A sandbox is replaced only when it is really gone; a moto
 * that is alive but does not answer is waited for, then reported, and never stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '../../src/bootstrap/topology.js';
import { freePort } from '../../src/sandbox/moto.js';
import { ensureSandbox, findSandbox, topologyHash } from '../../src/sandbox/sandbox.js';
import { SANDBOX_STATE_VERSION, alive, sandboxDir, statePath, stopSandbox, writeState, type SandboxState } from '../../src/sandbox/state.js';
import { desiredOf } from '../helpers/dsl.js';
import { SHIPPED_TEMPLATES } from '../helpers/repo.js';

const desired = desiredOf();
const TEMPLATES = SHIPPED_TEMPLATES;

/**
 * A process in its own process group, as the sandbox's are: `silent` accepts connections
 * and never answers (a moto too busy to), `health` answers the health route with `pid`
 * (its own when none is given), `idle` listens nowhere. Resolves with its pid and, when it listens, its port.
 */
const STAND_IN = `
const [mode, pid] = process.argv.slice(1);
const http = require('node:http');
const server =
  mode === 'silent' ? require('node:net').createServer(() => {}) :
  mode === 'health' ? http.createServer((_, res) => res.end(JSON.stringify({ pid: Number(pid) || process.pid }))) :
  undefined;
if (server) server.listen(0, '127.0.0.1', () => console.log(server.address().port));
else { console.log(0); setInterval(() => {}, 60000); }
`;

const started: ChildProcess[] = [];

async function standIn(mode: 'silent' | 'health' | 'idle', pid?: number): Promise<{ pid: number; endpoint: string }> {
  const child = spawn(process.execPath, ['-e', STAND_IN, mode, String(pid ?? 0)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  return { pid: child.pid!, endpoint: `http://127.0.0.1:${port || (await freePort())}` };
}

let cwd: string;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'orgvend-sandbox-reuse-'));
  mkdirSync(sandboxDir(cwd), { recursive: true });
});

afterEach(() => {
  for (const child of started.splice(0)) if (alive(child.pid)) child.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});

function sandboxState(motoPid: number, endpoint: string, workerPid?: number): SandboxState {
  return {
    version: SANDBOX_STATE_VERSION,
    endpoint,
    region: desired.organization.home_region,
    motoPid,
    workerPid,
    topology: topologyHash(desired),
    organizationId: 'o-sandbox',
    ids: {},
    accounts: [],
    organization: {} as SandboxState['organization'],
    templatesDir: TEMPLATES,
    requestKey: 'key',
  };
}

describe('a run that finds a sandbox', () => {
  it('waits for a moto that is alive but does not answer, then fails saying what to do, and stops nothing', async () => {
    const moto = await standIn('silent');
    const worker = await standIn('idle');
    writeState(cwd, sandboxState(moto.pid, moto.endpoint, worker.pid));
    const before = readFileSync(statePath(cwd), 'utf8');
    const lines: string[] = [];

    const error = await ensureSandbox(desired, { cwd, templatesDir: TEMPLATES, log: (line) => lines.push(line), patienceMs: 1500 }).catch((e: unknown) => e as Error);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `the sandbox's moto (pid ${moto.pid}, ${moto.endpoint}) is running but did not answer within 2s, and was left as it is. ` +
        'Wait for it and run again, or start afresh with ./run.sh --action sandbox-stop',
    );
    expect(lines).toEqual([`sandbox: moto (pid ${moto.pid}) is slow to answer; waiting for it up to 2s`]);
    // Nothing was stopped, replaced or forgotten.
    expect(alive(moto.pid)).toBe(true);
    expect(alive(worker.pid)).toBe(true);
    expect(readFileSync(statePath(cwd), 'utf8')).toBe(before);
  });

  it('reuses the sandbox when the moto answering is the one it started', async () => {
    const moto = await standIn('health');
    const found = await findSandbox(sandboxState(moto.pid, moto.endpoint), desired, { patienceMs: 1000, log: () => {} });
    expect(found).toEqual({ reuse: true });
  });

  it('counts the sandbox gone when its moto has exited', async () => {
    const moto = await standIn('idle');
    started.at(-1)!.kill('SIGKILL');
    await new Promise((resolve) => started.at(-1)!.once('exit', resolve));
    const found = await findSandbox(sandboxState(moto.pid, moto.endpoint), desired, { patienceMs: 1000, log: () => {} });
    expect(found).toEqual({ reuse: false, endMoto: false, why: `sandbox: the previous sandbox is gone (its moto, pid ${moto.pid}, has exited); starting a new one` });
  });

  it('counts the sandbox gone when its pid is another process that listens nowhere, and leaves that process alone', async () => {
    const other = await standIn('idle');
    const worker = await standIn('idle');
    const state = sandboxState(other.pid, other.endpoint, worker.pid);
    const found = await findSandbox(state, desired, { patienceMs: 1000, log: () => {} });
    expect(found).toMatchObject({ reuse: false, endMoto: false, why: expect.stringContaining(`nothing listens on ${other.endpoint}; pid ${other.pid} is another process now`) });

    writeState(cwd, state);
    expect(stopSandbox(cwd, { endMoto: false })).toBe(true);
    await new Promise((resolve) => started.at(-1)!.once('exit', resolve));
    expect(alive(worker.pid)).toBe(false);
    expect(alive(other.pid)).toBe(true);
  });

  it('counts the sandbox gone when another server answers on its endpoint', async () => {
    const moto = await standIn('idle');
    const stranger = await standIn('health', 1);
    const found = await findSandbox(sandboxState(moto.pid, stranger.endpoint), desired, { patienceMs: 1000, log: () => {} });
    expect(found).toMatchObject({ reuse: false, endMoto: false, why: expect.stringContaining(`another server answers on ${stranger.endpoint}`) });
  });

  it('rebuilds a sandbox made by an earlier orgvend, or from another organization section, ending its moto', async () => {
    const moto = await standIn('health');
    const older = { ...sandboxState(moto.pid, moto.endpoint), version: 4 } as unknown as SandboxState;
    expect(await findSandbox(older, desired, { patienceMs: 1000, log: () => {} })).toEqual({ reuse: false, endMoto: true, why: 'sandbox: made by an earlier orgvend; rebuilding the sandbox' });
    const moved = { ...sandboxState(moto.pid, moto.endpoint), topology: 'another' };
    expect(await findSandbox(moved, desired, { patienceMs: 1000, log: () => {} })).toMatchObject({ reuse: false, endMoto: true });
  });

  it('keeps the sandbox when what changed is read by every run (limits, regions), and names the key that forces a rebuild', async () => {
    const moto = await standIn('health');
    const built = { ...sandboxState(moto.pid, moto.endpoint), organization: bootstrapOrganization(desired.organization) };
    const org = desired.organization;
    const limits = { ...desired, organization: { ...org, limits: { ...org.limits, max_new_accounts: org.limits.max_new_accounts + 1 } } };
    expect(await findSandbox(built, limits, { patienceMs: 1000, log: () => {} })).toEqual({ reuse: true });
    const bus = { ...desired, organization: { ...org, event_bus: 'another-bus' } };
    expect(await findSandbox(built, bus, { patienceMs: 1000, log: () => {} })).toEqual({
      reuse: false,
      endMoto: true,
      why: 'sandbox: organization.event_bus changed in accounts.yml; rebuilding the sandbox',
    });
  });
});
