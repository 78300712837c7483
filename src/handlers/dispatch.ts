/**
 * The handler runtime: judge a delivered event before anything else (source, sending
 * account, signature, detail-type, payload, age), act only on what passes and only once
 * per nonce, and answer every request that has a nonce, refusals included, so the CLI
 * never waits for nothing. A request with the plan source is served as a dry run,
 * whatever its `dryrun` says: the CI role that plans may put no other source.
 */
import type { Recorder } from '../audit/recorder.js';
import { withDeadline } from '../aws/deadline.js';
import { throttlingReport } from '../aws/retry.js';
import { DeliveredEvent, RequestDetail, planSource, replyDetailType, type ReplyError, type UnsignedRequest } from '../protocol/envelope.js';
import { NAMES } from '../protocol/names.js';
import { toParts } from '../protocol/parts.js';
import { REQUESTS, isRequestType, servedTypes, type RequestType } from '../protocol/requests.js';
import { requestVerifier, signingDigest } from '../protocol/signature.js';
import type { HandlerContext } from './context.js';
import { HandlerError } from './context.js';
import type { Claim, RequestLedger, StoredOutcome } from './ledger.js';
import { HANDLERS } from './registry.js';

export type Outcome =
  /** `forcedDryRun`: the request asked to act but came with the plan source, so it was served as a dry run. */
  | { status: 'ok'; type: RequestType; nonce: string; result: unknown; forcedDryRun?: true }
  | { status: 'error'; type: string; nonce?: string; error: ReplyError; forcedDryRun?: true }
  /** The same request is being handled by another delivery of it, which will answer: this one is dropped. */
  | { status: 'duplicate'; type: RequestType; nonce: string };

/** What serving a request needs besides the request: the handler's config, clients and clock, and the nonce ledger where there is a queue. */
export type DispatchContext = Omit<HandlerContext, 'dryrun' | 'deadline'> & { ledger?: RequestLedger };

/** A refusal: the request is never acted on. It is answered only when it proved its sender (a nonce to answer to). */
function reject(type: string, nonce: string | undefined, message: string): Outcome {
  return { status: 'error', type, nonce, error: { code: 'rejected', message } };
}

function nonceOf(detail: unknown): string | undefined {
  const nonce = (detail as { nonce?: unknown } | null)?.nonce;
  return typeof nonce === 'string' && /^[0-9a-f-]{36}$/i.test(nonce) ? nonce : undefined;
}

const issues = (error: { issues: { path: PropertyKey[]; message: string }[] }, what: string) =>
  error.issues.map((i) => `${i.path.map(String).join('.') || what}: ${i.message}`).join('; ');

/** Verifiers by public key: building one parses the key, which a warm handler does once. */
const verifiers = new Map<string, ReturnType<typeof requestVerifier>>();

/**
 * Check a delivered event and, if it passes, serve it. What an SQS message says is only
 * what its sender wrote, so the sender is proven by the signature, which only the CICD
 * account's request key makes; EventBridge's `account` must agree as well. Never throws for
 * a bad request.
 */
export async function dispatch(raw: unknown, context: DispatchContext, budgetMs: number): Promise<Outcome> {
  const { config } = context;
  const envelope = DeliveredEvent.safeParse(raw);
  if (!envelope.success) return reject('UNKNOWN', undefined, 'not an EventBridge event');
  const event = envelope.data;
  const type = event['detail-type'].slice(0, 64);
  // Until the signature is checked nothing in the event is known to come from the CICD
  // account: such a refusal is logged, never answered, so a forged message cannot make this
  // handler put replies (to someone else's nonce) on the CICD bus.
  const unanswered = (message: string) => reject(type, undefined, message);

  if (event.source !== config.eventSource && event.source !== planSource(config.eventSource)) {
    return unanswered(`source "${event.source.slice(0, 64)}" is neither ${config.eventSource} nor ${planSource(config.eventSource)}`);
  }
  if (event.account === undefined) return unanswered('the event carries no sender account; refusing (fail closed)');
  if (event.account !== config.cicdAccountId) return unanswered(`sender account ${event.account.slice(0, 64)} is not the CICD account`);
  const detail = RequestDetail.safeParse(event.detail);
  if (!detail.success) return unanswered(`malformed request: ${issues(detail.error, 'detail')}`);
  if (!config.requestKey) return unanswered('this handler was given no request key to verify requests with: an administrator runs bootstrap again');
  let verify = verifiers.get(config.requestKey);
  if (!verify) verifiers.set(config.requestKey, (verify = requestVerifier(config.requestKey)));
  if (!verify(signingDigest(event.source, event['detail-type'], detail.data), detail.data.signature)) {
    return unanswered("the request's signature was not made with the CICD account's request key: the CICD account did not send it");
  }
  const { signature: _verified, ...request } = detail.data;
  return serve(type, request, context, budgetMs, event.source);
}

