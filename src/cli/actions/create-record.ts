/**
 * create-record: one DNS record for an account (--account NAME --record NAME --type TYPE
 * --value V [--value V…] [--ttl SECONDS]), in the DNS account's zone that holds it. The
 * name must be under one of the account's allowed_dns_domains: checked here against
 * accounts.yml, and again by the DNS account's handler against the allow list sync-accounts
 * keeps there, which is what decides. The plan shows the record before and after;
 * --execute upserts it.
 */
import type { ExitCode } from '../../errors.js';
import { UsageError } from '../../errors.js';
import { independentSteps, runChanges } from '../../execute/graph.js';
import { digest } from '../../plan/digest.js';
import { makePlan, type Change } from '../../plan/plan.js';
import { REQUESTS, sameRecord, withinDomain, type PayloadOf, type ResultOf } from '../../protocol/requests.js';
import { liveIds } from '../../render/context.js';
import { carriesStack, readLive } from '../../state/live.js';
import type { Io } from '../io.js';
import { accountNamed, loadDesired } from '../load-desired.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

/** The record the flags describe, checked as the request's schema checks it. */
function recordOf(options: CliOptions, account: string): Omit<PayloadOf<'CREATE_RECORD'>, 'account_id'> {
  const wanted = { account, name: options.record?.toLowerCase().replace(/\.$/, ''), type: options.type, ttl: options.ttl ?? 300, values: options.value ?? [] };
  const parsed = REQUESTS.CREATE_RECORD.payload.omit({ account_id: true }).safeParse(wanted);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = { name: '--record', type: '--type', ttl: '--ttl', values: '--value' }[String(issue.path[0])] ?? String(issue.path[0]);
    throw new UsageError(`${flag}: ${issue.message}`);
  }
  return parsed.data;
}

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  // Everything accounts.yml can answer is checked before the sandbox starts or anything is sent.
  const loaded = await loadDesired(options, io);
  const entry = accountNamed(loaded, options.account!, options.config);
  const record = recordOf(options, entry.name);
  const allowed = entry.settings.allowed_dns_domains;
  if (!allowed.some((domain) => withinDomain(record.name, domain))) {
    throw new UsageError(
      `${entry.name} may have records only under its allowed_dns_domains in ${options.config}${allowed.length ? ` (${allowed.join(', ')})` : ', which are none'}, not ${record.name}`,
    );
  }
  const dnsAccount = loaded.organization.dns_account;
  if (!dnsAccount) throw new UsageError(`organization.dns_account in ${options.config} names no DNS account to create records in`);
  const runtime = await openRuntime(options, io, hooks, loaded);
  try {
    const { desired } = runtime;

    type State = { accountId: string; dnsId: string; found: ResultOf<'GET_RECORD'> };
    return await runPlanAction<State>(options, io, runtime, {
      readLive: async (transport) => {
        const live = await readLive(transport);
        const ids = liveIds(desired, live);
        const [accountId, dnsId] = [ids.get(entry.name), ids.get(dnsAccount)];
        for (const [name, id] of [[entry.name, accountId], [dnsAccount, dnsId]] as const) {
          if (!id) throw new UsageError(`${name} is not in the organization yet: run sync-accounts first`);
        }
        if (!live.accounts.some((a) => a.id === dnsId && carriesStack(a))) {
          throw new UsageError(`the DNS account ${dnsAccount} (${dnsId}) does not carry orgvend's stack yet: sync-accounts --execute gives it the stack and the allow list (with bootstrap_new_accounts: false, an administrator's bootstrap gives it the stack)`);
        }
        const found = await transport.request('GET_RECORD', { account_id: accountId!, account: entry.name, name: record.name, type: record.type }, { targetAccount: dnsId! });
        return { accountId: accountId!, dnsId: dnsId!, found };
      },
      plan: ({ accountId, dnsId, found }) => {
        const changes: Change[] = sameRecord(found.current, record)
          ? []
          : [{ type: 'record.upsert', target: `${record.name} ${record.type}`, reason: found.current ? 'record-changed' : 'missing-in-zone', before: found.current, after: { ...record, account_id: accountId, dns_account_id: dnsId, zone: found.zone } }];
        return makePlan('create-record', { config: digest(record), live: digest(found) }, changes);
      },
      execute: (plan, transport, progress) =>
        runChanges(
          independentSteps(plan.changes, 'record'),
          {
            concurrency: () => 1,
            run: (change) => {
              const { dns_account_id: dnsId, zone: _zone, ...payload } = change.after as PayloadOf<'CREATE_RECORD'> & { dns_account_id: string; zone: string };
              return transport.request('CREATE_RECORD', payload, { targetAccount: dnsId });
            },
          },
          progress,
        ),
    });
  } finally {
    await runtime.close();
  }
}
