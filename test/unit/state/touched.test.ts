/** What the read after --execute asks for: the touched accounts by id, merged into what was read before. */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../../src/plan/plan.js';
import type { OrgAccount, PayloadOf, RequestType, ResultOf } from '../../../src/protocol/requests.js';
import type { FingerprintInput } from '../../../src/plan/applied.js';
import { readTouchedTree, rereads, touchedBy, withRereadState, type ExecutedOutcome } from '../../../src/state/touched.js';
import type { Transport } from '../../../src/transport/transport.js';
import { liveOrg } from '../../helpers/live.js';

const change = (type: string, target: string, accountId?: string): Change =>
  ({ type, target, reason: 'test', before: accountId ? { account_id: accountId } : null, after: {} }) as unknown as Change;
const done = (value: unknown = {}) => ({ status: 'done', value, ms: 1 });
const failed: ExecutedOutcome['result'] = { status: 'failed' };
const skipped: ExecutedOutcome['result'] = { status: 'skipped' };

describe('touchedBy', () => {
  it('names the accounts changed, the new ones by the id their creation gave, and the OU tree when an OU was created', () => {
    const executed: ExecutedOutcome[] = [
      { change: change('ou.create', 'Internal/New'), result: done() },
      { change: change('account.create', 'new'), result: done({ account_id: '500000000009', outcome: 'created' }) },
      { change: change('account.tag', 'foo', '500000000001'), result: done() },
      { change: change('parameters.put', 'dns', '500000000002'), result: failed },
      { change: change('account.move', 'bar', '500000000003'), result: skipped },
    ];
    expect(touchedBy(executed)).toEqual({ ous: true, accounts: new Set(['500000000009', '500000000001', '500000000002']), stacksOnly: new Map() });
  });

  it('names the stacks deployed or deleted in an account where nothing else changed', () => {
    const stack = (type: string, id: string, name: string): ExecutedOutcome => ({ change: { ...change(type, `x/${name}`, id), after: { stack: name, region: 'us-east-1' } }, result: done() });
    const executed = [stack('stack.deploy', '500000000001', 'orgvend-a'), stack('stack.delete', '500000000001', 'orgvend-b'), stack('stack.deploy', '500000000002', 'orgvend-a'), { change: change('parameters.put', 'x', '500000000002'), result: done() }];
    expect(touchedBy(executed)!.stacksOnly).toEqual(new Map([['500000000001', new Set(['us-east-1/orgvend-a', 'us-east-1/orgvend-b'])]]));
  });

  it('cannot say, so the whole organization is read, when a creation failed or a change is of a kind it does not know', () => {
    expect(touchedBy([{ change: change('account.create', 'new'), result: failed }])).toBeUndefined();
    expect(touchedBy([{ change: change('scp.attach', 'Root'), result: done() }])).toBeUndefined();
  });
});

function answering(accounts: OrgAccount[]): Transport & { sent: { type: string; payload: unknown; target?: string }[] } {
  const sent: { type: string; payload: unknown; target?: string }[] = [];
  return {
    execute: true,
    sent,
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>, options: { targetAccount?: string } = {}): Promise<ResultOf<T>> {
      sent.push({ type, payload, ...(options.targetAccount ? { target: options.targetAccount } : {}) });
      if (type === 'DESCRIBE_ACCOUNTS') return { accounts: accounts.filter((a) => (payload as PayloadOf<'DESCRIBE_ACCOUNTS'>).accounts.includes(a.id)) } as ResultOf<T>;
      if (type === 'READ_ACCOUNTS') return { accounts: (payload as PayloadOf<'READ_ACCOUNTS'>).accounts.map((e) => ({ account_id: e.account_id, parameters: { name: `fresh-${e.account_id}` } })) } as ResultOf<T>;
      throw new Error(`unexpected ${type}`);
    },
    async close() {},
  };
}

