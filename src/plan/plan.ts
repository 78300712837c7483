/**
 * A plan is a value: what an action would change, computed once, printed by views,
 * saved to a file, applied later. Plain JSON; no functions, no I/O.
 */
export const PLAN_VERSION = 1;

/** Every kind of change, with the symbol the views show (Terraform's + ~ -). */
export const CHANGE_KINDS = {
  'ou.create': '+',
  'account.create': '+',
  'account.move': '~',
  'account.tag': '~',
  'account.rename': '~',
  'account.retire': '-',
  'account.close': '-',
  'scp.create': '+',
  'scp.update': '~',
  'scp.attach': '+',
  'scp.detach': '-',
  'scp.delete': '-',
  'contacts.put': '~',
  'contacts.delete': '-',
  'region.enable': '+',
  'region.disable': '-',
  'parameters.put': '~',
  'stack.deploy': '~',
  'template.upload': '+',
  'delegated-admin.register': '+',
} as const;
export type ChangeType = keyof typeof CHANGE_KINDS;

export interface Change {
  type: ChangeType;
  /** The DSL name of an account, an OU path, a policy name, a stack in an account. */
  target: string;
  /** Why the change is there: `missing-in-org`, `ou-changed`, `removed-from-config`, … */
  reason: string;
  before: unknown;
  after: unknown;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  action: string;
  /** Hash of the config and the live state the plan was computed from: apply refuses if either changed. */
  basis: string;
  changes: Change[];
  /** Count of changes per type. */
  summary: Partial<Record<ChangeType, number>>;
  /** Things worth knowing that are not changes (unmanaged accounts, skipped steps). */
  notes: string[];
}

export function makePlan(action: string, basis: string, changes: Change[], notes: string[] = []): Plan {
  const summary: Partial<Record<ChangeType, number>> = {};
  for (const change of changes) summary[change.type] = (summary[change.type] ?? 0) + 1;
  return { version: PLAN_VERSION, action, basis, changes, summary, notes };
}
