/**
 * The Lambda adapter: an SQS batch in, batch item failures out. EventBridge is mocked
 * (aws-sdk-client-mock) to make a reply fail; moto is not needed for that.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromEnvironment, handler } from '../../../src/handlers/lambda.js';
import { testRequestKey } from '../../helpers/request-key.js';

const KEY = testRequestKey();

const ENV = {
  AWS_REGION: 'ap-southeast-2',
  AWS_ACCESS_KEY_ID: 'unit',
  AWS_SECRET_ACCESS_KEY: 'unit',
  ORGVEND_ACCOUNT_ID: '111111111111',
  ORGVEND_ROLES: 'management',
  ORGVEND_CICD_ACCOUNT_ID: '222222222222',
  ORGVEND_AUDIT_ACCOUNT_ID: '333333333333',
  ORGVEND_EVENT_SOURCE: 'app.infra',
  ORGVEND_EVENT_BUS: 'orgvend-infra',
  ORGVEND_VERSION: '0.1.0',
  ORGVEND_REQUEST_KEY: KEY.publicKey,
};

const ping = (nonce: string, account?: string) =>
  JSON.stringify({
    ...KEY.signed({
      source: 'app.infra',
      'detail-type': 'PING',
      detail: { nonce, dryrun: false, sent_at: new Date().toISOString(), sender: '222222222222', target_account: '111111111111', payload: {} },
    }),
    ...(account ? { account } : {}),
  });

const context = { getRemainingTimeInMillis: () => 900_000 };
let events: ReturnType<typeof mockClient>;

beforeEach(() => {
  for (const [k, v] of Object.entries(ENV)) vi.stubEnv(k, v);
  events = mockClient(EventBridgeClient);
  events.onAnyCommand().rejects(new Error('unexpected EventBridge command'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

afterEach(() => {
  events.restore();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('the handler Lambda', () => {
  it('verifies requests with the public key bootstrap set, and will not start without one', () => {
    expect(configFromEnvironment().requestKey).toBe(KEY.publicKey);
    vi.stubEnv('ORGVEND_REQUEST_KEY', '');
    expect(() => configFromEnvironment()).toThrow('ORGVEND_REQUEST_KEY is not set');
  });

  it('knows the core accounts it must never change from the environment, and does not start without them', () => {
    expect(configFromEnvironment()).toMatchObject({ cicdAccountId: '222222222222', auditAccountId: '333333333333', hasDelegatedAdmin: false });
    expect(configFromEnvironment().delegatedAdminAccountId).toBeUndefined();
    vi.stubEnv('ORGVEND_HAS_DELEGATED_ADMIN', 'true');
    expect(() => configFromEnvironment()).toThrow('environment variable ORGVEND_DELEGATED_ADMIN_ACCOUNT_ID is not set');
    vi.stubEnv('ORGVEND_DELEGATED_ADMIN_ACCOUNT_ID', '444444444444');
    expect(configFromEnvironment()).toMatchObject({ hasDelegatedAdmin: true, delegatedAdminAccountId: '444444444444' });
    vi.stubEnv('ORGVEND_AUDIT_ACCOUNT_ID', '');
    expect(() => configFromEnvironment()).toThrow('environment variable ORGVEND_AUDIT_ACCOUNT_ID is not set');
  });

  it('answers each message and reports as failed only those whose reply could not be sent', async () => {
    const a = '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d';
    const b = '7f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d';
    events.on(PutEventsCommand).callsFake(({ Entries }) => {
      const detail = JSON.parse(Entries[0].Detail);
      if (detail.nonce === b) throw Object.assign(new Error('service unavailable'), { name: 'InternalException' });
      return { FailedEntryCount: 0, Entries: [{ EventId: '1' }] };
    });
    const result = await handler({ Records: [{ messageId: 'ma', body: ping(a, '222222222222') }, { messageId: 'mb', body: ping(b, '222222222222') }] }, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'mb' }] });
    const replies = events.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries![0]!.Detail!));
    expect(replies.find((r) => r.nonce === a)).toMatchObject({ ok: true, result: { account_id: '111111111111' } });
  });

  it('refuses an event without a sender account, unanswered, and counts that as done, not failed', async () => {
    const result = await handler({ Records: [{ messageId: 'm1', body: ping('6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d') }] }, context);
    expect(result.batchItemFailures).toEqual([]);
    // Nothing proves who sent it, so nothing is put on the bus in answer (the mock refuses any put).
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(process.stdout.write).toHaveBeenCalledWith(expect.stringContaining('no sender account'));
  });
});
