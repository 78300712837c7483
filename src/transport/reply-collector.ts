/**
 * One long-poller on the reply queue for all requests in flight. It takes the replies
 * whose nonce it waits for and deletes them, joins multi-part replies, deletes late
 * duplicates of replies it already has, and makes every other message visible again at
 * once for whoever waits for it (stale ones reach the DLQ through the redrive policy).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DeliveredEvent, ReplyDetail, type ReplyError } from '../protocol/envelope.js';
import { fromParts, type ReplyBody } from '../protocol/parts.js';
import { TimeoutError } from '../errors.js';

export type Reply = { ok: true; result: unknown; responder: string } | { ok: false; error: ReplyError; responder: string };

interface Waiter {
  type: string;
  /** The account asked: only its reply counts. */
  from: string;
  parts: Map<number, ReplyBody>;
  total?: number;
  resolve(reply: Reply): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface CollectorOptions {
  /** Long-poll duration; 20 s is SQS's maximum. */
  waitSeconds?: number;
  /** Pause after a receive that brought only other runs' replies, so we do not spin on them. */
  foreignPauseMs?: number;
  log?: (line: string) => void;
  /** Told of a reply that carries a nonce we wait for but does not come from the account asked: it is ignored. */
  onForged?: (forged: ForgedReply) => void;
}

export interface ForgedReply {
  type: string;
  nonce: string;
  /** The account asked. */
  expected: string;
  /** The account EventBridge says put the reply (absent: not delivered by EventBridge at all). */
  account?: string;
  /** The account the reply claims to come from. */
  responder: string;
}

export class ReplyCollector {
  private readonly waiters = new Map<string, Waiter>();
  /** Nonces answered already → the account that answered: a late duplicate from it is deleted. */
  private readonly finished = new Map<string, string>();
  /** Forged replies already reported, by message id: each is reported once, however often it is received. */
  private readonly forged = new Set<string>();
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  private sqs!: SQSClient;

  constructor(
    private readonly client: () => Promise<SQSClient>,
    private readonly queueUrl: () => Promise<string>,
    private readonly options: CollectorOptions = {},
  ) {}

