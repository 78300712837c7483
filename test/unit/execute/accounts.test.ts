import { describe, expect, it, vi } from 'vitest';
import { RequestError } from '../../../src/errors.js';
import { executeAccountPlan, requestFor, stepsFor } from '../../../src/execute/accounts.js';
import { planAccounts } from '../../../src/plan/accounts.js';
import type { PayloadOf, RequestType, ResultOf } from '../../../src/protocol/requests.js';
import type { Transport } from '../../../src/transport/transport.js';
import { desiredOf } from '../../helpers/dsl.js';
import { liveOrg } from '../../helpers/live.js';

const desired = desiredOf();
const org = desired.organization;
const plan = planAccounts(desired, liveOrg([]), { now: new Date('2026-11-23T00:00:00Z') });

/** A transport that answers from a script and records what it was asked. */
function scripted(answer: (type: RequestType, payload: unknown) => unknown): Transport & { sent: { type: string; payload: unknown }[] } {
  const sent: { type: string; payload: unknown }[] = [];
  return {
    execute: true,
    sent,
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>): Promise<ResultOf<T>> {
      sent.push({ type, payload });
      return answer(type, payload) as ResultOf<T>;
    },
    async close() {},
  };
}

describe('carrying out a sync-accounts plan', () => {
  it('orders OUs before the accounts that go in them', () => {
    const steps = stepsFor(plan, org);
    expect(steps.find((s) => s.id === 'account.create foo')!.dependsOn).toEqual(['ou.create Internal/Dev']);
    expect(steps.find((s) => s.id === 'ou.create Internal/Dev')!.dependsOn).toEqual(['ou.create Internal']);
    expect(steps.find((s) => s.id === 'ou.create Internal')!.dependsOn).toEqual([]);
  });

  it('tags an account it adopts before moving it, as the handler moves only an account tagged as managed', () => {
    const adopting = planAccounts(desired, liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Infra'], [{ id: '500000000001', email: 'aws+foo@example.com', ou: '' }]), { now: new Date('2026-11-23T00:00:00Z') });
    const steps = stepsFor(adopting, org);
    expect(steps.find((s) => s.id === 'account.move foo')!.dependsOn).toContain('account.tag foo');
    expect(steps.find((s) => s.id === 'account.tag foo')!.dependsOn).toEqual([]);
  });

  it('turns each change into the request that makes it', () => {
    const create = plan.changes.find((c) => c.type === 'account.create' && c.target === 'foo')!;
    expect(requestFor(create, org)).toEqual({
      type: 'CREATE_ACCOUNT',
      payload: { name: 'foo', aws_name: 'foo-nonprod', email: 'aws+foo@example.com', ou_path: 'Internal/Dev', tags: expect.objectContaining({ 'orgvend:name': 'foo' }) },
    });
    expect(
      requestFor({ type: 'account.tag', target: 'foo', reason: 'tags-changed', before: { account_id: '500000000001', tags: {} }, after: { tags: { a: '1', b: null } } }, org),
    ).toEqual({ type: 'TAG_ACCOUNT', payload: { account_id: '500000000001', name: 'foo', set: { a: '1' }, remove: ['b'] } });
    expect(
      requestFor({ type: 'account.retire', target: 'old', reason: 'removed-from-config', before: { account_id: '500000000009', ou: 'Internal/Dev' }, after: { ou: 'Morgue', tags: { 'orgvend:lifecycle': 'retired' } } }, org),
    ).toEqual({ type: 'RETIRE_ACCOUNT', payload: { account_id: '500000000009', name: 'old', morgue_path: 'Morgue', tags: { 'orgvend:lifecycle': 'retired' } } });
  });

  it('asks again for a creation the handler reports as still running, and only for that', async () => {
    let attempts = 0;
    const transport = scripted((type) => {
      if (type === 'CREATE_ACCOUNT' && ++attempts < 3) throw new RequestError(type, 'n', 'timeout', 'still in progress');
      return {};
    });
    const results = await executeAccountPlan({ ...plan, changes: plan.changes.filter((c) => c.target === 'foo') }, org, transport);
    expect(results.get('account.create foo')).toMatchObject({ status: 'done' });
    expect(transport.sent.filter((s) => s.type === 'CREATE_ACCOUNT')).toHaveLength(3);
  });

  it('asks again for a stack still deploying, which waits for it, and gives up after four answers saying so', async () => {
    const deploy = { type: 'stack.deploy' as const, target: 'foo/orgvend-vpc', reason: 'template-changed', before: { account_id: '500000000001' }, after: { stack: 'orgvend-vpc', region: 'us-east-1', template: 'Resources: {}' } };
    for (const [running, status] of [[2, 'done'], [4, 'failed']] as const) {
      let answers = 0;
      const transport = scripted(() => (++answers <= running ? { outcome: 'in-progress', status: 'UPDATE_IN_PROGRESS', changes: [] } : { outcome: 'updated', status: 'UPDATE_COMPLETE', changes: [] }));
      const results = await executeAccountPlan({ ...plan, changes: [deploy] }, org, transport);
      expect(results.get('stack.deploy foo/orgvend-vpc')).toMatchObject({ status });
      expect(transport.sent).toHaveLength(Math.min(running + 1, 4));
      expect(transport.sent[0]).toEqual({ type: 'DEPLOY_STACK', payload: { name: 'foo/orgvend-vpc', stack: 'orgvend-vpc', region: 'us-east-1', template: 'Resources: {}' } });
    }
  });

  it('bootstraps accounts before anything addressed to them, all in one request, asked again while their stacks are still deploying', async () => {
    const bootstrap = (name: string, id: string) => ({ type: 'account.bootstrap' as const, target: name, reason: 'missing-stack', before: { account_id: id }, after: { stack: 'orgvend-bootstrap' } });
    const [foo, dns] = [bootstrap('foo', '500000000001'), bootstrap('dns', '500000000002')];
    const parameters = { type: 'parameters.put' as const, target: 'foo', reason: 'missing-in-account', before: { account_id: '500000000001', parameters: {} }, after: { parameters: { '/orgvend/account/name': 'foo' } } };
    const deploy = { type: 'stack.deploy' as const, target: 'foo/orgvend-vpc', reason: 'missing-in-account', before: { account_id: '500000000001' }, after: { stack: 'orgvend-vpc', region: 'us-east-1', template: 'Resources: {}' } };
    const other = { ...parameters, target: 'ecr', before: { account_id: '500000000009', parameters: {} } };
    const changes = [foo, parameters, deploy, dns, other];
    expect(stepsFor({ ...plan, changes }, org).map((s) => s.dependsOn)).toEqual([[], ['account.bootstrap foo'], ['account.bootstrap foo'], [], []]);
    // An account matched by email gets its managed-by tags first (the handler bootstraps only a managed account); the one request waits for it.
    const tag = { type: 'account.tag' as const, target: 'dns', reason: 'tags-changed', before: { account_id: '500000000002', tags: {} }, after: { tags: { 'managed-by': 'orgvend' } } };
    expect(stepsFor({ ...plan, changes: [tag, foo, dns] }, org).map((s) => s.dependsOn)).toEqual([[], ['account.tag dns'], ['account.tag dns']]);

    let answers = 0;
    const transport = scripted((type) => {
      if (type !== 'BOOTSTRAP_ACCOUNTS') return {};
      const running = ++answers < 3;
      return { accounts: { '500000000001': 'bootstrapped', '500000000002': running ? 'in-progress' : 'bootstrapped' }, stacks: { '500000000002': running ? 'in-progress' : 'created' } };
    });
    const results = await executeAccountPlan({ ...plan, changes }, org, transport);
    expect(results.get('account.bootstrap foo')).toMatchObject({ status: 'done' });
    expect(results.get('account.bootstrap dns')).toMatchObject({ status: 'done' });
    const bootstraps = transport.sent.filter((s) => s.type === 'BOOTSTRAP_ACCOUNTS');
    expect(bootstraps).toHaveLength(3);
    expect(bootstraps[0]!.payload).toEqual({ accounts: [{ account_id: '500000000001', name: 'foo' }, { account_id: '500000000002', name: 'dns' }] });
    // foo's own requests only after its bootstrap; the other account's need not wait.
    const order = transport.sent.map((s) => s.type);
    expect(order.indexOf('DEPLOY_STACK')).toBeGreaterThan(order.lastIndexOf('BOOTSTRAP_ACCOUNTS'));
    expect(order.filter((t) => t === 'PUT_PARAMETERS')).toHaveLength(2);
  });

  it('sends the bootstrap batches side by side, four at a time, not one after another', async () => {
    const changes = Array.from({ length: 90 }, (_, i) => ({ type: 'account.bootstrap' as const, target: `acct${i}`, reason: 'missing-stack', before: { account_id: String(500000000100 + i) }, after: { stack: 'orgvend-bootstrap' } }));
    const sent: PayloadOf<'BOOTSTRAP_ACCOUNTS'>[] = [];
    const answers: (() => void)[] = [];
    const transport: Transport = {
      execute: true,
      async request<T extends RequestType>(type: T, payload: PayloadOf<T>): Promise<ResultOf<T>> {
        const { accounts } = payload as PayloadOf<'BOOTSTRAP_ACCOUNTS'>;
        sent.push({ accounts });
        await new Promise<void>((answer) => answers.push(answer));
        return { accounts: Object.fromEntries(accounts.map((a) => [a.account_id, 'bootstrapped'])), stacks: {} } as ResultOf<T>;
      },
      async close() {},
    };
    const run = executeAccountPlan({ ...plan, changes }, org, transport);
    await vi.waitFor(() => expect(sent).toHaveLength(4));
    await new Promise((r) => setTimeout(r, 20));
    expect(sent.map((p) => p.accounts.length)).toEqual([20, 20, 20, 20]);
    // The fifth batch goes when one of the four is answered.
    answers.shift()!();
    await vi.waitFor(() => expect(sent).toHaveLength(5));
    expect(sent[4]!.accounts.map((a) => a.name)).toEqual(changes.slice(80).map((c) => c.target));
    answers.splice(0).forEach((answer) => answer());
    const results = await run;
    expect([...results.values()].filter((r) => r.status === 'done')).toHaveLength(90);
  });

  it('fails every bootstrap of a request the handler refused, and sends nothing to those accounts', async () => {
    const foo = { type: 'account.bootstrap' as const, target: 'foo', reason: 'missing-stack', before: { account_id: '500000000001' }, after: { stack: 'orgvend-bootstrap' } };
    const parameters = { type: 'parameters.put' as const, target: 'foo', reason: 'missing-in-account', before: { account_id: '500000000001', parameters: {} }, after: { parameters: {} } };
    const transport = scripted((type) => {
      if (type === 'BOOTSTRAP_ACCOUNTS') throw new RequestError(type, 'n', 'rejected', 'not tagged as managed by orgvend');
      return {};
    });
    const results = await executeAccountPlan({ ...plan, changes: [foo, parameters] }, org, transport);
    expect(results.get('account.bootstrap foo')).toMatchObject({ status: 'failed' });
    expect(results.get('parameters.put foo')).toMatchObject({ status: 'skipped' });
    expect(transport.sent.map((s) => s.type)).toEqual(['BOOTSTRAP_ACCOUNTS']);
  });

  it('does not ask again when a creation failed for good', async () => {
    const transport = scripted((type) => {
      if (type === 'CREATE_ACCOUNT') throw new RequestError(type, 'n', 'failed', 'EMAIL_ALREADY_EXISTS');
      return {};
    });
    const results = await executeAccountPlan(plan, org, transport);
    expect(transport.sent.filter((s) => s.type === 'CREATE_ACCOUNT')).toHaveLength(2);
    expect(results.get('account.create foo')).toMatchObject({ status: 'failed' });
    expect(results.get('ou.create Internal')).toMatchObject({ status: 'done' });
  });

  it('sends nothing for an account whose OU could not be made', async () => {
    const transport = scripted((type, payload) => {
      if (type === 'CREATE_OU' && (payload as { path: string }).path === 'Internal/Dev') throw new RequestError(type, 'n', 'failed', 'no');
      return {};
    });
    const results = await executeAccountPlan(plan, org, transport);
    expect(results.get('account.create foo')).toEqual({ status: 'skipped', reason: 'ou.create Internal/Dev did not complete' });
    expect(transport.sent.map((s) => s.type === 'CREATE_ACCOUNT' && (s.payload as { name: string }).name)).not.toContain('foo');
    expect(results.get('account.create dns')).toMatchObject({ status: 'done' });
  });
});
