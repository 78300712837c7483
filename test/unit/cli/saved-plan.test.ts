/**
 * --plan FILE --execute: a saved plan is applied only if it is still exactly what the
 * repository plans. Each test edits a saved file as an attacker (or time) would and runs
 * runPlanAction with sync-accounts' own planner, limits and executor over a transport that
 * records every request: a refused plan sends none.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Desired } from '../../../src/config/resolve.js';
import { runPlanAction } from '../../../src/cli/plan-action.js';
import type { CliOptions } from '../../../src/cli/options.js';
import type { Runtime } from '../../../src/cli/runtime.js';
import { ExitCode } from '../../../src/errors.js';
import { executeAccountPlan } from '../../../src/execute/accounts.js';
import { changeStepId } from '../../../src/execute/graph.js';
import { planAccounts } from '../../../src/plan/accounts.js';
import { limitViolations } from '../../../src/plan/limits.js';
import { makePlan, type Plan } from '../../../src/plan/plan.js';
import { sha256Hex } from '../../../src/plan/digest.js';
import type { Deployments } from '../../../src/plan/stacks.js';
import type { Live } from '../../../src/state/live.js';
import type { Transport } from '../../../src/transport/transport.js';
import { desiredOf } from '../../helpers/dsl.js';
import { captureIo } from '../../helpers/io.js';
import { liveAccountFor, liveOrg, MINIMAL_IDS } from '../../helpers/live.js';

const NOW = new Date('2025-03-01T00:00:00Z');
const TEMPLATE = 'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n';
const EVIL = `${TEMPLATE}  Admin:\n    Type: AWS::IAM::User\n`;

/** foo carries orgvend's stack but not its VPC, and sits in the wrong OU: the plan moves it and deploys the VPC. */
function organizationOf(desired: Desired, fooOu = 'Internal/Infra'): Live {
  const [foo, dns] = ['foo', 'dns'].map((name) => desired.accounts.find((a) => a.name === name)!);
  const fooLive = liveAccountFor(foo!, MINIMAL_IDS.foo!);
  const live = liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'], [
    { ...fooLive, ou: fooOu, tags: { ...fooLive.tags, 'orgvend:bootstrap': 'abcdefabcdef' } },
    liveAccountFor(dns!, MINIMAL_IDS.dns!),
  ]);
  return { ...live, stacks: new Map([[MINIMAL_IDS.foo!, []]]) };
}

const deployments: Deployments = {
  deployments: [{ stack: 'orgvend-vpc', account: 'foo', accountId: MINIMAL_IDS.foo!, region: 'us-east-1', source: 'templates/account/vpc.yml.njk', template: TEMPLATE, sha256: sha256Hex(TEMPLATE) }],
  notes: [],
  owners: [],
};

interface Run {
  code: ExitCode;
  out: string;
  err: string;
  /** Every request the executor sent, by type. */
  sent: string[];
}

/** sync-accounts' plan action over `live`, with `desired`; what it sent through the transport. */
async function syncAccounts(desired: Desired, live: Live, options: Partial<CliOptions>, dir: string): Promise<Run> {
  const sent: string[] = [];
  const transport: Transport = {
    execute: Boolean(options.execute),
    request: async (type) => {
      sent.push(type);
      return {} as never;
    },
    close: async () => {},
  };
  const runtime = { transport: () => transport, recorder: { path: join(dir, 'audit.jsonl') } } as unknown as Runtime;
  const io = captureIo({ cwd: dir });
  const code = await runPlanAction(
    { action: 'sync-accounts', config: 'accounts.yml', ...options },
    io,
    runtime,
    {
      readLive: async () => live,
      plan: (state) => planAccounts(desired, state, { now: NOW, action: 'sync-accounts', deployments }),
      violations: (plan) => limitViolations(plan, desired.organization.limits),
      execute: (plan, t, progress) => executeAccountPlan(plan, desired.organization, t, progress),
    },
  );
  return { code, out: io.out(), err: io.err(), sent };
}

