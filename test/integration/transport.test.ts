/**
 * The request–reply path on moto, through the real bus: CICD bus → management bus →
 * request queue → handler → reply → CICD bus → reply queue → CLI.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRecorder } from '../../src/audit/recorder.js';
import { TimeoutError } from '../../src/errors.js';
import { NAMES, replyDlqName } from '../../src/protocol/names.js';
import { createTestOrganization, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let management: string;
let cicd: string;
let audit: string;

beforeAll(async () => {
  org = await createTestOrganization();
  ({ management_account_id: management, cicd_account_id: cicd, audit_account_id: audit } = org.desired.organization);
});

afterAll(async () => {
  await org.close();
});

async function queueDepth(account: string, queue: string): Promise<number> {
  const sqs = await org.factory.forAccount(account).client('sqs');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await org.queueUrl(account, queue), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe('the request–reply path', () => {
  it('carries a request from the CICD bus to the management account and the reply back', async () => {
    const recorder = new MemoryRecorder();
    const worker = org.startWorker({ recorder });
    try {
      const transport = org.transport();
      const sentBefore = org.calls.length;
      const reply = await transport.request('PING', {}, { targetAccount: management });
      expect(reply).toEqual({ account_id: management, handler_version: 'test' });

      const ous = await transport.request('LIST_OUS', {});
      expect(ous.management_account_id).toBe(management);
      expect(ous.organization_id).toBe(org.organizationId);

      // The CLI put requests on the CICD account's own bus and read the reply queue there.
      const cliCalls = org.calls.slice(sentBefore).filter((c) => c.account === cicd);
      expect(cliCalls.filter((c) => c.operation === 'PutEvents').map((c) => (c.input as { Entries: { EventBusName: string; DetailType: string }[] }).Entries[0])).toEqual([
        expect.objectContaining({ EventBusName: 'orgvend-infra', DetailType: 'PING' }),
        expect.objectContaining({ EventBusName: 'orgvend-infra', DetailType: 'LIST_OUS' }),
      ]);
      // The handler that answered ran in the management account and read the organization there.
      await waitFor(async () => recorder.entries.length === 2);
      expect(recorder.entries.map((e) => [e.type, e.account, e.outcome])).toEqual([
        ['PING', management, 'ok'],
        ['LIST_OUS', management, 'ok'],
      ]);
      expect(org.calls.some((c) => c.account === management && c.operation === 'DescribeOrganization')).toBe(true);
      expect(await queueDepth(cicd, 'orgvend-replies')).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('copies every request and reply to the audit account', async () => {
    const worker = org.startWorker();
    try {
      await org.transport().request('PING', {}, { targetAccount: audit });
    } finally {
      await worker.stop();
    }
    const logs = await org.factory.forAccount(audit).client('logs');
    const { events = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: NAMES.auditLogGroup }));
    const kinds = events.map((e) => JSON.parse(e.message!)).map((e: { source: string; 'detail-type': string }) => `${e.source} ${e['detail-type']}`);
    expect(kinds).toEqual(expect.arrayContaining(['app.infra PING', 'app.infra.reply PING_RESULT']));
  });

  it('answers a request delivered twice twice, and the CLI keeps one and deletes the other', async () => {
    const worker = org.startWorker();
    try {
      const transport = org.transport();
      const before = org.calls.length;
      await transport.request('PING', {}, { targetAccount: management });
      const put = org.calls.slice(before).find((c) => c.operation === 'PutEvents' && c.account === cicd)!;
      const entry = (put.input as { Entries: { Detail: string; DetailType: string; Source: string }[] }).Entries[0]!;
      // The same event again, as at-least-once delivery may bring it.
      await deliverToRequestQueue(management, { source: entry.Source, 'detail-type': entry.DetailType, detail: JSON.parse(entry.Detail) });
      // The handler answers the duplicate too; the CLI sees that reply on its next poll.
      await waitFor(async () => (await queueDepth(cicd, 'orgvend-replies')) === 1);
      await transport.request('PING', {}, { targetAccount: management });
      await waitFor(async () => (await queueDepth(cicd, 'orgvend-replies')) === 0);
      expect(await queueDepth(cicd, replyDlqName('orgvend-replies'))).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('makes a reply for another run visible again at once instead of deleting it', async () => {
    const worker = org.startWorker();
    const foreign = { nonce: '00000000-0000-4000-8000-000000000000', responder: management, ok: true, part: 1, parts: 1, result: {} };
    try {
      const sqs = await org.factory.forAccount(cicd).client('sqs');
      const replyQueue = await org.queueUrl(cicd, 'orgvend-replies');
      await sqs.send(new SendMessageCommand({ QueueUrl: replyQueue, MessageBody: JSON.stringify({ source: 'app.infra.reply', 'detail-type': 'PING_RESULT', detail: foreign }) }));
      await org.transport({ collector: { foreignPauseMs: 50 } }).request('PING', {}, { targetAccount: management });
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: replyQueue, WaitTimeSeconds: 1 }));
      expect(Messages?.map((m) => JSON.parse(m.Body!).detail.nonce)).toEqual([foreign.nonce]);
    } finally {
      await worker.stop();
    }
  });

  it('times out when no reply comes, naming the request, its nonce and where to look', async () => {
    // No worker: the request waits in the queue and nobody answers.
    const error = await org
      .transport()
      .request('PING', {}, { targetAccount: management, timeoutSeconds: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const message = (error as Error).message;
    expect(message).toMatch(/^PING \(nonce [0-9a-f-]{36}\) got no complete reply within 2s/);
    expect(message).toContain(`${NAMES.requestDlq} and the handler log ${NAMES.handlerLogGroup} in account ${management}`);
    expect(message).toContain(`${replyDlqName('orgvend-replies')} in the CICD account ${cicd}`);
    // The request is still there for a handler to pick up later.
    expect(await queueDepth(management, NAMES.requestQueue)).toBe(1);
    const worker = org.startWorker();
    await waitFor(async () => (await queueDepth(management, NAMES.requestQueue)) === 0);
    await worker.stop();
  });

  it('sends every request as a dry run unless the run executes', async () => {
    const worker = org.startWorker();
    try {
      for (const execute of [false, true]) {
        const before = org.calls.length;
        await org.transport({ execute }).request('PING', {}, { targetAccount: management });
        const put = org.calls.slice(before).find((c) => c.operation === 'PutEvents' && c.account === cicd)!;
        const detail = JSON.parse((put.input as { Entries: { Detail: string }[] }).Entries[0]!.Detail);
        expect(detail.dryrun).toBe(!execute);
      }
    } finally {
      await worker.stop();
    }
  });
});

describe('refusing requests', () => {
  type Spoof = (event: ReturnType<typeof valid>) => object;
  const valid = () => ({
    source: 'app.infra',
    'detail-type': 'LIST_ACCOUNTS',
    detail: { nonce: crypto.randomUUID(), dryrun: true, sent_at: new Date().toISOString(), sender: cicd, payload: {} },
  });

  it.each([
    ['a sender account that is not the CICD account', ((e) => ({ ...e, account: '999999999999' })) as Spoof, /sender account 999999999999 is not the CICD account/],
    ['a claimed sender that is not the CICD account', ((e) => ({ ...e, detail: { ...e.detail, sender: '999999999999' } })) as Spoof, /sender 999999999999 is not the CICD account/],
    ['an unknown request type', ((e) => ({ ...e, 'detail-type': 'DELETE_EVERYTHING' })) as Spoof, /unknown request type DELETE_EVERYTHING/],
    ['another source', ((e) => ({ ...e, source: 'evil.infra' })) as Spoof, /source "evil.infra" is not app.infra/],
    ['a payload with an unknown key', ((e) => ({ ...e, detail: { ...e.detail, payload: { all: true } } })) as Spoof, /invalid payload/],
    ['a detail without sent_at', ((e) => ({ ...e, detail: { ...e.detail, sent_at: undefined } })) as Spoof, /malformed request: sent_at/],
  ])('refuses %s with an error reply and never acts', async (_name, spoof, message) => {
    const worker = org.startWorker();
    try {
      const original = valid();
      const event = spoof(original);
      const nonce = original.detail.nonce;
      const before = org.calls.length;
      await deliverToRequestQueue(management, event);
      const reply = await replyFor(nonce);
      expect(reply).toMatchObject({ ok: false, responder: management, error: { code: 'rejected' } });
      expect(reply.error.message).toMatch(message);
      // LIST_ACCOUNTS would have read the organization: nothing of the sort happened.
      expect(org.calls.slice(before).filter((c) => c.service === 'organizations')).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it('refuses, in strict mode, an event that carries no sender account (fail closed)', async () => {
    const worker = org.startWorker({ senderCheck: 'strict' });
    try {
      const event = valid();
      const before = org.calls.length;
      await deliverToRequestQueue(management, event);
      const reply = await replyFor(event.detail.nonce);
      expect(reply.error).toMatchObject({ code: 'rejected', message: expect.stringContaining('carries no sender account') });
      expect(org.calls.slice(before).filter((c) => c.service === 'organizations')).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it('accepts, in strict mode, the same event when EventBridge says the CICD account sent it', async () => {
    const worker = org.startWorker({ senderCheck: 'strict' });
    try {
      const event = { ...valid(), account: cicd };
      await deliverToRequestQueue(management, event);
      const reply = await replyFor(event.detail.nonce);
      expect(reply).toMatchObject({ ok: true });
    } finally {
      await worker.stop();
    }
  });

  it('drops a message that is not even JSON without answering or retrying it', async () => {
    const worker = org.startWorker();
    try {
      const sqs = await org.factory.forAccount(management).client('sqs');
      await sqs.send(new SendMessageCommand({ QueueUrl: await org.queueUrl(management, NAMES.requestQueue), MessageBody: 'not json' }));
      await waitFor(async () => (await queueDepth(management, NAMES.requestQueue)) === 0);
      expect(await queueDepth(management, NAMES.requestDlq)).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('refuses a request whose reply would have to go through anything but the rules', async () => {
    // A request for the management account's handler must arrive by type, never with a target.
    const worker = org.startWorker();
    try {
      const event = valid();
      const spoofed = { ...event, detail: { ...event.detail, target_account: management } };
      await deliverToRequestQueue(management, spoofed);
      const reply = await replyFor(event.detail.nonce);
      expect(reply.error.message).toContain('routed by type and takes no target_account');
    } finally {
      await worker.stop();
    }
  });
});

async function deliverToRequestQueue(account: string, event: object): Promise<void> {
  const sqs = await org.factory.forAccount(account).client('sqs');
  await sqs.send(new SendMessageCommand({ QueueUrl: await org.queueUrl(account, NAMES.requestQueue), MessageBody: JSON.stringify(event) }));
}

/** Read the reply queue directly until the reply with `nonce` arrives. */
async function replyFor(nonce: string): Promise<{ ok: boolean; responder: string; error: { code: string; message: string } }> {
  const sqs = await org.factory.forAccount(cicd).client('sqs');
  const url = await org.queueUrl(cicd, 'orgvend-replies');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    for (const message of Messages) {
      const detail = JSON.parse(message.Body!).detail;
      if (detail.nonce === nonce) return detail;
    }
  }
  throw new Error(`no reply for ${nonce}`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
