/**
 * The CLI side of the bus: put a signed, nonce-tagged request on the CICD account's bus and
 * wait for the reply of the account asked on the reply queue. The CI runner needs nothing
 * more than that (and the request key's kms:Sign).
 */
import { randomUUID } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { Recorder } from '../audit/recorder.js';
import type { AccountClients } from '../aws/clients.js';
import { withDeadline } from '../aws/deadline.js';
import { throttlingReport } from '../aws/retry.js';
import { AwsError, RequestError } from '../errors.js';
import { requestSource, type RequestDetail } from '../protocol/envelope.js';
import { MAX_EVENT_BYTES } from '../protocol/parts.js';
import { signingDigest, type RequestSigner } from '../protocol/signature.js';
import { REQUESTS, type PayloadOf, type RequestType, type ResultOf } from '../protocol/requests.js';
import { ReplyCollector, type CollectorOptions } from './reply-collector.js';
import { busArnOf, destinationOf, replyEntry, requestEntry, requestDetail, resultOf, whereToLook, type BusTopology, type RequestOptions, type Transport } from './transport.js';

export class EventBridgeTransport implements Transport {
  private readonly collector: ReplyCollector;

  constructor(
    private readonly clients: AccountClients,
    private readonly topology: BusTopology,
    readonly execute: boolean,
    private readonly recorder: Recorder,
    /** Signs every request with the CICD account's request key: handlers serve nothing else. */
    private readonly signer: RequestSigner,
    collectorOptions: CollectorOptions = {},
  ) {
    const sqs = () => clients.client('sqs');
    let url: Promise<string> | undefined;
    const queueUrl = () =>
      (url ??= sqs()
        .then((client) => client.send(new GetQueueUrlCommand({ QueueName: topology.replyQueue })))
        .then((r) => r.QueueUrl!));
    this.collector = new ReplyCollector(sqs, queueUrl, {
      ...collectorOptions,
      onForged: (forged) => {
        const by = forged.account ? `account ${forged.account}` : 'no account EventBridge vouches for';
        const message = `ignored a reply to ${forged.type} (nonce ${forged.nonce}) put by ${by}, claiming ${forged.responder}: only ${forged.expected}, the account asked, may answer. It stays on the reply queue (then its DLQ) for inspection`;
        collectorOptions.log?.(`warning: ${message}`);
        recorder.record({ at: new Date().toISOString(), event: 'forged', type: forged.type, nonce: forged.nonce, account: forged.account, outcome: 'ignored', message });
        collectorOptions.onForged?.(forged);
      },
    });
  }

  async request<T extends RequestType>(type: T, payload: PayloadOf<T>, options: RequestOptions = {}): Promise<ResultOf<T>> {
    const spec = REQUESTS[type];
    const destination = destinationOf(type, this.topology, options.targetAccount);
    const nonce = randomUUID();
    const unsigned = requestDetail(type, payload, nonce, destination, this.topology, this.execute, new Date());
    // A dry run goes with the plan source, which the plan role may put and handlers never act on; the signature covers it.
    const source = requestSource(this.topology.eventSource, this.execute);
    const timeoutSeconds = options.timeoutSeconds ?? spec.timeoutSeconds;
    // Signing and putting the request are retried (throttling) no longer than the reply is waited for.
    const sendBy = Date.parse(unsigned.sent_at) + timeoutSeconds * 1000;
    const notSent = (error: unknown) => this.notSent(type, nonce, destination, timeoutSeconds, error);
    const signature = await withDeadline(sendBy, () => this.signer.sign(signingDigest(source, type, unsigned))).catch((error: unknown) => {
      throw notSent(error);
    });
    const detail: RequestDetail = { ...unsigned, signature };
    const body = JSON.stringify(detail);
    if (Buffer.byteLength(body) > MAX_EVENT_BYTES - 4096) throw new Error(`${type} request is too large for one event (${Buffer.byteLength(body)} bytes)`);

    const reply = this.collector.expect(type, nonce, destination, timeoutSeconds, whereToLook(destination, this.topology));
    // Awaited below, once the request is sent; until then a rejection (close, timeout) must not go unhandled.
    reply.catch(() => {});
    const started = Date.now();
    try {
      const events = await this.clients.client('events');
      const { FailedEntryCount, Entries } = await withDeadline(sendBy, () =>
        events.send(new PutEventsCommand({ Entries: [{ EventBusName: busArnOf(this.topology, destination), Source: source, DetailType: type, Detail: body }] })),
      );
      if (FailedEntryCount) throw new Error(`EventBridge refused it: ${Entries?.[0]?.ErrorCode} ${Entries?.[0]?.ErrorMessage}`);
    } catch (error) {
      this.collector.cancel(nonce);
      throw notSent(error);
    }
    this.recorder.record(requestEntry(type, nonce, destination, detail.dryrun, started));
    try {
      const answer = await reply;
      this.recorder.record(replyEntry(type, nonce, answer, started, new Date()));
      return resultOf(type, nonce, answer);
    } catch (error) {
      if (!(error instanceof RequestError)) {
        this.recorder.record({ at: new Date().toISOString(), event: 'timeout', type, nonce, account: destination, duration_ms: Date.now() - started, outcome: 'timeout', message: (error as Error).message });
      }
      throw error;
    }
  }

  /** Why a request did not go out, naming it: throttling (AWS did not take it) says to run again. */
  private notSent(type: string, nonce: string, destination: string, timeoutSeconds: number, error: unknown): AwsError {
    const e = error as { name?: string; message?: string };
    const request = `${type} (nonce ${nonce}) for account ${destination}`;
    const throttled = throttlingReport(error);
    if (throttled) {
      return new AwsError(type, nonce, destination, e.name, `${request} was not sent: ${throttled}, within the request's ${timeoutSeconds}s. AWS is throttling the CICD account's calls and did not take this request; run again later: nothing will be done twice.`);
    }
    return new AwsError(type, nonce, destination, e.name, `${request} could not be sent on the bus ${busArnOf(this.topology, destination)}: ${e.message ?? String(error)}`);
  }

  close(): Promise<void> {
    return this.collector.close();
  }
}

export { kmsSigner } from './kms-signer.js';
