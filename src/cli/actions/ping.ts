/** Ask every account that carries orgvend's stack who it is, through the bus: the health check of the whole path. */
import { ExitCode } from '../../errors.js';
import { coreAccounts } from '../../bootstrap/topology.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const targets = runtime.sandbox?.accounts.map((a) => a.id) ?? coreAccounts(runtime.desired.organization).map((a) => a.id);
    const results = await Promise.allSettled(
      targets.map(async (account) => {
        const started = Date.now();
        const reply = await runtime.transport().request('PING', {}, { targetAccount: account });
        return { account, answered_by: reply.account_id, version: reply.handler_version, ms: Date.now() - started };
      }),
    );
    const rows = results.map((r, i) => (r.status === 'fulfilled' ? { ok: true, ...r.value } : { ok: false, account: targets[i], error: (r.reason as Error).message }));
    if (options.format === 'json') {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      for (const row of rows) io.stdout.write(row.ok ? `ok    ${row.account}  ${'ms' in row ? `${row.ms} ms` : ''}\n` : `FAIL  ${row.account}  ${'error' in row ? row.error : ''}\n`);
    }
    return rows.every((r) => r.ok) ? ExitCode.ok : ExitCode.failure;
  } finally {
    await runtime.close();
  }
}
