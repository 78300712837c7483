import { ExitCode } from '../../errors.js';
import { explainJson, renderExplain } from '../../views/explain.js';
import { style } from '../../views/style.js';
import { wantsColor, type Io } from '../io.js';
import { accountNamed, loadDesired } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { outputOf } from '../output.js';

export async function run(options: CliOptions, io: Io): Promise<ExitCode> {
  const desired = await loadDesired(options, io);
  const account = accountNamed(desired, options.account ?? '', options.config);
  const json = explainJson(desired.organization, account);
  outputOf(io, options).document(json, renderExplain(json, style(wantsColor(io.stdout, io.env))));
  return ExitCode.ok;
}
