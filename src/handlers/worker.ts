/**
 * The local stand-in for the handler Lambda: long-polls the request queue of each account
 * (up to LONG_POLLS of them; the others are swept with short receives) and runs the same
 * handler code, with the same batch semantics.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Recorder } from '../audit/recorder.js';
import type { ClientFactory } from '../aws/clients.js';
import pLimit from 'p-limit';
import { NAMES } from '../protocol/names.js';
import type { HandlerConfig } from './context.js';
import { handleEvent } from './dispatch.js';
import { handlerRuntime } from './replies.js';
import { processBatch } from './sqs-batch.js';

export interface WorkerOptions {
  factory: ClientFactory;
  recorder: Recorder;
  /** Long-poll duration; stopping waits for the polls in progress, so tests use a short one. */
  waitSeconds?: number;
  /** Time a handler may take, as Lambda's timeout would allow. */
  budgetMs?: number;
  log?: (line: string) => void;
  /**
   * Long polls kept open at once (LONG_POLLS): the accounts beyond are swept with short
   * receives instead. Accounts that serve as more than a member always keep theirs.
   */
  longPolls?: number;
  /** How long an account receives nothing before it gives its long poll up to the sweep (IDLE_MS). */
  idleMs?: number;
}

export interface Worker {
  /** Start serving one more account (no-op if it is served already). */
  add(config: HandlerConfig): void;
  accounts(): string[];
  stop(): Promise<void>;
}

const LAMBDA_TIMEOUT_MS = 900_000;
/** How long a received message stays hidden at a time while its handler runs (renewed every third of it). */
const LEASE_SECONDS = 30;
/** Batches of one account handled at once. */
const BATCHES_IN_FLIGHT = 4;
/**
 * Long polls open at once. Each holds a thread of the emulator (moto), one process: 10,000
 * of them (one queue per account, as in AWS, where Lambda's event source mapping polls
 * each) left it no time for anything else.
 */
const LONG_POLLS = 64;
const IDLE_MS = 60_000;
/** The sweep of the accounts without a long poll: short receives in flight, and at most this many a second (about a tenth of moto's time). */
const SWEEP_IN_FLIGHT = 4;
const SWEEPS_PER_SECOND = 100;

type Message = { id: string; body: string; receipt: string };

/** Hide received `messages` for `seconds` from now (0: let them be received again at once). */
async function hide(sqs: SQSClient, queueUrl: string, messages: readonly Message[], seconds: number): Promise<void> {
  if (!messages.length) return;
  await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m) => ({ Id: m.id, ReceiptHandle: m.receipt, VisibilityTimeout: seconds })) }));
}

