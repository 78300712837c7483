/**
 * Carry out a sync-scps plan. Dependencies keep a target covered at every moment: a
 * policy exists (and has its new content) before it is attached, a target gets its new
 * policies before it loses its old ones, and a policy is deleted only once detached.
 */
import type { Change, Plan } from '../plan/plan.js';
import { minify } from '../scp/validate.js';
import { policyTags, type DesiredPolicy } from '../scp/model.js';
import type { PayloadOf, RequestType } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { changeStepId, runChanges, type ExecutionHooks, type Step, type StepResult } from './graph.js';

type Fields = { policy?: string; target?: string; description?: string; document?: unknown; file?: string };
const fields = (change: Change) => (change.after ?? change.before ?? {}) as Fields;
const id = changeStepId;

function scpSteps(plan: Plan): Step<Change>[] {
  const changes = plan.changes;
  const enable = changes.filter((c) => c.type === 'scp.enable').map(id);
  return changes.map((change) => {
    const f = fields(change);
    let dependsOn: string[] = [];
    if (change.type === 'scp.create' || change.type === 'scp.update') dependsOn = enable;
    if (change.type === 'scp.attach') {
      dependsOn = [...enable, ...changes.filter((c) => (c.type === 'scp.create' || c.type === 'scp.update') && c.target === f.policy).map(id)];
    }
    if (change.type === 'scp.detach') dependsOn = changes.filter((c) => c.type === 'scp.attach' && fields(c).target === f.target).map(id);
    if (change.type === 'scp.delete') dependsOn = changes.filter((c) => c.type === 'scp.detach' && fields(c).policy === change.target).map(id);
    return { id: id(change), kind: change.type, dependsOn, data: change };
  });
}

function scpRequest(change: Change): { [T in RequestType]: { type: T; payload: PayloadOf<T> } }[RequestType] {
  const f = fields(change);
  switch (change.type) {
    case 'scp.enable':
      return { type: 'ENABLE_POLICY_TYPE', payload: {} };
    case 'scp.create':
    case 'scp.update': {
      const policy = { name: change.target, file: f.file ?? '' } as Pick<DesiredPolicy, 'name' | 'file'>;
      return { type: 'PUT_POLICY', payload: { name: change.target, description: f.description ?? '', content: minify(f.document), tags: policyTags(policy) } };
    }
    case 'scp.attach':
      return { type: 'ATTACH_POLICY', payload: { name: f.policy!, target: f.target! } };
    case 'scp.detach':
      return { type: 'DETACH_POLICY', payload: { name: f.policy!, target: f.target! } };
    case 'scp.delete':
      return { type: 'DELETE_POLICY', payload: { name: change.target } };
    default:
      throw new Error(`sync-scps cannot carry out ${change.type}`);
  }
}

export function executeScpPlan(plan: Plan, transport: Transport, hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  return runChanges(
    scpSteps(plan),
    {
      // Organizations rejects concurrent changes to one policy or target; the client retries, but fewer is kinder.
      concurrency: () => 2,
      run: (change) => {
        const { type, payload } = scpRequest(change);
        return transport.request(type, payload as never);
      },
    },
    hooks,
  );
}
