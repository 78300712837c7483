import { join } from 'node:path';
import { applyBootstrap, planBootstrap, type BootstrapEnv } from '../../bootstrap/bootstrap.js';
import { bootstrapOrganization } from '../../bootstrap/topology.js';
import { CancelledError, ExitCode } from '../../errors.js';
import { confirmApply } from '../confirm.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { outputOf } from '../output.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const { desired, factory, sandbox } = runtime;
    // An administrator runs bootstrap with direct credentials: in their own account as
    // they are, in the others through the role Organizations creates in every account.
    const env: BootstrapEnv = {
      // With the accounts that set the security services' organization configuration (security_admins).
      organization: bootstrapOrganization(desired.organization, desired.accounts),
      templatesDir: join(runtime.repoDir, 'templates'),
      clientsFor: async (id) => factory.forAccount(id),
      progress: runtime.log,
      checkReach: true,
    };
    if (!sandbox) {
      const { handlerCode } = await import('../../bootstrap/lambda-package.js');
      env.lambda = await handlerCode(desired.organization, env.templatesDir, factory, Boolean(options.execute), runtime.log);
    }
    const planned = await planBootstrap(env);
    const output = outputOf(io, options);
    output.plan(planned.plan);
    // What --execute could not do is listed in the plan: the dry run fails as --execute would, and --execute starts nothing.
    if (planned.plan.conflicts.length) {
      io.stderr.write(`error: the plan lists ${planned.plan.conflicts.length} problem(s) that --execute would meet; nothing was deployed\n`);
      return ExitCode.failure;
    }
    // The sandbox's worker serves each account with the roles its stack now has (new roles
    // for a security service's administrator, say), also when the stacks were already so.
    const served = async () => {
      if (!sandbox) return;
      const { recordBootstrapped } = await import('../../sandbox/state.js');
      recordBootstrapped(io.cwd, planned.accounts);
    };
    if (!planned.plan.changes.length) await served();
    if (!options.execute || !planned.plan.changes.length) return ExitCode.ok;
    if (!(await confirmApply(io, options, planned.plan.changes.length, desired.organization.management_account_id))) {
      return output.fail(new CancelledError('the answer was not "yes"; nothing was changed'));
    }
    const results = await applyBootstrap(env, planned);
    runtime.log(`bootstrap: ${Object.entries(results).map(([a, r]) => `${a} ${r}`).join(', ')}`);
    await served();
    return ExitCode.ok;
  } finally {
    await runtime.close();
  }
}
