/**
 * The handler runtime: judge a delivered event before anything else (source, sender
 * account, detail-type, payload), act only on what passes, and answer every request that
 * has a nonce, refusals included, so the CLI never waits for nothing.
 */
import type { Recorder } from '../audit/recorder.js';
import { DeliveredEvent, RequestDetail, replyDetailType, type ReplyError } from '../protocol/envelope.js';
import { toParts } from '../protocol/parts.js';
import { REQUESTS, isRequestType, servedTypes, type RequestType } from '../protocol/requests.js';
import type { HandlerContext } from './context.js';
import { HandlerError } from './context.js';
import { HANDLERS } from './registry.js';

export type Outcome =
  | { status: 'ok'; type: RequestType; nonce: string; result: unknown }
  | { status: 'error'; type: string; nonce?: string; error: ReplyError };

/** A refusal: the request is never acted on. */
function reject(type: string, nonce: string | undefined, message: string): Outcome {
  return { status: 'error', type, nonce, error: { code: 'rejected', message } };
}

function nonceOf(detail: unknown): string | undefined {
  const nonce = (detail as { nonce?: unknown } | null)?.nonce;
  return typeof nonce === 'string' && /^[0-9a-f-]{36}$/i.test(nonce) ? nonce : undefined;
}

/** Check an event and, if it passes, run its handler. Never throws for a bad request. */
export async function dispatch(raw: unknown, context: Omit<HandlerContext, 'dryrun' | 'deadline'>, budgetMs: number): Promise<Outcome> {
  const { config } = context;
  const envelope = DeliveredEvent.safeParse(raw);
  if (!envelope.success) return reject('UNKNOWN', undefined, 'not an EventBridge event');
  const event = envelope.data;
  const type = event['detail-type'].slice(0, 64);
  const nonce = nonceOf(event.detail);

  if (event.source !== config.eventSource) {
    return reject(type, nonce, `source "${event.source.slice(0, 64)}" is not ${config.eventSource}`);
  }
  if (event.account === undefined) {
    if (config.senderCheck === 'strict') return reject(type, nonce, 'the event carries no sender account; refusing (fail closed)');
  } else if (event.account !== config.cicdAccountId) {
    return reject(type, nonce, `sender account ${event.account} is not the CICD account`);
  }
  if (!isRequestType(type)) return reject(type, nonce, `unknown request type ${type}`);
  if (!servedTypes(config.roles, config.hasDelegatedAdmin).includes(type)) {
    return reject(type, nonce, `${type} is not handled in account ${config.accountId}`);
  }

  const detail = RequestDetail.safeParse(event.detail);
  if (!detail.success) return reject(type, nonce, `malformed request: ${detail.error.issues.map((i) => `${i.path.join('.') || 'detail'}: ${i.message}`).join('; ')}`);
  const request = detail.data;
  if (request.sender !== config.cicdAccountId) return reject(type, nonce, `sender ${request.sender} is not the CICD account`);
  if (event.account !== undefined && event.account !== request.sender) {
    return reject(type, nonce, `claimed sender ${request.sender} differs from the sending account ${event.account}`);
  }
  const spec = REQUESTS[type];
  if (spec.route === 'target' && request.target_account !== config.accountId) {
    return reject(type, nonce, `${type} targets account ${request.target_account ?? '(none)'}, not ${config.accountId}`);
  }
  if (spec.route !== 'target' && request.target_account !== undefined) {
    return reject(type, nonce, `${type} is routed by type and takes no target_account`);
  }
  const payload = spec.payload.safeParse(request.payload);
  if (!payload.success) {
    return reject(type, nonce, `invalid payload: ${payload.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
  }

  try {
    const handler = HANDLERS[type] as (p: unknown, c: HandlerContext) => Promise<unknown>;
    // Answer before the CLI gives up waiting, and before the runtime (Lambda) stops us.
    const deadline = context.now().getTime() + Math.min(budgetMs, spec.timeoutSeconds * 900);
    const result = await handler(payload.data, { ...context, dryrun: request.dryrun, deadline });
    return { status: 'ok', type, nonce: request.nonce, result: spec.result.parse(result) };
  } catch (error) {
    if (error instanceof HandlerError) {
      return { status: 'error', type, nonce: request.nonce, error: { code: error.code, message: error.message, aws_error: error.awsError } };
    }
    const e = error as { name?: string; message?: string };
    return {
      status: 'error',
      type,
      nonce: request.nonce,
      error: { code: 'failed', message: e.message ?? String(error), aws_error: e.name && e.name !== 'Error' ? e.name : undefined },
    };
  }
}

export interface ReplySender {
  /** Put one reply event (already within the size limit) on this account's bus. */
  put(detailType: string, detail: object): Promise<void>;
}

/** What serving requests in one account takes: its clients, a time budget, where replies go, the record. */
export interface HandlerRuntime {
  context: Omit<HandlerContext, 'dryrun' | 'deadline'>;
  budgetMs: number;
  replies: ReplySender;
  recorder: Recorder;
}

/** Dispatch, answer, record. Throws only when the answer could not be sent (so the message is retried). */
export async function handleEvent(raw: unknown, runtime: HandlerRuntime): Promise<Outcome> {
  const started = runtime.context.now().getTime();
  const outcome = await dispatch(raw, runtime.context, runtime.budgetMs);
  const { config } = runtime.context;
  if (outcome.nonce) {
    const bodies = outcome.status === 'ok' ? toParts(outcome.result) : [{ error: outcome.error }];
    const base = { nonce: outcome.nonce, responder: config.accountId, ok: outcome.status === 'ok', parts: bodies.length };
    const detailType = replyDetailType(isRequestType(outcome.type) ? outcome.type : 'UNKNOWN');
    // Parts go one at a time, in order: each is close to the event size limit.
    for (const [i, body] of bodies.entries()) await runtime.replies.put(detailType, { ...base, part: i + 1, ...body });
  }
  const rejected = outcome.status === 'error' && outcome.error.code === 'rejected';
  runtime.recorder.record({
    at: new Date(started).toISOString(),
    event: rejected ? 'rejected' : 'handled',
    type: outcome.type,
    nonce: outcome.nonce,
    account: config.accountId,
    duration_ms: runtime.context.now().getTime() - started,
    outcome: outcome.status === 'ok' ? 'ok' : outcome.error.code,
    message: outcome.status === 'error' ? outcome.error.message : undefined,
  });
  return outcome;
}
