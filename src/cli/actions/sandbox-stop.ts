import { ExitCode } from '../../errors.js';
import { stopSandbox } from '../../sandbox/state.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';

export async function run(_options: CliOptions, io: Io): Promise<ExitCode> {
  io.stdout.write(stopSandbox(io.cwd) ? 'sandbox stopped\n' : 'no sandbox is running here\n');
  return ExitCode.ok;
}
