/**
 * The tags that identify a managed account. Matching a live account to its DSL entry by
 * `orgvend:name` (not by AWS name) is what lets an account be renamed safely.
 */
export const MANAGED_BY = { key: 'managed-by', value: 'orgvend' } as const;

export const IDENTITY_TAG_KEYS = {
  name: 'orgvend:name',
  scope: 'orgvend:scope',
  service: 'orgvend:service',
  environment: 'orgvend:environment',
  region: 'orgvend:region',
} as const;

/**
 * Set by bootstrap on every account that carries orgvend's stack (its value: the stack
 * template's hash). sync-accounts reads it to know which accounts requests can reach, and
 * never removes it.
 */
export const BOOTSTRAP_TAG = 'orgvend:bootstrap';

/**
 * Set by sync-accounts --execute on an account whose parameters, S3 Block Public Access
 * and stacks it has just read and found to be what the repository says (its value: the
 * fingerprint of what the repository said, src/plan/applied.ts). While the fingerprint
 * still matches, a plan does not read them again. Only RECORD_APPLIED writes it.
 */
export const APPLIED_TAG = 'orgvend:applied';

/**
 * The same as APPLIED_TAG for what put-contacts and enable-region compare in an account (its alternate
 * and primary contacts, its opt-in regions), set by their --execute: while the fingerprint
 * of what the repository says still matches, a plan does not read them again
 * (src/plan/account-settings.ts).
 */
export const APPLIED_CONTACTS_TAG = 'orgvend:applied-contacts';
export const APPLIED_REGIONS_TAG = 'orgvend:applied-regions';
/** The same for sync-access: the assignments of orgvend's permission sets to the account's groups (src/plan/access.ts). */
export const APPLIED_ACCESS_TAG = 'orgvend:applied-access';
/** Every tag RECORD_APPLIED writes, and nothing else does. */
export const APPLIED_TAGS = [APPLIED_TAG, APPLIED_CONTACTS_TAG, APPLIED_REGIONS_TAG, APPLIED_ACCESS_TAG] as const;
export type AppliedTag = (typeof APPLIED_TAGS)[number];

const RESERVED = new Set<string>([MANAGED_BY.key, ...Object.values(IDENTITY_TAG_KEYS)]);

/** Tag keys orgvend writes itself; the DSL may not set them. */
export function isReservedTagKey(key: string): boolean {
  return RESERVED.has(key) || key.startsWith('orgvend:');
}

export function identityTags(account: {
  name: string;
  scope: string;
  service: string;
  environment?: string | undefined;
  region: string;
}): Record<string, string> {
  const tags: Record<string, string> = {
    [MANAGED_BY.key]: MANAGED_BY.value,
    [IDENTITY_TAG_KEYS.name]: account.name,
    [IDENTITY_TAG_KEYS.scope]: account.scope,
    [IDENTITY_TAG_KEYS.service]: account.service,
    [IDENTITY_TAG_KEYS.region]: account.region,
  };
  if (account.environment !== undefined) tags[IDENTITY_TAG_KEYS.environment] = account.environment;
  return tags;
}
