/**
 * The sandbox's worker process: serves the request queues of every sandbox account with
 * the handler code, as the Lambda does in AWS. Started by the sandbox; `node
 * worker-main.js STATE_FILE`. Picks up accounts bootstrapped later from the state file.
 */
import type { AuditEntry } from '../audit/recorder.js';
import { startWorker } from '../handlers/worker.js';
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

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
const worker = startWorker({
  factory: sandboxFactory(state.endpoint, state.region),
  recorder: { record: (entry: AuditEntry) => console.log(JSON.stringify(entry)) },
  log,
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

// sandbox-stop ends moto at the same time, so polls in progress fail and retry: give the
// handlers a moment to finish what they are doing, then go.
const stop = async () => {
  clearInterval(timer);
  await Promise.race([worker.stop(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