/**
 * Serve a request known to come from the CICD account, its envelope checked: signed and
 * parsed (dispatch), or made in this process by a caller who holds this handler's
 * credentials (--direct, from requestDetail). Checks what the request asks of this account,
 * its age, and whether it was handled already. `source`: the event's; with the plan
 * source the request is a dry run, so it never claims a nonce in the ledger either.
 */
export async function serve(type: string, asked: UnsignedRequest, context: DispatchContext, budgetMs: number, source = context.config.eventSource): Promise<Outcome> {
  const forced = source === planSource(context.config.eventSource) && !asked.dryrun;
  const request = forced ? { ...asked, dryrun: true } : asked;
  const outcome = await serveRequest(type, request, context, budgetMs);
  return forced && outcome.status !== 'duplicate' ? { ...outcome, forcedDryRun: true } : outcome;
}

async function serveRequest(type: string, request: UnsignedRequest, context: DispatchContext, budgetMs: number): Promise<Outcome> {
  const { config } = context;
  const nonce = request.nonce;
  // Answered, not dropped, so that the CLI says at once what to do (the bus passes these here to be refused).
  if (!isRequestType(type)) {
    return reject(type, nonce, `unknown request type ${type}: this account's handler is older than the CLI that sent it; an administrator runs bootstrap --execute (docs/DEPLOYING.md)`);
  }
  if (!servedTypes(config.roles, config.hasDelegatedAdmin).includes(type)) {
    return reject(type, nonce, `${type} is not handled in account ${config.accountId}: its orgvend stack does not serve it (bootstrap --execute gives an account the roles accounts.yml gives it)`);
  }
  if (request.sender !== config.cicdAccountId) return reject(type, nonce, `sender ${request.sender} is not the CICD account`);
  const spec = REQUESTS[type];
  if (spec.route === 'target' && request.target_account !== config.accountId) {
    return reject(type, nonce, `${type} targets account ${request.target_account ?? '(none)'}, not ${config.accountId}`);
  }
  if (spec.route !== 'target' && request.target_account !== undefined) {
    return reject(type, nonce, `${type} is routed by type and takes no target_account`);
  }
  const payload = spec.payload.safeParse(request.payload);
  if (!payload.success) return reject(type, nonce, `invalid payload: ${issues(payload.error, 'payload')}`);

  // The CLI gives up on a request after its type's timeout: one older than that (a
  // redelivery, a DLQ redrive, a replay) has nobody waiting and is never acted on.
  const now = context.now().getTime();
  const sent = Date.parse(request.sent_at);
  const expires = sent + spec.timeoutSeconds * 1000;
  if (now > expires) return reject(type, nonce, `sent at ${request.sent_at}, older than ${type}'s timeout of ${spec.timeoutSeconds}s: nobody waits for it any more (a redelivered or replayed request is never acted on)`);
  if (sent - now > CLOCK_SKEW_MS) return reject(type, nonce, `sent at ${request.sent_at}, more than ${CLOCK_SKEW_MS / 60_000} minutes in the future: check the clock of the machine that runs the CLI`);

  // A request that acts is acted on once per nonce: a second delivery gets the first one's answer.
  const ledger = spec.mutating && !request.dryrun ? context.ledger : undefined;
  if (ledger) {
    let claim: Claim;
    try {
      claim = await ledger.claim(nonce, type, now);
    } catch (error) {
      return failed(type, nonce, error, `cannot record the request in ${NAMES.requestLedger}, so it is not acted on (is this account's ${NAMES.stack} stack up to date?)`);
    }
    if (claim.state === 'running') return { status: 'duplicate', type, nonce };
    if (claim.state === 'done') return stored(type, nonce, claim.outcome);
  }
  // Answer before the CLI gives up waiting, and before the runtime (Lambda) stops us.
  const deadline = Math.min(now + budgetMs, sent + spec.timeoutSeconds * 900);
  const outcome = await run(type, payload.data, { ...context, dryrun: request.dryrun, deadline }, nonce);
  if (ledger && outcome.status !== 'duplicate') {
    // The request was acted on: its answer goes back even if it cannot be kept for a second delivery.
    await ledger.finish(nonce, outcome.status === 'ok' ? { ok: true, result: outcome.result } : { ok: false, error: outcome.error }).catch((error: Error) => {
      console.error(`${type} ${nonce}: the answer could not be kept in ${NAMES.requestLedger}: ${error.message}`);
    });
  }
  return outcome;
}

