/**
 * The sandbox's worker process: serves the request queues of every sandbox account with
 * the handler code, as the Lambda does in AWS. Started by the sandbox; `node
 * worker-main.js STATE_FILE`. Picks up accounts bootstrapped later from the state file.
 */
import type { AuditEntry } from '../audit/recorder.js';
import { startWorker } from '../handlers/worker.js';
import { untilMotoGone } from './moto.js';
import { sandboxFactory, sandboxHandlerConfig } from './sandbox.js';
import { readStateFile, recordOneBootstrapped, type SandboxState } from './state.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const path = process.argv[2];
if (!path) {
  console.error('usage: worker-main STATE_FILE');
  process.exit(64);
}
const read = () => readStateFile(path);
const state = read();
// The sandbox's credentials and state are for the local emulator only: refuse to run against anything else.
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(state.endpoint)) {
  console.error(`refusing to serve ${state.endpoint}: the sandbox worker runs only against a local emulator`);
  process.exit(1);
}

/**
 * Short long polls, so that stopping can wait for them: a receive abandoned while still open
 * at moto takes the next request it sees out of sight for the request queue's 960 s
 * visibility timeout, with no one left to answer it.
 */
const POLL_SECONDS = 5;

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
const worker = startWorker({
  factory: sandboxFactory(state.endpoint, state.region),
  recorder: { record: (entry: AuditEntry) => console.log(JSON.stringify(entry)) },
  log,
  waitSeconds: POLL_SECONDS,
});
// An account the management handler bootstraps is served at once, and kept in the state file for a restart.
const serve = (current: SandboxState, account: SandboxState['accounts'][number]) =>
  worker.add(
    sandboxHandlerConfig(current, account, (added) => {
      recordOneBootstrapped(path, added);
      serve(current, added);
    }),
  );
const serveAll = () => {
  try {
    const current = read();
    for (const account of current.accounts) serve(current, account);
  } catch (error) {
    log(`cannot read ${path}: ${(error as Error).message}`);
  }
};
serveAll();
const timer = setInterval(serveAll, 5000);

// Stopping waits for every receive in progress to end (within POLL_SECONDS), releasing
// what it brought, and for the handlers at work to finish. Unless moto goes too, as with
// sandbox-stop: then what is in progress can only fail (after the client's retries), and
// there is nothing left in which a message could be hidden.
const stop = async (signal: NodeJS.Signals) => {
  clearInterval(timer);
  log(`worker: ${signal}; finishing the receives and handlers in progress`);
  await Promise.race([worker.stop(), untilMotoGone(state.endpoint)]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
