/**
 * moto's server: a real HTTP emulator of the AWS APIs, started on 127.0.0.1. Used by the
 * integration tests (one server per test run) and by the sandbox (one in the background).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { NAMES } from '../protocol/names.js';

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

/**
 * The launcher's own route (see LAUNCHER): answers at once with the server's pid, however
 * many resources moto holds. moto's /moto-api/data.json, the obvious "are you there",
 * serialises its whole state: 33–155 MB and up to 50 s on a large organization.
 */
export const HEALTH_PATH = '/moto-api/orgvend-health';

/**
 * One look at the server on `endpoint`:
 * - `answered`: an HTTP server answered; `pid` is the process, when it is a moto started by startMoto;
 * - `refused`: nothing listens there;
 * - `silent`: something listens but gave no answer within `timeoutMs` (a busy moto does that).
 */
export type MotoProbe = { kind: 'answered'; pid?: number } | { kind: 'refused' } | { kind: 'silent' };

export async function probeMoto(endpoint: string, timeoutMs: number): Promise<MotoProbe> {
  try {
    const response = await fetch(`${endpoint}${HEALTH_PATH}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body: unknown = response.ok ? await response.json().catch(() => undefined) : await response.body?.cancel();
    const pid = (body as { pid?: unknown } | undefined)?.pid;
    return { kind: 'answered', ...(typeof pid === 'number' ? { pid } : {}) };
  } catch (error) {
    const code = ((error as Error).cause as { code?: string } | undefined)?.code;
    return code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'silent' };
  }
}

/** Resolves when the moto with `pid` answers on `endpoint`, rejects after `timeoutMs`. */
export async function waitForMoto(endpoint: string, pid: number, timeoutMs = 20_000, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = exited?.();
    if (why) throw new Error(`moto's server exited before it answered: ${why}`);
    const probe = await probeMoto(endpoint, Math.max(deadline - Date.now(), 100));
    if (probe.kind === 'answered') {
      if (probe.pid === pid) return;
      throw new Error(`another server answers on ${endpoint} (moto's port was taken before it could listen)`);
    }
    if (Date.now() > deadline) throw new Error(`moto's server did not answer on ${endpoint} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once nothing listens on `endpoint` any more (moto has exited). */
export async function untilMotoGone(endpoint: string): Promise<void> {
  while ((await probeMoto(endpoint, 1000)).kind !== 'refused') await new Promise((r) => setTimeout(r, 250));
}

export interface StartOptions {
  port?: number;
  /** Where moto's request log goes; discarded when absent. */
  logFile?: string;
  /** Keep running after this process exits (the sandbox). */
  detached?: boolean;
}

/**
 * `python3 -m moto.server` with three changes, each making moto behave as AWS does:
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
 *   receiving account, under that account's id. And an event put by the CLI on another
 *   account's bus, named by ARN, goes to that bus (moto reads only the bus's name, in the
 *   caller's account), keeping its sender likewise. The handlers and the CLI judge who sent a
 *   request or a reply by this field, so the emulator must carry it as AWS does: without
 *   this change a handler would refuse every request, and the tests could not show a reply
 *   from the wrong account being ignored. A moto whose code no longer has the shape this
 *   change expects stops the server with a message, rather than running without it.
 * - AssumeRole of orgvend's reader role (NAMES.readerRole) refused where the account has
 *   no such role. moto lets any role be assumed, there or not; AWS refuses one that is not
 *   there, and READ_ACCOUNTS counts on that to find an account whose stack predates the
 *   role. Only that role: the sandbox signs as accounts through roles moto never makes
 *   (OrganizationAccountAccessRole and its own), which must stay assumable.
 *
 * The others change only the time moto takes, which otherwise grows with the accounts it
 * holds: with 1,000 accounts a call took 19 ms instead of 10 (bench/moto-accounts.ts), and
 * the sandbox's worker alone makes one per account every 20 s. Each request looked for its
 * caller's account through every account's IAM keys in six partitions, listed moto's
 * package directory (about 170 stat calls), matched the host against every service's URL
 * patterns under one lock, took another lock to copy every account's id each time it
 * reached a service's backend, and listed its service's methods (inspect.getmembers). Now
 * an access key's account is remembered (checked against that account's keys each time; a
 * key no account holds, the sandbox's own, is moto's default account's for good, since
 * moto issues its keys at random), an assumed role's key as it is issued (its first call
 * looked through every account's keys: at 10,000 accounts, 60% of bootstrap's time in
 * moto), the module list, each host's backend and each service's methods are found once,
 * and a backend that exists is returned without the lock. And a service's botocore model
 * (and its operations' URLs) is loaded by one thread while the others wait for it: moto
 * caches it without a lock, so the worker's first polls, one per account at once, each
 * scanned botocore's data directory (thousands of stat calls) for the same SQS model. And
 * an organization's accounts are found by id through an index kept as moto adds and
 * removes them: moto looked through the whole list for each DescribeAccount, MoveAccount
 * and ListTagsForResource (a read of every account's tags was quadratic). And a
 * CloudFormation template is read by libyaml, PyYAML's C parser, where the machine has it
 * (the same Loader's constructors and resolvers, so the same result; 5–10 times faster):
 * moto read each template several times a stack in pure Python, most of a bootstrap's time
 * in moto. And a KMS key's RSA key pair is made when a call first needs it (Sign, Verify,
 * GetPublicKey): moto made one for every key, symmetric ones too, and DynamoDB makes a key
 * for a table's default encryption: ~90 ms of moto's CPU in every account's bootstrap. And
 * the request log's lines (and moto's warnings), plain as before, are handed to one thread
 * that writes them to stderr: werkzeug's default handler went through colorama (which
 * scans each line to strip the colours werkzeug added), and a handler that writes holds
 * its lock across the write and the wait for the GIL after it, while every other request
 * queues behind it (57 threads at a time, bootstrapping 10,000 accounts). A moto whose
 * code has another shape runs without these, only slower.
 *
 * And a long poll of an empty queue sleeps until a message is added or the poll ends. moto
 * wakes every long poll once a second to look again, which with a queue per account (the
 * worker polls each) took a CPU share of its own and, under the GIL, slowed every other
 * call; a queue that holds messages (in flight, delayed) is still looked at every second,
 * as one of them may turn visible.
 *
 * And connections kept alive. werkzeug's server closes each one after its response (it
 * would otherwise have to drain an unread body before the next request line), so every call
 * paid for a new connection and thread, and a wait of up to 10 ms for the client to hang up:
 * about half moto's CPU for a small call (bench/moto-accounts.ts). Now a request's body is
 * read whole before moto sees it, so the connection is at the next request whatever moto
 * reads, and it stays open (with TCP_NODELAY, or each response would wait for a delayed
 * ACK), without the epoll instance werkzeug made for each request to drain the body; a
 * connection idle for IDLE_SECONDS is closed, so idle clients hold no threads. A
 * request with a chunked body or `Expect: 100-continue` still closes its connection.
 *
 * And one route of orgvend's own, HEALTH_PATH, answering with the server's pid: a cheap "are
 * you there", which also tells the sandbox that the process answering is the moto it started.
 */
/** How long a kept-alive connection to moto may sit idle before moto closes it (and its thread ends). */
const IDLE_SECONDS = 5;

const LAUNCHER = `
import functools, sys, threading, time
READER_ROLE = ${JSON.stringify(NAMES.readerRole)}
IDLE_SECONDS = ${IDLE_SECONDS}
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
    put_events = events.EventsBackend.put_events
    def put_events_where_addressed(backend, entries):
        # An entry naming a bus of another account (or region) by ARN goes to that bus, as
        # AWS delivers it, under its sender's account; moto reads only the ARN's bus name.
        if len(entries) > 10:
            return put_events(backend, entries)
        results = []
        for entry in entries:
            arn = (entry.get("EventBusName") or "").split(":", 5)
            if len(arn) == 6 and arn[0] == "arn" and (arn[4], arn[3]) != (backend.account_id, backend.region_name):
                outer = getattr(sender, "account", None)
                sender.account = backend.account_id
                try:
                    results += put_events(events.events_backends[arn[4]][arn[3]], [dict(entry, EventBusName=arn[5].split("/", 1)[-1])])
                finally:
                    sender.account = outer
            else:
                results += put_events(backend, [entry])
        return results
    events.EventsBackend.put_events = put_events_where_addressed
from moto.iam.models import iam_backends
from moto.sts import models as sts
from moto.sts.exceptions import STSClientError
assume_role = sts.STSBackend.assume_role
def assume_role_that_exists(backend, *args, **kwargs):
    arn = (kwargs.get("role_arn") or (args[2] if len(args) > 2 else "")).split(":", 5)
    if len(arn) == 6 and arn[5] == "role/" + READER_ROLE and not any(r.name == READER_ROLE for r in iam_backends[arn[4]][arn[1]].get_roles()):
        raise STSClientError("AccessDenied", "Not authorized to perform sts:AssumeRole on " + ":".join(arn) + ": no such role")
    return assume_role(backend, *args, **kwargs)
sts.STSBackend.assume_role = assume_role_that_exists
try:
    from moto import backends as moto_backends
    from moto.core import responses as core_responses, utils as core_utils
    from moto.core.base_backend import BackendDict
    from moto.iam import models as iam_models
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    account_of_key = iam_models.get_account_id_from
    backend_for_host = DomainDispatcherApplication.get_backend_for_host
    moto_modules = tuple(moto_backends.list_of_moto_modules())
    method_urls, load_service_model, method_names = core_responses._get_method_urls, core_utils._load_service_model, core_responses.method_names_from_class
except (ImportError, AttributeError):
    account_of_key = None  # another moto's shape: it runs as it is, only slower
if account_of_key is not None:
    moto_backends.list_of_moto_modules = lambda: moto_modules
    hosts = {}
    def backend_for_host_once(app, host):
        if host not in hosts:
            if len(hosts) >= 4096:
                return backend_for_host(app, host)
            hosts[host] = backend_for_host(app, host)
        return hosts[host]
    DomainDispatcherApplication.get_backend_for_host = backend_for_host_once
    create_account_backend = BackendDict.__getitem__
    def account_backend(backends, account_id):
        try:
            return dict.__getitem__(backends, account_id)
        except KeyError:
            return create_account_backend(backends, account_id)
    BackendDict.__getitem__ = account_backend
    key_accounts = {}
    def account_of_key_once(access_key):
        account = key_accounts.get(access_key)
        # moto's default account is the answer for good, for a key no account holds too (the
        # sandbox's own): moto issues keys at random, so none is looked up before it is issued.
        if account == iam_models.DEFAULT_ACCOUNT_ID or (account is not None and any(access_key in backend.access_keys for backend in dict.get(iam_models.iam_backends, account, {}).values())):
            return account
        account = account_of_key(access_key)
        if len(key_accounts) < 100000:
            key_accounts[access_key] = account
        return account
    iam_models.get_account_id_from = account_of_key_once
    create_temp_access_key = getattr(iam_models.IAMBackend, "create_temp_access_key", None)
    if create_temp_access_key is not None:
        def temp_access_key_remembered(backend, *args, **kwargs):
            # An assumed role's key is remembered as it is issued: its first call would
            # otherwise look through every account's keys, once per account bootstrapped.
            key = create_temp_access_key(backend, *args, **kwargs)
            key_accounts[key.access_key_id] = backend.account_id
            return key
        iam_models.IAMBackend.create_temp_access_key = temp_access_key_remembered
    def loaded_once(load):
        loaded = {}
        lock = threading.Lock()
        def once(*args):
            if args not in loaded:
                with lock:
                    if args not in loaded:
                        loaded[args] = load(*args)
            return loaded[args]
        return once
    core_utils._load_service_model = loaded_once(load_service_model)
    core_responses._get_method_urls = loaded_once(method_urls)
    core_responses.method_names_from_class = functools.lru_cache(maxsize=None)(method_names)
    import logging, queue
    from werkzeug import serving
    requests_log = logging.getLogger("werkzeug")
    if not requests_log.handlers and not logging.root.handlers:
        serving._log_add_style = False
        requests_log.setLevel(logging.INFO)
        lines = queue.SimpleQueue()
        class LineHandler(logging.Handler):
            def handle(self, record):
                # No lock: the line goes to the writer thread (a SimpleQueue's put is atomic).
                if self.filter(record):
                    try:
                        lines.put(self.format(record))
                    except Exception:
                        self.handleError(record)
                return record
        def write_lines():
            while True:
                sys.stderr.write(lines.get() + "\\n")
                sys.stderr.flush()
        threading.Thread(target=write_lines, name="log-writer", daemon=True).start()
        logging.root.addHandler(LineHandler())
try:
    from moto.organizations import models as org_models
    reset_organization, account_by_id, resource_for_tagging = org_models.OrganizationsBackend._reset, org_models.OrganizationsBackend.get_account_by_id, org_models.OrganizationsBackend._get_resource_for_tagging
except (ImportError, AttributeError):
    reset_organization = None
if reset_organization is not None:
    class AccountsById(list):
        # moto's list of an organization's accounts, with an index by id kept as accounts are
        # added or removed; any other change to the list drops the index (moto scans again).
        def __init__(self, accounts=()):
            super().__init__(accounts)
            self.by_id = {account.id: account for account in self}
        def append(self, account):
            super().append(account)
            if self.by_id is not None:
                self.by_id[account.id] = account
        def remove(self, account):
            super().remove(account)
            if self.by_id is not None:
                self.by_id.pop(account.id, None)
    def unindexed(name):
        change = getattr(list, name)
        def changed(accounts, *args):
            accounts.by_id = None
            return change(accounts, *args)
        return changed
    for name in ("insert", "extend", "pop", "clear", "sort", "reverse", "__setitem__", "__delitem__", "__iadd__", "__imul__"):
        setattr(AccountsById, name, unindexed(name))
    def reset_indexed(backend):
        reset_organization(backend)
        backend.accounts = AccountsById(backend.accounts)
    def indexed(lookup):
        def by_index(backend, account_id):
            account = (getattr(backend.accounts, "by_id", None) or {}).get(account_id)
            return account if account is not None else lookup(backend, account_id)
        return by_index
    org_models.OrganizationsBackend._reset = reset_indexed
    org_models.OrganizationsBackend.get_account_by_id = indexed(account_by_id)
    org_models.OrganizationsBackend._get_resource_for_tagging = indexed(resource_for_tagging)
try:
    import yaml
    with_libyaml = getattr(yaml, "__with_libyaml__", False) and hasattr(yaml.Loader, "yaml_multi_constructors")
except ImportError:
    with_libyaml = False
if with_libyaml:
    class TemplateLoader(yaml.CLoader):
        pass  # yaml.Loader's reading, constructors and resolvers, with libyaml's parser
    load_yaml = yaml.load
    def load_with_libyaml(stream, Loader=None):
        if Loader is yaml.Loader:
            # moto adds its CloudFormation tags to yaml.Loader before each load: seen here.
            TemplateLoader.yaml_constructors = yaml.Loader.yaml_constructors
            TemplateLoader.yaml_multi_constructors = yaml.Loader.yaml_multi_constructors
            TemplateLoader.yaml_implicit_resolvers = yaml.Loader.yaml_implicit_resolvers
            Loader = TemplateLoader
        return load_yaml(stream, Loader)
    yaml.load = load_with_libyaml
try:
    from moto.kms import utils as kms_utils
    rsa_key_init = kms_utils.RSAPrivateKey.__init__
except (ImportError, AttributeError):
    rsa_key_init = None
if rsa_key_init is not None and "private_key" not in vars(kms_utils.RSAPrivateKey):
    def rsa_key_later(key, key_size):
        if key_size not in (2048, 3072, 4096):
            return rsa_key_init(key, key_size)  # moto's own error
        key.key_size = key_size
    def rsa_key_when_used(key):
        if "_private_key" not in key.__dict__:
            key._private_key = kms_utils.rsa.generate_private_key(public_exponent=65537, key_size=key.key_size)
        return key._private_key
    kms_utils.RSAPrivateKey.__init__ = rsa_key_later
    kms_utils.RSAPrivateKey.private_key = property(rsa_key_when_used)
try:
    from moto.sqs import models as sqs_models
    receive_message, wait_for_messages = sqs_models.SQSBackend.receive_message, sqs_models.Queue.wait_for_messages
except (ImportError, AttributeError):
    receive_message = None
if receive_message is not None:
    poll = threading.local()
    def receive_message_until_its_end(backend, *args, **kwargs):
        wait = kwargs.get("wait_seconds_timeout", args[2] if len(args) > 2 else 0)
        poll.end = time.monotonic() + (wait or 0)
        try:
            return receive_message(backend, *args, **kwargs)
        finally:
            poll.end = None
    def wait_for_messages_added(queue, timeout):
        end = getattr(poll, "end", None)
        if end is None or getattr(queue, "_messages", True) or not hasattr(queue, "_messages_lock"):
            return wait_for_messages(queue, timeout)
        with queue._messages_lock:
            queue._messages_lock.wait_for(lambda: queue._messages, timeout=max(end - time.monotonic(), 0) + 0.05)
    sqs_models.SQSBackend.receive_message = receive_message_until_its_end
    sqs_models.Queue.wait_for_messages = wait_for_messages_added
import io, selectors, types
from werkzeug import serving as werkzeug_serving
Handler = werkzeug_serving.WSGIRequestHandler
if all(hasattr(Handler, name) for name in ("make_environ", "send_header", "parse_request")) and hasattr(werkzeug_serving, "selectors"):
    keep_alive = threading.local()
    parse_request = Handler.parse_request
    def parse_request_closing(handler):
        keep_alive.on = False
        return parse_request(handler)
    Handler.parse_request = parse_request_closing
    make_environ = Handler.make_environ
    def make_environ_whole_body(handler):
        environ = make_environ(handler)
        length = environ.get("CONTENT_LENGTH") or "0"
        if "wsgi.input_terminated" not in environ and length.isdigit() and handler.headers.get("Expect", "").lower() != "100-continue":
            environ["wsgi.input"] = io.BytesIO(handler.rfile.read(int(length)))
            keep_alive.on = True
        return environ
    Handler.make_environ = make_environ_whole_body
    send_header = Handler.send_header
    def send_header_keeping_alive(handler, keyword, value):
        if getattr(keep_alive, "on", False) and keyword.lower() == "connection" and value.lower() == "close":
            return None
        return send_header(handler, keyword, value)
    Handler.send_header = send_header_keeping_alive
    class Undrained:
        # werkzeug's drain of an unread body, skipped where the body was read whole: no
        # epoll instance is made and closed for each request.
        def __init__(self):
            self.selector = None if getattr(keep_alive, "on", False) else selectors.DefaultSelector()
        def register(self, *args, **kwargs):
            return self.selector and self.selector.register(*args, **kwargs)
        def select(self, timeout=None):
            return self.selector.select(timeout) if self.selector else []
        def close(self):
            return self.selector and self.selector.close()
    werkzeug_serving.selectors = types.SimpleNamespace(DefaultSelector=Undrained, EVENT_READ=selectors.EVENT_READ)
    Handler.disable_nagle_algorithm = True
    Handler.timeout = IDLE_SECONDS
import json, os
from moto.moto_api._internal import urls as moto_api_urls
def orgvend_health(request, full_url, headers):
    return 200, {"Content-Type": "application/json"}, json.dumps({"pid": os.getpid()})
moto_api_urls.url_paths["{0}/moto-api/orgvend-health$"] = orgvend_health
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
  await waitForMoto(endpoint, child.pid!, 20_000, () => exit);
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
