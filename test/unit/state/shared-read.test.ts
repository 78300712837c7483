/**
 * --shared-read: the plans of one CI job read the organization's accounts (a tag read per
 * account) once. A later plan takes them from the file only when the OU tree it reads
 * again is the one they were read with, the file is orgvend's and under an hour old; a run
 * with --execute never reads nor writes it.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrgAccount, OrgUnit, PayloadOf, RequestType, ResultOf } from '../../../src/protocol/requests.js';
import { readLive } from '../../../src/state/live.js';
import { MAX_AGE_MS, SharedRead } from '../../../src/state/shared-read.js';
import type { Transport } from '../../../src/transport/transport.js';

const ROOT = 'r-ab12';
const T0 = Date.parse('2026-12-07T10:00:00Z');

const account = (id: string, parent: string): OrgAccount => ({ id, arn: `arn:aws:organizations::1:account/o-aaaaaaaaaa/${id}`, name: id, email: `${id}@example.com`, status: 'ACTIVE', parent_id: parent, tags: { 'orgvend:name': `n${id}` } });

/** An organization answered as the handlers would, counting the LIST_ACCOUNTS pages asked for. */
function organization(options: { execute?: boolean; organizationId?: string; ous?: OrgUnit[] } = {}): Transport & { pages: number; ous: OrgUnit[] } {
  const ous = options.ous ?? [{ id: 'ou-ab12-00000001', name: 'Dev', path: 'Dev', parent_id: ROOT }];
  const accounts = [account('100000000001', ROOT), account('100000000002', ous[0]!.id)];
  const transport = {
    execute: options.execute ?? false,
    pages: 0,
    ous,
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>): Promise<ResultOf<T>> {
      if (type === 'LIST_OUS') return { root_id: ROOT, organization_id: options.organizationId ?? 'o-aaaaaaaaaa', management_account_id: '100000000001', ous: transport.ous } as ResultOf<T>;
      transport.pages++;
      const { parents } = payload as PayloadOf<'LIST_ACCOUNTS'>;
      return { accounts: accounts.filter((a) => parents!.includes(a.parent_id)) } as ResultOf<T>;
    },
    async close() {},
  };
  return transport;
}

function shared(now = T0) {
  const path = join(mkdtempSync(join(tmpdir(), 'orgvend-shared-')), 'organization.json');
  const notes: string[] = [];
  const at = (time: number) => new SharedRead(path, (line) => notes.push(line), () => time);
  return { path, notes, first: at(now), at };
}

describe('--shared-read', () => {
  it("the job's first plan reads the accounts and writes them (this user's alone); a later plan reads the tree again and not one account", async () => {
    const { path, notes, first, at } = shared();
    const reader = organization();
    const live = await readLive(reader, first);
    expect(reader.pages).toBe(2);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const later = organization();
    const again = await readLive(later, at(T0 + 5 * 60_000));
    expect(later.pages).toBe(0);
    expect(again).toEqual(live);
    expect(again.accounts.map((a) => a.ou)).toEqual(['', 'Dev']);
    expect(notes).toEqual([`note: the organization's 2 accounts and their tags taken from ${path}, read 300 s ago by an earlier plan with the same OU tree`]);
    // Taken, not read: the file keeps the time of the read, so its hour is not stretched by each plan that uses it.
    expect(JSON.parse(readFileSync(path, 'utf8')).read_at).toBe(new Date(T0).toISOString());
  });

  it('reads again, and writes the file anew, when the OU tree is not the one it was read with', async () => {
    const { path, notes, first, at } = shared();
    await readLive(organization(), first);
    const moved = organization({ ous: [{ id: 'ou-ab12-00000001', name: 'Dev', path: 'Dev', parent_id: ROOT }, { id: 'ou-ab12-00000002', name: 'Prod', path: 'Prod', parent_id: ROOT }] });
    await readLive(moved, at(T0 + 60_000));
    expect(moved.pages).toBeGreaterThan(0);
    expect(notes).toEqual([`note: ${path} not used (the OU tree changed since); the organization's accounts are read again`]);
    // A renamed OU is a changed tree too.
    const renamed = organization({ ous: [{ id: 'ou-ab12-00000001', name: 'Develop', path: 'Develop', parent_id: ROOT }] });
    await readLive(renamed, at(T0 + 2 * 60_000));
    expect(renamed.pages).toBeGreaterThan(0);
    // The file now holds the last read: a plan with that tree takes it.
    const same = organization({ ous: renamed.ous });
    await readLive(same, at(T0 + 3 * 60_000));
    expect(same.pages).toBe(0);
  });

  it("does not take another organization's read, one over an hour old, or one dated ahead", async () => {
    const { path, notes, first, at } = shared();
    await readLive(organization(), first);
    const other = organization({ organizationId: 'o-bbbbbbbbbb' });
    await readLive(other, at(T0 + 60_000));
    expect(other.pages).toBe(2);
    // The other organization's read replaced it: o-aaaaaaaaaa's next plan reads again.
    const back = organization();
    await readLive(back, at(T0 + 2 * 60_000));
    expect(back.pages).toBe(2);
    const old = organization();
    await readLive(old, at(T0 + 2 * 60_000 + MAX_AGE_MS + 1));
    expect(old.pages).toBe(2);
    const ahead = organization();
    await readLive(ahead, at(T0));
    expect(ahead.pages).toBe(2);
    const iso = (time: number) => new Date(time).toISOString();
    expect(notes).toEqual([
      `note: ${path} not used (a read of o-aaaaaaaaaa, not o-bbbbbbbbbb); the organization's accounts are read again`,
      `note: ${path} not used (a read of o-bbbbbbbbbb, not o-aaaaaaaaaa); the organization's accounts are read again`,
      `note: ${path} not used (read at ${iso(T0 + 2 * 60_000)}, not within the last 60 minutes); the organization's accounts are read again`,
      `note: ${path} not used (read at ${iso(T0 + 2 * 60_000 + MAX_AGE_MS + 1)}, not within the last 60 minutes); the organization's accounts are read again`,
    ]);
  });

  it('takes nothing from a file that is not a read orgvend wrote, and writes one', async () => {
    const file = (changes: object) => JSON.stringify({ version: 1, read_at: new Date(T0).toISOString(), organization_id: 'o-aaaaaaaaaa', root_id: ROOT, management_account_id: '100000000001', ous: [], accounts: [], ...changes });
    // Another version; an organization id that would print a terminal escape in the note.
    for (const text of ['{"version": 1', file({ version: 2 }), file({ organization_id: 'o-\u001b[2Jaaaaaaaaaa' })]) {
      const { path, notes, first, at } = shared();
      writeFileSync(path, text);
      const reader = organization();
      await readLive(reader, first);
      expect(reader.pages).toBe(2);
      expect(notes[0]).toMatch(/not used \((not JSON|not a read orgvend wrote)\)/);
      const later = organization();
      await readLive(later, at(T0 + 1000));
      expect(later.pages).toBe(0);
    }
  });

  it('a run with --execute neither takes nor writes the file: it reads the organization itself', async () => {
    const { path, first } = shared();
    const executing = organization({ execute: true });
    await readLive(executing, first);
    expect(executing.pages).toBe(2);
    expect(statSync(path, { throwIfNoEntry: false })).toBeUndefined();
    await readLive(organization(), first);
    const again = organization({ execute: true });
    await readLive(again, first);
    expect(again.pages).toBe(2);
  });
});