/** How far ahead of this handler's clock the CLI's may be. */
const CLOCK_SKEW_MS = 5 * 60_000;

function stored(type: RequestType, nonce: string, outcome: StoredOutcome): Outcome {
  return outcome.ok ? { status: 'ok', type, nonce, result: outcome.result } : { status: 'error', type, nonce, error: outcome.error };
}

async function run(type: RequestType, payload: unknown, context: HandlerContext, nonce: string): Promise<Outcome> {
  try {
    const handler = HANDLERS[type] as (p: unknown, c: HandlerContext) => Promise<unknown>;
    // Every AWS call the handler makes is retried no later than its deadline.
    const result = await withDeadline(context.deadline, () => handler(payload, context));
    return { status: 'ok', type, nonce, result: REQUESTS[type].result.parse(result) };
  } catch (error) {
    if (error instanceof HandlerError) {
      return { status: 'error', type, nonce, error: { code: error.code, message: error.message, aws_error: error.awsError } };
    }
    return failed(type, nonce, error);
  }
}

/** An error no handler meant: `failed`, with the AWS error's name when AWS said no. */
function failed(type: string, nonce: string, error: unknown, context?: string): Outcome {
  const e = error as { name?: string; message?: string };
  const throttled = throttlingReport(error);
  // Throttling means AWS did not act on the call retries gave up on, and what came before it is safe to do again.
  const message = throttled ? `${throttled}. Run again later: nothing will be done twice` : (e.message ?? String(error));
  return { status: 'error', type, nonce, error: { code: 'failed', message: context ? `${context}: ${message}` : message, aws_error: e.name && e.name !== 'Error' ? e.name : undefined } };
}

export interface ReplySender {
  /** Put one reply event (already within the size limit) on this account's bus. */
  put(detailType: string, detail: object): Promise<void>;
}

/** What serving requests in one account takes: its clients, a time budget, where replies go, the record. */
export interface HandlerRuntime {
  context: DispatchContext;
  budgetMs: number;
  replies: ReplySender;
  recorder: Recorder;
}

/** Dispatch, answer, record. Throws only when the answer could not be sent (so the message is retried). */
export async function handleEvent(raw: unknown, runtime: HandlerRuntime): Promise<Outcome> {
  const started = runtime.context.now().getTime();
  const outcome = await dispatch(raw, runtime.context, runtime.budgetMs);
  const { config } = runtime.context;
  if (outcome.status !== 'duplicate' && outcome.nonce) {
    const bodies = outcome.status === 'ok' ? toParts(outcome.result) : [{ error: outcome.error }];
    const base = { nonce: outcome.nonce, responder: config.accountId, ok: outcome.status === 'ok', parts: bodies.length };
    const detailType = replyDetailType(isRequestType(outcome.type) ? outcome.type : 'UNKNOWN');
    // Parts go one at a time, in order: each is close to the event size limit.
    for (const [i, body] of bodies.entries()) await runtime.replies.put(detailType, { ...base, part: i + 1, ...body });
  }
  const rejected = outcome.status === 'error' && outcome.error.code === 'rejected';
  runtime.recorder.record({
    at: new Date(started).toISOString(),
    event: outcome.status === 'duplicate' ? 'duplicate' : rejected ? 'rejected' : 'handled',
    type: outcome.type,
    // A refusal left unanswered is recorded with the nonce it claimed.
    nonce: outcome.nonce ?? nonceOf((raw as { detail?: unknown } | null)?.detail),
    account: config.accountId,
    duration_ms: runtime.context.now().getTime() - started,
    outcome: outcome.status === 'error' ? outcome.error.code : outcome.status,
    message: logMessage(outcome, config.eventSource),
  });
  return outcome;
}

/** What the handler's log says of an outcome besides its status: why it failed, and a plan-source request that asked to act. */
function logMessage(outcome: Outcome, eventSource: string): string | undefined {
  if (outcome.status === 'duplicate') return 'handled by another delivery of the same request, which answers';
  const notes: string[] = [];
  if (outcome.forcedDryRun) notes.push(`asked to act (dryrun: false) with the plan source ${planSource(eventSource)}: served as a dry run`);
  if (outcome.status === 'error') notes.push(outcome.error.message);
  return notes.length ? notes.join('; ') : undefined;
}
