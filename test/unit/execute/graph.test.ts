import { describe, expect, it } from 'vitest';
import { runGraph, type Step } from '../../../src/execute/graph.js';

const step = (id: string, kind: string, dependsOn: string[] = []): Step<null> => ({ id, kind, dependsOn, data: null });

/** A run function whose steps finish when the test says, recording what ran together. */
function controlled() {
  const waiting = new Map<string, () => void>();
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    log,
    max: () => maxInFlight,
    run: (s: Step<null>) =>
      new Promise<string>((resolve, reject) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        log.push(`start ${s.id}`);
        waiting.set(s.id, () => {
          inFlight -= 1;
          if (s.id.startsWith('bad')) reject(new Error(`${s.id} broke`));
          else resolve(s.id);
        });
      }),
    async finish(id: string) {
      await new Promise((r) => setImmediate(r));
      waiting.get(id)!();
      waiting.delete(id);
      await new Promise((r) => setImmediate(r));
    },
    pending: () => [...waiting.keys()],
  };
}

describe('the step graph', () => {
  it('starts a step only when what it depends on is done', async () => {
    const c = controlled();
    const done = runGraph([step('child', 'x', ['parent']), step('parent', 'x')], { concurrency: () => 5, run: c.run });
    await new Promise((r) => setImmediate(r));
    expect(c.pending()).toEqual(['parent']);
    await c.finish('parent');
    expect(c.pending()).toEqual(['child']);
    await c.finish('child');
    const results = await done;
    expect([...results.values()].map((r) => r.status)).toEqual(['done', 'done']);
  });

  it('keeps each kind of step within its own limit, running kinds side by side', async () => {
    const c = controlled();
    const steps = [step('c1', 'create'), step('c2', 'create'), step('c3', 'create'), step('t1', 'tag'), step('t2', 'tag')];
    const done = runGraph(steps, { concurrency: (k) => (k === 'create' ? 2 : 5), run: c.run });
    await new Promise((r) => setImmediate(r));
    expect(c.pending().sort()).toEqual(['c1', 'c2', 't1', 't2']);
    for (const id of ['c1', 't1', 't2', 'c2']) await c.finish(id);
    expect(c.pending()).toEqual(['c3']);
    await c.finish('c3');
    await done;
  });

  it('skips what depends on a failed step, and carries on with the rest', async () => {
    const c = controlled();
    const done = runGraph([step('bad-ou', 'ou'), step('account', 'create', ['bad-ou']), step('grandchild', 'tag', ['account']), step('other', 'tag')], {
      concurrency: () => 5,
      run: c.run,
    });
    await c.finish('bad-ou');
    await c.finish('other');
    const results = await done;
    expect(results.get('bad-ou')).toMatchObject({ status: 'failed', error: new Error('bad-ou broke') });
    expect(results.get('account')).toEqual({ status: 'skipped', reason: 'bad-ou did not complete' });
    expect(results.get('grandchild')).toEqual({ status: 'skipped', reason: 'account did not complete' });
    expect(results.get('other')).toMatchObject({ status: 'done', value: 'other' });
  });

  it('ignores dependencies on steps that are not in the plan', async () => {
    const results = await runGraph([step('a', 'x', ['not-planned'])], { concurrency: () => 1, run: async () => 'ok' });
    expect(results.get('a')).toMatchObject({ status: 'done' });
  });

  it('reports steps that wait on each other instead of hanging', async () => {
    const results = await runGraph([step('a', 'x', ['b']), step('b', 'x', ['a'])], { concurrency: () => 1, run: async () => 'ok' });
    expect([...results.values()]).toEqual([
      { status: 'skipped', reason: 'its dependencies form a cycle' },
      { status: 'skipped', reason: 'its dependencies form a cycle' },
    ]);
  });
});
