import { ExitCode } from '../../errors.js';
import { stopSandbox } from '../../sandbox/state.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { outputOf } from '../output.js';

export async function run(options: CliOptions, io: Io): Promise<ExitCode> {
  const stopped = stopSandbox(io.cwd);
  outputOf(io, options).document({ stopped }, stopped ? 'sandbox stopped\n' : 'no sandbox is running here\n');
  return ExitCode.ok;
}
