/** Service control policies as the repository wants them, and as the organization has them. */
import { MANAGED_BY } from '../config/identity-tags.js';
import type { OrgPolicy, PolicyType } from '../protocol/requests.js';
import { digest } from '../plan/digest.js';
import type { PolicyDocument } from './evaluate.js';

/** AWS's own policy that allows everything; attached to the root and every OU unless the DSL says otherwise. */
export const FULL_AWS_ACCESS = 'FullAWSAccess';
export const FULL_AWS_ACCESS_DOCUMENT: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
/** AWS's RCP that allows everything, attached everywhere when RCPs are enabled; orgvend never touches it. */
export const RCP_FULL_AWS_ACCESS = 'RCPFullAWSAccess';
/** A policy staged in organization.scp_test_ou before it reaches everyone: `<name>.staged`. */
export const STAGED_SUFFIX = '.staged';

export interface DesiredPolicy {
  name: string;
  /** Where it comes from: `scps/_library/deny-root-user.json.njk`. */
  file: string;
  description: string;
  document: PolicyDocument;
  /** The minified document, as sent to AWS. */
  content: string;
  /** `Root` or OU paths, sorted. */
  targets: string[];
}

export interface DesiredScps {
  policies: DesiredPolicy[];
  /** Where FullAWSAccess must be attached. */
  fullAwsAccess: string[];
  /** True when the DSL lists full_aws_access: only then does orgvend detach it anywhere. */
  fullAwsAccessExplicit: boolean;
  /** `Root` and every OU orgvend manages: attachments elsewhere are left alone. */
  managedTargets: string[];
  /** The other policy types' policies (policies/<kind>/), one set per type the repository uses. */
  others?: DesiredPolicySet[];
}

export interface DesiredPolicySet {
  type: PolicyType;
  policies: DesiredPolicy[];
}

export interface LivePolicy extends OrgPolicy {
  /** Targets as paths: `Root`, OU paths, `account:<id>`. */
  targetPaths: string[];
}

export interface LiveScps {
  /** Whether SCPs are enabled on the root. */
  enabled: boolean;
  policies: LivePolicy[];
  /** The other policy types, as the organization has them. */
  others?: LivePolicySet[];
}

export interface LivePolicySet {
  type: PolicyType;
  /** Whether the type is enabled on the root. */
  enabled: boolean;
  policies: LivePolicy[];
}

export function policyTags(policy: Pick<DesiredPolicy, 'name' | 'file'>): Record<string, string> {
  // The tags are the same for every type: a policy's type is part of its identity in AWS.
  return { [MANAGED_BY.key]: MANAGED_BY.value, 'orgvend:policy': policy.name, 'orgvend:file': policy.file };
}

/** The document, parsed; content AWS returns may carry whitespace. */
export function parseContent(content: string): PolicyDocument | undefined {
  try {
    return JSON.parse(content) as PolicyDocument;
  } catch {
    return undefined;
  }
}

/** The same policy, however AWS spaced it or ordered its keys; an unparsable side is never the same. Planner and handler judge by it. */
export function sameDocument(a: PolicyDocument | undefined, b: PolicyDocument | undefined): boolean {
  return a !== undefined && b !== undefined && digest(a) === digest(b);
}
