import type { ExitCode } from '../../errors.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import type { RuntimeHooks } from '../runtime.js';
import { syncAccounts } from './sync-accounts.js';

/** sync-accounts for one entry: its OU, creation, move and tags. Nothing is retired. */
export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  return syncAccounts(options, io, hooks, options.account);
}
