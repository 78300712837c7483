/**
 * How the CLI asks an account to act: one typed request, one typed result, whatever
 * carries it (the bus, or the handlers in this process). No AWS SDK here.
 */
import type { AuditEntry } from '../audit/recorder.js';
import type { Organization } from '../config/schema.js';
import type { UnsignedRequest } from '../protocol/envelope.js';
import { RequestError } from '../errors.js';
import { NAMES, replyDlqName } from '../protocol/names.js';
import { REQUESTS, type PayloadOf, type RequestType, type ResultOf } from '../protocol/requests.js';
import type { Reply } from './reply-collector.js';

export interface RequestOptions {
  /** For requests routed to one account (`route: 'target'`). */
  targetAccount?: string;
  /** Override the request type's timeout (tests, --timeout). */
  timeoutSeconds?: number;
}

export interface Transport {
  /** True when the run may change things; otherwise every request goes with dryrun: true. */
  readonly execute: boolean;
  request<T extends RequestType>(type: T, payload: PayloadOf<T>, options?: RequestOptions): Promise<ResultOf<T>>;
  close(): Promise<void>;
}

export interface BusTopology {
  eventBus: string;
  /** Where every orgvend bus is: each request is put straight on the bus of the account that serves it. */
  homeRegion: string;
  eventSource: string;
  replyQueue: string;
  cicdAccountId: string;
  managementAccountId: string;
  delegatedAdminAccountId?: string;
  /** In the sandbox: the worker's log file, where the handlers log (there is no Lambda there, and no log group). */
  workerLog?: string;
}

/** The topology as accounts.yml's organization section gives it. */
export function busTopology(org: Organization): BusTopology {
  return {
    eventBus: org.event_bus,
    homeRegion: org.home_region,
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

/** The partition of a region's ARNs. */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/**
 * The orgvend bus of `account`, by ARN: the CLI puts each request there itself, so no rule
 * in the CICD account forwards requests and the CICD stack does not change as accounts join.
 * The receiving bus admits the CICD account (its CicdMayPutEvents policy).
 */
export function busArnOf(topology: Pick<BusTopology, 'eventBus' | 'homeRegion'>, account: string): string {
  return `arn:${partitionOf(topology.homeRegion)}:events:${topology.homeRegion}:${account}:event-bus/${topology.eventBus}`;
}

/** Where a timeout message sends the reader: the places that exist where the run happened. */
export function whereToLook(destination: string, topology: BusTopology): string {
  if (topology.workerLog) {
    return `the sandbox worker's log ${topology.workerLog}, where the handler of account ${destination} logs each request it takes`;
  }
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

/** The detail of a request event, as both transports send it (the bus's signed): the payload checked against its schema. */
export function requestDetail<T extends RequestType>(type: T, payload: PayloadOf<T>, nonce: string, destination: string, topology: BusTopology, execute: boolean, sentAt: Date): UnsignedRequest {
  const spec = REQUESTS[type];
  return {
    nonce,
    dryrun: !execute,
    sent_at: sentAt.toISOString(),
    sender: topology.cicdAccountId,
    target_account: spec.route === 'target' ? destination : undefined,
    payload: spec.payload.parse(payload),
  };
}

/** The audit entry of a request sent: to whom, and whether as a dry run. */
export function requestEntry(type: RequestType, nonce: string, destination: string, dryrun: boolean, startedMs: number): AuditEntry {
  return { at: new Date(startedMs).toISOString(), event: 'request', type, nonce, account: destination, dryrun };
}

/** The audit entry of a reply: who answered, how long it took, and what went wrong if anything did. */
export function replyEntry(type: RequestType, nonce: string, reply: Reply, startedMs: number, now: Date): AuditEntry {
  return {
    at: now.toISOString(),
    event: 'reply',
    type,
    nonce,
    account: reply.responder,
    duration_ms: now.getTime() - startedMs,
    outcome: reply.ok ? 'ok' : reply.error.code,
    message: reply.ok ? undefined : reply.error.message,
  };
}
