import { dirname, resolve } from 'node:path';
import { hasErrors, type Diagnostic } from '../config/diagnostics.js';
import { readConfig, type ConfigResult } from '../config/load.js';
import { customTemplates, customizationProblems } from '../render/customizations.js';
import type { DesiredScps } from '../scp/model.js';
import type { Desired, DesiredAccount } from '../config/resolve.js';
import { didYouMean } from '../config/suggest.js';
import { InputError, UsageError } from '../errors.js';
import { renderDiagnostics } from '../views/diagnostics.js';
import { style } from '../views/style.js';
import { wantsColor, type Io } from './io.js';
import type { CliOptions } from './options.js';

/**
 * accounts.yml read and checked, with its customizations against the team's templates
 * beside it: one naming no template is an error at its key; a template no account selects
 * is a warning of `validate` alone (a template added for later is no concern of every plan).
 */
async function readChecked(options: CliOptions, io: Io): Promise<ConfigResult> {
  const result = await readConfig(options.config, io.cwd);
  if (!result.desired || !result.source) return result;
  const { problems, unused } = customizationProblems(result.desired, customTemplates(repoDirOf(options, io)));
  const diagnostics = [...result.diagnostics, ...problems.map((p) => result.source!.locate(p)), ...(options.action === 'validate' ? unused : [])];
  return hasErrors(diagnostics) ? { diagnostics } : { ...result, diagnostics };
}

/** The checked DSL, or an InputError carrying every problem. Warnings go to stderr. */
export async function loadDesired(options: CliOptions, io: Io): Promise<Desired> {
  const { desired, diagnostics } = await readChecked(options, io);
  if (!desired) throw new InputError(diagnostics);
  if (diagnostics.length) io.stderr.write(renderDiagnostics(diagnostics, style(wantsColor(io.stderr, io.env))));
  return desired;
}

/** The repository: the folder accounts.yml is in. scps/ and templates/ are beside it. */
export const repoDirOf = (options: CliOptions, io: Io) => dirname(resolve(io.cwd, options.config));

/** The DSL and the policies under scps/, as far as each can be read, with every problem of both. Prints and throws nothing. */
export async function readDesiredWithScps(options: CliOptions, io: Io): Promise<{ desired?: Desired; scps?: DesiredScps; diagnostics: Diagnostic[] }> {
  const { desired, diagnostics, source } = await readChecked(options, io);
  if (!desired) return { diagnostics };
  // Loaded here, not at the top: nunjucks and the policy evaluator are for the actions that read scps/.
  const { loadScps } = await import('../scp/load.js');
  const loaded = await loadScps(desired, repoDirOf(options, io), source);
  return { desired, ...(loaded.scps ? { scps: loaded.scps } : {}), diagnostics: [...diagnostics, ...loaded.diagnostics] };
}

/** The DSL and the policies under scps/, both checked; an InputError carries every problem of both. */
export async function loadDesiredWithScps(options: CliOptions, io: Io): Promise<{ desired: Desired; scps: DesiredScps }> {
  const { desired, scps, diagnostics } = await readDesiredWithScps(options, io);
  if (!desired || !scps) throw new InputError(diagnostics);
  if (diagnostics.length) io.stderr.write(renderDiagnostics(diagnostics, style(wantsColor(io.stderr, io.env))));
  return { desired, scps };
}

/** The entry `name` of accounts.yml, or a usage error with a "did you mean". */
export function accountNamed(desired: Desired, name: string, configPath: string): DesiredAccount {
  const account = desired.accounts.find((a) => a.name === name);
  if (account) return account;
  const hint = didYouMean(name, desired.accounts.map((a) => a.name));
  throw new UsageError(`no account "${name}" in ${configPath}${hint ? `; ${hint}` : ''}`);
}
