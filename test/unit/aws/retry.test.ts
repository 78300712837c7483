/**
 * Retries and pacing live in the client factory. Faults are injected below the SDK's retry
 * layer by a request handler that answers as AWS does when it is busy or throttling; time is
 * fake, so minutes of backoff cost no real seconds.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateAccountCommand, DescribeOrganizationCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRecorder } from '../../../src/audit/recorder.js';
import { ClientFactory, type AwsCall } from '../../../src/aws/clients.js';
import { withDeadline } from '../../../src/aws/deadline.js';
import type { RetryPolicy } from '../../../src/aws/retry.js';
import { RequestError } from '../../../src/errors.js';
// Loaded now: the in-process transport imports it on first use, which under fake time would age the request.
import '../../../src/handlers/dispatch.js';
import { InProcessTransport } from '../../../src/transport/in-process.js';
import { settle as settleFakeTime } from '../../helpers/fake-time.js';

const ORGANIZATION = { Organization: { Id: 'o-abc1234567', MasterAccountId: '111111111111' } };
const BUSY = "AWS Organizations can't complete your request because it conflicts with another attempt to modify the same entity.";

interface Attempt {
  operation: string;
  /** 1 for a call's first attempt, 2 for its first retry… (the SDK's amz-sdk-request header). */
  attempt: number;
  at: number;
}

/**
 * AWS as a JSON-protocol service answers: `answer` picks, for each attempt, an error type
 * (a 400 with that __type, or a 500 for 'InternalFailure') or a body for a 200.
 */
function fakeAws(answer: (a: Attempt) => { error: string } | { body: object }) {
  const attempts: Attempt[] = [];
  return {
    attempts,
    calls: () => attempts.length,
    async handle(request: { headers: Record<string, string> }) {
      const a = {
        operation: String(request.headers['x-amz-target']).split('.').pop()!,
        attempt: Number(/attempt=(\d+)/.exec(request.headers['amz-sdk-request'] ?? '')?.[1] ?? 1),
        at: Date.now(),
      };
      attempts.push(a);
      const answered = answer(a);
      const status = 'error' in answered ? (answered.error === 'InternalFailure' ? 500 : 400) : 200;
      const body = 'error' in answered ? { __type: answered.error, Message: answered.error === 'ThrottlingException' ? 'Rate exceeded' : BUSY } : answered.body;
      // The shape of the SDK's HttpResponse, which it recognises by its fields.
      return { response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) } };
    },
  };
}

/** Fails the first `failures` attempts of the whole client with `errorType`, then answers. */
function busyThen(failures: number, errorType: string) {
  let n = 0;
  return fakeAws(() => (++n <= failures ? { error: errorType } : { body: ORGANIZATION }));
}

const factory = (handler: unknown, onCall?: (c: AwsCall) => void, retry?: Partial<RetryPolicy>) =>
  new ClientFactory({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, requestHandler: handler, onCall, retry });

/** Send while letting fake time run, so the SDK's backoff costs no real seconds. */
const settle = <T>(promise: Promise<T>, seconds = 60) => settleFakeTime(promise, 100, seconds * 10);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the client factory', () => {
  it.each(['ConcurrentModificationException', 'TooManyRequestsException'])('retries %s with backoff until the call succeeds', async (errorType) => {
    const handler = busyThen(2, errorType);
    const client = await factory(handler).client('organizations');
    const result = await settle(client.send(new DescribeOrganizationCommand({})));
    expect(result.Organization?.Id).toBe('o-abc1234567');
    expect(handler.calls()).toBe(3);
    expect(result.$metadata.attempts).toBe(3);
  });

  it('does not retry an error that retrying cannot fix', async () => {
    const handler = busyThen(5, 'AccessDeniedException');
    const client = await factory(handler).client('organizations');
    await expect(settle(client.send(new DescribeOrganizationCommand({})))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(handler.calls()).toBe(1);
  });

  it('reports each command once to the observer, however often it is retried', async () => {
    const calls: AwsCall[] = [];
    const client = await factory(busyThen(1, 'ConcurrentModificationException'), (c) => calls.push(c)).client('organizations');
    await settle(client.send(new DescribeOrganizationCommand({})));
    expect(calls).toEqual([{ service: 'organizations', operation: 'DescribeOrganization', account: 'ambient', region: 'us-east-1', input: {} }]);
  });

  it('gives the same client for the same account and region, and loads no client before it is asked for', async () => {
    const f = factory(busyThen(0, ''));
    expect(await f.client('organizations')).toBe(await f.client('organizations'));
    expect(await f.client('organizations', undefined, 'eu-west-1')).not.toBe(await f.client('organizations'));
  });
});

