import { dirname, resolve } from 'node:path';
import { readConfig } from '../../config/load.js';
import { ExitCode } from '../../errors.js';
import { loadScps } from '../../scp/load.js';
import { diagnosticsJson } from '../../views/diagnostics.js';
import type { Io } from '../io.js';
import { loadDesiredWithScps } from '../load-desired.js';
import type { CliOptions } from '../options.js';

/** Everything the repository holds, checked offline: accounts.yml and the policies under scps/. */
export async function run(options: CliOptions, io: Io): Promise<ExitCode> {
  if (options.format === 'json') {
    const { desired, diagnostics, source } = await readConfig(options.config, io.cwd);
    const scps = desired && (await loadScps(desired, dirname(resolve(io.cwd, options.config)), source));
    const all = [...diagnostics, ...(scps?.diagnostics ?? [])];
    const ok = Boolean(scps?.scps);
    const summary = ok && { accounts: desired!.accounts.length, scopes: Object.keys(desired!.scopes).length, ous: desired!.ous.length, scps: scps!.scps!.policies.length };
    io.stdout.write(`${JSON.stringify({ ok, file: options.config, ...summary, diagnostics: diagnosticsJson(all) }, null, 2)}\n`);
    return ok ? ExitCode.ok : ExitCode.invalidInput;
  }
  const { desired, scps } = await loadDesiredWithScps(options, io);
  const scopes = Object.keys(desired.scopes).length;
  io.stdout.write(
    `${options.config} is valid: ${desired.accounts.length} accounts, ${scopes} scopes, ${desired.ous.length} OUs, ${scps.policies.length} service control policies\n`,
  );
  return ExitCode.ok;
}
