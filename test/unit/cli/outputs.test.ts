/**
 * What CI reads from a run: with --format json exactly one JSON document on stdout, with
 * --format markdown one PR comment, whatever ends the run (a plan, what was carried out, a
 * limit, a refused saved plan, a failed request, a credentials error). Each run goes
 * through runPlanAction and `reported`, as runCli runs an action, over a transport that
 * records what it is asked to send.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliOptions } from '../../../src/cli/options.js';
import { reported } from '../../../src/cli/output.js';
import { runPlanAction, type PlanActionSpec } from '../../../src/cli/plan-action.js';
import type { Runtime } from '../../../src/cli/runtime.js';
import { ExitCode, TimeoutError } from '../../../src/errors.js';
import { independentSteps, runChanges } from '../../../src/execute/graph.js';
import { makePlan, type Change, type Plan } from '../../../src/plan/plan.js';
import type { Transport } from '../../../src/transport/transport.js';
import { captureIo, type CapturedIo } from '../../helpers/io.js';

const create = (name: string): Change => ({ type: 'account.create', target: name, reason: 'missing-in-org', before: null, after: { aws_name: `${name}-prod`, email: `aws+${name}@example.com`, ou: 'Internal/Dev' } });

interface World {
  /** The organization: the accounts that exist. */
  accounts: Set<string>;
  /** What the executor sent. */
  sent: string[];
}

/** A planner for `wanted` accounts against the world; executing a change creates its account (or fails for `fails`). */
function spec(world: World, wanted: string[], extra: Partial<PlanActionSpec<Set<string>>> = {}): PlanActionSpec<Set<string>> {
  return {
    readLive: async () => new Set(world.accounts),
    plan: (live) => makePlan('sync-accounts', { config: 'c', live: [...live].join(',') }, wanted.filter((n) => !live.has(n)).map(create)),
    execute: (plan, _transport, hooks) =>
      runChanges(independentSteps(plan.changes, 'account'), {
        concurrency: () => 2,
        run: async (change) => {
          world.sent.push(change.target);
          if (change.target.startsWith('broken')) throw new Error(`CREATE_ACCOUNT failed for ${change.target}`);
          world.accounts.add(change.target);
        },
      }, hooks),
    organizationOf: () => 'o-abcdef1234',
    ...extra,
  };
}

const transport: Transport = { execute: true, request: async () => ({}) as never, close: async () => {} };

async function run(options: Partial<CliOptions>, planSpec: PlanActionSpec<Set<string>>, io: CapturedIo = captureIo({ cwd: mkdtempSync(join(tmpdir(), 'orgvend-out-')) })) {
  const runtime = { transport: () => transport, recorder: { path: join(io.cwd, 'audit.jsonl') } } as unknown as Runtime;
  const all: CliOptions = { action: 'sync-accounts', config: 'accounts.yml', ...options };
  const code = await reported(io, all, () => runPlanAction(all, io, runtime, planSpec));
  return { code, out: io.out(), err: io.err(), io };
}

