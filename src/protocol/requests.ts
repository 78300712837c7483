/**
 * Every request type: how it is routed, whether it changes anything, how long the CLI
 * waits, and the schemas of its payload and result. Both sides import this; nothing else
 * defines a request.
 */
import { z } from 'zod';
import { AccountIdString } from './envelope.js';

/**
 * Where the CICD bus sends a request: by detail-type to the management account or the
 * delegated administrator, or by `detail.target_account` to one account.
 */
export type Route = 'management' | 'delegated-admin' | 'target';

export interface RequestSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  route: Route;
  /** Changes the world when not a dry run. Without --execute these are sent with dryrun: true or not at all. */
  mutating: boolean;
  /** How long the CLI waits for the whole reply. */
  timeoutSeconds: number;
  /** IAM actions the handler needs for this request: the handler role is the union over the types it serves. */
  permissions: string[];
  payload: P;
  result: R;
}

const spec = <P extends z.ZodType, R extends z.ZodType>(s: RequestSpec<P, R>) => s;

const Tags = z.record(z.string(), z.string());

export const OrgAccount = z.object({
  id: AccountIdString,
  arn: z.string(),
  name: z.string(),
  email: z.string(),
  status: z.string(),
  joined_method: z.string().optional(),
  joined_at: z.string().optional(),
  /** Id of the root or OU the account is in. */
  parent_id: z.string(),
  tags: Tags,
});
export type OrgAccount = z.infer<typeof OrgAccount>;

export const OrgUnit = z.object({
  id: z.string(),
  name: z.string(),
  /** Path below Root: `Internal/Dev`. */
  path: z.string(),
  parent_id: z.string(),
});
export type OrgUnit = z.infer<typeof OrgUnit>;

export const REQUESTS = {
  /** Which account answers, and that the whole path works. */
  PING: spec({
    route: 'target',
    mutating: false,
    timeoutSeconds: 60,
    permissions: [],
    payload: z.strictObject({}),
    result: z.object({ account_id: AccountIdString, handler_version: z.string() }),
  }),
  LIST_OUS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 300,
    permissions: ['organizations:DescribeOrganization', 'organizations:ListRoots', 'organizations:ListOrganizationalUnitsForParent'],
    payload: z.strictObject({}),
    result: z.object({ root_id: z.string(), organization_id: z.string(), management_account_id: AccountIdString, ous: z.array(OrgUnit) }),
  }),
  LIST_ACCOUNTS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 600,
    permissions: [
      'organizations:DescribeOrganization',
      'organizations:ListRoots',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListAccountsForParent',
      'organizations:ListTagsForResource',
    ],
    payload: z.strictObject({}),
    result: z.object({ accounts: z.array(OrgAccount) }),
  }),
} as const;

export type RequestType = keyof typeof REQUESTS;
export const REQUEST_TYPES = Object.keys(REQUESTS) as RequestType[];

export type PayloadOf<T extends RequestType> = z.infer<(typeof REQUESTS)[T]['payload']>;
export type ResultOf<T extends RequestType> = z.infer<(typeof REQUESTS)[T]['result']>;

export function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(REQUESTS, type);
}

/** The roles an account can play; they decide which requests it serves. */
export type AccountRole = 'management' | 'delegated-admin' | 'member';

/** The request types an account with these roles handles. */
export function servedTypes(roles: readonly AccountRole[], hasDelegatedAdmin: boolean): RequestType[] {
  return REQUEST_TYPES.filter((type) => {
    const { route } = REQUESTS[type];
    if (route === 'target') return true;
    if (route === 'management') return roles.includes('management');
    return roles.includes('delegated-admin') || (!hasDelegatedAdmin && roles.includes('management'));
  });
}

/** The IAM actions a handler serving these types needs, sorted and without repeats. */
export function permissionsFor(types: readonly RequestType[]): string[] {
  return [...new Set(types.flatMap((type) => REQUESTS[type].permissions))].sort();
}
