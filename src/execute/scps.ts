/**
 * Carry out a sync-scps plan: its SCP changes (`scp.*`) and those of the other policy
 * types (`policy.*`, each naming its policy_type). Dependencies keep a target covered at
 * every moment: a type is enabled before its policies are made, a policy exists (and has
 * its new content) before it is attached, a target gets its new policies before it loses
 * its old ones, and a policy is deleted only once detached.
 */
import type { Change, Plan } from '../plan/plan.js';
import { minify } from '../scp/validate.js';
import { policyTags, type DesiredPolicy } from '../scp/model.js';
import type { PayloadOf, PolicyType, RequestType } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { changeStepId, runChanges, type ExecutionHooks, type Step, type StepResult } from './graph.js';

type Fields = { policy?: string; target?: string; description?: string; document?: unknown; file?: string; policy_type?: PolicyType; name?: string };
const fields = (change: Change) => (change.after ?? change.before ?? {}) as Fields;
const id = changeStepId;
const SCP: PolicyType = 'SERVICE_CONTROL_POLICY';

/** What a change is about, whatever its type: `verb`, the policy type and the policy's name in AWS. */
function about(change: Change): { verb: string; type: PolicyType; name: string } {
  const [family, verb] = change.type.split('.') as [string, string];
  const f = fields(change);
  const type = family === 'policy' ? f.policy_type! : SCP;
  const name = verb === 'attach' || verb === 'detach' ? f.policy! : family === 'policy' ? (f.name ?? '') : change.target;
  return { verb, type, name };
}

const isPolicyChange = (change: Change) => change.type.startsWith('scp.') || change.type.startsWith('policy.');

function scpSteps(plan: Plan): Step<Change>[] {
  const changes = plan.changes.map((change) => ({ change, ...about(change) }));
  const ids = (pick: (c: (typeof changes)[number]) => boolean) => changes.filter(pick).map((c) => id(c.change));
  return changes.map(({ change, verb, type, name }) => {
    const f = fields(change);
    const enable = ids((c) => c.verb === 'enable' && c.type === type);
    let dependsOn: string[] = [];
    if (verb === 'create' || verb === 'update') dependsOn = enable;
    if (verb === 'attach') dependsOn = [...enable, ...ids((c) => (c.verb === 'create' || c.verb === 'update') && c.type === type && c.name === name)];
    if (verb === 'detach') dependsOn = ids((c) => c.verb === 'attach' && c.type === type && fields(c.change).target === f.target);
    if (verb === 'delete') dependsOn = ids((c) => c.verb === 'detach' && c.type === type && c.name === name);
    return { id: id(change), kind: change.type, dependsOn, data: change };
  });
}

function scpRequest(change: Change): { [T in RequestType]: { type: T; payload: PayloadOf<T> } }[RequestType] {
  if (!isPolicyChange(change)) throw new Error(`sync-scps cannot carry out ${change.type}`);
  const f = fields(change);
  const { verb, type, name } = about(change);
  // SCP requests stay as they were: without policy_type.
  const typed = type === SCP ? {} : { policy_type: type };
  switch (verb) {
    case 'enable':
      return { type: 'ENABLE_POLICY_TYPE', payload: typed };
    case 'create':
    case 'update': {
      const policy = { name, file: f.file ?? '' } as Pick<DesiredPolicy, 'name' | 'file'>;
      return { type: 'PUT_POLICY', payload: { name, description: f.description ?? '', content: minify(f.document), tags: policyTags(policy), ...typed } };
    }
    case 'attach':
      return { type: 'ATTACH_POLICY', payload: { name, target: f.target!, ...typed } };
    case 'detach':
      return { type: 'DETACH_POLICY', payload: { name, target: f.target!, ...typed } };
    case 'delete':
      return { type: 'DELETE_POLICY', payload: { name, ...typed } };
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
