/** Every test file takes a moto server of its own for its run, starting from an empty one. */
import { afterAll, beforeAll } from 'vitest';
import { resetMoto } from '../../../src/sandbox/moto.js';
import { leaseMoto, releaseMoto } from './moto-endpoint.js';

beforeAll(async () => {
  await resetMoto(await leaseMoto());
});

afterAll(() => {
  releaseMoto();
});
