/** What sync-accounts reads from the accounts that carry orgvend's stack, and in how many requests. */
import { describe, expect, it } from 'vitest';
import { MAX_ACCOUNTS_READ, type PayloadOf, type RequestType, type ResultOf } from '../../../src/protocol/requests.js';
import { withAccountState } from '../../../src/state/live.js';
import type { Transport } from '../../../src/transport/transport.js';
import { liveOrg } from '../../helpers/live.js';

const IDENTITY = '500000000001';
const bootstrapped = { 'orgvend:bootstrap': 'abc' };

type Sent = { type: string; payload: unknown; target?: string | undefined };
type StackRef = { stack: string; region: string };

/**
 * Answers as the handlers would for accounts whose parameters and stacks are made up from
 * their ids; READ_ACCOUNTS answers the accounts in `old` (bootstrapped before the reader
 * role) unreachable.
 */
function recording(old: ReadonlySet<string> = new Set()): Transport & { sent: Sent[] } {
  const sent: Sent[] = [];
  const parametersOf = (id: string) => ({ [`/orgvend/account/id`]: id });
  const stacksOf = (id: string, stacks: StackRef[], owned?: { regions: string[] }) => [
    ...stacks.map((s) => ({ ...s, status: 'CREATE_COMPLETE', template: `${id}/${s.region}/${s.stack}` })),
    ...(owned ? [{ stack: 'orgvend-identity-iam-mapping-dev', region: owned.regions[0]!, status: 'CREATE_COMPLETE', template: `${id}/mapping` }] : []),
  ];
  return {
    execute: false,
    sent,
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>, options: { targetAccount?: string } = {}): Promise<ResultOf<T>> {
      sent.push({ type, payload, target: options.targetAccount });
      const target = options.targetAccount!;
      if (type === 'GET_PARAMETERS') return { parameters: parametersOf(target) } as ResultOf<T>;
      if (type === 'GET_STACKS') {
        const { stacks, owned } = payload as PayloadOf<'GET_STACKS'>;
        return { stacks: stacksOf(target, stacks, owned) } as ResultOf<T>;
      }
      if (type === 'READ_ACCOUNTS') {
        const { accounts } = payload as PayloadOf<'READ_ACCOUNTS'>;
        return {
          accounts: accounts.map((e) =>
            old.has(e.account_id)
              ? { account_id: e.account_id, unreachable: { reason: 'cannot-assume-reader', message: 'AccessDenied' } }
              : { account_id: e.account_id, ...(e.parameters ? { parameters: parametersOf(e.account_id) } : {}), ...(e.stacks.length || e.owned ? { stacks: stacksOf(e.account_id, e.stacks, e.owned) } : {}) },
          ),
        } as ResultOf<T>;
      }
      throw new Error(`unexpected ${type}`);
    },
    async close() {},
  };
}

const vpc = (region: string) => ({ stacks: [{ stack: 'orgvend-vpc', region }] });

