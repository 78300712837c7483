/** The organization's service control policies and its policies of the other types, with their targets as paths. */
import type { PolicyType } from '../protocol/requests.js';
import type { LivePolicy, LiveScps } from '../scp/model.js';
import { OTHER_KINDS } from '../scp/policy-types.js';
import type { Transport } from '../transport/transport.js';
import type { Live } from './live.js';

async function readType(transport: Transport, live: Live, type?: PolicyType): Promise<{ enabled: boolean; policies: LivePolicy[] }> {
  const { enabled, root_id, policies } = await transport.request('LIST_POLICIES', type ? { policy_type: type } : {});
  const pathOf = new Map<string, string>([[root_id, 'Root'], ...live.ous.map((o) => [o.id, o.path] as const)]);
  return {
    enabled,
    policies: policies.map((p) => ({ ...p, targetPaths: p.targets.map((id) => pathOf.get(id) ?? (/^\d{12}$/.test(id) ? `account:${id}` : id)).sort() })),
  };
}

/**
 * Every type is read, used by the repository or not: a type whose last policy left the
 * repository still has orgvend's policies to delete.
 */
export async function readLiveScps(transport: Transport, live: Live): Promise<LiveScps> {
  const [scps, ...others] = await Promise.all([readType(transport, live), ...OTHER_KINDS.map((k) => readType(transport, live, k.type))]);
  return { ...scps!, others: others.map((set, i) => ({ type: OTHER_KINDS[i]!.type, ...set })) };
}
