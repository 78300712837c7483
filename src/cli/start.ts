/**
 * The CLI's process: its streams, signals and exit code around runCli. main.ts starts it,
 * from the one-file build when there is one.
 */
import { keepRunCache, saveRunCache } from '../run-cache.js';
import { quietOnBrokenPipe, signalInterrupts } from './io.js';
import { runCli } from './run.js';

/** One line from the terminal, read only when asked (reading stdin otherwise would keep the process alive). */
async function readLine(): Promise<string | undefined> {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolve) => {
    lines.once('line', (line) => {
      resolve(line); // before close(), whose 'close' would resolve it with nothing
      lines.close();
    });
    lines.once('close', () => resolve(undefined));
  });
}

export interface StartOptions {
  /** Where to keep what a run works out from the repository's text alone (run-cache.ts), and the stamp of the code that works it out (the one-file CLI's). */
  runCache?: { file: string; stamp: string };
}

export async function start(options: StartOptions = {}): Promise<void> {
  if (options.runCache) keepRunCache(options.runCache.file, options.runCache.stamp);
  // The SDK warns on every run that it will need Node 22 from 2027; that is a note for
  // orgvend's maintainers (see the README), not for each person who runs a plan.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  quietOnBrokenPipe(process.stdout, (code) => process.exit(code));
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: { isTTY: process.stdin.isTTY, readLine },
    interrupts: signalInterrupts(process, (code) => process.exit(code)),
    env: process.env,
    cwd: process.cwd(),
  });
  saveRunCache();
  // An interrupted run does not wait for the replies to the requests it left in flight.
  if (process.exitCode === 130) setTimeout(() => process.exit(130), 1000).unref();
}
