/**
 * Ask every account that carries orgvend's stack who it is, through the bus: the health
 * check of the whole path. The accounts: the core ones (management, CICD, audit, delegated
 * administrator) and every account bootstrap has tagged as carrying the stack.
 */
import { coreAccounts } from '../../bootstrap/topology.js';
import { IDENTITY_TAG_KEYS } from '../../config/identity-tags.js';
import { carriesStack } from '../../state/live.js';
import { ExitCode } from '../../errors.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { outputOf } from '../output.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const org = runtime.desired.organization;
    const transport = runtime.transport();
    const labels = new Map<string, string>(
      coreAccounts(org).map((a) => [a.id, a.isCicd ? 'cicd' : a.isAudit ? 'audit' : a.roles.includes('delegated-admin') ? 'delegated-admin' : 'management']),
    );
    const { accounts } = await transport.request('LIST_ACCOUNTS', {});
    for (const a of accounts.filter(carriesStack)) {
      labels.set(a.id, a.tags[IDENTITY_TAG_KEYS.name] ?? labels.get(a.id) ?? a.name);
    }
    const targets = [...labels.keys()];
    const results = await Promise.allSettled(
      targets.map(async (account) => {
        const started = Date.now();
        const reply = await transport.request('PING', {}, { targetAccount: account });
        return { account, name: labels.get(account)!, answered_by: reply.account_id, version: reply.handler_version, ms: Date.now() - started };
      }),
    );
    const rows = results.map((r, i) =>
      r.status === 'fulfilled' ? { ok: true, ...r.value } : { ok: false, account: targets[i]!, name: labels.get(targets[i]!)!, error: (r.reason as Error).message },
    );
    const width = Math.max(...rows.map((r) => r.name.length));
    const text = rows.map((row) => {
      const detail = 'ms' in row ? `${row.ms} ms` : 'error' in row ? row.error : '';
      return `${row.ok ? 'ok  ' : 'FAIL'}  ${row.account}  ${row.name.padEnd(width)}  ${detail}\n`;
    });
    outputOf(io, options).document(rows, text.join(''));
    return rows.every((r) => r.ok) ? ExitCode.ok : ExitCode.failure;
  } finally {
    await runtime.close();
  }
}
