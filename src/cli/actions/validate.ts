import { ExitCode } from '../../errors.js';
import { diagnosticsJson } from '../../views/diagnostics.js';
import type { Io } from '../io.js';
import { loadDesired } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { readConfig } from '../../config/load.js';

export async function run(options: CliOptions, io: Io): Promise<ExitCode> {
  if (options.format === 'json') {
    const { desired, diagnostics } = await readConfig(options.config, io.cwd);
    const summary = desired && { accounts: desired.accounts.length, scopes: Object.keys(desired.scopes).length, ous: desired.ous.length };
    io.stdout.write(`${JSON.stringify({ ok: Boolean(desired), file: options.config, ...summary, diagnostics: diagnosticsJson(diagnostics) }, null, 2)}\n`);
    return desired ? ExitCode.ok : ExitCode.invalidInput;
  }
  const desired = await loadDesired(options, io);
  const scopes = Object.keys(desired.scopes).length;
  io.stdout.write(
    `${options.config} is valid: ${desired.accounts.length} accounts, ${scopes} scopes, ${desired.ous.length} OUs\n`,
  );
  return ExitCode.ok;
}
