/**
 * Carry out a sync-access plan: permission sets first (a changed one is provisioned again
 * by its request), then assignments; an assignment of a set made in this run waits for it
 * and takes its ARN from it. Each request waits for its own asynchronous change to finish.
 */
import type { Change, Plan } from '../plan/plan.js';
import type { PermissionSetValue } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { changeStepId, runChanges, type ExecutionHooks, type Step, type StepResult } from './graph.js';

type SetFields = PermissionSetValue & { instance_arn: string };
type AssignmentFields = { account_id: string; instance_arn: string; permission_set: string; permission_set_arn: string | null; group_id: string };

/** Identity Center processes few assignment changes at once per instance; more only queue there. */
const IN_FLIGHT: Record<string, number> = { 'permission-set': 2, assignment: 4 };

const isSet = (change: Change) => change.type === 'permission-set.create' || change.type === 'permission-set.update';

function accessSteps(plan: Plan): Step<Change>[] {
  const creates = new Map(plan.changes.filter((c) => c.type === 'permission-set.create').map((c) => [c.target, changeStepId(c)]));
  return plan.changes.map((change) => {
    const set = isSet(change) ? undefined : ((change.after ?? change.before) as AssignmentFields).permission_set;
    const made = set === undefined ? undefined : creates.get(set);
    return { id: changeStepId(change), kind: isSet(change) ? 'permission-set' : 'assignment', dependsOn: made ? [made] : [], data: change };
  });
}

export function executeAccessPlan(plan: Plan, namePrefix: string, transport: Transport, hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  // The ARN of each permission set this run made, for the assignments that wait for it.
  const made = new Map<string, string>();
  return runChanges(
    accessSteps(plan),
    {
      concurrency: (kind) => IN_FLIGHT[kind] ?? 1,
      run: async (change) => {
        if (isSet(change)) {
          const f = change.after as SetFields;
          const result = await transport.request('PUT_PERMISSION_SET', {
            instance_arn: f.instance_arn,
            name: change.target,
            name_prefix: namePrefix,
            description: f.description,
            session_duration: f.session_duration,
            managed_policies: f.managed_policies,
            inline_policy: f.inline_policy,
          });
          if (result.arn) made.set(change.target, result.arn);
          return result;
        }
        const f = ((change.type === 'assignment.create' ? { ...(change.before as object), ...(change.after as object) } : change.before) as AssignmentFields);
        const arn = f.permission_set_arn ?? made.get(f.permission_set);
        if (!arn) throw new Error(`permission set ${f.permission_set} has no ARN yet: its creation did not complete`);
        const payload = { instance_arn: f.instance_arn, account_id: f.account_id, permission_set_arn: arn, group_id: f.group_id, name_prefix: namePrefix };
        return change.type === 'assignment.create' ? transport.request('CREATE_ASSIGNMENT', payload) : transport.request('DELETE_ASSIGNMENT', payload);
      },
    },
    hooks,
  );
}
