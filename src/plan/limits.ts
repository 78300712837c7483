/** Blast-radius limits: a plan that would change more than the organization allows in one run stops before anything is sent. */
import type { Organization } from '../config/schema.js';
import type { ChangeType, Plan } from './plan.js';

type Limits = Organization['limits'];

const LIMITED: [ChangeType, keyof Limits, string][] = [
  ['account.create', 'max_new_accounts', 'new accounts'],
  ['account.move', 'max_moves', 'moves'],
  ['account.retire', 'max_retirements', 'retirements'],
  ['account.close', 'max_closures', 'closures'],
  ['stack.delete', 'max_stack_deletions', 'stack deletions'],
];

/** One sentence per limit the plan exceeds, counted from its changes (never from its summary, which a saved file could say anything in). */
export function limitViolations(plan: Pick<Plan, 'changes'>, limits: Limits): string[] {
  return LIMITED.flatMap(([type, key, what]) => {
    const count = plan.changes.filter((c) => c.type === type).length;
    return count > limits[key]
      ? [`the plan has ${count} ${what}, over organization.limits.${key} (${limits[key]}); split the change, or raise the limit in accounts.yml`]
      : [];
  });
}
