import type { Desired } from '../../config/resolve.js';
import { ExitCode, InputError } from '../../errors.js';
import { templateContext } from '../../render/context.js';
import { renderedProblems } from '../../render/lint.js';
import { renderTemplates } from '../../render/render.js';
import { countDiagnostics, diagnosticsJson } from '../../views/diagnostics.js';
import { failureJson } from '../../views/failure.js';
import type { Io } from '../io.js';
import { kindOf } from '../../scp/policy-types.js';
import { loadDesiredWithScps, readDesiredWithScps, repoDirOf } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { outputOf } from '../output.js';

/**
 * templates/ rendered with the ids accounts.yml knows (pinned ones): what renders and
 * parses here renders later; cfn-lint and ValidateTemplate run in render-templates.
 */
async function renderOffline(desired: Desired, repoDir: string) {
  const { sources, templates, diagnostics } = await renderTemplates(repoDir, templateContext(desired, new Map()));
  return { count: sources.length, diagnostics: [...diagnostics, ...renderedProblems(templates, (t) => `${t.output} (rendered from ${t.source})`)] };
}

/** Everything the repository holds, checked offline: accounts.yml, the policies under scps/ and policies/, the templates. */
export async function run(options: CliOptions, io: Io): Promise<ExitCode> {
  const repoDir = repoDirOf(options, io);
  if (options.format === 'json') {
    const { desired, scps, diagnostics } = await readDesiredWithScps(options, io);
    const templates = desired && scps && (await renderOffline(desired, repoDir));
    const all = [...diagnostics, ...(templates?.diagnostics ?? [])];
    const ok = Boolean(templates) && !templates!.diagnostics.length;
    const others = scps?.others?.length ? { policies: Object.fromEntries(scps.others.map((set) => [set.type, set.policies.length])) } : {};
    const summary = ok && { accounts: desired!.accounts.length, scopes: Object.keys(desired!.scopes).length, ous: desired!.ous.length, scps: scps!.policies.length, ...others, templates: templates!.count };
    // Shaped as every other run's document: ok, its exit code, and for invalid input the error and its diagnostics.
    const verdict = ok
      ? { ok, exit_code: ExitCode.ok, ...diagnosticsJson(all) }
      : failureJson({ exitCode: ExitCode.invalidInput, kind: 'invalid-input', message: `${countDiagnostics(all)} in the input`, diagnostics: all });
    outputOf(io, options).document({ ...verdict, file: options.config, ...summary }, '');
    return ok ? ExitCode.ok : ExitCode.invalidInput;
  }
  const { desired, scps } = await loadDesiredWithScps(options, io);
  const templates = await renderOffline(desired, repoDir);
  if (templates.diagnostics.length) throw new InputError(templates.diagnostics);
  const scopes = Object.keys(desired.scopes).length;
  // The other policy types are counted only when the repository has some (policies/).
  const others = (scps.others ?? []).map((set) => `${set.policies.length} ${kindOf(set.type).label.replace(/policy$/, set.policies.length === 1 ? 'policy' : 'policies')}`);
  const summary = `${options.config} is valid: ${desired.accounts.length} accounts, ${scopes} scopes, ${desired.ous.length} OUs, ${[`${scps.policies.length} service control policies`, ...others].join(', ')}, ${templates.count} templates\n`;
  outputOf(io, options).document({ ok: true, exit_code: ExitCode.ok, file: options.config }, summary);
  return ExitCode.ok;
}
