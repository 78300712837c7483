/** What sync-accounts reads from the accounts that carry orgvend's stack, and in how many requests. */
import { describe, expect, it } from 'vitest';
import type { PayloadOf, RequestType, ResultOf } from '../../../src/protocol/requests.js';
import { withAccountState } from '../../../src/state/live.js';
import type { Transport } from '../../../src/transport/transport.js';
import { liveOrg } from '../../helpers/live.js';

const IDENTITY = '500000000001';

function recording(): Transport & { sent: { type: string; payload: unknown; target?: string | undefined }[] } {
  const sent: { type: string; payload: unknown; target?: string | undefined }[] = [];
  return {
    execute: false,
    sent,
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>, options: { targetAccount?: string } = {}): Promise<ResultOf<T>> {
      sent.push({ type, payload, target: options.targetAccount });
      if (type === 'GET_PARAMETERS') return { parameters: {} } as ResultOf<T>;
      const { stacks } = payload as PayloadOf<'GET_STACKS'>;
      return { stacks: stacks.map((s) => ({ ...s, status: null, template: null })) } as ResultOf<T>;
    },
    async close() {},
  };
}

describe('withAccountState', () => {
  it('reads stacks 20 names to a request, lists the IAM mapping\'s once, and asks only accounts that carry the stack', async () => {
    const live = liveOrg([], [
      { id: IDENTITY, tags: { 'orgvend:bootstrap': 'abc' } },
      { id: '500000000002', tags: {} },
    ]);
    const named = Array.from({ length: 45 }, (_, i) => ({ stack: 'orgvend-vpc', region: `us-east-${(i % 2) + 1}` }));
    const transport = recording();
    const read = await withAccountState(transport, live, new Map([
      [IDENTITY, { stacks: named, mappings: { region: 'ap-southeast-2' } }],
      ['500000000002', { stacks: named.slice(0, 1) }],
    ]));
    const gets = transport.sent.filter((s) => s.type === 'GET_STACKS');
    expect(gets.map((s) => [s.target, (s.payload as PayloadOf<'GET_STACKS'>).stacks.length, (s.payload as PayloadOf<'GET_STACKS'>).mappings ?? null])).toEqual([
      [IDENTITY, 20, { region: 'ap-southeast-2' }],
      [IDENTITY, 20, null],
      [IDENTITY, 5, null],
    ]);
    expect(read.stacks!.get(IDENTITY)).toHaveLength(45);
    // The account without orgvend's stack is asked nothing: no request addressed to it would be answered.
    expect(transport.sent.filter((s) => s.target === '500000000002')).toEqual([]);
  });
});
