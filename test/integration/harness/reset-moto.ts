/** Every test file starts from an empty emulator. */
import { beforeAll, inject } from 'vitest';
import { resetMoto } from '../../../src/sandbox/moto.js';

beforeAll(async () => {
  await resetMoto(inject('motoEndpoint'));
});
