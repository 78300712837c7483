/**
 * The path of docs/DEPLOYING.md and of the shipped workflows, against the sandbox: the
 * guide's commands run in order as written (with --sandbox for --profile NAME), then
 * scripts/ci.sh, what the workflows run, plans a pull request (the comment), applies it
 * after merge, and plans again to find nothing left to do. The real CLI runs in its own
 * processes, as in CI, in a scratch repository of the test's own: the minimal fixture with
 * an artifact bucket, one policy at the root and the repository's templates.
 *
 * The plan runs with ORGVEND_SANDBOX_ROLE=orgvend-plan and the apply with orgvend-apply, the
 * roles bootstrap makes for CI (organization.ci), which the sandbox's CLI then acts as.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopSandbox } from '../../src/sandbox/state.js';
import { dslText } from '../helpers/dsl.js';
import { copyTemplates, denyLeave } from '../helpers/repo.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
const TSX = import.meta.resolve('tsx');
const CI_SCRIPT = join(ROOT, 'scripts/ci.sh');
const GUIDE = readFileSync(join(ROOT, 'docs/DEPLOYING.md'), 'utf8');
const RUN_LIMIT_MS = 300_000;

const ACTIONS = ['sync-accounts', 'sync-scps', 'sync-security', 'sync-access', 'put-contacts', 'enable-region', 'render-templates'];

let cwd: string;
/** `orgvend`: the CLI from source, standing in for ./run.sh (which would build dist/ in the worktree). */
let orgvend: string;

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function scratchRepository(accountsYml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-ci-repo-'));
  writeFileSync(join(dir, 'accounts.yml'), accountsYml);
  mkdirSync(join(dir, 'scps/Root'), { recursive: true });
  writeFileSync(join(dir, 'scps/Root/deny-leave.json'), denyLeave);
  copyTemplates(dir);
  return dir;
}

const ACCOUNTS_YML = dslText([
  [['organization', 'artifact_buckets'], { 'ap-southeast-2': 'ci-workflow-artifacts' }],
  // The roles the workflows run as: without them ORGVEND_SANDBOX_ROLE stops the run.
  [['organization', 'ci'], { github: { repository: 'acme/aws-organization', apply_environment: 'orgvend-apply' } }],
]);

beforeAll(() => {
  cwd = scratchRepository(ACCOUNTS_YML);
  const bin = mkdtempSync(join(tmpdir(), 'orgvend-ci-bin-'));
  orgvend = join(bin, 'orgvend');
  writeFileSync(orgvend, `#!/usr/bin/env bash\nexec ${quote(process.execPath)} --import ${quote(TSX)} ${quote(MAIN)} "$@"\n`, { mode: 0o755 });
});

afterAll(() => {
  stopSandbox(cwd);
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function spawnRun(command: string, args: string[], env: Record<string, string> = {}, dir = cwd): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let [out, err] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    // A run that hangs is ended, so that the test fails with what it printed rather than a timeout.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, out, err });
    });
  });
}

/** scripts/ci.sh as the workflows run it, with the sandbox in place of AWS. */
const ciScript = (mode: string, env: Record<string, string> = {}, dir = cwd) =>
  spawnRun('bash', [CI_SCRIPT, mode], { ORGVEND_CLI: orgvend, ORGVEND_FLAGS: '--sandbox', ...env }, dir);
const comment = (dir = cwd) => readFileSync(join(dir, '.orgvend/ci/comment.md'), 'utf8');
const RUNS = () => join(cwd, '.orgvend/runs');
/** The audit records' files (each `<time>-<action>.jsonl`). */
const recordFiles = () => readdirSync(RUNS());
/** How many `type` requests the records of `action` hold, in the files `only` keeps. */
const requestsSent = (action: string, type: string, only: (file: string) => boolean = () => true) =>
  recordFiles()
    .filter((f) => only(f) && f.endsWith(`-${action}.jsonl`))
    .flatMap((f) => readFileSync(join(RUNS(), f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; type?: string }))
    .filter((e) => e.event === 'request' && e.type === type).length;
/** The rows of the report's table: action → result. */
const results = (report: string) => Object.fromEntries([...report.matchAll(/^\| ([a-z-]+) \| ([^|]+) \|$/gm)].filter((m) => m[1] !== 'action').map((m) => [m[1], m[2]!.trim()]));