export function startWorker(options: WorkerOptions): Worker {
  // Stopping lets each receive in progress finish instead of aborting it: an abandoned
  // long poll stays open at the server and would take the next message out of sight.
  let stopping = false;
  const loops = new Map<string, Promise<void>>();
  /** The latest configuration of each account: a bootstrap that changes an account's roles changes what it serves from the next batch. */
  const configs = new Map<string, HandlerConfig>();
  const log = options.log ?? (() => {});
  const budgetMs = options.budgetMs ?? LAMBDA_TIMEOUT_MS;

  /**
   * One batch, as a Lambda invocation: handled, then deleted. While it runs its messages are
   * leased for LEASE_SECONDS at a time and the lease renewed, so that a worker killed
   * outright (or a long poll it left open at the server) hides a message for seconds, not
   * for the queue's 960 s; a message that failed goes back as Lambda's would, after the
   * handler's budget.
   */
  async function handleBatch(accountId: string, sqs: SQSClient, queueUrl: string, batch: Message[]): Promise<void> {
    const renew = setInterval(() => void hide(sqs, queueUrl, batch, LEASE_SECONDS).catch(() => {}), (LEASE_SECONDS * 1000) / 3);
    try {
      const runtime = handlerRuntime(configs.get(accountId)!, options.factory.forAccount(accountId), budgetMs, options.recorder);
      const failed = new Set(await processBatch(batch, (event) => handleEvent(event, runtime)));
      clearInterval(renew);
      const done = batch.filter((m) => !failed.has(m.id));
      if (done.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m) => ({ Id: m.id, ReceiptHandle: m.receipt })) }));
      await hide(sqs, queueUrl, batch.filter((m) => failed.has(m.id)), Math.ceil(budgetMs / 1000) + 60);
    } catch (error) {
      log(`worker ${accountId}: ${(error as Error).message}`);
    } finally {
      clearInterval(renew);
    }
  }

  const longPolls = options.longPolls ?? LONG_POLLS;
  const idleMs = options.idleMs ?? IDLE_MS;
  /** The accounts swept with short receives, and when each last received a message (or began to be served). */
  const swept = new Set<string>();
  const lastMessage = new Map<string, number>();

  /** Each account's SQS client and request queue URL, looked up once. */
  const queues = new Map<string, Promise<{ sqs: SQSClient; url: string }>>();
  const queueOf = (accountId: string) => {
    let queue = queues.get(accountId);
    if (!queue) {
      queue = (async () => {
        const sqs = await options.factory.forAccount(accountId).client('sqs');
        return { sqs, url: (await sqs.send(new GetQueueUrlCommand({ QueueName: NAMES.requestQueue }))).QueueUrl! };
      })();
      // A failed lookup is tried again at the next receive.
      queue.catch(() => queues.delete(accountId));
      queues.set(accountId, queue);
    }
    return queue;
  };
  const receive = async (accountId: string, waitSeconds: number): Promise<Message[]> => {
    const { sqs, url } = await queueOf(accountId);
    const { Messages: messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 10, VisibilityTimeout: LEASE_SECONDS }));
    if (messages.length) lastMessage.set(accountId, Date.now());
    return messages.map((m) => ({ id: m.MessageId!, body: m.Body ?? '', receipt: m.ReceiptHandle! }));
  };

  /**
   * Each account's batches at work. They run side by side, as concurrent Lambda invocations
   * do (a handler waiting on a stack does not hold up the account's other requests), at
   * most BATCHES_IN_FLIGHT of one account.
   */
  const batches = new Map<string, Set<Promise<void>>>();
  const atWork = (accountId: string) => batches.get(accountId) ?? batches.set(accountId, new Set()).get(accountId)!;
  const handle = async (accountId: string, batch: Message[]) => {
    const { sqs, url } = await queueOf(accountId);
    // Not ours to handle once stopping: let them be received again at once.
    if (stopping) return hide(sqs, url, batch, 0);
    const running = handleBatch(accountId, sqs, url, batch).finally(() => atWork(accountId).delete(running));
    atWork(accountId).add(running);
  };
  let sweeping: Promise<void> | undefined;
  /** An account that serves as more than a member (the management account, a delegated administrator) keeps its long poll. */
  const pinned = (accountId: string) => configs.get(accountId)!.roles.some((role) => role !== 'member');
  /** Idle while accounts wait in the sweep: the long poll goes to one of them that receives something. */
  const idle = (accountId: string) => !pinned(accountId) && swept.size > 0 && Date.now() - (lastMessage.get(accountId) ?? 0) >= idleMs;

  /** An account's long poll, as Lambda's event source mapping keeps one on its queue; given up to the sweep once idle while others wait. */
  async function serve(accountId: string): Promise<void> {
    while (!stopping) {
      try {
        if (atWork(accountId).size >= BATCHES_IN_FLIGHT) await Promise.race(atWork(accountId));
        const batch = await receive(accountId, options.waitSeconds ?? 20);
        if (batch.length) await handle(accountId, batch);
        else if (idle(accountId) && !stopping) {
          loops.delete(accountId);
          return sweep(accountId);
        }
      } catch (error) {
        if (stopping) break;
        log(`worker ${accountId}: ${(error as Error).message}; retrying in 1s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /**
   * The accounts without a long poll, each asked with a short receive in turn, at most
   * SWEEPS_PER_SECOND a second. A batch found is handled at once; its account gets a long
   * poll again when one is free.
   */
  function sweep(accountId: string): void {
    swept.add(accountId);
    sweeping ??= (async () => {
      const pause = 1000 / SWEEPS_PER_SECOND;
      let next = Date.now();
      const one = async (id: string) => {
        // Paced: each receive starts a pause after the one before.
        const at = Math.max(next, Date.now());
        next = at + pause;
        if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
        if (stopping || !swept.has(id) || atWork(id).size >= BATCHES_IN_FLIGHT) return;
        const batch = await receive(id, 0);
        if (!batch.length) return;
        await handle(id, batch);
        if (loops.size < longPolls && !stopping) {
          swept.delete(id);
          loops.set(id, serve(id));
        }
      };
      const limit = pLimit(SWEEP_IN_FLIGHT);
      while (!stopping && swept.size) {
        await Promise.all([...swept].map((id) => limit(() => one(id).catch((error: unknown) => log(`worker ${id}: ${(error as Error).message}`)))));
        // Nothing to sweep but a few accounts: not more often than a long poll would ask.
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - swept.size * pause)));
      }
      sweeping = undefined;
    })();
  }

  return {
    add(config) {
      const known = configs.get(config.accountId);
      configs.set(config.accountId, config);
      if (known && known.roles.join() !== config.roles.join()) log(`worker: account ${config.accountId} now serves as ${config.roles.join(', ')}`);
      // An account given a role (a delegated administrator) keeps a long poll from then on.
      if (swept.has(config.accountId) && pinned(config.accountId)) {
        swept.delete(config.accountId);
        loops.set(config.accountId, serve(config.accountId));
      }
      if (loops.has(config.accountId) || swept.has(config.accountId)) return;
      log(`worker: serving account ${config.accountId} (${config.roles.join(', ')})`);
      lastMessage.set(config.accountId, Date.now());
      if (loops.size < longPolls || pinned(config.accountId)) loops.set(config.accountId, serve(config.accountId));
      else sweep(config.accountId);
    },
    accounts: () => [...loops.keys(), ...swept],
    async stop() {
      stopping = true;
      // The receives in progress end (within a long poll), then the batches they brought.
      await Promise.allSettled([...loops.values(), sweeping]);
      await Promise.allSettled([...batches.values()].flatMap((running) => [...running]));
    },
  };
}
