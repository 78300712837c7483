/**
 * enable-region: opt-in regions of every account, from the DSL; --execute asks for them
 * and waits until they are enabled. Policies under scps/ are loaded first: a region they
 * deny is refused before anything is asked of AWS.
 */
import type { ExitCode } from '../../errors.js';
import type { Io } from '../io.js';
import { loadDesiredWithScps } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import type { RuntimeHooks } from '../runtime.js';
import { enableRegion } from './account-settings.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const { desired } = await loadDesiredWithScps(options, io);
  return enableRegion(options, io, hooks, desired);
}
