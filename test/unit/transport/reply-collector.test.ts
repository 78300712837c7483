/**
 * The reply collector with a scripted SQS (aws-sdk-client-mock) and fake timers: long
 * polls take their 20 s of fake time, so timeouts are tested without sleeping.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../../../src/errors.js';
import { toParts } from '../../../src/protocol/parts.js';
import { ReplyCollector } from '../../../src/transport/reply-collector.js';

const NONCE = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER = 'bbbbbbbb-0000-4000-8000-000000000002';

/** The account every request here is sent to, and so the only one whose replies count. */
const ASKED = '111111111111';
const AUDIT = '333333333333';

let receipt = 0;
/** A reply as the reply queue delivers it: `account` is the one EventBridge says put it. */
function message(detail: object, account = ASKED): Message {
  receipt += 1;
  return { MessageId: `m${receipt}`, ReceiptHandle: `r${receipt}`, Body: JSON.stringify({ source: 'app.infra.reply', 'detail-type': 'X_RESULT', account, detail }) };
}
const reply = (nonce: string, body: object, part = 1, parts = 1, account = ASKED) => message({ nonce, responder: ASKED, ok: true, part, parts, ...body }, account);

let sqs: ReturnType<typeof mockClient>;
let batches: Message[][];

beforeEach(() => {
  vi.useFakeTimers();
  batches = [];
  sqs = mockClient(SQSClient);
  sqs.onAnyCommand().rejects(new Error('unexpected SQS command'));
  // Each receive returns the next scripted batch at once, or waits out its long poll.
  sqs.on(ReceiveMessageCommand).callsFake(() => {
    const next = batches.shift();
    return next ? { Messages: next } : new Promise((resolve) => setTimeout(() => resolve({}), 20_000));
  });
  sqs.on(DeleteMessageBatchCommand).resolves({});
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
});

afterEach(() => {
  sqs.restore();
  vi.useRealTimers();
});

const collector = () => new ReplyCollector(async () => new SQSClient({ region: 'ap-southeast-2' }), async () => 'https://sqs/replies', { foreignPauseMs: 1000 });