describe('under throttling', () => {
  it('retries a throttled call until the deadline of the request it serves, and starts no retry after it', async () => {
    const handler = fakeAws(() => ({ error: 'ThrottlingException' }));
    const client = await factory(handler).client('organizations');
    const deadline = Date.now() + 90_000;
    const error = await settle(withDeadline(deadline, () => client.send(new DescribeOrganizationCommand({}))), 120).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: handler.calls() } });
    // Bounded by time, not by the 8 attempts a transient failure gets.
    expect(handler.calls()).toBeGreaterThan(8);
    expect(handler.attempts.filter((a) => a.at > deadline)).toEqual([]);
  });

  it('keeps retrying throttled calls when the storm outlasts the retry budget, which refills with time', async () => {
    // A budget of 4 throttled retries at once, regained at 2 a second; every call is throttled twice.
    const handler = fakeAws((a) => (a.attempt <= 2 ? { error: 'ThrottlingException' } : { body: ORGANIZATION }));
    const client = await factory(handler, undefined, { budget: { capacity: 20, refillPerSecond: 10 } }).client('organizations');
    const attempts: number[] = [];
    for (let i = 0; i < 30; i++) attempts.push((await settle(client.send(new DescribeOrganizationCommand({})))).$metadata.attempts!);
    expect(attempts).toEqual(Array(30).fill(3));
  });

  it('gives up a transient failure (a 500) after the policy\'s attempts', async () => {
    const handler = fakeAws(() => ({ error: 'InternalFailure' }));
    const client = await factory(handler, undefined, { maxAttempts: 4 }).client('organizations');
    await expect(settle(client.send(new DescribeOrganizationCommand({})))).rejects.toMatchObject({ name: 'InternalFailure' });
    expect(handler.calls()).toBe(4);
  });

  it('retries a PutEvents whose every entry EventBridge throttled, which it answers with a success', async () => {
    const throttledEntry = { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] };
    const handler = fakeAws((a) => ({ body: a.attempt <= 2 ? throttledEntry : { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] } }));
    const events = await factory(handler).client('events');
    const result = await settle(events.send(new PutEventsCommand({ Entries: [{ Source: 'app.infra', DetailType: 'PING', Detail: '{}' }] })));
    expect(result.FailedEntryCount).toBe(0);
    expect(handler.calls()).toBe(3);
  });

  it('sends CreateAccount no faster than one every 2 seconds', async () => {
    const handler = fakeAws(() => ({ body: { CreateAccountStatus: { Id: 'car-1234567890', State: 'IN_PROGRESS' } } }));
    const client = await factory(handler).client('organizations');
    const create = (n: number) => client.send(new CreateAccountCommand({ AccountName: `a${n}`, Email: `a${n}@example.com` }));
    await settle(Promise.all([create(1), create(2), create(3), client.send(new DescribeOrganizationCommand({}))]));
    const times = handler.attempts.filter((a) => a.operation === 'CreateAccount').map((a) => a.at);
    expect(times).toHaveLength(3);
    expect([times[1]! - times[0]!, times[2]! - times[1]!].every((gap) => gap >= 2000)).toBe(true);
    // Other operations have a pace of their own: DescribeOrganization did not queue behind the creations.
    expect(handler.attempts.find((a) => a.operation === 'DescribeOrganization')!.at).toBeLessThan(times[1]!);
  });

  it('paces nothing sent to the local emulator, which has no quotas', async () => {
    const handler = fakeAws(() => ({ body: { CreateAccountStatus: { Id: 'car-1234567890', State: 'IN_PROGRESS' } } }));
    const emulator = new ClientFactory({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, requestHandler: handler });
    const client = await emulator.client('organizations');
    await settle(Promise.all([1, 2, 3].map((n) => client.send(new CreateAccountCommand({ AccountName: `a${n}`, Email: `a${n}@example.com` })))));
    expect(new Set(handler.attempts.map((a) => a.at)).size).toBe(1);
  });

  it('sends an account\'s other Organizations calls, all operations together, no faster than 20 a second', async () => {
    const handler = fakeAws((a) => ({ body: a.operation === 'ListRoots' ? { Roots: [] } : ORGANIZATION }));
    const client = await factory(handler).client('organizations');
    await settle(Promise.all(Array.from({ length: 30 }, (_, i) => client.send(i % 2 ? new ListRootsCommand({}) : new DescribeOrganizationCommand({})))));
    const start = handler.attempts[0]!.at;
    // A burst of 20, then one every 50 ms.
    expect(handler.attempts.filter((a) => a.at === start)).toHaveLength(20);
    expect(handler.attempts.at(-1)!.at - start).toBeGreaterThanOrEqual(500);
  });
});

describe('a handler throttled past its deadline', () => {
  it('fails its request with a message that names the request, what AWS did and what to do', async () => {
    const handler = fakeAws(() => ({ error: 'TooManyRequestsException' }));
    const clients = factory(handler).forAccount(undefined);
    const transport = new InProcessTransport(
      { eventBus: 'orgvend-infra', homeRegion: 'ap-southeast-2', eventSource: 'app.infra', replyQueue: 'orgvend-replies', cicdAccountId: '222222222222', managementAccountId: '111111111111' },
      {
        configFor: (account) => ({ accountId: account, roles: ['management'], cicdAccountId: '222222222222', auditAccountId: '333333333333', eventSource: 'app.infra', eventBus: 'orgvend-infra', hasDelegatedAdmin: false, handlerVersion: 'unit' }),
        clientsFor: () => clients,
      },
      false,
      new MemoryRecorder(),
    );
    const sent = Date.now();
    const error = await settle(transport.request('LIST_OUS', {}), 330).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    const { message, nonce } = error as RequestError;
    expect(message).toContain(`LIST_OUS (nonce ${nonce}) failed in account 111111111111`);
    expect(message).toMatch(/AWS throttled (ListRoots|DescribeOrganization) on all \d+ attempts over \d+s \(TooManyRequestsException: /);
    expect(message).toContain('Run again later: nothing will be done twice');
    // LIST_OUS waits 300 s for its reply; its handler must have answered within 90% of that.
    expect(handler.attempts.filter((a) => a.at > sent + 270_000)).toEqual([]);
  });
});