describe('readTouchedTree and withRereadState', () => {
  const bootstrapped = { 'orgvend:bootstrap': 'abc' };
  const before = {
    ...liveOrg(['Internal'], [
      { id: '500000000001', ou: 'Internal', tags: bootstrapped },
      { id: '500000000002', ou: 'Internal', tags: bootstrapped },
      { id: '500000000003', ou: 'Internal', tags: bootstrapped },
    ]),
    parameters: new Map([['500000000001', { name: 'old-1' }], ['500000000002', { name: 'old-2' }], ['500000000003', { name: 'old-3' }]]),
    stacks: new Map(),
  };
  const describedAs = (id: string, changes: Partial<OrgAccount>): OrgAccount => {
    const { ou: _ou, ...account } = before.accounts.find((a) => a.id === id) ?? { ...before.accounts[1]!, id };
    return { ...account, ...changes };
  };

  it('re-reads the touched accounts by id, 20 to a request, and keeps every other account as read before', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => String(600000000000 + i));
    const transport = answering([describedAs('500000000002', { tags: { ...bootstrapped, team: 'new' } }), ...ids.map((id) => describedAs(id, {}))]);
    const tree = await readTouchedTree(transport, before, { accounts: new Set(['500000000002', '500000000003', ...ids]), stacksOnly: new Map(), ous: false });
    expect(transport.sent.map((s) => [s.type, (s.payload as { accounts: string[] }).accounts.length])).toEqual([['DESCRIBE_ACCOUNTS', 20], ['DESCRIBE_ACCOUNTS', 3]]);
    // 500000000003 is no account of the organization any more: dropped.
    expect(tree.accounts.map((a) => a.id)).toEqual(['111111111111', '500000000001', '500000000002', ...ids]);
    expect(tree.accounts.find((a) => a.id === '500000000002')).toMatchObject({ ou: 'Internal', tags: { team: 'new' } });
    expect(tree.accounts.find((a) => a.id === '500000000001')).toEqual(before.accounts[1]);

    transport.sent.length = 0;
    const live = await withRereadState(transport, tree, before, new Set(['500000000002']), { stacks: new Map() });
    expect(transport.sent).toEqual([{ type: 'READ_ACCOUNTS', payload: { accounts: [{ account_id: '500000000002', parameters: true, stacks: [] }] } }]);
    expect(live.parameters).toEqual(new Map([['500000000001', { name: 'old-1' }], ['500000000002', { name: 'fresh-500000000002' }]]));
  });

  it('reads of an account some stacks alone, keeps what else it knew of it, and keeps it vouched for but those stacks', async () => {
    const old = (stack: string) => ({ stack, region: 'us-east-1', status: 'CREATE_COMPLETE', template: 'old' });
    const fresh = { stack: 'orgvend-b', region: 'us-east-1', status: 'UPDATE_COMPLETE', template: 'new' };
    const transport = answering([]);
    transport.request = (async (type: RequestType, payload: PayloadOf<'READ_ACCOUNTS'>) => {
      transport.sent.push({ type, payload });
      return { accounts: payload.accounts.map((e) => ({ account_id: e.account_id, stacks: e.stacks.map(() => fresh) })) };
    }) as Transport['request'];
    const was = { ...before, stacks: new Map([['500000000001', [old('orgvend-a'), old('orgvend-b')]]]), vouched: new Set(['500000000002']) };
    const only = new Set(['us-east-1/orgvend-b']);
    const live = await withRereadState(transport, was, was, new Set(), { stacks: new Map() }, new Map([['500000000001', only], ['500000000002', only]]));
    expect(transport.sent).toEqual([{ type: 'READ_ACCOUNTS', payload: { accounts: ['500000000001', '500000000002'].map((id) => ({ account_id: id, parameters: false, stacks: [{ stack: 'orgvend-b', region: 'us-east-1' }] })) } }]);
    expect(live.stacks!.get('500000000001')).toEqual([old('orgvend-a'), fresh]);
    expect(live.parameters).toEqual(before.parameters);
    expect(live.vouched).toEqual(new Set(['500000000002']));
    expect(live.vouchedExcept).toEqual(new Map([['500000000002', only]]));

    // Read whole later: no longer vouched for, and nothing of its exceptions left behind.
    const again = await withRereadState(transport, live, live, new Set(['500000000002']), { stacks: new Map() });
    expect(again.vouched).toEqual(new Set());
    expect(again.vouchedExcept).toBeUndefined();
  });
});

describe('rereads', () => {
  const input = (stacks: string[], parameters: Record<string, string> = {}): FingerprintInput => ({ version: 1, bootstrap: 'abc', parameters, s3_block_public_access: null, stacks: stacks.map((name) => JSON.stringify(['deploy', name, 'us-east-1', 'sha'])).sort() });
  const touched = (stacksOnly: Record<string, string[]> = {}, others: string[] = []) => ({
    accounts: new Set([...Object.keys(stacksOnly), ...others]),
    stacksOnly: new Map(Object.entries(stacksOnly).map(([id, names]) => [id, new Set(names.map((n) => `us-east-1/${n}`))])),
    ous: false,
  });
  const before = (vouched: string[], inputs: Record<string, FingerprintInput>, read: string[] = []) => ({ vouched: new Set(vouched), read: (id: string) => read.includes(id), inputs: new Map(Object.entries(inputs)) });
  const never = () => false;

  it('reads of an account read before only the stacks deployed there, and whole one touched otherwise or not read before', () => {
    const { whole, stacks } = rereads(touched({ A: ['s1'], C: ['s1'] }, ['B']), ['A', 'B', 'C'], before([], {}, ['A', 'B']), new Map(), never);
    expect(stacks).toEqual(new Map([['A', new Set(['us-east-1/s1'])]]));
    expect(whole).toEqual(new Set(['B', 'C']));
  });

  it('reads of an account vouched for the stacks rendered anew and those deployed, whole when more than stacks differ or its reads changed', () => {
    const was = { A: input(['s1']), B: input(['s1']), C: input(['s1']) };
    const now = new Map(Object.entries({ A: input(['s1', 's2']), B: input(['s1'], { team: 'blue' }), C: input(['s1', 's2']) }));
    const { whole, stacks } = rereads(touched({ A: ['s3'] }), ['A', 'B', 'C'], before(['A', 'B', 'C'], was), now, (id) => id === 'C');
    expect(stacks).toEqual(new Map([['A', new Set(['us-east-1/s3', 'us-east-1/s2'])]]));
    expect(whole).toEqual(new Set(['B', 'C']));
  });
});
