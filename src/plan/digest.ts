/** A stable hash of a JSON value: the same data, whatever its key order, gives the same digest. */
import { createHash } from 'node:crypto';
import { canonical } from '../protocol/signature.js';
import { byKey } from '../text-order.js';

/** The SHA-256 of a text or bytes, in hex. */
export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 32);
}

/** A map's entries sorted by key, so that its digest does not depend on the order it was filled in. */
export const sortedEntries = <V>(map: ReadonlyMap<string, V>): [string, V][] => [...map].sort(byKey);
