/**
 * Each integration file leases one of the run's moto servers for its whole run (creating
 * a folder is atomic, so two files never take the same one) and gives it back at the end.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

let leased: { endpoint: string; lease: string } | undefined;

export async function leaseMoto(): Promise<string> {
  const endpoints = inject('motoEndpoints');
  for (;;) {
    for (const [i, endpoint] of endpoints.entries()) {
      const lease = join(inject('motoLeases'), String(i));
      try {
        mkdirSync(lease);
        leased = { endpoint, lease };
        return endpoint;
      } catch {
        // taken by a file running now
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function releaseMoto(): void {
  if (leased) rmSync(leased.lease, { recursive: true, force: true });
  leased = undefined;
}

/** The moto server this file leased. */
export function motoEndpoint(): string {
  if (!leased) throw new Error('no moto server leased: is test/integration/harness/reset-moto.ts a setup file?');
  return leased.endpoint;
}