// ---- the guide's commands ------------------------------------------------------------------

interface Fence {
  lang: string;
  text: string;
  /** The lines that are commands: neither blank nor comments. */
  lines: string[];
}

function fences(markdown: string): Fence[] {
  return [...markdown.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    text: m[2]!,
    lines: m[2]!.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')),
  }));
}

/** How the test runs a command of the guide against the sandbox; undefined: a form it does not know. */
function rewrite(line: string): { command: string; args: string[]; env: Record<string, string> } | undefined {
  // Plain words only, so that splitting on spaces is what a shell would do.
  if (!/^[\w./=:@-]+( [\w./=:@-]+)*$/.test(line)) return undefined;
  const words = line.split(' ');
  if (words[0] === './run.sh') {
    const args = words.slice(1);
    const profile = args.indexOf('--profile');
    if (profile >= 0) {
      if (!args[profile + 1] || args[profile + 1]!.startsWith('--')) return undefined;
      args.splice(profile, 2, '--sandbox');
    } else if (args.join(' ') !== '--action validate') {
      return undefined; // only validate runs without AWS
    }
    return { command: orgvend, args, env: {} };
  }
  const script = /^AWS_PROFILE=[\w-]+ scripts\/ci\.sh (plan|apply)$/.exec(line);
  if (script) return { command: 'bash', args: [CI_SCRIPT, script[1]!], env: { ORGVEND_CLI: orgvend, ORGVEND_FLAGS: '--sandbox' } };
  return undefined;
}

describe('docs/DEPLOYING.md', () => {
  const all = fences(GUIDE);
  const commands = all.filter((f) => f.lang === 'sh').flatMap((f) => f.lines);

  it('marks its commands: orgvend\'s in sh blocks, each one the test runs; AWS\'s and GitHub\'s own in console blocks, none of them orgvend', () => {
    expect(all.map((f) => f.lang)).not.toContain('');
    expect(all.filter((f) => ['bash', 'shell', 'zsh'].includes(f.lang))).toEqual([]);
    expect(commands.length).toBeGreaterThanOrEqual(6);
    for (const line of commands) expect(rewrite(line), `a command the test does not know how to run: ${line}`).toBeDefined();
    for (const line of all.filter((f) => f.lang === 'console').flatMap((f) => f.lines)) {
      expect(line, line).toMatch(/^(aws|gh|git) /);
      expect(line, line).not.toMatch(/run\.sh|ci\.sh/);
    }
  });

  it('its commands, run in order against the sandbox, all succeed: validate, bootstrap (dry run, then --execute), ping, the first plans', async () => {
    const seen: string[] = [];
    for (const line of commands) {
      const { command, args, env } = rewrite(line)!;
      const run = await spawnRun(command, args, env);
      expect(run.code, `${line}\n${run.out}\n${run.err}`).toBe(0);
      seen.push(line);
      if (args.includes('ping')) {
        // The management, CICD and audit accounts answer through the bus.
        expect(run.out.trim().split('\n')).toEqual([
          expect.stringMatching(/^ok +111111111111 +management +\d+ ms$/),
          expect.stringMatching(/^ok +\d{12} +cicd +\d+ ms$/),
          expect.stringMatching(/^ok +\d{12} +audit +\d+ ms$/),
        ]);
      }
      if (args.includes('bootstrap') && args.includes('--execute')) expect(run.out).toMatch(/No changes\.|Converged/);
    }
    expect(seen).toEqual(commands);
    // The guide's scripts/ci.sh plan wrote the comment it describes.
    expect(comment().split('\n')[0]).toBe('<!-- orgvend-plan -->');
  });
});

// ---- the workflow --------------------------------------------------------------------------

