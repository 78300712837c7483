/**
 * The request–reply path on moto, through the real buses: the CLI puts the request on the
 * serving account's bus (by ARN) → request queue → handler → reply → CICD bus → reply
 * queue → CLI.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRecorder } from '../../src/audit/recorder.js';
import { TimeoutError } from '../../src/errors.js';
import { NAMES, replyDlqName } from '../../src/protocol/names.js';
import { signingDigest } from '../../src/protocol/signature.js';
import { kmsSigner } from '../../src/transport/eventbridge.js';
import { ReplyCollector } from '../../src/transport/reply-collector.js';
import { busArnOf } from '../../src/transport/transport.js';
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
  it('puts a request on the bus of the account that serves it, and carries the reply back', async () => {
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

      // The CLI, as the CICD account, put each request on the management account's bus by ARN and read the reply queue in its own.
      const cliCalls = org.calls.slice(sentBefore).filter((c) => c.account === cicd);
      const managementBus = `arn:aws:events:${org.desired.organization.home_region}:${management}:event-bus/orgvend-infra`;
      expect(cliCalls.filter((c) => c.operation === 'PutEvents').map((c) => (c.input as { Entries: { EventBusName: string; DetailType: string }[] }).Entries[0])).toEqual([
        expect.objectContaining({ EventBusName: managementBus, DetailType: 'PING' }),
        expect.objectContaining({ EventBusName: managementBus, DetailType: 'LIST_OUS' }),
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
    // A dry run's request goes with the plan source.
    expect(kinds).toEqual(expect.arrayContaining(['app.infra.plan PING', 'app.infra.reply PING_RESULT']));
  });

  it('answers a request delivered twice twice, and the CLI keeps one and deletes the other', async () => {
    const worker = org.startWorker();
    try {
      const transport = org.transport();
      const before = org.calls.length;
      await transport.request('PING', {}, { targetAccount: management });
      // The same event again, as at-least-once delivery may bring it.
      await deliverToRequestQueue(management, requestSentSince(before));
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

  it('polls on, through the real SDK, past a reply for another run that stays on the queue, without piling up listeners', async () => {
    const foreign = { nonce: '00000000-0000-4000-8000-00000000000f', responder: management, ok: true, part: 1, parts: 1, result: {} };
    const sqs = await org.factory.forAccount(cicd).client('sqs');
    const replyQueue = await org.queueUrl(cicd, 'orgvend-replies');
    await sqs.send(new SendMessageCommand({ QueueUrl: replyQueue, MessageBody: JSON.stringify({ source: 'app.infra.reply', 'detail-type': 'PING_RESULT', detail: foreign }) }));
    const warnings = vi.spyOn(process, 'emitWarning');
    const received = () => org.calls.filter((c) => c.account === cicd && c.operation === 'ReceiveMessage').length;
    const before = received();
    const collector = new ReplyCollector(async () => sqs, async () => replyQueue, { foreignPauseMs: 10 });
    try {
      // Nobody answers this nonce: the collector receives the foreign reply, releases it, pauses, and again.
      const waiting = collector.expect('PING', '00000000-0000-4000-8000-0000000000aa', management, 3, 'here');
      await expect(waiting).rejects.toThrow(TimeoutError);
      expect(received() - before).toBeGreaterThan(20);
      expect(warnings.mock.calls.map((call) => String(call[0]))).not.toContainEqual(expect.stringContaining('MaxListenersExceededWarning'));
    } finally {
      warnings.mockRestore();
      await collector.close();
      await drainReplies();
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
        expect(requestSentSince(before).detail.dryrun).toBe(!execute);
      }
    } finally {
      await worker.stop();
    }
  });
});

describe('a worker with more accounts than long polls', () => {
  /** The worker's receives in `account` since `from` (org.calls), by how long each waited. */
  const waits = (account: string, from: number) =>
    org.calls
      .slice(from)
      .filter((c) => c.operation === 'ReceiveMessage' && c.account === account && String((c.input as { QueueUrl: string }).QueueUrl).endsWith(`/${NAMES.requestQueue}`))
      .map((c) => (c.input as { WaitTimeSeconds: number }).WaitTimeSeconds);
  const membersOnly = () => Object.values(org.ids).filter((id) => { try { return org.handlerConfig(id).roles.every((role) => role === 'member'); } catch { return false; } });

  it('sweeps the accounts beyond them with short receives and answers their requests; the management account keeps its long poll', async () => {
    const members = membersOnly();
    expect(members.length).toBeGreaterThan(0);
    const from = org.calls.length;
    const worker = org.startWorker({ longPolls: 0 });
    try {
      const transport = org.transport();
      for (const member of members) expect(await transport.request('PING', {}, { targetAccount: member, timeoutSeconds: 30 })).toMatchObject({ account_id: member });
      expect(await transport.request('PING', {}, { targetAccount: management })).toMatchObject({ account_id: management });
      for (const member of members) expect(new Set(waits(member, from))).toEqual(new Set([0]));
      expect(new Set(waits(management, from))).toEqual(new Set([1]));
      expect(worker.accounts().sort()).toEqual(expect.arrayContaining([...members, management].sort()));
    } finally {
      await org.stopWorkers();
    }
  }, 120_000);

  it('gives an idle long poll up to a swept account that receives a request', async () => {
    const from = org.calls.length;
    // Every account served as a member alone (none pinned), one long poll between them, given up as soon as it is idle.
    const worker = org.startWorker({ config: { roles: ['member'] }, longPolls: 1, idleMs: 0 });
    try {
      await new Promise((r) => setTimeout(r, 3000));
      // The first account polled long, then gave its poll up to the sweep.
      const first = worker.accounts().find((id) => waits(id, from).includes(1))!;
      expect(waits(first, from)).toContain(0);
      const other = worker.accounts().find((id) => id !== first)!;
      expect(waits(other, from)).not.toContain(1);
      const asked = org.calls.length;
      expect(await org.transport().request('PING', {}, { targetAccount: other, timeoutSeconds: 30 })).toMatchObject({ account_id: other });
      await new Promise((r) => setTimeout(r, 1500));
      // Found by the sweep, then given the free long poll.
      expect(waits(other, asked)).toEqual(expect.arrayContaining([0, 1]));
    } finally {
      await org.stopWorkers();
    }
  }, 120_000);
});