describe('--format json', () => {
  it('prints a dry run as the document --out saves, with how the run ended', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { code, out, io } = await run({ format: 'json', out: 'plan.json', detailedExitcode: true }, spec(world, ['foo', 'bar']));
    expect(code).toBe(ExitCode.changesPending);
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(readFileSync(join(io.cwd, 'plan.json'), 'utf8')), ok: true, exit_code: 2 });
    expect(JSON.parse(out)).toMatchObject({ action: 'sync-accounts', summary: { 'account.create': 2 } });
    expect(world.sent).toEqual([]);
  });

  it('prints one document for a plan carried out: the plan, what was done of each change, and whether it converged', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { code, out } = await run({ format: 'json', execute: true }, spec(world, ['foo', 'broken1']));
    expect(code).toBe(ExitCode.failure);
    const json = JSON.parse(out);
    expect(json).toMatchObject({
      ok: false,
      exit_code: 1,
      action: 'sync-accounts',
      summary: { 'account.create': 2 },
      execution: { applied: 1, of: 2, changes: [{ type: 'account.create', target: 'foo', status: 'done' }, { target: 'broken1', status: 'failed', error: 'CREATE_ACCOUNT failed for broken1' }] },
      converged: false,
      remaining_changes: 1,
    });
  });

  it('prints a limit violation as {ok: false, exit_code, error} with the plan it refused, and sends nothing', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { code, out, err } = await run({ format: 'json', execute: true }, spec(world, ['foo', 'bar'], { violations: () => ['the plan has 2 new accounts, over organization.limits.max_new_accounts (1)'] }));
    expect(code).toBe(ExitCode.failure);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ ok: false, exit_code: 1, error: { kind: 'limits', violations: ['the plan has 2 new accounts, over organization.limits.max_new_accounts (1)'] } });
    expect(json.plan.changes).toHaveLength(2);
    expect(err).toContain('error: the plan has 2 new accounts');
    expect(world.sent).toEqual([]);
  });

  it('prints a refused saved plan as one error document', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-out-'));
    const saved: Plan = makePlan('create-account', { config: 'c', live: '' }, [create('foo')]);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(saved));
    const { code, out } = await run({ format: 'json', execute: true, plan: 'plan.json' }, spec(world, ['foo']), captureIo({ cwd: dir }));
    expect(code).toBe(ExitCode.failure);
    expect(JSON.parse(out)).toEqual({ ok: false, exit_code: 1, error: { kind: 'saved-plan', message: 'plan.json is a plan for create-account, not sync-accounts; nothing was changed' } });
  });

  it('prints a request that failed, and an error of any other kind with an exit code of its own, as one error document', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const timeout = await run({ format: 'json' }, spec(world, ['foo'], { readLive: () => Promise.reject(new TimeoutError('LIST_ACCOUNTS', 'n-1', 600, 'the reply queue')) }));
    expect(timeout.code).toBe(ExitCode.failure);
    expect(JSON.parse(timeout.out)).toEqual({
      ok: false,
      exit_code: 1,
      error: { kind: 'timeout', message: 'LIST_ACCOUNTS (nonce n-1) got no complete reply within 600s. Look at the reply queue', request: { type: 'LIST_ACCOUNTS', nonce: 'n-1' } },
    });
    // As a credentials check would fail: a class of its own, one line, an exit code.
    class CredentialsError extends Error {
      override readonly name = 'CredentialsError';
      readonly exitCode = 1;
    }
    const credentials = await run({ format: 'json' }, spec(world, ['foo'], { readLive: () => Promise.reject(new CredentialsError('no credentials: set AWS_PROFILE')) }));
    expect(JSON.parse(credentials.out)).toEqual({ ok: false, exit_code: 1, error: { kind: 'credentials', message: 'no credentials: set AWS_PROFILE' } });
    expect(credentials.err).toBe('error: no credentials: set AWS_PROFILE\n');
  });
});

describe('--format markdown', () => {
  it('posts a limit violation in the comment, under the plan, with its exit code', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { code, out } = await run({ format: 'markdown' }, spec(world, ['foo', 'bar'], { violations: () => ['the plan has 2 new accounts, over <limit> (1)'] }));
    expect(code).toBe(ExitCode.failure);
    expect(out).toMatch(/^### orgvend sync-accounts\n/);
    expect(out).toContain('> **error:** the plan has 2 new accounts, over &lt;limit&gt; (1)\n\nNothing was changed.');
    expect(out).toContain('orgvend exited 1 (limits).');
    expect(out.indexOf('**Plan: 2 changes')).toBeLessThan(out.indexOf('> **error:**'));
  });

  it('posts what was carried out and whether it converged, every value escaped', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { out } = await run({ format: 'markdown', execute: true }, spec(world, ['foo', 'broken|<!--']));
    expect(out).toContain('**Applied 1 of 2 changes in');
    expect(out).toContain('- account.create <code>broken&#124;&lt;!--</code>: CREATE\\_ACCOUNT failed for broken&#124;&lt;!--');
    expect(out).toContain('**Not converged:** 1 change(s) failed; 1 change(s) remain; run again to finish them.');
    expect(out).not.toContain('<!--');
  });

  it('keeps a plan of 3,000 changes under GitHub\'s 65,536 characters, saying how many are left out and where the whole plan is', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const names = Array.from({ length: 3000 }, (_, i) => `team-with-a-rather-long-name-${i}`);
    const { code, out, err } = await run({ format: 'markdown', out: 'plan.json' }, spec(world, names));
    expect(code).toBe(ExitCode.ok);
    expect(out.length).toBeLessThanOrEqual(65_536);
    expect(out).toMatch(/> \*\*\d+ of 3000 changes are not shown here\*\*: the comment would be longer than GitHub's 65,536 characters\. The whole plan: plan\.json \(--out\), and the job log/);
    expect(out).toContain('**Plan: 3000 changes: 3000 account.create.**');
    // The job log has every change.
    expect(err).toContain('team-with-a-rather-long-name-2999');
  });
});