/** A plan saved with --out by the repository as it is, then edited by `edit`. */
async function savedPlan(desired: Desired, live: Live, edit: (plan: Plan) => void = () => {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-plan-'));
  const saved = await syncAccounts(desired, live, { out: 'plan.json' }, dir);
  expect(saved.code).toBe(ExitCode.ok);
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
  edit(plan);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  return dir;
}

const apply = (desired: Desired, live: Live, dir: string) => syncAccounts(desired, live, { plan: 'plan.json', execute: true }, dir);

describe('applying a saved plan', () => {
  const desired = desiredOf();
  const live = organizationOf(desired);

  it('carries out a saved plan that is exactly what the repository plans, whatever order its changes are in', async () => {
    const dir = await savedPlan(desired, live, (plan) => plan.changes.reverse());
    const { code, out, sent } = await apply(desired, live, dir);
    expect(out).toContain('Plan: 2 changes: 1 account.move, 1 stack.deploy.');
    expect(sent.sort()).toEqual(['DEPLOY_STACK', 'MOVE_ACCOUNT']);
    // The executor's fake replies say nothing, and the organization read again has not changed.
    expect(code).toBe(ExitCode.failure);
  });

  it('refuses a plan with an added account.close, and sends nothing', async () => {
    const dir = await savedPlan(desired, live, (plan) => {
      plan.changes.push({ type: 'account.close', target: 'dns', reason: 'lifecycle-closed', before: { account_id: MINIMAL_IDS.dns, status: 'ACTIVE' }, after: { status: 'CLOSED' } });
      plan.summary['account.close'] = 1;
    });
    const { code, err, out, sent } = await apply(desired, live, dir);
    expect(code).toBe(ExitCode.failure);
    expect(err).toBe(
      'error: the changes in plan.json are not what the repository plans: 1 added (account.close dns), 0 removed, 0 altered; make a new plan (--out), review it and apply that; nothing was changed\n',
    );
    expect(out).toBe('');
    expect(sent).toEqual([]);
  });

  it('refuses a plan whose stack.deploy template was edited, and sends nothing', async () => {
    const dir = await savedPlan(desired, live, (plan) => {
      const deploy = plan.changes.find((c) => c.type === 'stack.deploy')!;
      (deploy.after as { template: string }).template = EVIL;
    });
    const { code, err, sent } = await apply(desired, live, dir);
    expect(code).toBe(ExitCode.failure);
    expect(err).toContain('the changes in plan.json are not what the repository plans: 0 added, 0 removed, 1 altered (stack.deploy foo/orgvend-vpc)');
    expect(sent).toEqual([]);
  });

  it('refuses a plan with a change removed, or with a change aimed at another target', async () => {
    const removed = await savedPlan(desired, live, (plan) => plan.changes.splice(plan.changes.findIndex((c) => c.type === 'account.move'), 1));
    const retargeted = await savedPlan(desired, live, (plan) => (plan.changes.find((c) => c.type === 'account.move')!.target = 'dns'));
    const results = [await apply(desired, live, removed), await apply(desired, live, retargeted)];
    expect(results[0]!.err).toContain('0 added, 1 removed (account.move foo), 0 altered');
    expect(results[1]!.err).toContain('1 added (account.move dns), 1 removed (account.move foo), 0 altered');
    for (const { code, sent } of results) {
      expect(code).toBe(ExitCode.failure);
      expect(sent).toEqual([]);
    }
  });

  it('refuses a plan made from another configuration, and sends nothing', async () => {
    const dir = await savedPlan(desired, live);
    const edited = desiredOf([[['scopes', 'dev', 'organization_unit'], 'Internal/Infra']]);
    const { code, err, sent } = await apply(edited, live, dir);
    expect(code).toBe(ExitCode.failure);
    expect(err).toBe("error: the repository's configuration has changed since the plan in plan.json was made; make a new plan (--out), review it and apply that; nothing was changed\n");
    expect(sent).toEqual([]);
  });

  it('refuses a plan made from another organization, or whose basis was edited, and sends nothing', async () => {
    const dir = await savedPlan(desired, live);
    const moved = await apply(desired, organizationOf(desired, 'Morgue'), dir);
    expect(moved.err).toContain('error: the organization has changed since the plan in plan.json was made');
    const both = await savedPlan(desired, live, (plan) => (plan.basis = { config: 'edited', live: 'edited' }));
    const edited = await apply(desired, live, both);
    expect(edited.err).toContain("error: the repository's configuration and the organization have changed since the plan in plan.json was made");
    for (const { code, sent } of [moved, edited]) {
      expect(code).toBe(ExitCode.failure);
      expect(sent).toEqual([]);
    }
  });

  it('refuses a plan made for another action, with exit 1, and sends nothing', async () => {
    const dir = await savedPlan(desired, live, (plan) => (plan.action = 'create-account'));
    const { code, err, sent } = await apply(desired, live, dir);
    expect(code).toBe(ExitCode.failure);
    expect(err).toBe('error: plan.json is a plan for create-account, not sync-accounts; nothing was changed\n');
    expect(sent).toEqual([]);
  });
});

describe('blast-radius limits of a saved plan', () => {
  const names = Array.from({ length: 19 }, (_, i) => `team${i + 1}`);
  // foo, dns and 19 more: 21 new accounts, over a limit of 20.
  const desired = desiredOf([[['organization', 'limits', 'max_new_accounts'], 20], ...names.map((n): [string[], unknown] => [['accounts', n], { scope: 'dev' }])]);
  const empty = { ...liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra']), stacks: new Map() };

  it('are counted from the changes: an edited summary does not let 21 creations through a limit of 20', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-plan-'));
    const saved = await syncAccounts(desired, empty, { out: 'plan.json' }, dir);
    expect(saved.err).toContain('the plan has 21 new accounts, over organization.limits.max_new_accounts (20)');
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(plan.changes.filter((c) => c.type === 'account.create')).toHaveLength(21);
    plan.summary = { 'account.create': 1 };
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));

    const { code, err, sent } = await apply(desired, empty, dir);
    expect(code).toBe(ExitCode.failure);
    expect(err).toContain('error: the plan has 21 new accounts, over organization.limits.max_new_accounts (20)');
    expect(err).toContain('Nothing was changed.');
    expect(sent).toEqual([]);
  });

  it('are counted from the changes even for a plan whose summary lies', () => {
    const fresh = planAccounts(desired, empty, { now: NOW });
    expect(limitViolations({ ...fresh, summary: { 'account.create': 1 } } as Plan, desired.organization.limits)).toEqual([
      'the plan has 21 new accounts, over organization.limits.max_new_accounts (20); split the change, or raise the limit in accounts.yml',
    ]);
  });
});

