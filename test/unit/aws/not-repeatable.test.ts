/**
 * A call that makes something each time AWS receives it is never sent again when its
 * answer is lost; any other call is. Faults are injected below the SDK's retry layer by a
 * request handler that answers as AWS does when the answer is lost: a 500, or a dropped
 * connection, after the call may have been carried out.
 */
import { CreateAccountCommand, DescribeOrganizationCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientFactory } from '../../../src/aws/clients.js';
import { UncertainOutcome, isUncertain } from '../../../src/aws/middleware.js';
import { makeOnce } from '../../../src/aws/once.js';
import { settle as settleFakeTime } from '../../helpers/fake-time.js';

type Answer = 'lost-500' | 'reset' | 'throttled' | 'ok';

/** Answers in turn (the last one repeats), counting what reached "AWS". */
function answering(answers: Answer[]) {
  let calls = 0;
  return {
    calls: () => calls,
    async handle() {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      const { Readable } = await import('node:stream');
      if (answer === 'reset') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      const [status, body] =
        answer === 'lost-500'
          ? [500, { __type: 'ServiceException', Message: 'internal error' }]
          : answer === 'throttled'
            ? [400, { __type: 'TooManyRequestsException', Message: 'Rate exceeded' }]
            : [200, { CreateAccountStatus: { Id: 'car-1', State: 'IN_PROGRESS' }, Organization: { Id: 'o-abc1234567' }, Roots: [] }];
      return { response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) } };
    },
  };
}

const organizations = (handler: unknown) =>
  new ClientFactory({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' }, requestHandler: handler }).client('organizations');
const settle = <T>(promise: Promise<T>) => settleFakeTime(promise, 200, 600);
const create = new CreateAccountCommand({ AccountName: 'foo', Email: 'foo@example.com' });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a call AWS must not receive twice', () => {
  it.each<Answer>(['lost-500', 'reset'])('is sent once when its answer is lost (%s), and fails as an uncertain outcome', async (answer) => {
    const handler = answering([answer, 'ok']);
    const client = await organizations(handler);
    const error = await settle(client.send(create)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UncertainOutcome);
    expect(error).toMatchObject({ operation: 'CreateAccount' });
    expect(handler.calls()).toBe(1);
  });

  it('is sent again when it was throttled, which means AWS did not act', async () => {
    const handler = answering(['throttled', 'throttled', 'ok']);
    const client = await organizations(handler);
    expect((await settle(client.send(create))).CreateAccountStatus?.Id).toBe('car-1');
    expect(handler.calls()).toBe(3);
  });
});

describe('a call that reads', () => {
  it.each<Answer>(['lost-500', 'reset'])('is sent again when its answer is lost (%s)', async (answer) => {
    const handler = answering([answer, 'ok']);
    const client = await organizations(handler);
    await settle(client.send(new DescribeOrganizationCommand({})));
    await settle(client.send(new ListRootsCommand({})));
    expect(handler.calls()).toBe(3);
  });
});

describe('makeOnce', () => {
  const lost = () => Promise.reject(new UncertainOutcome('CreateThing', 'HTTP 500'));

  it('returns what the lost attempt made, found, without making it again', async () => {
    const make = vi.fn(lost);
    expect(await settle(makeOnce('making a thing', make, async () => 'thing-1'))).toBe('thing-1');
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('makes it again only when nothing was found, and gives up saying so after three lost answers', async () => {
    const make = vi.fn(lost);
    const find = vi.fn(async () => undefined);
    const error = await settle(makeOnce('making a thing', make, find)).catch((e: unknown) => e);
    expect(make).toHaveBeenCalledTimes(3);
    expect(find).toHaveBeenCalledTimes(3);
    expect(isUncertain(error)).toBe(false);
    expect((error as Error).message).toMatch(/^making a thing: the answer to CreateThing was lost 3 times \(HTTP 500\) and nothing it made is to be found yet; run again/);
  });

  it('passes on at once an error that says AWS did not act', async () => {
    const refused = Object.assign(new Error('no'), { name: 'ConstraintViolationException' });
    const find = vi.fn(async () => 'x');
    await expect(makeOnce('making a thing', () => Promise.reject(refused), find)).rejects.toBe(refused);
    expect(find).not.toHaveBeenCalled();
  });
});
