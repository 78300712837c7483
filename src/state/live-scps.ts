/** The organization's service control policies, with their targets as paths. */
import type { LiveScps } from '../scp/model.js';
import type { Transport } from '../transport/transport.js';
import type { Live } from './live.js';

export async function readLiveScps(transport: Transport, live: Live): Promise<LiveScps> {
  const { enabled, root_id, policies } = await transport.request('LIST_POLICIES', {});
  const pathOf = new Map<string, string>([[root_id, 'Root'], ...live.ous.map((o) => [o.id, o.path] as const)]);
  return {
    enabled,
    policies: policies.map((p) => ({ ...p, targetPaths: p.targets.map((id) => pathOf.get(id) ?? (/^\d{12}$/.test(id) ? `account:${id}` : id)).sort() })),
  };
}
