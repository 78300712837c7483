/**
 * Alternate contacts and region opt status of member accounts, read through the bus from
 * the delegated administrator, in batches small enough for one handler run.
 */
import pLimit from 'p-limit';
import { chunks } from '../chunks.js';
import type { LiveContacts, RegionStatus } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';

const BATCH = 100;
const BATCHES_IN_FLIGHT = 2;

async function inBatches<R>(ids: readonly string[], read: (batch: string[]) => Promise<{ account_id: string; value: R }[]>): Promise<Map<string, R>> {
  const limit = pLimit(BATCHES_IN_FLIGHT);
  const results = await Promise.all(chunks(ids, BATCH).map((batch) => limit(() => read(batch))));
  return new Map(results.flat().map((r) => [r.account_id, r.value]));
}

/** `primaryOf`: the accounts whose primary contact is read as well (the DSL sets it); the others' is not asked for. */
export async function readContacts(transport: Transport, accountIds: readonly string[], primaryOf: ReadonlySet<string> = new Set()): Promise<Map<string, LiveContacts>> {
  const read = (ids: readonly string[], primary: boolean) =>
    inBatches(ids, async (account_ids) =>
      (await transport.request('GET_CONTACTS', { account_ids, ...(primary ? { primary } : {}) })).accounts.map((a) => ({ account_id: a.account_id, value: a.contacts })),
    );
  const [plain, withPrimary] = await Promise.all([read(accountIds.filter((id) => !primaryOf.has(id)), false), read(accountIds.filter((id) => primaryOf.has(id)), true)]);
  return new Map([...plain, ...withPrimary]);
}

export function readRegions(transport: Transport, accountIds: readonly string[]): Promise<Map<string, Record<string, RegionStatus>>> {
  return inBatches(accountIds, async (account_ids) =>
    (await transport.request('GET_REGIONS', { account_ids })).accounts.map((a) => ({ account_id: a.account_id, value: a.regions })),
  );
}
