/**
 * moto's server: a real HTTP emulator of the AWS APIs, started on 127.0.0.1. Used by the
 * integration tests (one server per test run) and by the sandbox (one in the background).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';

export const MOTO_INSTALL_HINT = `moto's server is not installed: run  python3 -m pip install 'moto[server]'`;

export interface MotoServer {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Fails with one line saying how to install moto when it is missing. */
export function assertMotoInstalled(python = 'python3'): void {
  const probe = spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error(MOTO_INSTALL_HINT);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves when moto answers on `endpoint`, rejects after `timeoutMs`. */
export async function waitForMoto(endpoint: string, timeoutMs = 20_000, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = exited?.();
    if (why) throw new Error(`moto's server exited before it answered: ${why}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto's server did not answer on ${endpoint} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface StartOptions {
  port?: number;
  /** Where moto's request log goes; discarded when absent. */
  logFile?: string;
  /** Keep running after this process exits (the sandbox). */
  detached?: boolean;
}

/**
 * `python3 -m moto.server` with two changes, each making moto behave as AWS does:
 *
 * - jsonpath_ng's parse memoised. parse() builds a fresh PLY parser, tables and all, on
 *   every call (~13 ms of CPU under the GIL), and moto's EventBridge calls it 8 times for
 *   every rule target an event reaches: one bus round trip cost 1.5–2 s, and concurrent
 *   requests queued behind each other; memoised, ~40 ms. A parsed path is an immutable
 *   expression tree, so caching it by its text changes only the time.
 * - An event's `account` as EventBridge sets it. AWS delivers every event to its targets
 *   with `account`, the account that put it, and keeps it when a rule forwards the event to
 *   a bus in another account (so a receiving bus's rules can match on the sender). moto's
 *   default target template leaves the field out, and a forwarded event is put again in the
 *   receiving account, under that account's id. The handlers and the CLI judge who sent a
 *   request or a reply by this field, so the emulator must carry it as AWS does: without
 *   this change a handler would refuse every request, and the tests could not show a reply
 *   from the wrong account being ignored. A moto whose code no longer has the shape this
 *   change expects stops the server with a message, rather than running without it.
 */
const LAUNCHER = `
import functools, sys, threading
try:
    import jsonpath_ng.ext
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
except ImportError:
    pass  # moto without EventBridge support: nothing to speed up
try:
    from moto.events import models as events, utils as event_utils
except ImportError:
    events = None
if events is not None:
    parser = event_utils.EventTemplateParser
    if '"account"' not in parser.DEFAULT_EVENT_INPUT_TEMPLATE:
        parser.DEFAULT_EVENT_INPUT_TEMPLATE = parser.DEFAULT_EVENT_INPUT_TEMPLATE.replace('"source": "<source>",', '"source": "<source>", "account": "<account>",', 1)
    if '"account": "<account>"' not in parser.DEFAULT_EVENT_INPUT_TEMPLATE or parser.DEFAULT_EVENT_INPUT_PATHS_MAP.get("account") != "$.account":
        sys.exit("orgvend: this moto version delivers events without their account; use moto 5.x (pip install 'moto[server]>=5,<6')")
    sender = threading.local()
    send_to_targets = events.Rule.send_to_targets
    def send_keeping_sender(rule, event, *args, **kwargs):
        # Inside another rule's delivery, the event was forwarded: it keeps its sender.
        outer = getattr(sender, "account", None)
        if outer is not None:
            event = dict(event, account=outer)
        sender.account = event.get("account")
        try:
            return send_to_targets(rule, event, *args, **kwargs)
        finally:
            sender.account = outer
    events.Rule.send_to_targets = send_keeping_sender
from moto.server import main
main(sys.argv[1:])
`;

export async function startMoto(options: StartOptions = {}): Promise<MotoServer> {
  assertMotoInstalled();
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn('python3', ['-c', LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let exit: string | undefined;
  child.on('exit', (code, signal) => (exit = `exit code ${code ?? signal}`));
  child.on('error', (error) => (exit = error.message));
  if (options.detached) child.unref();
  await waitForMoto(endpoint, 20_000, () => exit);
  return {
    endpoint,
    port,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exit !== undefined) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Forget every resource in every account. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
