/** Live organizations built in memory for plan tests. */
import type { Live, LiveAccount } from '../../src/state/live.js';
import { identityTags } from '../../src/config/identity-tags.js';
import type { DesiredAccount } from '../../src/config/resolve.js';

export const MANAGEMENT = '111111111111';

export function liveOrg(ouPaths: string[], accounts: Partial<LiveAccount>[] = []): Live {
  const ous = ouPaths.map((path, i) => ({
    id: `ou-${i}`,
    name: path.split('/').at(-1)!,
    path,
    parent_id: path.includes('/') ? `ou-${ouPaths.indexOf(path.slice(0, path.lastIndexOf('/')))}` : 'r-root',
  }));
  const idOf = (path: string) => (path ? ous.find((o) => o.path === path)!.id : 'r-root');
  return {
    organizationId: 'o-test123456',
    rootId: 'r-root',
    managementAccountId: MANAGEMENT,
    ous,
    accounts: [
      { id: MANAGEMENT, name: 'management', email: 'root@example.com', ou: '' },
      ...accounts,
    ].map((a, i) => ({
      id: a.id ?? String(500000000000 + i),
      arn: `arn:aws:organizations::${MANAGEMENT}:account/o-test123456/${a.id}`,
      name: a.name ?? `account-${i}`,
      email: a.email ?? `account-${i}@example.com`,
      status: a.status ?? 'ACTIVE',
      parent_id: idOf(a.ou ?? ''),
      ou: a.ou ?? '',
      tags: a.tags ?? {},
    })),
  };
}

/** A live account exactly as orgvend would have made `entry`. */
export function liveAccountFor(entry: DesiredAccount, id: string): Partial<LiveAccount> {
  return { id, name: entry.awsName, email: entry.email, ou: entry.settings.organization_unit, tags: { ...entry.tags } };
}

export { identityTags };

/** The ids of the minimal DSL's accounts in convergedLive. */
export const MINIMAL_IDS: Readonly<Record<string, string>> = { foo: '500000000001', dns: '500000000002' };

/** The live organization exactly as the minimal DSL (test/helpers/dsl.ts) describes it, with `names` of its accounts. */
export function convergedLive(d: { accounts: readonly DesiredAccount[] }, names: readonly string[] = ['foo', 'dns']): Live {
  return liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'], names.map((name) => liveAccountFor(d.accounts.find((a) => a.name === name)!, MINIMAL_IDS[name]!)));
}
