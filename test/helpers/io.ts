/** An Io that records what the CLI writes, for in-process CLI tests. */
import type { Io } from '../../src/cli/io.js';
import { FIXTURE_REPO } from './repo.js';

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

/** By default the CLI runs in the tests' own repository (test/fixtures/repo), never in the one it ships in. */
/** `answer`: what a person types at the terminal when asked (stdin is then a terminal, as with `tty`); `interrupts`: where Ctrl-C comes from. */
export function captureIo(options: { cwd?: string; env?: Record<string, string>; tty?: boolean; answer?: string; interrupts?: Io['interrupts'] } = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    ...(options.answer !== undefined ? { stdin: { isTTY: options.tty ?? false, readLine: async () => options.answer } } : {}),
    ...(options.interrupts ? { interrupts: options.interrupts } : {}),
    env: options.env ?? {},
    cwd: options.cwd ?? FIXTURE_REPO,
    out: () => out,
    err: () => err,
  };
}
