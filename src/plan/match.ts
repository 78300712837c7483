/**
 * Which live account is which DSL entry: by the account id the entry pins, then by the
 * `orgvend:name` tag, then by email. Live accounts left over are retired if orgvend
 * manages them, and listed as unmanaged if not. The management account is never matched.
 */
import { IDENTITY_TAG_KEYS, MANAGED_BY } from '../config/identity-tags.js';
import type { DesiredAccount } from '../config/resolve.js';
import type { Live, LiveAccount } from '../state/live.js';

export interface Match {
  desired: DesiredAccount;
  live?: LiveAccount;
}

export interface Matching {
  matches: Match[];
  /** Live accounts tagged as orgvend's whose entry is gone from the DSL. */
  orphans: LiveAccount[];
  unmanaged: LiveAccount[];
  /** Entries that cannot be planned safely, with the reason; nothing is done for them. */
  conflicts: { name: string; reason: string }[];
}

/** Closed, or on its way: nothing is done to such an account any more. */
export const isClosed = (account: Pick<LiveAccount, 'status'>) => ['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'].includes(account.status);

export const isManaged = (account: Pick<LiveAccount, 'tags'>) =>
  account.tags[MANAGED_BY.key] === MANAGED_BY.value && account.tags[IDENTITY_TAG_KEYS.name] !== undefined;

export function matchAccounts(desired: readonly DesiredAccount[], live: Live): Matching {
  const management = live.accounts.find((a) => a.id === live.managementAccountId);
  const candidates = live.accounts.filter((a) => a.id !== live.managementAccountId);
  const taken = new Set<string>();
  const conflicts: Matching['conflicts'] = [];
  const matches: Match[] = [];

  const byId = new Map(candidates.map((a) => [a.id, a]));
  const byTag = new Map<string, LiveAccount[]>();
  const byEmail = new Map<string, LiveAccount[]>();
  for (const account of candidates) {
    if (isManaged(account)) {
      const name = account.tags[IDENTITY_TAG_KEYS.name]!;
      byTag.set(name, [...(byTag.get(name) ?? []), account]);
    }
    const email = account.email.toLowerCase();
    byEmail.set(email, [...(byEmail.get(email) ?? []), account]);
  }

  for (const entry of desired) {
    if (management && management.email.toLowerCase() === entry.email.toLowerCase()) {
      conflicts.push({ name: entry.name, reason: `its email ${entry.email} is the management account's; orgvend never manages the management account` });
      continue;
    }
    let match: Match = { desired: entry };
    if (entry.accountId !== undefined) {
      const pinned = byId.get(entry.accountId);
      if (!pinned) {
        conflicts.push({ name: entry.name, reason: `it pins account ${entry.accountId}, which is not in the organization` });
        continue;
      }
      match = { desired: entry, live: pinned };
    } else {
      const tagged = byTag.get(entry.name) ?? [];
      if (tagged.length > 1) {
        conflicts.push({ name: entry.name, reason: `accounts ${tagged.map((a) => a.id).join(' and ')} are both tagged orgvend:name=${entry.name}` });
        continue;
      }
      const emailed = (byEmail.get(entry.email.toLowerCase()) ?? []).filter((a) => !taken.has(a.id));
      if (tagged[0]) match = { desired: entry, live: tagged[0] };
      else if (emailed[0]) match = { desired: entry, live: emailed[0] };
    }
    if (match.live) {
      if (taken.has(match.live.id)) {
        conflicts.push({ name: entry.name, reason: `account ${match.live.id} is matched by another entry already` });
        continue;
      }
      taken.add(match.live.id);
    }
    matches.push(match);
  }

  const rest = candidates.filter((a) => !taken.has(a.id));
  const names = new Set(desired.map((d) => d.name));
  const matched = new Set(matches.filter((m) => m.live).map((m) => m.desired.name));
  for (const account of rest.filter((a) => isManaged(a) && matched.has(a.tags[IDENTITY_TAG_KEYS.name]!))) {
    // Tagged for an entry that is another account (say the one it pins): leave both alone.
    const name = account.tags[IDENTITY_TAG_KEYS.name]!;
    conflicts.push({ name, reason: `account ${account.id} is tagged orgvend:name=${name} too; untag it or close it` });
  }
  return {
    matches,
    orphans: rest.filter((a) => isManaged(a) && !names.has(a.tags[IDENTITY_TAG_KEYS.name]!)),
    unmanaged: rest.filter((a) => !isManaged(a)),
    conflicts,
  };
}