describe('a saved plan that creates accounts', () => {
  const BASIS = { config: 'c'.repeat(32), live: 'l'.repeat(32) };
  const create = { type: 'account.create', target: 'baz', reason: 'missing-in-org', before: null, after: { aws_name: 'baz' } } as const;
  const bootstrap = { type: 'account.bootstrap', target: 'baz', reason: 'not-bootstrapped', before: null, after: { account_id: '500000000009' } } as const;

  /** A planner over a counter: the account exists once CREATE_ACCOUNT was sent, and then its bootstrap is planned. */
  async function run(options: Partial<CliOptions>, dir: string) {
    const sent: string[] = [];
    const transport = { execute: Boolean(options.execute), request: async () => ({}) as never, close: async () => {} } as Transport;
    const runtime = { transport: () => transport, recorder: { path: join(dir, 'audit.jsonl') } } as unknown as Runtime;
    const io = captureIo({ cwd: dir });
    const code = await runPlanAction({ action: 'sync-accounts', config: 'accounts.yml', ...options }, io, runtime, {
      readLive: async () => sent.includes('CREATE_ACCOUNT'),
      plan: (created) => makePlan('sync-accounts', BASIS, created ? (sent.includes('BOOTSTRAP_ACCOUNTS') ? [] : [bootstrap]) : [create]),
      execute: async (plan) => {
        for (const change of plan.changes) sent.push(change.type === 'account.create' ? 'CREATE_ACCOUNT' : 'BOOTSTRAP_ACCOUNTS');
        return new Map(plan.changes.map((c) => [changeStepId(c), { status: 'done', value: {}, ms: 1 } as const]));
      },
      followUp: (executed, after) => (executed.changes.some((c) => c.type === 'account.create') ? after : undefined),
    });
    return { code, out: io.out(), sent };
  }

  it('without --plan, carries out the follow-up in the same run and converges', async () => {
    const { code, out, sent } = await run({ execute: true }, mkdtempSync(join(tmpdir(), 'orgvend-plan-')));
    expect(sent).toEqual(['CREATE_ACCOUNT', 'BOOTSTRAP_ACCOUNTS']);
    expect(out).toContain('Follow-up, planned from what the changes above made');
    expect(out).toContain('Converged');
    expect(code).toBe(ExitCode.ok);
  });

  it('with --plan, carries out that plan and nothing else: the follow-up is shown and left for the next plan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-plan-'));
    expect((await run({ out: 'plan.json' }, dir)).code).toBe(ExitCode.ok);
    const { code, out, sent } = await run({ plan: 'plan.json', execute: true }, dir);
    expect(sent).toEqual(['CREATE_ACCOUNT']);
    expect(out).not.toContain('Follow-up, planned');
    expect(out).toContain('Applied: the saved plan was carried out. 1 change(s) planned from what it made were not in it, so they were not made: plan again, review and apply them.');
    expect(out).toMatch(/\+ account\.bootstrap\s+baz/);
    expect(out).not.toContain('Converged');
    expect(code).toBe(ExitCode.ok);
  });
});