describe('the workflow, against the sandbox', () => {
  it('plans the pull request as the plan role: the comment has every action\'s plan, changes are a success', async () => {
    const run = await ciScript('plan', { ORGVEND_SANDBOX_ROLE: 'orgvend-plan', ORGVEND_REVISION: '3f9c2a7b1e04aa' });
    expect(run.code, run.err).toBe(0);
    const report = comment();
    expect(results(report)).toEqual({
      validate: 'valid',
      'sync-accounts': 'changes',
      'sync-scps': 'changes',
      // The minimal accounts.yml has no security baseline.
      'sync-security': 'no changes',
      // Nor Identity Center.
      'sync-access': 'no changes',
      'put-contacts': 'no changes',
      'enable-region': 'no changes',
      'render-templates': 'changes',
    });
    expect(report).toContain('**Changes pending: they are applied when this is merged.**');
    for (const action of ACTIONS) expect(report).toContain(`### orgvend ${action}\n`);
    expect(report).toMatch(/\| ou\.create \| <code>Internal<\/code> \|/);
    expect(report).toMatch(/\| account\.create \| <code>foo<\/code> \|/);
    expect(report).toMatch(/\| scp\.create \| <code>deny-leave<\/code> \|/);
    expect(report).toMatch(/\| template\.upload \|/);
    // What the guide shows of the comment is what the plan of a new organization posts.
    const example = fences(GUIDE).find((f) => f.lang === 'markdown')!.text;
    expect(results(example)).toEqual(results(report));
    expect(report.split('\n').slice(0, 2)).toEqual(example.split('\n').slice(0, 2));
  }, 600_000);

  it('applies after merge as the apply role: every action with --execute, in order', async () => {
    const run = await ciScript('apply', { ORGVEND_SANDBOX_ROLE: 'orgvend-apply' });
    expect(run.code, run.err).toBe(0);
    const report = comment();
    expect(report.split('\n')[0]).toBe('<!-- orgvend-apply -->');
    expect(results(report)).toEqual({ validate: 'valid', ...Object.fromEntries(ACTIONS.map((a) => [a, 'done'])) });
    expect(report).toContain('**Applied.**');
    expect(report).toContain('**Converged:** the organization matches the repository.');
    // The audit records the workflow uploads: the accounts' creation among them.
    expect(requestsSent('sync-accounts', 'CREATE_ACCOUNT')).toBe(2);
  }, 600_000);

  it('then plans nothing: the next pull request\'s comment says No changes; the organization\'s accounts are read once for all the plans', async () => {
    const before = new Set(recordFiles());
    const run = await ciScript('plan', { ORGVEND_SANDBOX_ROLE: 'orgvend-plan' });
    expect(run.code, run.err).toBe(0);
    const report = comment();
    expect(results(report)).toEqual({ validate: 'valid', ...Object.fromEntries(ACTIONS.map((a) => [a, 'no changes'])) });
    expect(report).toContain('**No changes.**');
    // The audit records of this job's plans: the tree is read by each, the accounts' pages (a tag read per account) by the first alone.
    const sent = (action: string, type: string) => requestsSent(action, type, (f) => !before.has(f));
    expect(sent('sync-accounts', 'LIST_ACCOUNTS')).toBeGreaterThan(0);
    for (const action of ACTIONS.slice(1)) expect(sent(action, 'LIST_ACCOUNTS'), action).toBe(0);
    for (const action of ['sync-scps', 'put-contacts', 'render-templates']) expect(sent(action, 'LIST_OUS'), action).toBe(1);
    expect(run.err).toMatch(/note: the organization's \d+ accounts and their tags taken from \S+organization\.json, read \d+ s ago by an earlier plan with the same OU tree/);
  }, 600_000);

  it('posts an invalid accounts.yml\'s problems, at their lines, and fails the job', async () => {
    const broken = ACCOUNTS_YML.replace('  foo:\n    scope: dev', '  foo:\n    scope: deve');
    expect(broken).not.toBe(ACCOUNTS_YML);
    const dir = scratchRepository(broken);
    const run = await ciScript('plan', {}, dir);
    expect(run.code).toBe(1);
    const report = comment(dir);
    expect(results(report)).toEqual({ validate: 'invalid input (exit 65)', ...Object.fromEntries(ACTIONS.map((a) => [a, 'not run'])) });
    expect(report).toMatch(/### orgvend validate\n\n```\nerror\[unknown-scope\] accounts\.yml:\d+:\d+: accounts\.foo\.scope: /);
    expect(report).toContain('did you mean "dev"?');
  });
});