  /** Register interest in a nonce before the request is sent, so no reply can slip by. Only `from`'s reply counts. */
  expect(type: string, nonce: string, from: string, timeoutSeconds: number, whereToLook: string): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const waiter = this.waiters.get(nonce);
        this.waiters.delete(nonce);
        const got = waiter?.total ? ` (${waiter.parts.size} of ${waiter.total} parts arrived)` : '';
        reject(new TimeoutError(type, nonce, timeoutSeconds, `${whereToLook}${got}`));
      }, timeoutSeconds * 1000);
      this.waiters.set(nonce, { type, from, parts: new Map(), resolve, reject, timer });
      this.startPolling();
    });
  }

  private startPolling(): void {
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
      // A waiter registered while the loop was ending would otherwise wait for nothing.
      if (this.waiters.size > 0 && !this.abort.signal.aborted) this.startPolling();
    });
  }

  /** Stop waiting for one nonce (its request could not be sent). */
  cancel(nonce: string): void {
    const waiter = this.waiters.get(nonce);
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.waiters.delete(nonce);
    waiter.reject(new Error(`request ${nonce} cancelled`));
  }

  /** Stop polling now; requests still waiting fail. */
  async close(): Promise<void> {
    this.abort.abort();
    for (const [nonce, waiter] of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`transport closed while waiting for ${waiter.type} (nonce ${nonce})`));
    }
    this.waiters.clear();
    await this.loop?.catch(() => {});
  }

  private async run(): Promise<void> {
    let url: string;
    try {
      this.sqs = await this.client();
      url = await this.queueUrl();
    } catch (error) {
      // Without the reply queue nothing can arrive: fail every waiter now, not at its timeout.
      for (const [nonce, waiter] of this.waiters) {
        clearTimeout(waiter.timer);
        this.waiters.delete(nonce);
        waiter.reject(new Error(`cannot read the reply queue: ${(error as Error).message}`));
      }
      return;
    }
    // Keep polling while anyone waits; a receive in progress when the last waiter is
    // served is allowed to finish rather than aborted, so no message is left in flight.
    while (this.waiters.size > 0 && !this.abort.signal.aborted) {
      let messages: Message[];
      try {
        ({ Messages: messages = [] } = await this.sqs.send(
          // A short visibility: what is not ours is released at once anyway, and a poll
          // abandoned by close() can hide a message from other runs only briefly.
          new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: this.options.waitSeconds ?? 20, MaxNumberOfMessages: 10, VisibilityTimeout: 10 }),
          { abortSignal: this.abort.signal },
        ));
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.options.log?.(`reply queue: ${(error as Error).message}; retrying`);
        await this.pause(1000);
        continue;
      }
      const done: Message[] = [];
      const foreign: Message[] = [];
      // Waiters hear their replies once the batch is settled: by then what is not theirs is visible again.
      const answers: (() => void)[] = [];
      for (const message of messages) (this.take(message, answers) ? done : foreign).push(message);
      await this.settle(url, done, foreign);
      for (const answer of answers) answer();
      if (foreign.length && !done.length) await this.pause(this.options.foreignPauseMs ?? 1000);
    }
  }

  /** True when the message is ours (now or earlier) and may be deleted. */
  private take(message: Message, answers: (() => void)[]): boolean {
    let detail: ReplyDetail;
    let account: string | undefined;
    try {
      const event = DeliveredEvent.parse(JSON.parse(message.Body ?? ''));
      detail = ReplyDetail.parse(event.detail);
      account = event.account;
    } catch {
      return false;
    }
    const waiter = this.waiters.get(detail.nonce);
    if (!waiter) {
      const from = this.finished.get(detail.nonce);
      return from !== undefined && account === from && detail.responder === from;
    }
    // Anyone who learns a nonce (the audit account sees them all) can put a reply with it:
    // a reply counts only when EventBridge says the account asked put it. Any other is
    // reported and left alone, never deleted: it ends in the reply DLQ, for whoever looks.
    if (account !== waiter.from || detail.responder !== waiter.from) {
      if (!this.forged.has(message.MessageId ?? '')) {
        this.forged.add(message.MessageId ?? '');
        this.options.onForged?.({ type: waiter.type, nonce: detail.nonce, expected: waiter.from, account, responder: detail.responder });
      }
      return false;
    }
    if (!detail.ok) return this.finish(detail.nonce, waiter, { ok: false, error: detail.error, responder: detail.responder }, answers);
    waiter.total = detail.parts;
    waiter.parts.set(detail.part, 'chunk' in detail ? { chunk: detail.chunk } : { result: detail.result });
    if (waiter.parts.size < detail.parts) return true;
    try {
      return this.finish(detail.nonce, waiter, { ok: true, result: fromParts(waiter.parts, detail.parts), responder: detail.responder }, answers);
    } catch (error) {
      clearTimeout(waiter.timer);
      this.waiters.delete(detail.nonce);
      answers.push(() => waiter.reject(error as Error));
      return true;
    }
  }

  private finish(nonce: string, waiter: Waiter, reply: Reply, answers: (() => void)[]): true {
    clearTimeout(waiter.timer);
    this.waiters.delete(nonce);
    this.finished.set(nonce, waiter.from);
    answers.push(() => waiter.resolve(reply));
    return true;
  }

  private async settle(url: string, done: Message[], foreign: Message[]): Promise<void> {
    const entries = (list: Message[]) => list.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
    await Promise.all([
      done.length ? this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries(done) })) : undefined,
      foreign.length
        ? this.sqs.send(
            new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries(foreign).map((e) => ({ ...e, VisibilityTimeout: 0 })) }),
          )
        : undefined,
    ]).catch((error) => this.options.log?.(`reply queue: ${(error as Error).message}`));
  }

  /** Ends early on close(). The abort listener goes when the pause ends: one left behind per pause would pile up while foreign replies keep the loop pausing. */
  private pause(ms: number): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      signal.addEventListener('abort', end, { once: true });
    });
  }
}
