import { renameSync, rmSync, writeFileSync, type WriteFileOptions } from 'node:fs';

/**
 * `data` written to `path` whole or not at all: into a file of this process beside it, then
 * renamed over it, so a reader (another run) sees the old file or the new one. A write that
 * fails removes its partial file and throws.
 */
export function writeWhole(path: string, data: string | Uint8Array, options?: WriteFileOptions): void {
  const partial = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, data, options);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
