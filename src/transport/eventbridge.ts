/**
 * The CLI side of the bus: put a nonce-tagged request on the CICD account's bus and wait
 * for the reply on the reply queue. The CI runner needs nothing more than that.
 */
import { randomUUID } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { Recorder } from '../audit/recorder.js';
import type { AccountClients } from '../aws/clients.js';
import type { Organization } from '../config/schema.js';
import { RequestError } from '../errors.js';
import type { RequestDetail } from '../protocol/envelope.js';
import { NAMES, replyDlqName } from '../protocol/names.js';
import { MAX_EVENT_BYTES } from '../protocol/parts.js';
import { REQUESTS, type PayloadOf, type RequestType, type ResultOf } from '../protocol/requests.js';
import { ReplyCollector, type CollectorOptions, type Reply } from './reply-collector.js';
import type { RequestOptions, Transport } from './transport.js';

export interface BusTopology {
  eventBus: string;
  eventSource: string;
  replyQueue: string;
  cicdAccountId: string;
  managementAccountId: string;
  delegatedAdminAccountId?: string;
}

/** The topology as accounts.yml's organization section gives it. */
export function busTopology(org: Organization): BusTopology {
  return {
    eventBus: org.event_bus,
    eventSource: org.event_source,
    replyQueue: org.reply_queue,
    cicdAccountId: org.cicd_account_id,
    managementAccountId: org.management_account_id,
    delegatedAdminAccountId: org.delegated_admin_account_id,
  };
}

/** The account a request reaches, for messages. */
export function destinationOf(type: RequestType, topology: BusTopology, targetAccount?: string): string {
  const { route } = REQUESTS[type];
  if (route === 'target') {
    if (!targetAccount) throw new Error(`${type} needs a target account`);
    return targetAccount;
  }
  if (targetAccount) throw new Error(`${type} is routed by type and takes no target account`);
  return route === 'delegated-admin' ? (topology.delegatedAdminAccountId ?? topology.managementAccountId) : topology.managementAccountId;
}

export function whereToLook(destination: string, topology: BusTopology): string {
  return (
    `the DLQ ${NAMES.requestDlq} and the handler log ${NAMES.handlerLogGroup} in account ${destination}, ` +
    `and the DLQ ${replyDlqName(topology.replyQueue)} in the CICD account ${topology.cicdAccountId}`
  );
}

/** A reply turned into the typed result, or the error it carries. */
export function resultOf<T extends RequestType>(type: T, nonce: string, reply: Reply): ResultOf<T> {
  if (!reply.ok) throw new RequestError(type, nonce, reply.error.code, reply.error.message, reply.responder, reply.error.aws_error);
  const parsed = REQUESTS[type].result.safeParse(reply.result);
  if (!parsed.success) {
    throw new RequestError(type, nonce, 'failed', 'the handler answered in a shape this CLI does not understand: are both the same version?', reply.responder);
  }
  return parsed.data as ResultOf<T>;
}

export class EventBridgeTransport implements Transport {
  private readonly collector: ReplyCollector;

  constructor(
    private readonly clients: AccountClients,
    private readonly topology: BusTopology,
    readonly execute: boolean,
    private readonly recorder: Recorder,
    collectorOptions: CollectorOptions = {},
  ) {
    const sqs = () => clients.client('sqs');
    let url: Promise<string> | undefined;
    const queueUrl = () =>
      (url ??= sqs()
        .then((client) => client.send(new GetQueueUrlCommand({ QueueName: topology.replyQueue })))
        .then((r) => r.QueueUrl!));
    this.collector = new ReplyCollector(sqs, queueUrl, collectorOptions);
  }

  async request<T extends RequestType>(type: T, payload: PayloadOf<T>, options: RequestOptions = {}): Promise<ResultOf<T>> {
    const spec = REQUESTS[type];
    const destination = destinationOf(type, this.topology, options.targetAccount);
    const nonce = randomUUID();
    const detail: RequestDetail = {
      nonce,
      dryrun: !this.execute,
      sent_at: new Date().toISOString(),
      sender: this.topology.cicdAccountId,
      target_account: spec.route === 'target' ? destination : undefined,
      payload: spec.payload.parse(payload),
    };
    const body = JSON.stringify(detail);
    if (Buffer.byteLength(body) > MAX_EVENT_BYTES - 4096) throw new Error(`${type} request is too large for one event (${Buffer.byteLength(body)} bytes)`);

    const timeoutSeconds = options.timeoutSeconds ?? spec.timeoutSeconds;
    const reply = this.collector.expect(type, nonce, timeoutSeconds, whereToLook(destination, this.topology));
    // Awaited below, once the request is sent; until then a rejection (close, timeout) must not go unhandled.
    reply.catch(() => {});
    const started = Date.now();
    try {
      const events = await this.clients.client('events');
      const { FailedEntryCount, Entries } = await events.send(
        new PutEventsCommand({ Entries: [{ EventBusName: this.topology.eventBus, Source: this.topology.eventSource, DetailType: type, Detail: body }] }),
      );
      if (FailedEntryCount) throw new Error(`EventBridge refused ${type}: ${Entries?.[0]?.ErrorCode} ${Entries?.[0]?.ErrorMessage}`);
    } catch (error) {
      this.collector.cancel(nonce);
      throw error;
    }
    this.recorder.record({ at: new Date(started).toISOString(), event: 'request', type, nonce, account: destination, dryrun: detail.dryrun });
    try {
      const answer = await reply;
      this.recorder.record({
        at: new Date().toISOString(),
        event: 'reply',
        type,
        nonce,
        account: answer.responder,
        duration_ms: Date.now() - started,
        outcome: answer.ok ? 'ok' : answer.error.code,
        message: answer.ok ? undefined : answer.error.message,
      });
      return resultOf(type, nonce, answer);
    } catch (error) {
      if (!(error instanceof RequestError)) {
        this.recorder.record({ at: new Date().toISOString(), event: 'timeout', type, nonce, account: destination, duration_ms: Date.now() - started, outcome: 'timeout', message: (error as Error).message });
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.collector.close();
  }
}
