/**
 * Carry out sync-security's changes, through the management account's handler: the
 * delegated administrators, and the organization trail (PUT_TRAIL). For each service: trusted access and the deregistrations first, then
 * the registration (a service that allows one administrator refuses a second). One
 * change at a time: Organizations rejects concurrent changes to the organization.
 */
import type { DelegatedServicePrincipal } from '../config/delegated-services.js';
import type { Change, Plan } from '../plan/plan.js';
import type { Transport } from '../transport/transport.js';
import { changeStepId, runGraph, type ExecutionHooks, type Step, type StepResult } from './graph.js';

type Fields = { service_principal: DelegatedServicePrincipal; account_id: string; delegated_admin_id: string };

const ORGANIZATION_CHANGES_IN_FLIGHT = 1;

/** The service a change is for: the target up to its first `/`. */
const serviceOf = (change: Change) => change.target.split('/')[0]!;

export function delegatedAdminSteps(changes: readonly Change[]): Step<Change>[] {
  return changes.map((change) => ({
    id: changeStepId(change),
    kind: 'organization',
    dependsOn:
      change.type === 'delegated-admin.register'
        ? changes.filter((c) => c !== change && serviceOf(c) === serviceOf(change) && c.type !== 'delegated-admin.register').map(changeStepId)
        : [],
    data: change,
  }));
}

export function runDelegatedAdminChange(change: Change, transport: Transport): Promise<unknown> {
  const before = change.before as Fields;
  const after = change.after as Fields;
  switch (change.type) {
    case 'trusted-access.enable':
      return transport.request('ENABLE_TRUSTED_ACCESS', { service_principal: before.service_principal });
    case 'delegated-admin.deregister':
      return transport.request('DEREGISTER_DELEGATED_ADMIN', { account_id: before.account_id, service_principal: before.service_principal });
    case 'delegated-admin.register':
      return transport.request('REGISTER_DELEGATED_ADMIN', { account_id: after.delegated_admin_id, service_principal: after.service_principal });
    case 'trail.create':
    case 'trail.update':
      return transport.request('PUT_TRAIL', { name: change.target, bucket: (change.after as { bucket: string }).bucket });
    default:
      throw new Error(`sync-security does not carry out ${change.type}`);
  }
}

export function executeDelegatedAdminPlan(plan: Plan, transport: Transport, hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  return runGraph(delegatedAdminSteps(plan.changes), {
    concurrency: () => ORGANIZATION_CHANGES_IN_FLIGHT,
    run: (step) => runDelegatedAdminChange(step.data, transport),
    onStart: (step) => hooks.onStart?.(step.data),
    onEnd: (step, result) => hooks.onEnd?.(step.data, result),
    signal: hooks.signal,
  });
}
