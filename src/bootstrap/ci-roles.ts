/**
 * The CICD account's roles for CI (organization.ci): orgvend-plan, which pull requests'
 * jobs run as, and orgvend-apply, which the job after merge runs as. Their policies are
 * what the CLI itself calls in the CICD account, written down once here per action
 * (CLI_CALLS), and the requests it may put are the request types of protocol/requests.ts:
 * a new action or request type changes both roles, and the tests. The plan role may put
 * requests with the plan source only, which every handler serves as a dry run, so the
 * code of a pull request, which runs with it, can change nothing anywhere. Pure.
 */
import type { CiPrincipals } from '../config/schema.js';
import { planSource } from '../protocol/envelope.js';
import { NAMES } from '../protocol/names.js';
import { REQUEST_TYPES } from '../protocol/requests.js';
import { REQUEST_KEY_ALIAS } from '../protocol/signature.js';
import type { BootstrapOrganization } from './topology.js';

export type CiPrincipal = 'plan' | 'apply';

/** GitHub Actions' OIDC issuer and the audience its tokens carry for AWS. */
export const GITHUB_OIDC = { host: 'token.actions.githubusercontent.com', audience: 'sts.amazonaws.com' } as const;

/**
 * What the CLI calls in the CICD account, by what it calls it for. None of these is made
 * by --direct (the handlers run in the caller's process) or bootstrap (an administrator's).
 */
type CliCall =
  /** kms:Sign, one per request, with the request key (transport/kms-signer.ts). */
  | 'sign-requests'
  /** events:PutEvents on the orgvend bus of the account that serves the request, one request per call (transport/eventbridge.ts). */
  | 'put-requests'
  /** The reply queue: its URL, long polls, deleting its replies and releasing others' (transport/reply-collector.ts). */
  | 'read-replies'
  /** cloudformation:ValidateTemplate of every rendered template (render/publish.ts). */
  | 'validate-templates'
  /** HeadBucket of each artifact bucket (aws/s3.ts artifactBucketProblem), GetObject of its index and HeadObject of each rendered template's key it does not list (render/publish.ts readPublished). */
  | 'read-templates'
  /** PutObject of the templates not there yet and of the index, with --execute only (render/publish.ts executeUploads). */
  | 'upload-templates';

const BUS: CliCall[] = ['sign-requests', 'put-requests', 'read-replies'];

/**
 * Per action (`--action NAME`), what the CLI calls in the CICD account. Actions with none
 * run offline or are an administrator's (bootstrap), never a CI role's. A test holds every
 * action of cli/actions to an entry here.
 */
export const CLI_CALLS: Readonly<Record<string, readonly CliCall[]>> = {
  validate: [],
  explain: [],
  'sandbox-stop': [],
  bootstrap: [],
  'sync-accounts': BUS,
  'create-account': BUS,
  'sync-scps': BUS,
  'put-contacts': BUS,
  'sync-security': BUS,
  'enable-region': BUS,
  'sync-access': BUS,
  'create-record': BUS,
  ping: BUS,
  import: BUS,
  'render-templates': [...BUS, 'validate-templates', 'read-templates', 'upload-templates'],
};

/** What only --execute calls: the plan role has none of it. */
const EXECUTE_ONLY: ReadonlySet<CliCall> = new Set(['upload-templates']);