describe('the reply collector', () => {
  it('long-polls for 20 seconds at a time', async () => {
    batches.push([reply(NONCE, { result: 1 })]);
    await collector().expect('X', NONCE, ASKED, 60, 'here');
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({ WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
  });

  it('takes the reply with its nonce and deletes it', async () => {
    batches.push([reply(NONCE, { result: { answer: 42 } })]);
    await expect(collector().expect('X', NONCE, ASKED, 60, 'here')).resolves.toEqual({ ok: true, result: { answer: 42 }, responder: '111111111111' });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: `r${receipt}` }]);
  });

  it('makes other runs\' replies visible again at once and pauses before polling again', async () => {
    batches.push([reply(OTHER, { result: 1 })], [reply(NONCE, { result: 2 })]);
    const done = collector().expect('X', NONCE, ASKED, 60, 'here');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toMatchObject({ result: 2 });
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries;
    expect(released).toEqual([{ Id: '0', ReceiptHandle: 'r' + (receipt - 1), VisibilityTimeout: 0 }]);
  });

  it('joins a reply sent in parts, whatever order they arrive in', async () => {
    const result = { accounts: Array.from({ length: 2000 }, (_, i) => ({ id: i, email: `aws+${i}@example.com`, name: `account-${i}` })) };
    const parts = toParts(result, 20_000).map((body, i, all) => reply(NONCE, body, i + 1, all.length));
    expect(parts.length).toBeGreaterThan(3);
    batches.push(parts.slice(2).reverse(), parts.slice(0, 2));
    await expect(collector().expect('X', NONCE, ASKED, 60, 'here')).resolves.toMatchObject({ ok: true, result });
    expect(sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? [])).toHaveLength(parts.length);
  });

  it('deletes a late duplicate of a reply it already has', async () => {
    const c = collector();
    batches.push([reply(NONCE, { result: 1 })]);
    await c.expect('X', NONCE, ASKED, 60, 'here');
    batches.push([reply(NONCE, { result: 1 }), reply(OTHER, { result: 9 })]);
    const second = c.expect('Y', OTHER, ASKED, 60, 'here');
    await expect(second).resolves.toMatchObject({ result: 9 });
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? [])).toHaveLength(3);
  });

  it('ignores a reply with our nonce from an account that was not asked, reports it once and leaves it on the queue', async () => {
    const forged: object[] = [];
    const c = new ReplyCollector(async () => new SQSClient({ region: 'ap-southeast-2' }), async () => 'https://sqs/replies', { foreignPauseMs: 1000, onForged: (f) => void forged.push(f) });
    // The audit account sees every nonce: it answers first, claiming to be the account asked.
    const lie = reply(NONCE, { result: { accounts: [] } }, 1, 1, AUDIT);
    batches.push([lie], [lie], [reply(NONCE, { result: { accounts: ['real'] } })]);
    const done = c.expect('LIST_ACCOUNTS', NONCE, ASKED, 60, 'here');
    await vi.advanceTimersByTimeAsync(2000);
    await expect(done).resolves.toEqual({ ok: true, responder: ASKED, result: { accounts: ['real'] } });
    expect(forged).toEqual([{ type: 'LIST_ACCOUNTS', nonce: NONCE, expected: ASKED, account: AUDIT, responder: ASKED }]);
    // Released, never deleted: only the real reply was.
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(deleted).toEqual([{ Id: '0', ReceiptHandle: `r${receipt}` }]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? [])).toEqual([
      { Id: '0', ReceiptHandle: lie.ReceiptHandle, VisibilityTimeout: 0 },
      { Id: '0', ReceiptHandle: lie.ReceiptHandle, VisibilityTimeout: 0 },
    ]);
  });

  it('ignores a reply that EventBridge did not deliver (no account), whatever responder it claims', async () => {
    const forged: object[] = [];
    const c = new ReplyCollector(async () => new SQSClient({ region: 'ap-southeast-2' }), async () => 'https://sqs/replies', { onForged: (f) => void forged.push(f) });
    const body = JSON.stringify({ source: 'app.infra.reply', 'detail-type': 'X_RESULT', detail: { nonce: NONCE, responder: ASKED, ok: true, part: 1, parts: 1, result: 1 } });
    batches.push([{ MessageId: 'direct', ReceiptHandle: 'rd', Body: body }]);
    const done = c.expect('X', NONCE, ASKED, 5, 'here');
    const assertion = expect(done).rejects.toThrow(TimeoutError);
    await vi.advanceTimersByTimeAsync(5000);
    await assertion;
    expect(forged).toEqual([{ type: 'X', nonce: NONCE, expected: ASKED, account: undefined, responder: ASKED }]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('leaves alone a late reply with a finished nonce from an account that was not asked', async () => {
    const c = collector();
    batches.push([reply(NONCE, { result: 1 })]);
    await c.expect('X', NONCE, ASKED, 60, 'here');
    batches.push([reply(NONCE, { result: 2 }, 1, 1, AUDIT), reply(OTHER, { result: 9 })]);
    await expect(c.expect('Y', OTHER, ASKED, 60, 'here')).resolves.toMatchObject({ result: 9 });
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? [])).toHaveLength(1);
  });

  it('gives an error reply to the caller as it is', async () => {
    batches.push([message({ nonce: NONCE, responder: '111111111111', ok: false, part: 1, parts: 1, error: { code: 'rejected', message: 'no' } })]);
    await expect(collector().expect('X', NONCE, ASKED, 60, 'here')).resolves.toEqual({ ok: false, responder: '111111111111', error: { code: 'rejected', message: 'no' } });
  });

  it('times out naming the request, the nonce, where to look and the parts that came', async () => {
    const parts = toParts({ big: 'x'.repeat(50_000) }, 20_000).map((body, i, all) => reply(NONCE, body, i + 1, all.length));
    batches.push(parts.slice(0, 1));
    const waiting = collector().expect('LIST_ACCOUNTS', NONCE, ASKED, 300, 'the DLQs');
    const assertion = expect(waiting).rejects.toThrow(
      new TimeoutError('LIST_ACCOUNTS', NONCE, 300, `the DLQs (1 of ${parts.length} parts arrived)`),
    );
    await vi.advanceTimersByTimeAsync(300_000);
    await assertion;
    // It polled the whole time, 20 s at a time: no busy loop.
    expect(sqs.commandCalls(ReceiveMessageCommand).length).toBeLessThanOrEqual(300 / 20 + 2);
  });

  it('adds no listener per poll while other runs\' replies sit on the queue', async () => {
    // Every receive brings back the same foreign reply, as a queue shared with a stuck run does.
    const stale = reply(OTHER, { result: 1 });
    for (let i = 0; i < 50; i++) batches.push([stale]);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const c = collector();
      const done = c.expect('X', NONCE, ASKED, 300, 'here');
      await vi.advanceTimersByTimeAsync(50 * 1000);
      batches.unshift([reply(NONCE, { result: 2 })]);
      await vi.advanceTimersByTimeAsync(20_000);
      await expect(done).resolves.toMatchObject({ result: 2 });
      expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).length).toBeGreaterThanOrEqual(40);
      await c.close();
      expect(warnings.mock.calls.map((call) => String(call[0]))).toEqual([]);
    } finally {
      warnings.mockRestore();
    }
  });

  it('fails at once when the reply queue cannot be found', async () => {
    const c = new ReplyCollector(async () => new SQSClient({ region: 'ap-southeast-2' }), async () => {
      throw new Error('The specified queue does not exist');
    });
    await expect(c.expect('X', NONCE, ASKED, 60, 'here')).rejects.toThrow('cannot read the reply queue: The specified queue does not exist');
  });
});
