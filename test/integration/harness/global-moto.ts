/** Starts moto's server once for the integration tests and stops it at the end. */
import type { TestProject } from 'vitest/node';
import { startMoto, type MotoServer } from '../../../src/sandbox/moto.js';

let server: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startMoto();
  project.provide('motoEndpoint', server.endpoint);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}