/** A CloudFormation value: a literal, or an intrinsic function as JSON (`Fn::Sub`, `Fn::GetAtt`). */
type Value = string | { 'Fn::Sub': string } | { 'Fn::GetAtt': [string, string] };
export interface RoleStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: Value | Value[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** What of the organization section the CI roles' policies are written from. */
type CiRoleOrganization = Pick<BootstrapOrganization, 'event_bus' | 'event_source' | 'artifact_buckets'>;

const sub = (text: string): Value => ({ 'Fn::Sub': text });
const getAtt = (resource: string): Value => ({ 'Fn::GetAtt': [resource, 'Arn'] });

/** The sources each role may put requests with: the plan role, the plan source alone. */
export function requestSourcesOf(principal: CiPrincipal, eventSource: string): string[] {
  return principal === 'plan' ? [planSource(eventSource)] : [eventSource, planSource(eventSource)];
}

/** The statements granting `call`, for `principal`, in the CICD account's stack (ReplyQueue is its resource). */
function statementsFor(call: CliCall, principal: CiPrincipal, org: CiRoleOrganization): RoleStatement[] {
  const buckets = [...new Set(Object.values(org.artifact_buckets ?? {}))].filter((b): b is string => b !== undefined).sort();
  const templateObjects = buckets.map((bucket) => sub(`arn:\${AWS::Partition}:s3:::${bucket}/templates/*`));
  switch (call) {
    case 'sign-requests':
      // The key is made by bootstrap outside the stack: named by its alias, which only bootstrap sets.
      return [{ Sid: 'SignRequests', Effect: 'Allow', Action: ['kms:Sign'], Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'), Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': REQUEST_KEY_ALIAS } } }];
    case 'put-requests':
      // Every entry's source and detail-type must be listed (ForAllValues), and a call must carry them (Null: false).
      // On orgvend's bus in any account: each account's bus policy admits the CICD account alone, and only with orgvend's sources.
      return [
        {
          Sid: principal === 'plan' ? 'PutPlanRequests' : 'PutRequests',
          Effect: 'Allow',
          Action: ['events:PutEvents'],
          Resource: sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:*:event-bus/${org.event_bus}`),
          Condition: {
            'ForAllValues:StringEquals': { 'events:source': requestSourcesOf(principal, org.event_source), 'events:detail-type': [...REQUEST_TYPES] },
            Null: { 'events:source': 'false', 'events:detail-type': 'false' },
          },
        },
      ];
    case 'read-replies':
      return [{ Sid: 'ReadReplies', Effect: 'Allow', Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], Resource: getAtt('ReplyQueue') }];
    case 'validate-templates':
      // ValidateTemplate takes no resource.
      return [{ Sid: 'ValidateTemplates', Effect: 'Allow', Action: ['cloudformation:ValidateTemplate'], Resource: '*' }];
    case 'read-templates':
      if (!buckets.length) return [];
      return [
        // HeadBucket is authorized as ListBucket; without it, S3 answers HeadObject of a key that is not there with 403 instead of 404.
        { Sid: 'FindTemplates', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: buckets.map((bucket) => sub(`arn:\${AWS::Partition}:s3:::${bucket}`)) },
        { Sid: 'ReadTemplates', Effect: 'Allow', Action: ['s3:GetObject'], Resource: templateObjects },
      ];
    case 'upload-templates':
      return buckets.length ? [{ Sid: 'UploadTemplates', Effect: 'Allow', Action: ['s3:PutObject'], Resource: templateObjects }] : [];
  }
}

/** The calls `principal` makes: every action's, but --execute's for the plan role. */
export function callsOf(principal: CiPrincipal): CliCall[] {
  const calls = [...new Set(Object.values(CLI_CALLS).flat())];
  return principal === 'plan' ? calls.filter((c) => !EXECUTE_ONLY.has(c)) : calls;
}

/** The policy of `principal`'s role: one statement per kind of call, in a stable order. */
export function ciRolePolicy(principal: CiPrincipal, org: CiRoleOrganization): { Version: '2012-10-17'; Statement: RoleStatement[] } {
  return { Version: '2012-10-17', Statement: callsOf(principal).flatMap((call) => statementsFor(call, principal, org)) };
}

/**
 * Who may assume `principal`'s role. GitHub: a token of the repository's workflows, for
 * the plan role from a pull request or any branch, for the apply role from the one
 * branch or environment; another CI system: its role, by ARN.
 */
export function ciRoleTrust(principal: CiPrincipal, ci: CiPrincipals): { Version: '2012-10-17'; Statement: Record<string, unknown>[] } {
  if (!ci.github) {
    const arn = principal === 'plan' ? ci.plan_principal_arn! : ci.apply_principal_arn!;
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 'sts:AssumeRole' }] };
  }
  const repo = `repo:${ci.github.repository}`;
  const subject =
    principal === 'plan'
      ? { StringLike: { [`${GITHUB_OIDC.host}:sub`]: [`${repo}:pull_request`, `${repo}:ref:refs/heads/*`] } }
      : { StringEquals: { [`${GITHUB_OIDC.host}:sub`]: ci.github.apply_environment !== undefined ? `${repo}:environment:${ci.github.apply_environment}` : `${repo}:ref:${ci.github.apply_ref ?? 'refs/heads/main'}` } };
  const audience = { [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:oidc-provider/${GITHUB_OIDC.host}`) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: 'StringEquals' in subject ? { StringEquals: { ...audience, ...subject.StringEquals } } : { StringEquals: audience, ...subject },
      },
    ],
  };
}

export interface CiRole {
  logical_id: string;
  name: string;
  description: string;
  trust: ReturnType<typeof ciRoleTrust>;
  policy: ReturnType<typeof ciRolePolicy>;
}

/** The CICD account's CI roles and whether its stack makes GitHub's OIDC provider: none without organization.ci. */
export function ciRoles(org: CiRoleOrganization & Pick<BootstrapOrganization, 'ci'>): { roles: CiRole[]; oidc_provider: boolean } {
  const { ci } = org;
  if (!ci) return { roles: [], oidc_provider: false };
  const role = (principal: CiPrincipal, logical_id: string, name: string, description: string): CiRole => ({ logical_id, name, description, trust: ciRoleTrust(principal, ci), policy: ciRolePolicy(principal, org) });
  return {
    roles: [
      role('plan', 'CiPlanRole', NAMES.planRole, 'orgvend dry runs from CI: puts requests with the plan source only, which handlers never act on'),
      role('apply', 'CiApplyRole', NAMES.applyRole, 'orgvend --execute from CI, after review: puts requests and uploads rendered templates'),
    ],
    oidc_provider: ci.github?.create_oidc_provider ?? false,
  };
}
