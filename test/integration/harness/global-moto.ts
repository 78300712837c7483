/**
 * Starts moto's servers once for the integration tests and stops them at the end: one per
 * test worker, so two files can run at once (moto is one Python process, busy with
 * EventBridge's pattern work; a second server uses the second core).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMoto, type MotoServer } from '../../../src/sandbox/moto.js';

/** As many as integration files run at once (the integration project's maxWorkers). */
export const SERVERS = 2;

let servers: MotoServer[] = [];
let leases: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  servers = await Promise.all(Array.from({ length: SERVERS }, () => startMoto()));
  leases = mkdtempSync(join(tmpdir(), 'orgvend-moto-leases-'));
  project.provide('motoEndpoints', servers.map((s) => s.endpoint));
  project.provide('motoLeases', leases);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  if (leases) rmSync(leases, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoints: string[];
    /** A folder where a file takes a server by creating `<index>` and gives it back by removing it. */
    motoLeases: string;
  }
}
