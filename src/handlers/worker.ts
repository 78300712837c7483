/**
 * The local stand-in for the handler Lambda: long-polls the request queue of each
 * account and runs the same handler code, with the same batch semantics.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
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

export function startWorker(options: WorkerOptions): Worker {
  // Stopping lets each receive in progress finish instead of aborting it: an abandoned
  // long poll stays open at the server and would take the next message out of sight.
  let stopping = false;
  const loops = new Map<string, Promise<void>>();
  /** The latest configuration of each account: a bootstrap that changes an account's roles changes what it serves from the next batch. */
  const configs = new Map<string, HandlerConfig>();
  const log = options.log ?? (() => {});
  const budgetMs = options.budgetMs ?? LAMBDA_TIMEOUT_MS;

  async function serve(accountId: string): Promise<void> {
    const clients = options.factory.forAccount(accountId);
    const sqs = await clients.client('sqs');
    let queueUrl: string | undefined;
    while (!stopping) {
      try {
        queueUrl ??= (await sqs.send(new GetQueueUrlCommand({ QueueName: NAMES.requestQueue }))).QueueUrl!;
        const { Messages: messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            WaitTimeSeconds: options.waitSeconds ?? 20,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: Math.ceil(budgetMs / 1000) + 60,
          }),
        );
        if (!messages.length) continue;
        const runtime = handlerRuntime(configs.get(accountId)!, clients, budgetMs, options.recorder);
        const batch = messages.map((m) => ({ id: m.MessageId!, body: m.Body ?? '', receipt: m.ReceiptHandle! }));
        if (stopping) {
          // Not ours to handle any more: let them be received again at once.
          await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m) => ({ Id: m.id, ReceiptHandle: m.receipt, VisibilityTimeout: 0 })) }));
          break;
        }
        const failed = new Set(await processBatch(batch, (event) => handleEvent(event, runtime)));
        const done = batch.filter((m) => !failed.has(m.id));
        if (done.length) {
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m) => ({ Id: m.id, ReceiptHandle: m.receipt })) }));
        }
      } catch (error) {
        if (stopping) break;
        log(`worker ${accountId}: ${(error as Error).message}; retrying in 1s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
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
