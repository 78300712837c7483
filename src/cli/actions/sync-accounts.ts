/**
 * sync-accounts (and create-account, for one entry): read the organization, plan, show the
 * plan; with --execute, carry it out, then read the organization again and say whether it
 * now matches accounts.yml.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { didYouMean } from '../../config/suggest.js';
import { ExitCode, UsageError } from '../../errors.js';
import { executeAccountPlan } from '../../execute/accounts.js';
import { liveDigest, planAccounts } from '../../plan/accounts.js';
import { limitViolations } from '../../plan/limits.js';
import { PlanFile, type Plan } from '../../plan/plan.js';
import { readLive } from '../../state/live.js';
import { renderExecution, type ExecutedChange } from '../../views/execution.js';
import { planJson, renderPlanMarkdown, renderPlanText } from '../../views/plan.js';
import { style } from '../../views/style.js';
import { wantsColor, type Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { progress } from '../progress.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

function readPlanFile(path: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the plan ${path}: ${(error as Error).message}`);
  }
  const parsed = PlanFile.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${path} is not an orgvend plan: ${parsed.error.issues[0]?.message}`);
  return parsed.data as Plan;
}

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  return syncAccounts(options, io, hooks);
}

export async function syncAccounts(options: CliOptions, io: Io, hooks: RuntimeHooks, only?: string): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  const out = style(wantsColor(io.stdout, io.env));
  const err = style(wantsColor(io.stderr, io.env));
  try {
    const { desired } = runtime;
    if (only && !desired.accounts.some((a) => a.name === only)) {
      const hint = didYouMean(only, desired.accounts.map((a) => a.name));
      throw new UsageError(`no account "${only}" in ${options.config}${hint ? `; ${hint}` : ''}`);
    }
    const transport = runtime.transport();
    const live = await readLive(transport);

    let plan: Plan;
    if (options.plan) {
      plan = readPlanFile(resolve(io.cwd, options.plan));
      if (plan.basis.live !== liveDigest(live)) {
        io.stderr.write(`error: the organization has changed since the plan in ${options.plan} was made; make a new plan\n`);
        return ExitCode.failure;
      }
    } else {
      plan = planAccounts(desired, live, { now: new Date(), only, action: only ? 'create-account' : 'sync-accounts' });
    }

    io.stdout.write(options.format === 'json' ? planJson(plan) : options.format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan, out));
    if (options.out) writeFileSync(resolve(io.cwd, options.out), planJson(plan));

    const violations = limitViolations(plan, desired.organization.limits);
    if (violations.length) {
      for (const violation of violations) io.stderr.write(`${err.red('error:')} ${violation}\n`);
      io.stderr.write('Nothing was changed.\n');
      return ExitCode.failure;
    }
    if (!options.execute || !plan.changes.length) {
      return options.detailedExitcode && plan.changes.length ? ExitCode.changesPending : ExitCode.ok;
    }

    const started = Date.now();
    const hooks = progress(io, err);
    let results;
    try {
      results = await executeAccountPlan(plan, desired.organization, transport, hooks);
    } finally {
      hooks.stop();
    }
    const executed: ExecutedChange[] = plan.changes.map((change) => ({ change, result: results.get(`${change.type} ${change.target}`)! }));
    io.stdout.write(`\n${renderExecution(executed, Date.now() - started, out)}`);

    // Read the organization again: success is the organization matching accounts.yml.
    const after = planAccounts(desired, await readLive(transport), { now: new Date(), only });
    const converged = after.changes.length === 0;
    io.stdout.write(
      converged
        ? `${out.green('Converged:')} the organization matches ${options.config}.\n`
        : `${out.red('Not converged:')} ${after.changes.length} change(s) remain; run again to finish them.\n`,
    );
    io.stderr.write(`audit record: ${runtime.recorder.path}\n`);
    const failed = executed.some((e) => e.result.status !== 'done');
    return failed || !converged ? ExitCode.failure : ExitCode.ok;
  } finally {
    await runtime.close();
  }
}
