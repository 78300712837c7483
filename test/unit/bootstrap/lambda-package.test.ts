/** The handler Lambda's code, packaged as bootstrap uploads it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { packageHandler } from '../../../src/bootstrap/lambda-package.js';

describe('the handler package', () => {
  it('is a reproducible zip whose index.mjs exports the Lambda handler', async () => {
    const first = await packageHandler();
    const second = await packageHandler();
    expect(Buffer.from(second.zip).equals(Buffer.from(first.zip))).toBe(true);

    const files = unzipSync(first.zip);
    expect(Object.keys(files)).toEqual(['index.mjs']);
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-lambda-'));
    writeFileSync(join(dir, 'index.mjs'), files['index.mjs']!);
    const module = (await import(join(dir, 'index.mjs'))) as { handler: unknown };
    expect(typeof module.handler).toBe('function');
  }, 60_000);
});
