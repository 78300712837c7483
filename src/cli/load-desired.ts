import { readConfig } from '../config/load.js';
import type { Desired } from '../config/resolve.js';
import { InputError } from '../errors.js';
import { renderDiagnostics } from '../views/diagnostics.js';
import { style } from '../views/style.js';
import { wantsColor, type Io } from './io.js';
import type { CliOptions } from './options.js';

/** The checked DSL, or an InputError carrying every problem. Warnings go to stderr. */
export async function loadDesired(options: CliOptions, io: Io): Promise<Desired> {
  const { desired, diagnostics } = await readConfig(options.config, io.cwd);
  if (!desired) throw new InputError(diagnostics);
  if (diagnostics.length) io.stderr.write(renderDiagnostics(diagnostics, style(wantsColor(io.stderr, io.env))));
  return desired;
}