describe('refusing requests', () => {
  /** A request as the CICD account sends it: signed with its request key (KMS, on moto). */
  async function signed(type: string, detail: Record<string, unknown>, sentAt = new Date()) {
    const unsigned = { nonce: crypto.randomUUID(), dryrun: true, sent_at: sentAt.toISOString(), sender: cicd, payload: {}, ...detail };
    const signer = kmsSigner(org.factory.forAccount(cicd), cicd, org.desired.organization.home_region);
    return { source: 'app.infra', 'detail-type': type, account: cicd, detail: { ...unsigned, signature: await signer.sign(signingDigest('app.infra', type, unsigned)) } };
  }

  it.each([
    ['a claimed sender that is not the CICD account', () => signed('LIST_ACCOUNTS', { sender: '999999999999' }), /sender 999999999999 is not the CICD account/],
    ['an unknown request type', () => signed('DELETE_EVERYTHING', {}), /unknown request type DELETE_EVERYTHING/],
    ['a payload with an unknown key', () => signed('LIST_ACCOUNTS', { payload: { all: true } }), /invalid payload/],
    ['a page of accounts under something that is not a root or OU id', () => signed('LIST_ACCOUNTS', { payload: { parents: ['r-abcd', 'ou-../etc'] } }), /invalid payload.*parents/],
    ['a page of accounts under too many parents', () => signed('LIST_ACCOUNTS', { payload: { parents: Array.from({ length: 21 }, (_, i) => `ou-abcd-${String(i).padStart(8, '0')}`) } }), /invalid payload.*parents/],
    ['a request routed by type that names a target', () => signed('LIST_ACCOUNTS', { target_account: management }), /routed by type and takes no target_account/],
  ])('refuses a signed request with %s, with an error reply, and never acts', async (_name, make, message) => {
    const worker = org.startWorker();
    try {
      const event = await make();
      const before = org.calls.length;
      await deliverToRequestQueue(management, event);
      const reply = await replyFor(event.detail.nonce);
      expect(reply).toMatchObject({ ok: false, responder: management, error: { code: 'rejected' } });
      expect(reply.error.message).toMatch(message);
      // LIST_ACCOUNTS would have read the organization: nothing of the sort happened.
      expect(org.calls.slice(before).filter((c) => c.service === 'organizations')).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it.each([
    ['a type no handler knows (a CLI newer than the stack)', 'DELETE_EVERYTHING', /unknown request type DELETE_EVERYTHING: this account's handler is older than the CLI that sent it; an administrator runs bootstrap --execute/],
    ['a type another account serves (a stack older than the role accounts.yml gives)', 'CREATE_RECORD', /CREATE_RECORD is not handled in account \d{12}: its orgvend stack does not serve it/],
  ])('answers a request the CICD account put on the management bus with %s, at once, and acts on none', async (_name, type, message) => {
    const worker = org.startWorker();
    try {
      const event = await signed(type, { dryrun: false });
      const events = await org.factory.forAccount(cicd).client('events');
      const put = await events.send(
        new PutEventsCommand({ Entries: [{ EventBusName: busArnOf(org.topology, management), Source: event.source, DetailType: type, Detail: JSON.stringify(event.detail) }] }),
      );
      expect(put.FailedEntryCount).toBe(0);
      // Through the bus's rules (RequestsNotServedHereRule), not dropped: the refusal comes back well inside any request's timeout.
      const reply = await replyFor(event.detail.nonce);
      expect(reply).toMatchObject({ ok: false, responder: management, error: { code: 'rejected' } });
      expect(reply.error.message).toMatch(message);
    } finally {
      await worker.stop();
    }
  });

  describe('a request written straight onto a request queue by someone in that account (a PowerUser with sqs:SendMessage)', () => {
    const forged = (type: string, account: string, payload: object, extra: object = {}) => ({
      source: 'app.infra',
      'detail-type': type,
      // Whatever the body says: it is the writer's, not EventBridge's.
      account: cicd,
      detail: { nonce: crypto.randomUUID(), dryrun: false, sent_at: new Date().toISOString(), sender: cicd, ...(account === management ? {} : { target_account: account }), payload, ...extra },
    });

    it.each([
      ['CLOSE_ACCOUNT in the management account, unsigned', () => forged('CLOSE_ACCOUNT', management, { account_id: audit, name: 'audit' })],
      ['CLOSE_ACCOUNT in the management account, with a signature of its own', () => forged('CLOSE_ACCOUNT', management, { account_id: audit, name: 'audit' }, { signature: Buffer.from('not the CICD key').toString('base64') })],
      ['DEPLOY_STACK in a member account', () => forged('DEPLOY_STACK', audit, { name: 'audit', stack: 'orgvend-vpc', region: 'ap-southeast-2', template: 'Resources: {}' })],
    ])('is refused: %s, unanswered, with nothing changed', async (_name, make) => {
      const recorder = new MemoryRecorder();
      const worker = org.startWorker({ recorder });
      const event = make();
      const target = event.detail.target_account ?? management;
      try {
        const before = org.calls.length;
        await deliverToRequestQueue(target, event);
        await waitFor(async () => recorder.entries.some((e) => e.nonce === event.detail.nonce));
        expect(recorder.entries.find((e) => e.nonce === event.detail.nonce)).toMatchObject({ event: 'rejected', outcome: 'rejected' });
        const handled = org.calls.slice(before).filter((c) => c.account === target && c.service !== 'sqs');
        // Nothing read, nothing changed, nothing answered: not even a reply on the bus.
        expect(handled).toEqual([]);
        expect(await org.stack(audit, 'ap-southeast-2', 'orgvend-vpc')).toBeNull();
      } finally {
        await worker.stop();
      }
    });
  });

  describe('a genuine request that comes again', () => {
    it('acts once when delivered twice (a redelivery, a DLQ redrive) and answers the second with the first answer', async () => {
      const worker = org.startWorker();
      try {
        const transport = org.transport({ execute: true });
        const before = org.calls.length;
        expect(await transport.request('CREATE_OU', { path: 'Replayed' })).toMatchObject({ outcome: 'created' });
        const again = requestSentSince(before);
        const between = org.calls.length;
        await deliverToRequestQueue(management, again);
        const reply = await replyFor(again.detail.nonce);
        // The first answer, not a second look ("exists") nor a second creation.
        expect(reply).toMatchObject({ ok: true, responder: management, result: { path: 'Replayed', outcome: 'created' } });
        expect(org.calls.slice(between).filter((c) => c.service === 'organizations')).toEqual([]);
      } finally {
        await worker.stop();
      }
    });

    it('is refused once older than its timeout, as a DLQ redrive an hour later would bring it', async () => {
      const worker = org.startWorker();
      try {
        const event = await signed('CREATE_OU', { dryrun: false, payload: { path: 'TooLate' } }, new Date(Date.now() - 3600_000));
        const before = org.calls.length;
        await deliverToRequestQueue(management, event);
        const reply = await replyFor(event.detail.nonce);
        expect(reply).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringContaining("older than CREATE_OU's timeout") } });
        expect(org.calls.slice(before).filter((c) => c.service === 'organizations')).toEqual([]);
      } finally {
        await worker.stop();
      }
    });
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
});

describe('a forged reply', () => {
  it('from the audit account, which sees every nonce, is ignored: the run gets the real organization', async () => {
    await drainReplies();
    const recorder = new MemoryRecorder();
    const transport = org.transport({ recorder, collector: { foreignPauseMs: 50 } });
    // No worker yet: the request waits while the audit account reads its nonce from the audit log.
    const listing = transport.request('LIST_ACCOUNTS', {});
    const logs = await org.factory.forAccount(audit).client('logs');
    let nonce: string | undefined;
    await waitFor(async () => {
      const { events = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: NAMES.auditLogGroup }));
      nonce = events.map((e) => JSON.parse(e.message!)).find((e) => e['detail-type'] === 'LIST_ACCOUNTS' && !events.some((r) => JSON.parse(r.message!).detail.nonce === e.detail.nonce && JSON.parse(r.message!)['detail-type'] === 'LIST_ACCOUNTS_RESULT'))?.detail.nonce;
      return nonce !== undefined;
    });
    // It answers first, claiming to be the management account, with the audit account missing from the list.
    const events = await org.factory.forAccount(audit).client('events');
    const lie = { nonce, responder: management, ok: true, part: 1, parts: 1, result: { root_id: 'r-x', organization_id: org.organizationId, management_account_id: management, ous: [], accounts: [] } };
    await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'orgvend-infra', Source: 'app.infra.reply', DetailType: 'LIST_ACCOUNTS_RESULT', Detail: JSON.stringify(lie) }] }));
    await waitFor(async () => recorder.entries.some((e) => e.event === 'forged'));
    const worker = org.startWorker();
    try {
      const { accounts } = await listing;
      expect(accounts.map((a) => a.id)).toEqual(expect.arrayContaining([management, cicd, audit]));
      expect(recorder.entries.find((e) => e.event === 'forged')).toMatchObject({ type: 'LIST_ACCOUNTS', nonce, account: audit, outcome: 'ignored' });
      // Left for whoever looks (then the reply DLQ), not deleted.
      const sqs = await org.factory.forAccount(cicd).client('sqs');
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: await org.queueUrl(cicd, 'orgvend-replies'), WaitTimeSeconds: 1, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
      expect(Messages.map((m) => JSON.parse(m.Body!)).filter((m) => m.detail.nonce === nonce)).toEqual([expect.objectContaining({ account: audit, detail: lie })]);
    } finally {
      await worker.stop();
      await drainReplies();
    }
  });
});

/** The first request the CLI (the CICD account) put since call `before`, as EventBridge delivers it. */
function requestSentSince(before: number) {
  const put = org.calls.slice(before).find((c) => c.operation === 'PutEvents' && c.account === cicd)!;
  const entry = (put.input as { Entries: { Detail: string; DetailType: string; Source: string }[] }).Entries[0]!;
  return { source: entry.Source, 'detail-type': entry.DetailType, account: cicd, detail: JSON.parse(entry.Detail) };
}

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

/** Empty the reply queue, so the next test starts with none. */
async function drainReplies(): Promise<void> {
  const sqs = await org.factory.forAccount(cicd).client('sqs');
  const url = await org.queueUrl(cicd, 'orgvend-replies');
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }));
    if (!Messages.length) return;
    for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
  }
}
