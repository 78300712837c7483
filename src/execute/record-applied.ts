/** RECORD_APPLIED for what a run found to be as the repository says (src/plan/applied.ts, src/plan/account-settings.ts). */
import pLimit from 'p-limit';
import { chunks } from '../chunks.js';
import type { AppliedTag } from '../config/identity-tags.js';
import { MAX_RECORDED_ACCOUNTS } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';

/** RECORD_APPLIED requests in flight. */
const RECORDS_IN_FLIGHT = 2;

/** Tags each account of `settled` (id → fingerprint) with `tag` (the management handler's default: orgvend:applied), MAX_RECORDED_ACCOUNTS a request. */
export async function recordApplied(transport: Transport, settled: ReadonlyMap<string, string>, tag?: AppliedTag): Promise<void> {
  const accounts = [...settled].map(([account_id, fingerprint]) => ({ account_id, fingerprint }));
  const limit = pLimit(RECORDS_IN_FLIGHT);
  await Promise.all(chunks(accounts, MAX_RECORDED_ACCOUNTS).map((batch) => limit(() => transport.request('RECORD_APPLIED', { ...(tag ? { tag } : {}), accounts: batch }))));
}

/**
 * recordApplied for the tag of put-contacts, enable-region or sync-access, and the run's line
 * saying so (`what`: what the next plan does not read of the accounts); undefined when
 * nothing is settled.
 */
export async function recordSettled(transport: Transport, settled: ReadonlyMap<string, string>, tag: AppliedTag, what: string): Promise<string | undefined> {
  const n = settled.size;
  if (!n) return undefined;
  await recordApplied(transport, settled, tag);
  return `recorded ${n} account${n === 1 ? '' : 's'} as the repository wants (${tag}): the next plan reads ${n === 1 ? 'its' : 'their'} ${what} again only if accounts.yml changes them, or with --refresh`;
}
