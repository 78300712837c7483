/** readLive reads the organization in pages: the tree, then the accounts of a few parents per request, merged. */
import { describe, expect, it } from 'vitest';
import { MAX_PARENTS_READ, type OrgAccount, type PayloadOf, type RequestType, type ResultOf } from '../../../src/protocol/requests.js';
import { readLive } from '../../../src/state/live.js';
import type { Transport } from '../../../src/transport/transport.js';

const ROOT = 'r-ab12';
const ouId = (i: number) => `ou-ab12-${String(i).padStart(8, '0')}`;

const account = (id: string, parent: string): OrgAccount => ({ id, arn: `arn:aws:organizations::1:account/o-x/${id}`, name: id, email: `${id}@example.com`, status: 'ACTIVE', parent_id: parent, tags: { n: id } });

/** An organization of `ous` OUs below Root, each with one account, answered page by page; `extra` lists more accounts under a parent (as a move seen mid-read lists one under both). */
function organization(ous: number, extra: OrgAccount[] = []): Transport & { pages: string[][] } {
  const units = Array.from({ length: ous }, (_, i) => ({ id: ouId(i), name: `OU${i}`, path: `OU${String(i).padStart(3, '0')}`, parent_id: ROOT }));
  const accounts = [...units.map((u, i) => account(String(100000000000 + i), u.id)), ...extra];
  const transport = {
    execute: false,
    pages: [] as string[][],
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>): Promise<ResultOf<T>> {
      if (type === 'LIST_OUS') return { root_id: ROOT, organization_id: 'o-x', management_account_id: '999999999999', ous: units } as ResultOf<T>;
      const { parents } = payload as PayloadOf<'LIST_ACCOUNTS'>;
      if (!parents) throw new Error('readLive asked for the whole organization');
      transport.pages.push(parents);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { accounts: accounts.filter((a) => parents.includes(a.parent_id)) } as ResultOf<T>;
    },
    async close() {},
  };
  return transport;
}

describe('readLive', () => {
  it('asks for every parent once, one parent a page in a small organization, and gives each account its OU path', async () => {
    const transport = organization(5);
    const live = await readLive(transport);
    expect(transport.pages).toEqual([[ROOT], ...Array.from({ length: 5 }, (_, i) => [ouId(i)])]);
    expect(live.accounts).toHaveLength(5);
    expect(live.accounts[2]).toMatchObject({ id: '100000000002', parent_id: ouId(2), ou: 'OU002', tags: { n: '100000000002' } });
    expect(live).toMatchObject({ rootId: ROOT, organizationId: 'o-x', managementAccountId: '999999999999' });
  });

  it('groups the parents of a large tree, never more than MAX_PARENTS_READ to a page', async () => {
    const transport = organization(999);
    const live = await readLive(transport);
    expect(transport.pages.flat()).toHaveLength(1000);
    expect(new Set(transport.pages.flat()).size).toBe(1000);
    expect(Math.max(...transport.pages.map((p) => p.length))).toBe(MAX_PARENTS_READ);
    expect(live.accounts).toHaveLength(999);
  });

  it('lists an account seen under two parents (moved mid-read) once, under the later parent by path', async () => {
    const moved = '100000000001';
    const live = await readLive(organization(3, [account(moved, ROOT)]));
    expect(live.accounts.filter((a) => a.id === moved)).toEqual([expect.objectContaining({ parent_id: ouId(1), ou: 'OU001' })]);
    expect(live.accounts.map((a) => a.id)).toEqual(['100000000000', '100000000001', '100000000002']);
  });
});
