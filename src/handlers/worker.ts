/**
 * The local stand-in for the handler Lambda: long-polls the request queue of each
 * account and runs the same handler code, with the same batch semantics.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Recorder } from '../audit/recorder.js';
import type { ClientFactory } from '../aws/clients.js';
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

  async function serve(accountId: string): Promise<void> {
    const clients = options.factory.forAccount(accountId);
    const sqs = await clients.client('sqs');
    let queueUrl: string | undefined;
    // Batches run side by side, as concurrent Lambda invocations do: a handler waiting on a
    // stack does not hold up the other requests to its account.
    const inFlight = new Set<Promise<void>>();
    while (!stopping) {
      try {
        if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
        queueUrl ??= (await sqs.send(new GetQueueUrlCommand({ QueueName: NAMES.requestQueue }))).QueueUrl!;
        const { Messages: messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: options.waitSeconds ?? 20, MaxNumberOfMessages: 10, VisibilityTimeout: LEASE_SECONDS }),
        );
        if (!messages.length) continue;
        const batch = messages.map((m) => ({ id: m.MessageId!, body: m.Body ?? '', receipt: m.ReceiptHandle! }));
        if (stopping) {
          // Not ours to handle any more: let them be received again at once.
          await hide(sqs, queueUrl, batch, 0);
          break;
        }
        const running = handleBatch(accountId, sqs, queueUrl, batch).finally(() => inFlight.delete(running));
        inFlight.add(running);
      } catch (error) {
        if (stopping) break;
        log(`worker ${accountId}: ${(error as Error).message}; retrying in 1s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await Promise.allSettled(inFlight);
  }

  return {
    add(config) {
      const known = configs.get(config.accountId);
      configs.set(config.accountId, config);
      if (known && known.roles.join() !== config.roles.join()) log(`worker: account ${config.accountId} now serves as ${config.roles.join(', ')}`);
      if (loops.has(config.accountId)) return;
      log(`worker: serving account ${config.accountId} (${config.roles.join(', ')})`);
      loops.set(config.accountId, serve(config.accountId));
    },
    accounts: () => [...loops.keys()],
    async stop() {
      stopping = true;
      await Promise.allSettled(loops.values());
    },
  };
}
