/** Where the CLI writes: results to stdout, diagnostics, progress and logs to stderr. */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Where a person answers the confirmation of --execute. Absent, or not a terminal: nobody is asked. */
  stdin?: { isTTY?: boolean; readLine(): Promise<string | undefined> };
  /** Ctrl-C. Absent: nothing listens (tests that do not interrupt). */
  interrupts?: Interrupts;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantsColor(stream: Io['stdout'], env: Io['env']): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** A person at a terminal can answer a question: stdin and stdout are both terminals. */
export function interactive(io: Io): boolean {
  return Boolean(io.stdin?.isTTY && io.stdout.isTTY);
}

export interface Interrupts {
  /** Hear the next Ctrl-C; the function returned stops listening. */
  on(listener: () => void): () => void;
}

/**
 * Ctrl-C as the CLI takes it: while something listens (changes being carried out), the
 * first one goes to the listeners, which stop the run and say what was done and what was
 * left; a second one, or one while nothing listens, ends the process at once with 130.
 */
export function signalInterrupts(source: { on(event: 'SIGINT', listener: () => void): unknown }, exit: (code: number) => void): Interrupts {
  const listeners = new Set<() => void>();
  let heard = false;
  source.on('SIGINT', () => {
    if (heard || !listeners.size) return exit(130);
    heard = true;
    for (const listener of [...listeners]) listener();
  });
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * A reader that closed the pipe (`./run.sh --help | head`) has what it wanted: the run
 * ends quietly instead of failing with EPIPE's stack trace.
 */
export function quietOnBrokenPipe(stream: { on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown }, exit: (code: number) => void): void {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') return exit(0);
    throw error;
  });
}
