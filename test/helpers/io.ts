/** An Io that records what the CLI writes, for in-process CLI tests. */
import type { Io } from '../../src/cli/io.js';

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

export function captureIo(options: { cwd?: string; env?: Record<string, string>; tty?: boolean } = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    cwd: options.cwd ?? new URL('../../', import.meta.url).pathname,
    out: () => out,
    err: () => err,
  };
}
