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
  'account.retire': '-',
  'account.close': '-',
  'account.bootstrap': '+',
  'scp.enable': '+',
  'scp.create': '+',
  'scp.update': '~',
  'scp.attach': '+',
  'scp.detach': '-',
  'scp.delete': '-',
  'policy.enable': '+',
  'policy.create': '+',
  'policy.update': '~',
  'policy.attach': '+',
  'policy.detach': '-',
  'policy.delete': '-',
  'contacts.put': '~',
  'contacts.delete': '-',
  'region.enable': '+',
  'region.disable': '-',
  'parameters.put': '~',
  'public-access-block.put': '~',
  'config-recorder.put': '~',
  'stack.deploy': '~',
  'stack.delete': '-',
  'template.upload': '+',
  'template.index': '~',
  'record.upsert': '~',
  'delegated-admin.register': '+',
  'delegated-admin.deregister': '-',
  'trusted-access.enable': '+',
  'trail.create': '+',
  'trail.update': '~',
  'guardduty.admin.enable': '+',
  'guardduty.configure': '~',
  'securityhub.admin.enable': '+',
  'securityhub.configure': '~',
  'config.aggregator.put': '~',
  'request-key.create': '+',
  'permission-set.create': '+',
  'permission-set.update': '~',
  'assignment.create': '+',
  'assignment.delete': '-',
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
  /** DSL names of the accounts whose effective policies the change alters (sync-scps). */
  affects?: string[];
}

/** A live account orgvend does not manage: listed, never touched. */
export interface UnmanagedAccount {
  id: string;
  name: string;
  email: string;
  ou: string;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  action: string;
  /**
   * Digests of the configuration and of the live state the plan was computed from. A saved
   * plan is applied only while the live state still has the same digest.
   */
  basis: { config: string; live: string };
  changes: Change[];
  /** Count of changes per type. */
  summary: Partial<Record<ChangeType, number>>;
  unmanaged: UnmanagedAccount[];
  /** Things worth knowing that are not changes: accounts closed outside orgvend, names AWS keeps. */
  notes: string[];
  /**
   * What the organization holds that orgvend cannot safely reconcile (two accounts claiming
   * one entry, one OU path twice): nothing is done for them, and until a person resolves
   * them the organization never counts as matching the repository.
   */
  conflicts: string[];
  /** sync-scps: the sample requests whose outcome the plan changes, account by account. */
  preview?: SamplePreview[];
}

export interface SamplePreview {
  action: string;
  region?: string;
  principal?: string;
  resource?: string;
  /** Accounts whose outcome changes; outcomes are allowed, denied or unknown. */
  transitions: { account: string; before: string; after: string; reason: string }[];
}

export function makePlan(
  action: string,
  basis: Plan['basis'],
  changes: Change[],
  extra: { notes?: string[]; conflicts?: string[]; unmanaged?: UnmanagedAccount[]; preview?: SamplePreview[] } = {},
): Plan {
  const summary: Partial<Record<ChangeType, number>> = {};
  for (const change of changes) summary[change.type] = (summary[change.type] ?? 0) + 1;
  const plan: Plan = { version: PLAN_VERSION, action, basis, changes, summary, unmanaged: extra.unmanaged ?? [], notes: extra.notes ?? [], conflicts: extra.conflicts ?? [] };
  if (extra.preview) plan.preview = extra.preview;
  return plan;
}

/** The accounts (by id) `plan` changes something in: each change names its account in `before.account_id`. */
export const accountsChangedBy = (plan: Plan): Set<string | undefined> => new Set(plan.changes.map((c) => (c.before as { account_id?: string } | null)?.account_id));

/** `foo, bar, baz and 4 more` */
export function accountList(names: readonly string[], max = 6): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