describe('withAccountState', () => {
  it('reads stacks 20 names to an entry, lists orgvend\'s stacks with the first, the IAM mapping\'s account in a request of its own, and asks only accounts that carry the stack', async () => {
    const live = liveOrg([], [
      { id: IDENTITY, tags: bootstrapped },
      { id: '500000000002', tags: {} },
    ]);
    const named = Array.from({ length: 45 }, (_, i) => ({ stack: 'orgvend-vpc', region: `us-east-${(i % 2) + 1}` }));
    const transport = recording();
    const read = await withAccountState(transport, live, {
      stacks: new Map([
        [IDENTITY, { stacks: named, owned: { regions: ['ap-southeast-2'] }, alone: true }],
        ['500000000002', { stacks: named.slice(0, 1) }],
      ]),
    });
    const batches = transport.sent.map((s) => (s.payload as PayloadOf<'READ_ACCOUNTS'>).accounts.map((e) => [e.account_id, e.parameters, e.stacks.length, e.owned ?? null]));
    expect(transport.sent.map((s) => s.type)).toEqual(['READ_ACCOUNTS', 'READ_ACCOUNTS', 'READ_ACCOUNTS']);
    expect(batches).toEqual([
      [[IDENTITY, true, 20, { regions: ['ap-southeast-2'] }]],
      [[IDENTITY, false, 20, null]],
      [[IDENTITY, false, 5, null]],
    ]);
    // In the order asked: the first 20 named and what the listing found, then the rest.
    expect(read.stacks!.get(IDENTITY)!.map((s) => s.template)).toEqual([...named.slice(0, 20).map((s) => `${IDENTITY}/${s.region}/${s.stack}`), `${IDENTITY}/mapping`, ...named.slice(20).map((s) => `${IDENTITY}/${s.region}/${s.stack}`)]);
    expect(read.stacks!.get(IDENTITY)).toHaveLength(46);
    // The account without orgvend's stack is asked nothing: no request addressed to it would be answered.
    expect(read.stacks!.has('500000000002')).toBe(false);
    expect(JSON.stringify(transport.sent)).not.toContain('500000000002');
  });

  it(`reads ${MAX_ACCOUNTS_READ * 2 + 1} bootstrapped accounts in 3 requests, and gives what reading each account itself gives`, async () => {
    const members = Array.from({ length: MAX_ACCOUNTS_READ * 2 + 1 }, (_, i) => ({ id: String(600000000000 + i), tags: bootstrapped }));
    const live = liveOrg([], members);
    // Every account's VPC, parameters of all but the last.
    const stacks = new Map(members.map((m, i) => [m.id, vpc(`us-east-${(i % 2) + 1}`)]));
    const parametersOf = new Set(members.slice(0, -1).map((m) => m.id));

    const batched = recording();
    const read = await withAccountState(batched, live, { stacks, parametersOf });
    expect(batched.sent.map((s) => [s.type, (s.payload as PayloadOf<'READ_ACCOUNTS'>).accounts.length])).toEqual([
      ['READ_ACCOUNTS', MAX_ACCOUNTS_READ],
      ['READ_ACCOUNTS', MAX_ACCOUNTS_READ],
      ['READ_ACCOUNTS', 1],
    ]);

    // Every account READ_ACCOUNTS cannot read is read by GET_PARAMETERS and GET_STACKS: the same Live.
    const each = recording(new Set(members.map((m) => m.id)));
    const readEach = await withAccountState(each, live, { stacks, parametersOf });
    expect(each.sent.filter((s) => s.type === 'GET_PARAMETERS')).toHaveLength(members.length - 1);
    expect(each.sent.filter((s) => s.type === 'GET_STACKS')).toHaveLength(members.length);
    expect(read).toEqual(readEach);
    expect([...read.parameters!.keys()]).toEqual([...parametersOf]);
    expect(read.parameters!.get(members[0]!.id)).toEqual({ '/orgvend/account/id': members[0]!.id });
    expect(read.stacks!.get(members[1]!.id)).toEqual([{ stack: 'orgvend-vpc', region: 'us-east-2', status: 'CREATE_COMPLETE', template: `${members[1]!.id}/us-east-2/orgvend-vpc` }]);
  });

  it('asks an account READ_ACCOUNTS cannot read (its stack predates the reader role) itself, and no other', async () => {
    const live = liveOrg([], [
      { id: '600000000001', tags: bootstrapped },
      { id: '600000000002', tags: bootstrapped },
      { id: '600000000003', tags: bootstrapped },
    ]);
    const stacks = new Map([['600000000002', vpc('us-east-1')], ['600000000003', vpc('us-east-1')]]);
    const transport = recording(new Set(['600000000002']));
    const read = await withAccountState(transport, live, { stacks });
    expect(transport.sent.map((s) => [s.type, s.target])).toEqual([
      ['READ_ACCOUNTS', undefined],
      ['GET_PARAMETERS', '600000000002'],
      ['GET_STACKS', '600000000002'],
    ]);
    expect([...read.parameters!.keys()]).toEqual(['600000000001', '600000000002', '600000000003']);
    expect(read.parameters!.get('600000000002')).toEqual({ '/orgvend/account/id': '600000000002' });
    expect([...read.stacks!.keys()]).toEqual(['600000000002', '600000000003']);
    expect(read.stacks!.get('600000000002')![0]!.template).toBe('600000000002/us-east-1/orgvend-vpc');
  });

  it('does not read an account whose applied tag is its fingerprint, and reads one whose tag is another, forged or absent', async () => {
    const fingerprint = 'f'.repeat(32);
    const live = liveOrg([], [
      { id: '600000000001', tags: { ...bootstrapped, 'orgvend:applied': fingerprint } },
      { id: '600000000002', tags: { ...bootstrapped, 'orgvend:applied': 'e'.repeat(32) } },
      { id: '600000000003', tags: { ...bootstrapped, 'orgvend:applied': `${fingerprint} ` } },
      { id: '600000000004', tags: bootstrapped },
    ]);
    const fingerprints = new Map(['600000000001', '600000000002', '600000000003', '600000000004'].map((id) => [id, fingerprint]));
    const stacks = new Map(['600000000001', '600000000002'].map((id) => [id, vpc('us-east-1')]));
    const transport = recording();
    const read = await withAccountState(transport, live, { stacks, fingerprints });
    const asked = transport.sent.flatMap((s) => (s.payload as PayloadOf<'READ_ACCOUNTS'>).accounts.map((e) => e.account_id));
    expect(asked).toEqual(['600000000002', '600000000003', '600000000004']);
    expect([...read.vouched!]).toEqual(['600000000001']);
    expect(read.parameters!.has('600000000001')).toBe(false);
    expect(read.stacks!.has('600000000001')).toBe(false);
    // Without fingerprints (--refresh), every account is read and none vouched for.
    const refreshed = await withAccountState(recording(), live, { stacks });
    expect([...refreshed.parameters!.keys()]).toHaveLength(4);
    expect(refreshed.vouched).toBeUndefined();
  });

  it('sends nothing when no account carries orgvend\'s stack', async () => {
    const transport = recording();
    const read = await withAccountState(transport, liveOrg([], [{ id: '600000000001', tags: {} }]), { stacks: new Map([['600000000001', vpc('us-east-1')]]) });
    expect(transport.sent).toEqual([]);
    expect(read.parameters).toEqual(new Map());
    expect(read.stacks).toEqual(new Map());
  });
});
