/**
 * The wire format between the CLI and the handlers (DESIGN §2).
 *
 * Request event: Source <event_source> (--execute) or <event_source>.plan (a dry run),
 *                DetailType <TYPE>, Detail RequestDetail.
 * Reply event:   Source <event_source>.reply, DetailType <TYPE>_RESULT, Detail ReplyDetail.
 */
import { z } from 'zod';

export const AccountIdString = z.string().regex(/^\d{12}$/);

/** What a request says; the CLI signs it (see signature.ts) before it goes on the bus. */
export const UnsignedRequest = z.strictObject({
  nonce: z.uuid(),
  dryrun: z.boolean(),
  /** When the CLI sent it: a handler refuses a request older than its type's timeout. */
  sent_at: z.iso.datetime({ offset: true }),
  /** The account that claims to send; checked against the event's `account`. */
  sender: AccountIdString,
  /** For requests routed to one member account. */
  target_account: AccountIdString.optional(),
  payload: z.unknown(),
});
export type UnsignedRequest = z.infer<typeof UnsignedRequest>;

/** A request as the bus carries it: signed with the CICD account's request key. */
export const RequestDetail = UnsignedRequest.extend({
  /** The DER ECDSA signature of signingDigest(source, detail-type, the rest of the detail), base64. */
  signature: z.base64().max(200),
});
export type RequestDetail = z.infer<typeof RequestDetail>;

export const ErrorCode = z.enum([
  /** The request was refused before anything was done: wrong sender, type or payload. */
  'rejected',
  /** The handler ran and AWS said no, or something broke. */
  'failed',
  /** The handler ran out of its time budget; the work may be partly done and is safe to retry. */
  'timeout',
  /** The operation is not available here (e.g. an API the local emulator lacks). */
  'unsupported',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ReplyError = z.strictObject({
  code: ErrorCode,
  message: z.string(),
  /** The AWS error name, when AWS refused. */
  aws_error: z.string().optional(),
});
export type ReplyError = z.infer<typeof ReplyError>;

const replyBase = {
  nonce: z.string().min(1),
  /** The account whose handler answered. */
  responder: AccountIdString,
  part: z.int().min(1),
  parts: z.int().min(1),
};

/**
 * A reply too large for one event is split into parts: each carries a chunk of the JSON
 * text of `result`, reassembled in `part` order by the CLI.
 */
export const ReplyDetail = z.union([
  z.strictObject({ ...replyBase, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ ...replyBase, ok: z.literal(true), chunk: z.string() }),
  z.strictObject({ ...replyBase, ok: z.literal(false), error: ReplyError }),
]);
export type ReplyDetail = z.infer<typeof ReplyDetail>;

/** An EventBridge event as delivered to a target (SQS body, Lambda input). */
export const DeliveredEvent = z.object({
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  /** Set by EventBridge to the account that put the event; absent in moto. */
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: z.unknown(),
});
export type DeliveredEvent = z.infer<typeof DeliveredEvent>;

export const replySource = (eventSource: string) => `${eventSource}.reply`;
/**
 * The source of a plan's requests. The CI role that plans (orgvend-plan) may put events with
 * this source only, and a handler serves a request with it as a dry run whatever its
 * `dryrun` says: a pull request's code, which runs with that role, can change nothing.
 */
export const planSource = (eventSource: string) => `${eventSource}.plan`;
/** The source a request goes with: the plan source for a dry run, the organization's for --execute. */
export const requestSource = (eventSource: string, execute: boolean) => (execute ? eventSource : planSource(eventSource));
export const replyDetailType = (type: string) => `${type}_RESULT`;
