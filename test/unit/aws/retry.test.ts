/**
 * Retries live in the client factory. Faults are injected below the SDK's retry layer by
 * a request handler that answers like Organizations does when it is busy.
 */
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientFactory, type AwsCall } from '../../../src/aws/clients.js';
import { settle as settleFakeTime } from '../../helpers/fake-time.js';

function busyThen(failures: number, errorType: string) {
  let calls = 0;
  const handler = {
    calls: () => calls,
    async handle() {
      calls += 1;
      const { Readable } = await import('node:stream');
      const failing = calls <= failures;
      const body = failing
        ? { __type: errorType, Message: 'AWS Organizations can\'t complete your request because it conflicts with another attempt to modify the same entity.' }
        : { Organization: { Id: 'o-abc1234567', MasterAccountId: '111111111111' } };
      // The shape of the SDK's HttpResponse, which it recognises by its fields.
      return {
        response: {
          statusCode: failing ? 400 : 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
  };
  return handler;
}

const factory = (handler: unknown, onCall?: (c: AwsCall) => void) =>
  new ClientFactory({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, requestHandler: handler, onCall });

/** Send while letting fake time run, so the SDK's backoff costs no real seconds. */
const settle = <T>(promise: Promise<T>) => settleFakeTime(promise, 100, 600);

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
