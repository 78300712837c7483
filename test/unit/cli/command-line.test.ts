/**
 * The command line around the actions: usage errors and invalid input in the format CI
 * asked for, per-action help, a misplaced action name, files refused before anything
 * starts, a closed pipe, Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quietOnBrokenPipe, signalInterrupts } from '../../../src/cli/io.js';
import { runCli } from '../../../src/cli/run.js';
import { dslText } from '../../helpers/dsl.js';
import { captureIo } from '../../helpers/io.js';

const root = new URL('../../../', import.meta.url).pathname;

function repo(dsl = dslText()): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-cli-'));
  writeFileSync(join(dir, 'accounts.yml'), dsl);
  return dir;
}

describe('a usage error with --format json', () => {
  it.each([
    [['--action', 'validate', '--bogus', '--format', 'json'], "unknown option '--bogus'"],
    [['--action', 'nope', '--format=json'], 'unknown action "nope"'],
    [['--format', 'json'], 'missing --action NAME'],
    [['--action', 'sandbox-stop', '--format', 'json'], '--format does not apply to --action sandbox-stop'],
    // A plan's shared read is never what an --execute acts on.
    [['--action', 'sync-accounts', '--execute', '--shared-read', 'read.json', '--format', 'json'], "option '--shared-read <file>' cannot be used with option '--execute'"],
    [['--action', 'validate', '--shared-read', 'read.json', '--format', 'json'], '--shared-read does not apply to --action validate'],
  ])('%j is one JSON document on stdout with exit code 64', async (argv, message) => {
    const io = captureIo();
    expect(await runCli(argv, io)).toBe(64);
    expect(JSON.parse(io.out())).toEqual({ ok: false, exit_code: 64, error: { kind: 'usage', message: expect.stringContaining(message) } });
    expect(io.err()).toContain(message);
  });
});

describe('invalid input', () => {
  const broken = dslText([[['accounts', 'foo', 'scope'], 'nope|<!--']]);

  it('is one JSON document with its diagnostics and exit code 65', async () => {
    const io = captureIo({ cwd: repo(broken) });
    expect(await runCli(['--action', 'explain', '--account', 'foo', '--format', 'json'], io)).toBe(65);
    const json = JSON.parse(io.out());
    expect(json).toMatchObject({ ok: false, exit_code: 65, error: { kind: 'invalid-input' }, diagnostics: [{ code: 'invalid-value', path: 'accounts.foo.scope' }] });
  });

  it('is posted as markdown for a PR comment, escaped, before anything talks to AWS', async () => {
    const cwd = repo(broken);
    const io = captureIo({ cwd });
    const calls: unknown[] = [];
    expect(await runCli(['--sandbox', '--action', 'sync-accounts', '--format', 'markdown'], io, { onCall: (call) => calls.push(call) })).toBe(65);
    const out = io.out();
    expect(out).toMatch(/^### orgvend sync-accounts: failed\n/);
    expect(out).toContain('> **error:** 1 error in the input; nothing was sent anywhere.');
    expect(out).toMatch(/- \*\*error\*\*\[invalid-value\] <code>accounts\.yml:\d+:\d+<\/code>: accounts\.foo\.scope: .*nope&#124;&lt;!--/);
    expect(out).not.toContain('<!--');
    expect(out).toContain('orgvend exited 65 (invalid-input).');
    expect(io.err()).toContain('error[invalid-value]');
    expect(calls).toEqual([]);
    expect(existsSync(join(cwd, '.orgvend'))).toBe(false);
  });
});

describe('--action NAME --help', () => {
  it("shows the action's flags, only those, and an example", async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'sync-accounts', '--help'], io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^Usage: \.\/run\.sh --action sync-accounts \[flags\]\n\nplan the organization/);
    for (const flag of ['--config <file>', '--execute', '--yes', '--out <file>', '--plan <file>', '--detailed-exitcode', '--sandbox', '--direct']) expect(out).toContain(flag);
    for (const flag of ['--record', '--stage', '--ttl', '--account']) expect(out).not.toContain(flag);
    expect(out).toMatch(/--format <format> +output format \(text, markdown, json\)/);
    expect(out).toContain('Example:\n  ./run.sh --action sync-accounts --format markdown --detailed-exitcode --out plan.json\n');
  });

  it('marks what is required, and leaves out what the action does not take', async () => {
    const record = captureIo();
    expect(await runCli(['-h', '--action=create-record'], record)).toBe(0);
    expect(record.out()).toMatch(/--record <name>\s+create-record: the record name.*\[required\]/);
    const validate = captureIo();
    expect(await runCli(['--action', 'validate', '--help'], validate)).toBe(0);
    expect(validate.out()).not.toContain('--execute');
    expect(validate.out()).toContain('--format <format>  output format (text, json)');
  });
});

describe('the command line', () => {
  it('suggests --action for an action named without it', async () => {
    const io = captureIo();
    expect(await runCli(['sync-accounts'], io)).toBe(64);
    expect(io.err()).toBe('error: "sync-accounts" is an action: run ./run.sh --action sync-accounts\nRun ./run.sh --help for usage.\n');
  });

  it.each([
    [['--out', 'missing/plan.json'], 'error: --out missing/plan.json: the folder missing does not exist\n'],
    [['--plan', 'plan.json', '--execute'], 'error: --plan plan.json: no such file\n'],
  ])('refuses %j with one line, exit 64, before the sandbox starts or anything is sent', async (flags, line) => {
    const cwd = repo();
    const io = captureIo({ cwd });
    const calls: unknown[] = [];
    expect(await runCli(['--sandbox', '--action', 'sync-accounts', ...flags], io, { onCall: (call) => calls.push(call) })).toBe(64);
    expect(io.err()).toBe(`${line}Run ./run.sh --help for usage.\n`);
    expect(calls).toEqual([]);
    expect(existsSync(join(cwd, '.orgvend'))).toBe(false);
  });
});

describe('a closed pipe', () => {
  it('ends ./run.sh --help | head quietly, exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the CLI writes: its first write meets EPIPE.
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('is quiet only for EPIPE', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    quietOnBrokenPipe(stream as never, (code) => exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow('disk full');
  });
});

describe('Ctrl-C', () => {
  it('goes to what listens the first time; a second one, or one nothing listens for, exits 130 at once', () => {
    const source = new EventEmitter();
    const exits: number[] = [];
    const interrupts = signalInterrupts(source as never, (code) => exits.push(code));
    source.emit('SIGINT');
    expect(exits).toEqual([130]);

    const heard: string[] = [];
    const stop = interrupts.on(() => heard.push('stop'));
    source.emit('SIGINT');
    expect(heard).toEqual(['stop']);
    expect(exits).toEqual([130]);
    source.emit('SIGINT');
    expect(exits).toEqual([130, 130]);
    stop();
  });
});
