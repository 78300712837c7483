/**
 * Calls the handlers directly, in this process, with requests as the CLI sends them. For
 * unit tests, and for a direct mode run with credentials in the acting accounts: no queue
 * and no signature, since the caller holds the handler's credentials; every other check of
 * the handler applies. The reply goes through the same part splitting and joining as on the bus.
 */
import { randomUUID } from 'node:crypto';
import type { Recorder } from '../audit/recorder.js';
import type { AccountClients } from '../aws/clients.js';
import type { HandlerConfig } from '../handlers/context.js';
import { requestSource } from '../protocol/envelope.js';
import { fromParts, toParts, type ReplyBody } from '../protocol/parts.js';
import { REQUESTS, type PayloadOf, type RequestType, type ResultOf } from '../protocol/requests.js';
import type { Reply } from './reply-collector.js';
import { destinationOf, replyEntry, requestEntry, requestDetail, resultOf, type BusTopology, type RequestOptions, type Transport } from './transport.js';

export interface Handlers {
  /** Configuration and clients of the handler in `account`. */
  configFor(account: string): HandlerConfig;
  clientsFor(account: string): AccountClients;
}

export class InProcessTransport implements Transport {
  constructor(
    private readonly topology: BusTopology,
    private readonly handlers: Handlers,
    readonly execute: boolean,
    private readonly recorder: Recorder,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async request<T extends RequestType>(type: T, payload: PayloadOf<T>, options: RequestOptions = {}): Promise<ResultOf<T>> {
    const spec = REQUESTS[type];
    const destination = destinationOf(type, this.topology, options.targetAccount);
    const nonce = randomUUID();
    // Through JSON, as the bus carries it.
    const detail = JSON.parse(JSON.stringify(requestDetail(type, payload, nonce, destination, this.topology, this.execute, this.now())));
    const started = this.now().getTime();
    this.recorder.record(requestEntry(type, nonce, destination, !this.execute, started));
    const config = this.handlers.configFor(destination);
    // Loaded here, not at start-up: a run over the bus never needs the handlers or their SDK clients.
    const { serve } = await import('../handlers/dispatch.js');
    // No queue, no signature: the handler runs here, with credentials the caller holds. Every other check applies.
    const context = { config, clients: this.handlers.clientsFor(destination), now: this.now };
    // With the source the bus would carry it with: a dry run's is the plan source, served as a dry run whatever the detail says.
    const outcome = await serve(type, detail, context, (options.timeoutSeconds ?? spec.timeoutSeconds) * 1000, requestSource(this.topology.eventSource, this.execute));
    let reply: Reply;
    if (outcome.status === 'ok') {
      // Through JSON and parts, exactly as the bus would carry it.
      const parts: ReplyBody[] = JSON.parse(JSON.stringify(toParts(outcome.result)));
      reply = { ok: true, responder: config.accountId, result: fromParts(new Map(parts.map((p, i) => [i + 1, p])), parts.length) };
    } else if (outcome.status === 'error') {
      reply = { ok: false, responder: config.accountId, error: outcome.error };
    } else {
      throw new Error(`${type} (nonce ${nonce}) was taken for a second delivery of itself`);
    }
    this.recorder.record(replyEntry(type, nonce, reply, started, this.now()));
    return resultOf(type, nonce, reply);
  }

  async close(): Promise<void> {}
}
