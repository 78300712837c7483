/**
 * A saved plan is applied only if it is still exactly what the repository plans: made for
 * the same action, from the same configuration and live state, with the same changes.
 * Nothing else in the file is trusted: once it matches, the fresh plan is the one shown,
 * checked against the limits and carried out, so an edited summary, note or preview is
 * never read.
 */
import { digest } from './digest.js';
import type { Change, Plan } from './plan.js';

/** Why a saved plan may not be applied. */
export type SavedPlanMismatch =
  | { kind: 'action'; saved: string; wanted: string }
  /** The configuration, the live state or both are no longer what the plan was computed from. */
  | { kind: 'basis'; config: boolean; live: boolean }
  /** Changes in the file and not in the fresh plan (added), the other way (removed), or in both but different (altered). */
  | { kind: 'changes'; added: Change[]; removed: Change[]; altered: Change[] };

/** What names a change: one of each per plan, as the step graph assumes. */
export const keyOf = (change: Pick<Change, 'type' | 'target'>) => `${change.type} ${change.target}`;

/**
 * A change as a saved file holds it: what JSON drops (undefined fields) dropped, what it
 * turns into text turned into text, so that a fresh change and the same change read back
 * from a file have one digest.
 */
const savedDigest = (change: Change) => digest(JSON.parse(JSON.stringify(change)));

/** undefined when `saved` may be applied in place of `fresh`, the plan the repository makes now. */
export function savedPlanMismatch(saved: Plan, fresh: Plan): SavedPlanMismatch | undefined {
  if (saved.action !== fresh.action) return { kind: 'action', saved: saved.action, wanted: fresh.action };
  const config = saved.basis.config !== fresh.basis.config;
  const live = saved.basis.live !== fresh.basis.live;
  if (config || live) return { kind: 'basis', config, live };

  // Compared as multisets of canonical digests: the order does not matter (the fresh plan's is the one executed).
  const unmatched = new Map<string, Change[]>();
  for (const change of fresh.changes) {
    const d = savedDigest(change);
    unmatched.set(d, [...(unmatched.get(d) ?? []), change]);
  }
  const extra: Change[] = [];
  for (const change of saved.changes) {
    const same = unmatched.get(savedDigest(change));
    if (same?.length) same.pop();
    else extra.push(change);
  }
  const missing = [...unmatched.values()].flat();
  if (!extra.length && !missing.length) return undefined;

  // A change in the file whose name a fresh one has too was altered; the rest were added or removed.
  const altered: Change[] = [];
  const added: Change[] = [];
  for (const change of extra) {
    const i = missing.findIndex((m) => keyOf(m) === keyOf(change));
    if (i >= 0) {
      missing.splice(i, 1);
      altered.push(change);
    } else added.push(change);
  }
  return { kind: 'changes', added, removed: missing, altered };
}