describe('--execute on a terminal', () => {
  const tty = (answer: string) => captureIo({ cwd: mkdtempSync(join(tmpdir(), 'orgvend-out-')), tty: true, answer, env: { NO_COLOR: '1' } });

  it('asks for confirmation with the change count and the organization, and sends nothing unless the answer is yes', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { code, out, err } = await run({ execute: true }, spec(world, ['foo', 'bar']), tty('y'));
    expect(err).toContain("Apply 2 changes to organization o-abcdef1234? Only 'yes' will be accepted: ");
    expect(err).toContain('Apply cancelled: the answer was not "yes"; nothing was changed');
    expect(code).toBe(ExitCode.failure);
    expect(out).toContain('Plan: 2 changes');
    expect(world.sent).toEqual([]);
  });

  it('applies after yes', async () => {
    const world = { accounts: new Set<string>(), sent: [] };
    const { code, err } = await run({ execute: true }, spec(world, ['foo', 'bar']), tty('yes'));
    expect(err).toContain('Apply 2 changes to organization o-abcdef1234?');
    expect(code).toBe(ExitCode.ok);
    expect(world.sent.sort()).toEqual(['bar', 'foo']);
  });

  it('does not ask with --yes, nor when stdin is not a terminal (CI)', async () => {
    for (const [options, io] of [
      [{ execute: true, yes: true }, tty('no')],
      [{ execute: true }, captureIo({ cwd: mkdtempSync(join(tmpdir(), 'orgvend-out-')), tty: false, answer: 'no' })],
    ] as const) {
      const world = { accounts: new Set<string>(), sent: [] };
      const { code, err } = await run(options, spec(world, ['foo']), io);
      expect(err).not.toContain('Apply 1 change');
      expect(code).toBe(ExitCode.ok);
      expect(world.sent).toEqual(['foo']);
    }
  });
});

describe('Ctrl-C during execution', () => {
  /** Four changes, two at a time: a finishes, b and c are sent and never answered, d waits; Ctrl-C comes once c is sent. */
  function interrupted() {
    let listener: (() => void) | undefined;
    const interrupts = { on: (l: () => void) => ((listener = l), () => (listener = undefined)) };
    const world = { accounts: new Set<string>(), sent: [] as string[] };
    const planSpec = spec(world, ['a', 'b', 'c', 'd'], {
      execute: (plan, _transport, hooks) =>
        runChanges(independentSteps(plan.changes, 'account'), {
          concurrency: () => 2,
          run: (change) => {
            world.sent.push(change.target);
            if (change.target === 'a') return Promise.resolve();
            if (change.target === 'c') setTimeout(() => listener?.(), 5);
            return new Promise(() => {});
          },
        }, hooks),
    });
    return { world, planSpec, interrupts };
  }

  it('stops starting changes, says what was done, what is in flight and what was never started, and exits 130', async () => {
    const { world, planSpec, interrupts } = interrupted();
    const { code, out, err } = await run({ execute: true }, planSpec, captureIo({ cwd: mkdtempSync(join(tmpdir(), 'orgvend-out-')), interrupts }));
    expect(code).toBe(ExitCode.interrupted);
    expect(world.sent).toEqual(['a', 'b', 'c']);
    expect(out).toContain('Applied 1 of 4 changes');
    expect(out).toContain('In flight when interrupted (sent; may still complete) (2):\n  … account.create b\n  … account.create c');
    expect(out).toContain('Not started (interrupted) (1):\n  - account.create d');
    expect(err).toContain('error: interrupted: 2 requests were in flight and may still complete, 1 change was not started; run again to converge: nothing will be done twice');
  });

  it('says the same in the one JSON document', async () => {
    const { planSpec, interrupts } = interrupted();
    const { code, out } = await run({ execute: true, format: 'json' }, planSpec, captureIo({ cwd: mkdtempSync(join(tmpdir(), 'orgvend-out-')), interrupts }));
    expect(code).toBe(130);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ ok: false, exit_code: 130, error: { kind: 'interrupted' } });
    expect(json.execution.changes.map((c: { target: string; status: string }) => `${c.target} ${c.status}`)).toEqual(['a done', 'b in-flight', 'c in-flight', 'd not-started']);
  });
});
