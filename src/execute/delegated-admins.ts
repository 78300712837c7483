/**
 * Carry out sync-security's changes: the delegated administrators and the organization
 * trail (PUT_TRAIL) through the management account's handler, and the security services
 * (GuardDuty, Security Hub, the Config aggregator) through their delegated administrator's
 * handler (the request goes to that account: `targetAccount`). For each service: trusted
 * access and the deregistrations first, then the registration (a service that allows one
 * administrator refuses a second), then the service's own administrator, then its
 * configuration, which only that administrator may set. One change at a time:
 * Organizations rejects concurrent changes to the organization.
 */
import type { DelegatedServicePrincipal } from '../config/delegated-services.js';
import type { Change, Plan } from '../plan/plan.js';
import type { PayloadOf } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { changeStepId, runGraph, type ExecutionHooks, type Step, type StepResult } from './graph.js';

type Fields = { service_principal: DelegatedServicePrincipal; account_id: string; delegated_admin_id: string; admin_id: string };

const ORGANIZATION_CHANGES_IN_FLIGHT = 1;

/** The service a change is for: the target up to its first `/`. */
const serviceOf = (change: Change) => change.target.split('/')[0]!;

/** The order of a service's changes: each waits for the service's changes of a lower rank. */
function rankOf(change: Change): number {
  if (change.type === 'delegated-admin.register') return 1;
  if (change.type.endsWith('.admin.enable')) return 2;
  if (change.type.endsWith('.configure') || change.type === 'config.aggregator.put') return 3;
  return 0;
}

export function delegatedAdminSteps(changes: readonly Change[]): Step<Change>[] {
  return changes.map((change) => ({
    id: changeStepId(change),
    kind: 'organization',
    dependsOn: changes.filter((c) => c !== change && serviceOf(c) === serviceOf(change) && rankOf(c) < rankOf(change)).map(changeStepId),
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
    case 'guardduty.admin.enable':
    case 'securityhub.admin.enable':
      return transport.request('ENABLE_SERVICE_ADMIN', { service: change.target as 'guardduty' | 'securityhub', account_id: after.admin_id });
    case 'guardduty.configure':
      return transport.request('PUT_GUARDDUTY', { auto_enable: (change.after as { auto_enable: 'ALL' | 'NEW' | 'NONE' }).auto_enable }, { targetAccount: after.admin_id });
    case 'securityhub.configure': {
      const { auto_enable, auto_enable_standards } = change.after as PayloadOf<'PUT_SECURITYHUB'>;
      return transport.request('PUT_SECURITYHUB', { auto_enable, auto_enable_standards }, { targetAccount: after.admin_id });
    }
    case 'config.aggregator.put':
      return transport.request('PUT_CONFIG_AGGREGATOR', { name: (change.after as { name: string }).name }, { targetAccount: after.admin_id });
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
