/**
 * Every request type: how it is routed, whether it changes anything, how long the CLI
 * waits, and the schemas of its payload and result. Both sides import this; nothing else
 * defines a request.
 */
import { z } from 'zod';
import { CONTACT_TYPES, DomainName, PolicyName, TrailName } from '../config/schema.js';
import { AccountIdString } from './envelope.js';
import { MAX_TEMPLATE_BODY } from './limits.js';
import { DELEGATED_SERVICE_PRINCIPALS } from '../config/delegated-services.js';
import { APPLIED_TAGS } from '../config/identity-tags.js';
import { FIXED_STACKS, NAMES, OWNED_STACK_PREFIX, PARAMETER_PREFIX, TEMPLATE_TAG, isDeployedStack, isOwnedStackName, mappingStackPrefix } from './names.js';
import { compareText } from '../text-order.js';

/**
 * Where the CICD bus sends a request: by detail-type to the management account or the
 * delegated administrator, or by `detail.target_account` to one account.
 */
export type Route = 'management' | 'delegated-admin' | 'target';

/**
 * An IAM action (`"organizations:ListRoots"`) on the resources ORGANIZATION_RESOURCES gives
 * it (every resource, for an action that takes none), or on the resources of an ARN
 * pattern, written as CloudFormation's Fn::Sub would take it, with `${OrganizationId}` for
 * the organization's id; with a condition where IAM has one that narrows it further.
 */
type Permission = string | { action: string; resource: string; condition?: Condition };
/** An IAM condition block: operator → key → value(s). `${OrganizationId}` is the organization's id. */
type Condition = Record<string, Record<string, string | string[]>>;

/** The organization's resources, as Organizations names them in the management account (its stack's AWS::AccountId). */
const ORG = 'arn:${AWS::Partition}:organizations::${AWS::AccountId}';
const ORG_ACCOUNTS = `${ORG}:account/\${OrganizationId}/*`;
const ORG_OUS = `${ORG}:ou/\${OrganizationId}/ou-*`;
const ORG_ROOTS = `${ORG}:root/\${OrganizationId}/r-*`;
const ORG_POLICIES = `${ORG}:policy/\${OrganizationId}/service_control_policy/p-*`;
/** AWS's own SCPs (FullAWSAccess), which orgvend attaches and detaches but never changes. */
const AWS_POLICIES = 'arn:${AWS::Partition}:organizations::aws:policy/service_control_policy/p-*';
/** The member accounts the Account Management API acts on, from the delegated administrator or the management account. */
const MEMBER_ACCOUNTS = `arn:\${AWS::Partition}:account::*:account/\${OrganizationId}/*`;

/**
 * The resources of this organization each Organizations and Account Management action that
 * takes a resource may act on (the Service Authorization Reference's resource types for it):
 * never another organization's, never all of `*`. Actions not listed take no resource.
 */
const ORGANIZATION_RESOURCES: Record<string, string[]> = {
  'organizations:AttachPolicy': [ORG_POLICIES, AWS_POLICIES, ORG_ACCOUNTS, ORG_OUS, ORG_ROOTS],
  'organizations:CloseAccount': [ORG_ACCOUNTS],
  'organizations:CreateOrganizationalUnit': [ORG_OUS, ORG_ROOTS],
  'organizations:DeleteOrganizationalUnit': [ORG_OUS],
  'organizations:DeletePolicy': [ORG_POLICIES],
  'organizations:DescribeAccount': [ORG_ACCOUNTS],
  'organizations:DescribePolicy': [ORG_POLICIES, AWS_POLICIES],
  'organizations:DetachPolicy': [ORG_POLICIES, AWS_POLICIES, ORG_ACCOUNTS, ORG_OUS, ORG_ROOTS],
  'organizations:EnablePolicyType': [ORG_ROOTS],
  'organizations:ListAccountsForParent': [ORG_OUS, ORG_ROOTS],
  'organizations:ListOrganizationalUnitsForParent': [ORG_OUS, ORG_ROOTS],
  'organizations:ListParents': [ORG_ACCOUNTS, ORG_OUS],
  'organizations:ListTagsForResource': [ORG_ACCOUNTS, ORG_POLICIES],
  'organizations:ListTargetsForPolicy': [ORG_POLICIES, AWS_POLICIES],
  'organizations:MoveAccount': [ORG_ACCOUNTS, ORG_OUS, ORG_ROOTS],
  'organizations:TagResource': [ORG_ACCOUNTS, ORG_POLICIES],
  'organizations:UntagResource': [ORG_ACCOUNTS, ORG_POLICIES],
  'organizations:UpdatePolicy': [ORG_POLICIES],
  'organizations:RegisterDelegatedAdministrator': [ORG_ACCOUNTS],
  'organizations:DeregisterDelegatedAdministrator': [ORG_ACCOUNTS],
  'account:GetAlternateContact': [MEMBER_ACCOUNTS],
  'account:PutAlternateContact': [MEMBER_ACCOUNTS],
  'account:DeleteAlternateContact': [MEMBER_ACCOUNTS],
  'account:GetContactInformation': [MEMBER_ACCOUNTS],
  'account:PutContactInformation': [MEMBER_ACCOUNTS],
  'account:ListRegions': [MEMBER_ACCOUNTS],
  'account:GetRegionOptStatus': [MEMBER_ACCOUNTS],
  'account:EnableRegion': [MEMBER_ACCOUNTS],
  'account:DisableRegion': [MEMBER_ACCOUNTS],
};
/** The services sync-security may give a delegated administrator (config/delegated-services.ts), and nothing else. */
const DELEGATED_SERVICES_ONLY: Condition = { StringEquals: { 'organizations:ServicePrincipal': [...DELEGATED_SERVICE_PRINCIPALS] } };
/** bootstrap's Account Management API, and sync-security's services. */
const REGISTERABLE_SERVICES: Condition = { StringEquals: { 'organizations:ServicePrincipal': ['account.amazonaws.com', ...DELEGATED_SERVICE_PRINCIPALS] } };
const DelegatedServicePrincipal = z.enum(DELEGATED_SERVICE_PRINCIPALS);
/** The management account's trails (CloudTrail ARNs name the trail's home region). */
const TRAILS_ARN = 'arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*';
const TRAIL_READ_PERMISSIONS: Permission[] = ['cloudtrail:GetTrail', 'cloudtrail:GetTrailStatus'].map((action) => ({ action, resource: TRAILS_ARN }));
const CLOUDTRAIL_ONLY: Condition = { StringEquals: { 'organizations:ServicePrincipal': 'cloudtrail.amazonaws.com' } };
const CLOUDTRAIL_SERVICE_ROLE = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail';
const BucketNameString = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name');
/** A trail as GET_TRAIL reads it: where it delivers, what it covers, whether it logs. */
export const LiveTrail = z.object({
  name: z.string(),
  bucket: z.string(),
  home_region: z.string(),
  multi_region: z.boolean(),
  organization: z.boolean(),
  log_file_validation: z.boolean(),
  global_service_events: z.boolean(),
  logging: z.boolean(),
});
export type LiveTrail = z.infer<typeof LiveTrail>;
/** What orgvend's organization trail is: every region, the whole organization, validated, delivering into `bucket`. */
export const wantedTrail = (bucket: string) => ({ bucket, multi_region: true, organization: true, log_file_validation: true, global_service_events: true });
/** The settings of `trail` that are not what orgvend wants of it (its logging aside). */
export function trailDrift(trail: LiveTrail, bucket: string): (keyof ReturnType<typeof wantedTrail>)[] {
  const want = wantedTrail(bucket);
  return (Object.keys(want) as (keyof typeof want)[]).filter((key) => trail[key] !== want[key]);
}
/*
 * GuardDuty, Security Hub and the Config aggregator (organization.security) are read and set
 * in the home region of their delegated administrator's account, by its own handler: the
 * requests are routed to that account (`target`), and only an account whose bootstrap gave
 * it the service's role (`<service>-admin`, bootstrap/topology.ts securityRoles) serves them,
 * so their permissions are in its handler role and nowhere else.
 */
/** The services that keep their own administrator besides Organizations' registration, which sync-security designates. */
export const SERVICES_WITH_ADMIN = ['guardduty', 'securityhub'] as const;
export const ServiceWithAdmin = z.enum(SERVICES_WITH_ADMIN);
export type ServiceWithAdmin = z.infer<typeof ServiceWithAdmin>;
const SERVICE_ADMIN_PRINCIPALS: Condition = { StringEquals: { 'organizations:ServicePrincipal': ['guardduty.amazonaws.com', 'securityhub.amazonaws.com'] } };
const GUARDDUTY_DETECTORS = 'arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/*';
const GUARDDUTY_READ: Permission[] = ['guardduty:ListDetectors', { action: 'guardduty:DescribeOrganizationConfiguration', resource: GUARDDUTY_DETECTORS }];
const GUARDDUTY_SERVICE_ROLE = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty';
/** GuardDuty's auto-enable setting for the organization's members, as its API spells it. */
export const GuardDutyAutoEnable = z.enum(['ALL', 'NEW', 'NONE']);
export const LiveGuardDuty = z.object({
  /** The administrator's own detector in the region (null: GuardDuty is off there). */
  detector_id: z.string().nullable(),
  /** Null without a detector. */
  auto_enable: GuardDutyAutoEnable.nullable(),
});
export type LiveGuardDuty = z.infer<typeof LiveGuardDuty>;

const SECURITYHUB_HUB = 'arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default';
const SECURITYHUB_READ: Permission[] = ['securityhub:DescribeHub', 'securityhub:DescribeOrganizationConfiguration'].map((action) => ({ action, resource: SECURITYHUB_HUB }));
const SECURITYHUB_SERVICE_ROLE = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/securityhub.amazonaws.com/AWSServiceRoleForSecurityHub';
export const SecurityHubStandards = z.enum(['DEFAULT', 'NONE']);
export const LiveSecurityHub = z.object({
  /** Security Hub is on in the administrator's account, in the region. */
  hub: z.boolean(),
  /** The organization configuration (null: none to read, as without the hub). */
  auto_enable: z.boolean().nullable(),
  auto_enable_standards: SecurityHubStandards.nullable(),
  /** LOCAL, or CENTRAL (configuration policies, which orgvend does not manage). */
  configuration_type: z.string().nullable(),
});
export type LiveSecurityHub = z.infer<typeof LiveSecurityHub>;

const CONFIG_AGGREGATORS = 'arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-aggregator/*';
const AggregatorNameString = z.string().regex(/^[\w-]{1,256}$/, 'an AWS Config aggregator name');
export const LiveAggregator = z.object({
  name: z.string(),
  /** Aggregates the organization (OrganizationAggregationSource), not listed accounts. */
  organization: z.boolean(),
  all_regions: z.boolean(),
  role_arn: z.string().nullable(),
});
export type LiveAggregator = z.infer<typeof LiveAggregator>;
/** The role orgvend's aggregator reads the organization through, in the administrator's account (the bootstrap stack makes it there). */
export const aggregatorRoleArn = (partition: string, account: string) => `arn:${partition}:iam::${account}:role/${NAMES.configAggregatorRole}`;
/** The settings of `aggregator` that are not orgvend's: an organization aggregator over every region through orgvend's role in `account`, whatever the partition. */
export function aggregatorDrift(aggregator: LiveAggregator, account: string): ('organization' | 'all_regions' | 'role_arn')[] {
  const drift: ('organization' | 'all_regions' | 'role_arn')[] = [];
  if (!aggregator.organization) drift.push('organization');
  if (!aggregator.all_regions) drift.push('all_regions');
  if (aggregator.role_arn === null || aggregator.role_arn !== aggregatorRoleArn(aggregator.role_arn.split(':')[1] ?? '', account)) drift.push('role_arn');
  return drift;
}

/** Every service sync-security can read at once. */
const MAX_SERVICES_READ = DELEGATED_SERVICE_PRINCIPALS.length;

/** The policy types besides SCPs that sync-scps manages (policies/), as Organizations names them. */
export const POLICY_TYPES = ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY', 'TAG_POLICY', 'BACKUP_POLICY', 'AISERVICES_OPT_OUT_POLICY'] as const;
export const PolicyType = z.enum(POLICY_TYPES);
export type PolicyType = z.infer<typeof PolicyType>;
/** The same policy actions on orgvend's own policies of the other types: their ARNs name the type (`…/tag_policy/p-*`). */
for (const resources of Object.values(ORGANIZATION_RESOURCES)) {
  if (!resources.includes(ORG_POLICIES)) continue;
  resources.push(...POLICY_TYPES.slice(1).map((type) => `${ORG}:policy/\${OrganizationId}/${type.toLowerCase()}/p-*`));
}

/** An SSM parameter path of the handler's own account and region, as a Permission's resource. */
const ssmParameterArn = (path: string) => `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${path}`;

/** The create-account ledger: SSM parameters under one prefix in the management account. */
export const LEDGER_PREFIX = '/orgvend/create-account/';
const LEDGER_ARN = ssmParameterArn(`${LEDGER_PREFIX}*`);

export interface RequestSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  route: Route;
  /**
   * A `target` request only accounts with this role serve (and get the permissions for):
   * `member` for what concerns orgvend's parameters and stacks, which the management account
   * never has; `dns` for records. Absent: every account (PING).
   */
  servedBy?: AccountRole;
  /** Changes the world when not a dry run. Without --execute these are sent with dryrun: true or not at all. */
  mutating: boolean;
  /** How long the CLI waits for the whole reply. */
  timeoutSeconds: number;
  /** IAM actions the handler needs for this request: the handler role is the union over the types it serves. */
  permissions: Permission[];
  payload: P;
  result: R;
}

const spec = <P extends z.ZodType, R extends z.ZodType>(s: RequestSpec<P, R>) => s;

const Tags = z.record(z.string(), z.string());
const TagKeyString = z.string().min(1).max(128).regex(/^(?!aws:)/, 'tag keys starting with aws: are reserved by AWS');
const TagMap = z.record(TagKeyString, z.string().max(256));
const OuPathString = z.string().min(1).max(2048).regex(/^[^/]+(\/[^/]+)*$/, 'an OU path below Root');

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

/** The root, the OU tree and the management account, as LIST_OUS and LIST_ACCOUNTS give them. */
const OrganizationShape = z.object({ root_id: z.string(), organization_id: z.string(), management_account_id: AccountIdString, ous: z.array(OrgUnit) });

/** A root's or an OU's id, as Organizations writes them. */
const ParentIdString = z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, 'a root id (r-…) or an OU id (ou-…-…)');
/** Parents one LIST_ACCOUNTS of a page of the organization reads the accounts of. */
export const MAX_PARENTS_READ = 20;

export const OrgPolicy = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  aws_managed: z.boolean(),
  /** The document as AWS returns it. */
  content: z.string(),
  tags: Tags,
  /** Ids of the roots, OUs and accounts it is attached to. */
  targets: z.array(z.string()),
});
export type OrgPolicy = z.infer<typeof OrgPolicy>;

const PARAMETERS_PATH_ARN = ssmParameterArn(PARAMETER_PREFIX.slice(0, -1));
const PARAMETERS_ARN = ssmParameterArn(`${PARAMETER_PREFIX}*`);
const ParameterName = z.string().regex(new RegExp(`^${PARAMETER_PREFIX}[A-Za-z0-9_.\\-/]{1,900}$`), `a parameter name under ${PARAMETER_PREFIX}`);

const StackName = z.string().refine(isDeployedStack, 'one of the stacks orgvend deploys');
const RegionString = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region name');
const StackRef = z.strictObject({ stack: StackName, region: RegionString });
/** The stacks orgvend deploys (the IAM mapping's, one per account, by their prefix), in any region of the account; nothing else of CloudFormation's. */
const MAPPING_STACKS = `${mappingStackPrefix}*`;
/** Every `orgvend-*` stack: the team's templates' (orgvend-<template>), and the bootstrap stack too, which the handler's role is denied (bootstrap.yml.njk). */
const OWNED_STACKS = `${OWNED_STACK_PREFIX}*`;
const stackPermissions = (actions: string[], stacks: readonly string[] = [...FIXED_STACKS, MAPPING_STACKS, OWNED_STACKS], condition?: Condition): Permission[] =>
  stacks.flatMap((stack) => actions.map((action) => ({ action, resource: `arn:\${AWS::Partition}:cloudformation:*:\${AWS::AccountId}:stack/${stack}/*`, ...(condition ? { condition } : {}) })));
/** A stack DEPLOY_STACK tagged with the template it came from (the bootstrap stack never is). */
const OWNED_BY_TAG: Condition = { Null: { [`aws:ResourceTag/${TEMPLATE_TAG}`]: 'false' } };
/**
 * `actions` on the stacks orgvend owns (names.ts isOwnedStack): by name those that predate
 * the tags (DEPLOYED_STACKS), any other `orgvend-*` stack only when DEPLOY_STACK tagged it.
 * IAM denies the rest, so the handler takes a stack it may not describe for one it does not own.
 */
const ownedStackPermissions = (actions: string[]): Permission[] => [...stackPermissions(actions, [...FIXED_STACKS, MAPPING_STACKS]), ...stackPermissions(actions, [OWNED_STACKS], OWNED_BY_TAG)];
/** An `orgvend-*` name (the handler checks, by its tags, that the stack is one orgvend owns). */
const OwnedStackName = z.string().refine(isOwnedStackName, 'the name of a stack orgvend deploys (orgvend-*, not the bootstrap stack)');
/** A template's path in the repository, as the stack's orgvend:template tag holds it (the characters AWS allows in a tag value). */
const TemplateSource = z.string().min(1).max(256).regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 'a path of letters, digits and _.:/=+-@');
/** DEPLOY_STACK and DELETE_STACK go through the deployer role, the only role the handler may pass. */
const PASS_DEPLOYER_ROLE: Permission = { action: 'iam:PassRole', resource: `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${NAMES.deployerRole}` };
/** The most stacks one GET_STACKS reads by name. */
export const MAX_STACKS_READ = 20;
/** One change of a change set, as DescribeChangeSet gives it. */
const ResourceChange = z.object({ action: z.string(), logical_id: z.string(), type: z.string(), replacement: z.string().optional() });
export type ResourceChange = z.infer<typeof ResourceChange>;

/** Below this, in the DNS account: `<account id>` → the domains that account may have records in, comma-separated. */
export const DNS_ALLOWED_KEY = 'dns/allowed/';
/** `name` is `domain` or below it; `*.domain` admits only names below it. Both sides judge records by it. */
export function withinDomain(name: string, domain: string): boolean {
  const wildcard = domain.startsWith('*.');
  const base = wildcard ? domain.slice(2) : domain;
  return name.endsWith(`.${base}`) || (!wildcard && name === base);
}
const RECORD_TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'SRV', 'TXT'] as const;
const RecordRef = z.strictObject({
  /** The account the record is for; the DNS account's allow list decides. */
  account_id: AccountIdString,
  /** Its DSL name, for messages. */
  account: z.string(),
  name: DomainName.refine((n) => !n.startsWith('*.'), 'a record name without a wildcard'),
  type: z.enum(RECORD_TYPES),
});
const RecordValue = z.object({ ttl: z.number().int().min(0).max(172_800), values: z.array(z.string().min(1).max(4000)).min(1).max(100) });
type RecordValue = z.infer<typeof RecordValue>;
/** The same record as Route 53 keeps it: the order of the values does not count. */
export const sameRecord = (a: RecordValue | null, b: RecordValue) => a !== null && a.ttl === b.ttl && [...a.values].sort().join('\n') === [...b.values].sort().join('\n');
const HOSTED_ZONES_ARN = 'arn:${AWS::Partition}:route53:::hostedzone/*';
const ROUTE53_PERMISSIONS: Permission[] = [
  'route53:ListHostedZones',
  { action: 'route53:ListResourceRecordSets', resource: HOSTED_ZONES_ARN },
  { action: 'ssm:GetParameter', resource: PARAMETERS_ARN },
];

const ContactTypeString = z.enum(CONTACT_TYPES);
/** An alternate contact as the Account Management API holds it. */
export const AlternateContact = z.object({
  name: z.string().min(1).max(64),
  title: z.string().min(1).max(50),
  email: z.string().min(1).max(254),
  phone: z.string().min(1).max(25),
});
export type AlternateContact = z.infer<typeof AlternateContact>;

/** The same contact, as the API keeps it: emails compare without case. */
export const sameContact = (a: AlternateContact | null, b: AlternateContact) =>
  a !== null && a.name === b.name && a.title === b.title && a.email.toLowerCase() === b.email.toLowerCase() && a.phone === b.phone;
/**
 * The primary contact as the Account Management API holds it (ContactInformation), in the
 * DSL's names; a field AWS holds empty is absent. AWS replaces it whole on every put.
 */
export const LivePrimaryContact = z.object({
  full_name: z.string().min(1).max(50),
  company_name: z.string().min(1).max(50).optional(),
  address_line1: z.string().min(1).max(60),
  address_line2: z.string().min(1).max(60).optional(),
  address_line3: z.string().min(1).max(60).optional(),
  city: z.string().min(1).max(50),
  state_or_region: z.string().min(1).max(50).optional(),
  district_or_county: z.string().min(1).max(50).optional(),
  postal_code: z.string().min(1).max(20),
  country_code: z.string().min(2).max(2),
  phone: z.string().min(1).max(20),
  website_url: z.string().min(1).max(256).optional(),
});
export type LivePrimaryContact = z.infer<typeof LivePrimaryContact>;

/** The same primary contact: every field equal, one absent on both sides or on neither. */
export const samePrimaryContact = (a: LivePrimaryContact | null | undefined, b: LivePrimaryContact) =>
  !!a && Object.keys(LivePrimaryContact.shape).every((field) => a[field as keyof LivePrimaryContact] === b[field as keyof LivePrimaryContact]);

/** Alternate contacts; `primary` only when asked for (null: AWS holds none, as for a new account it may not yet). */
const LiveContacts = z.object({
  billing: AlternateContact.nullable(),
  operations: AlternateContact.nullable(),
  security: AlternateContact.nullable(),
  primary: LivePrimaryContact.nullable().optional(),
});
export type LiveContacts = z.infer<typeof LiveContacts>;
/** What PUT_CONTACTS may put: an alternate contact, or the primary contact. */
const ContactKindString = z.enum([...CONTACT_TYPES, 'primary']);

const REGION_STATUSES = ['ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'] as const;
const RegionStatus = z.enum(REGION_STATUSES);
export type RegionStatus = z.infer<typeof RegionStatus>;
/** The region is as wanted: ENABLED_BY_DEFAULT counts as ENABLED. */
export const regionIs = (status: RegionStatus | undefined, want: 'ENABLED' | 'DISABLED') => status === want || (want === 'ENABLED' && status === 'ENABLED_BY_DEFAULT');
const RegionChange = z.strictObject({ account_id: AccountIdString, name: z.string(), region: RegionString });
const RegionChangeResult = z.object({ status: RegionStatus, outcome: z.enum(['requested', 'in-progress', 'already-done', 'would-request']) });

/** Accounts one DESCRIBE_ACCOUNTS reads: three calls each, well inside its timeout. */
export const MAX_DESCRIBED_ACCOUNTS = 20;
/** Accounts one RECORD_APPLIED tags: two Organizations calls each, well within its timeout. */
export const MAX_RECORDED_ACCOUNTS = 50;
/** Accounts one BOOTSTRAP_ACCOUNTS takes: their stacks are deployed a few at a time within one handler's 15 minutes, asked again if need be. */
export const MAX_BOOTSTRAPS = 20;
const BootstrapOutcome = z.enum(['bootstrapped', 'already-bootstrapped', 'in-progress', 'would-bootstrap']);

/**
 * What GET_PARAMETERS needs, and so what the reader role may do for READ_ACCOUNTS'
 * parameters; with them the account's S3 Block Public Access, an account-level setting
 * (the action takes no resource).
 */
/** AWS Config's service-linked role, which the recorder records through. */
export const CONFIG_ROLE_PATH = 'aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
const CONFIG_ROLE_ARN = `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${CONFIG_ROLE_PATH}`;
/** AWS Config's reads of an account's recorder and delivery channel (they take no resource). */
const CONFIG_RECORDER_READ = ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus', 'config:DescribeDeliveryChannels'];
const GET_PARAMETERS_PERMISSIONS: Permission[] = [{ action: 'ssm:GetParametersByPath', resource: PARAMETERS_PATH_ARN }, 's3:GetAccountPublicAccessBlock', ...CONFIG_RECORDER_READ];

/**
 * The account's AWS Config recorder in one region, as orgvend compares it: recording or not,
 * every supported resource type or not, the global ones (IAM) or not, and the bucket its
 * delivery channel writes to (null: no channel).
 */
export const LiveRecorder = z.strictObject({
  name: z.string(),
  recording: z.boolean(),
  all_supported: z.boolean(),
  include_global: z.boolean(),
  bucket: z.string().nullable(),
});
export type LiveRecorder = z.infer<typeof LiveRecorder>;
/** Region → the recorder there, null where there is none. */
export const LiveRecorders = z.record(RegionString, LiveRecorder.nullable());
export type LiveRecorders = z.infer<typeof LiveRecorders>;
/** The regions whose recorders are read (config_recorder: the account's regions). */
const RecorderRegions = z.array(RegionString).min(1).max(40);
/**
 * What differs between a recorder and config_recorder: `on` records every supported type
 * (the global ones, IAM's, only in the account's home region, so they are recorded once) into `bucket`;
 * off, only that it does not record. Empty when the recorder is as wanted.
 */
export function recorderDrift(live: LiveRecorder | null, on: boolean, region: string, homeRegion: string, bucket: string): string[] {
  if (!on) return live?.recording ? ['recording'] : [];
  if (!live) return ['recorder'];
  const wanted = { recording: true, all_supported: true, include_global: region === homeRegion, bucket };
  return (Object.keys(wanted) as (keyof typeof wanted)[]).filter((k) => live[k] !== wanted[k]);
}

/** The account's S3 Block Public Access, as S3 Control holds it. */
export const PublicAccessBlock = z.strictObject({
  block_public_acls: z.boolean(),
  ignore_public_acls: z.boolean(),
  block_public_policy: z.boolean(),
  restrict_public_buckets: z.boolean(),
});
export type PublicAccessBlock = z.infer<typeof PublicAccessBlock>;
/** The four settings all `on` (s3_block_public_access: true) or all off (false). */
export const publicAccessBlockOf = (on: boolean): PublicAccessBlock => ({ block_public_acls: on, ignore_public_acls: on, block_public_policy: on, restrict_public_buckets: on });
/** An account with none holds all four off. */
export const samePublicAccessBlock = (live: PublicAccessBlock | null, want: PublicAccessBlock) =>
  (Object.keys(want) as (keyof PublicAccessBlock)[]).every((k) => (live?.[k] ?? false) === want[k]);
/** What GET_STACKS needs (ListStacks: the stacks orgvend owns, found by listing; it takes no resource), and so what the reader role may do for READ_ACCOUNTS' stacks. */
const GET_STACKS_PERMISSIONS: Permission[] = [...ownedStackPermissions(['cloudformation:DescribeStacks', 'cloudformation:GetTemplate']), 'cloudformation:ListStacks'];
/** The request types whose reads NAMES.readerRole may make: its policy is their permissions, nothing more. */
export const READER_ROLE_READS = ['GET_PARAMETERS', 'GET_STACKS'] as const satisfies readonly string[];
/** A role in this organization's accounts only (the role's account is in it). */
const IN_THIS_ORGANIZATION: Condition = { StringEquals: { 'aws:ResourceOrgID': '${OrganizationId}' } };
/** With `owned`, every stack orgvend owns (names.ts isOwnedStack) in those regions is read as well: one ListStacks a region. */
const OwnedRead = z.strictObject({ regions: z.array(RegionString).min(1).max(40) });
/**
 * A stack as it is: its status and template, or null for both when there is none; `source`,
 * the template it came from (its orgvend:template tag), when it has one.
 */
const LiveStack = z.strictObject({ stack: OwnedStackName, region: RegionString, status: z.string().nullable(), template: z.string().nullable(), source: z.string().max(256).optional() });
/**
 * Entries one READ_ACCOUNTS takes. An entry costs a few calls (its parameters, two per
 * stack; the role is assumed once per account and warm handler), so 50 are seconds of a
 * 300 s timeout, and their templates a few parts of a reply.
 */
export const MAX_ACCOUNTS_READ = 50;
/** One account's reads in READ_ACCOUNTS: what GET_PARAMETERS (when `parameters`) and GET_STACKS would read in it. */
const AccountRead = z
  .strictObject({
    account_id: AccountIdString,
    parameters: z.boolean(),
    /** The account's S3 Block Public Access as well (its DSL sets s3_block_public_access). */
    public_access_block: z.boolean().optional(),
    /** The account's AWS Config recorders in these regions as well (its DSL sets config_recorder). */
    config_recorder: RecorderRegions.optional(),
    stacks: z.array(StackRef).max(MAX_STACKS_READ),
    owned: OwnedRead.optional(),
  })
  .refine((r) => r.parameters || r.public_access_block || r.config_recorder || r.stacks.length || r.owned, 'parameters, public access block, Config recorders, stacks or owned stacks to read');
/** Why READ_ACCOUNTS could not read an account: the caller reads it with GET_PARAMETERS and GET_STACKS instead. */
export const UNREACHABLE_REASONS = ['cannot-assume-reader', 'access-denied', 'failed'] as const;
const AccountUnreachable = z.strictObject({ account_id: AccountIdString, unreachable: z.strictObject({ reason: z.enum(UNREACHABLE_REASONS), message: z.string() }) });
/** What was asked of an account, read: its parameters (when asked) and its stacks (when any were asked). */
const AccountState = z.strictObject({
  account_id: AccountIdString,
  parameters: z.record(ParameterName, z.string()).optional(),
  public_access_block: PublicAccessBlock.nullable().optional(),
  config_recorders: LiveRecorders.optional(),
  stacks: z.array(LiveStack).optional(),
});

// ── Identity Center (sync-access) ───────────────────────────────────────────

/** Identity Center's resources, as its actions name them (the Service Authorization Reference's sso resource types). */
const SSO_INSTANCES = 'arn:${AWS::Partition}:sso:::instance/*';
const SSO_PERMISSION_SETS = 'arn:${AWS::Partition}:sso:::permissionSet/*/*';
const SSO_ACCOUNTS = 'arn:${AWS::Partition}:sso:::account/*';
const IDENTITY_STORES = 'arn:${AWS::Partition}:identitystore::${AWS::AccountId}:identitystore/*';
const IDENTITY_GROUPS = 'arn:${AWS::Partition}:identitystore:::group/*';
const on = (resources: string[], actions: string[]): Permission[] => actions.flatMap((action) => resources.map((resource) => ({ action, resource })));
const READ_PERMISSION_SETS = on([SSO_INSTANCES, SSO_PERMISSION_SETS], ['sso:DescribePermissionSet', 'sso:ListManagedPoliciesInPermissionSet', 'sso:GetInlinePolicyForPermissionSet']);
const FIND_PERMISSION_SETS = [...on([SSO_INSTANCES], ['sso:ListPermissionSets']), ...READ_PERMISSION_SETS];
const ASSIGNMENTS = on([SSO_INSTANCES, SSO_PERMISSION_SETS, SSO_ACCOUNTS], ['sso:ListAccountAssignments']);

export const InstanceArn = z.string().regex(/^arn:aws(?:-[a-z]+)*:sso:::instance\/(?:sso)?ins-[a-zA-Z0-9-.]{16}$/, 'an Identity Center instance ARN');
/** AWS's pattern for a permission set ARN; moto 5.2.1 writes `instance/` where AWS writes `permissionSet/`, which is let through too. */
export const PermissionSetArn = z.string().regex(/^arn:aws(?:-[a-z]+)*:sso:::(?:permissionSet|instance)\/(?:sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/, 'a permission set ARN');
const PermissionSetNameString = z.string().regex(/^[\w+=,.@-]{1,32}$/, 'a permission set name');
const NamePrefix = z.string().regex(/^[\w+=,.@-]{1,16}$/, 'a permission set name prefix');
/** An identity store group id (a UUID, optionally after the store's id). */
const GroupId = z.string().regex(/^(?:[0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/, 'an identity store group id');
/** A permission set as orgvend writes it and reads it back: the inline policy as minified JSON. */
export const PermissionSetValue = z.strictObject({
  description: z.string().max(700).nullable(),
  session_duration: z.string().regex(/^PT(?:\d{1,2}H)?(?:\d{1,3}M)?$/),
  managed_policies: z.array(z.string().max(2048)).max(20),
  inline_policy: z.string().max(32_768).nullable(),
});
export type PermissionSetValue = z.infer<typeof PermissionSetValue>;
export const LivePermissionSet = PermissionSetValue.extend({
  name: z.string(),
  arn: z.string(),
  /** Changed by a request that stopped before provisioning it again: its accounts may have the old policies. */
  provisioning_unfinished: z.boolean().optional(),
});
export type LivePermissionSet = z.infer<typeof LivePermissionSet>;
export const LiveAssignment = z.object({ account_id: AccountIdString, permission_set_arn: z.string(), principal_type: z.string(), principal_id: z.string() });
export type LiveAssignment = z.infer<typeof LiveAssignment>;
const AssignmentRef = z.strictObject({ instance_arn: InstanceArn, account_id: AccountIdString, permission_set_arn: PermissionSetArn, group_id: GroupId, name_prefix: NamePrefix });
/** Accounts and permission sets one GET_ASSIGNMENTS reads the assignments of. */
export const MAX_ASSIGNMENT_ACCOUNTS = 100;
export const MAX_ASSIGNMENT_SETS = 50;

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
    result: OrganizationShape,
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
    // Without parents, the whole organization: the tree it walks to find the accounts comes along. With parents, a page of it: the accounts directly in those OUs or the root, with their tags.
    payload: z.strictObject({ parents: z.array(ParentIdString).min(1).max(MAX_PARENTS_READ).optional() }),
    result: z.union([OrganizationShape.extend({ accounts: z.array(OrgAccount) }), z.strictObject({ accounts: z.array(OrgAccount) })]),
  }),
  CREATE_OU: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    // DeleteOrganizationalUnit: the OU it made in a race with another run, still empty, when the other's stays (AWS refuses to delete an OU that is not empty).
    permissions: ['organizations:ListRoots', 'organizations:ListOrganizationalUnitsForParent', 'organizations:CreateOrganizationalUnit', 'organizations:DeleteOrganizationalUnit'],
    payload: z.strictObject({ path: OuPathString }),
    result: z.object({ path: z.string(), id: z.string().nullable(), outcome: z.enum(['created', 'exists', 'would-create']) }),
  }),
  CREATE_ACCOUNT: spec({
    route: 'management',
    mutating: true,
    // The handler waits for the creation within Lambda's 15 minutes; past that it says
    // "still in progress" and a second request waits again rather than creating twice.
    timeoutSeconds: 900,
    permissions: [
      'organizations:CreateAccount',
      'organizations:DescribeCreateAccountStatus',
      'organizations:ListCreateAccountStatus',
      'organizations:ListRoots',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListParents',
      'organizations:MoveAccount',
      'organizations:TagResource',
      { action: 'ssm:GetParameter', resource: LEDGER_ARN },
      { action: 'ssm:PutParameter', resource: LEDGER_ARN },
      { action: 'ssm:DeleteParameter', resource: LEDGER_ARN },
    ],
    payload: z.strictObject({
      /** The DSL name, for messages and the ledger. */
      name: z.string().min(1),
      aws_name: z.string().min(1).max(50),
      email: z.email().max(64),
      ou_path: OuPathString,
      tags: TagMap,
    }),
    result: z.object({
      account_id: AccountIdString.nullable(),
      outcome: z.enum(['created', 'awaited', 'already-created', 'would-create']),
      request_id: z.string().optional(),
    }),
  }),
  MOVE_ACCOUNT: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    // The account's tags: only an account orgvend manages is moved.
    permissions: ['organizations:ListTagsForResource', 'organizations:ListRoots', 'organizations:ListOrganizationalUnitsForParent', 'organizations:ListParents', 'organizations:MoveAccount'],
    payload: z.strictObject({ account_id: AccountIdString, name: z.string(), ou_path: OuPathString }),
    result: z.object({ from: z.string(), to: z.string().nullable(), outcome: z.enum(['moved', 'already-there', 'would-move']) }),
  }),
  TAG_ACCOUNT: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['organizations:ListTagsForResource', 'organizations:TagResource', 'organizations:UntagResource'],
    payload: z.strictObject({ account_id: AccountIdString, name: z.string(), set: TagMap, remove: z.array(TagKeyString) }),
    result: z.object({ set: z.array(z.string()), removed: z.array(z.string()), outcome: z.enum(['tagged', 'unchanged', 'would-tag']) }),
  }),
  /**
   * Sets each account's applied tag (`tag`: APPLIED_TAG, the default, or the tag of
   * put-contacts or enable-region) to the fingerprint that action's --execute found it to
   * match (src/plan/applied.ts, src/plan/account-settings.ts); only on accounts orgvend
   * manages, never the management or core accounts, and no other tag.
   */
  RECORD_APPLIED: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 300,
    permissions: ['organizations:ListTagsForResource', 'organizations:TagResource'],
    payload: z.strictObject({
      tag: z.enum(APPLIED_TAGS).optional(),
      accounts: z
        .array(z.strictObject({ account_id: AccountIdString, fingerprint: z.string().regex(/^[0-9a-f]{32}$/, 'a fingerprint: 32 lowercase hex digits') }))
        .min(1)
        .max(MAX_RECORDED_ACCOUNTS),
    }),
    result: z.object({ recorded: z.array(AccountIdString), outcome: z.enum(['recorded', 'would-record']) }),
  }),
  RETIRE_ACCOUNT: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      'organizations:ListTagsForResource',
      'organizations:ListRoots',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListParents',
      'organizations:MoveAccount',
      'organizations:TagResource',
    ],
    payload: z.strictObject({ account_id: AccountIdString, name: z.string(), morgue_path: OuPathString, tags: TagMap }),
    result: z.object({ outcome: z.enum(['retired', 'already-retired', 'would-retire']) }),
  }),
  CLOSE_ACCOUNT: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['organizations:ListTagsForResource', 'organizations:DescribeAccount', 'organizations:CloseAccount'],
    payload: z.strictObject({ account_id: AccountIdString, name: z.string() }),
    result: z.object({ outcome: z.enum(['closed', 'already-closed', 'would-close']) }),
  }),
  /** Some accounts by id, as LIST_ACCOUNTS gives them: what a run re-reads after it changed them. */
  DESCRIBE_ACCOUNTS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 120,
    permissions: ['organizations:DescribeAccount', 'organizations:ListParents', 'organizations:ListTagsForResource'],
    payload: z.strictObject({ accounts: z.array(AccountIdString).min(1).max(MAX_DESCRIBED_ACCOUNTS) }),
    // An id that is no account of the organization is left out.
    result: z.object({ accounts: z.array(OrgAccount) }),
  }),
  LIST_POLICIES: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 300,
    permissions: [
      'organizations:ListRoots',
      'organizations:ListPolicies',
      'organizations:DescribePolicy',
      'organizations:ListTargetsForPolicy',
      'organizations:ListTagsForResource',
    ],
    // Without policy_type: service control policies.
    payload: z.strictObject({ policy_type: PolicyType.optional() }),
    result: z.object({ enabled: z.boolean(), root_id: z.string(), policies: z.array(OrgPolicy) }),
  }),
  ENABLE_POLICY_TYPE: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    // Only the types orgvend manages: organizations:PolicyType narrows EnablePolicyType on the root.
    permissions: [
      'organizations:ListRoots',
      ...ORGANIZATION_RESOURCES['organizations:EnablePolicyType']!.map((resource) => ({ action: 'organizations:EnablePolicyType', resource, condition: { StringEquals: { 'organizations:PolicyType': [...POLICY_TYPES] } } })),
    ],
    payload: z.strictObject({ policy_type: PolicyType.optional() }),
    result: z.object({ outcome: z.enum(['enabled', 'already-enabled', 'would-enable']) }),
  }),
  PUT_POLICY: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['organizations:ListPolicies', 'organizations:DescribePolicy', 'organizations:ListTagsForResource', 'organizations:CreatePolicy', 'organizations:UpdatePolicy', 'organizations:TagResource'],
    payload: z.strictObject({ name: PolicyName, description: z.string().max(512), content: z.string().min(1), tags: TagMap, policy_type: PolicyType.optional() }),
    result: z.object({ policy_id: z.string().nullable(), outcome: z.enum(['created', 'updated', 'unchanged', 'would-create', 'would-update']) }),
  }),
  ATTACH_POLICY: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    // The policy's tags: only orgvend's own (and AWS's FullAWSAccess) are attached.
    permissions: ['organizations:ListPolicies', 'organizations:ListTagsForResource', 'organizations:ListRoots', 'organizations:ListOrganizationalUnitsForParent', 'organizations:AttachPolicy'],
    payload: z.strictObject({ name: PolicyName, target: OuPathString, policy_type: PolicyType.optional() }),
    result: z.object({ outcome: z.enum(['attached', 'already-attached', 'would-attach']) }),
  }),
  DETACH_POLICY: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['organizations:ListPolicies', 'organizations:ListTagsForResource', 'organizations:ListRoots', 'organizations:ListOrganizationalUnitsForParent', 'organizations:DetachPolicy'],
    payload: z.strictObject({ name: PolicyName, target: OuPathString, policy_type: PolicyType.optional() }),
    result: z.object({ outcome: z.enum(['detached', 'not-attached', 'would-detach']) }),
  }),
  DELETE_POLICY: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['organizations:ListPolicies', 'organizations:ListTagsForResource', 'organizations:DeletePolicy'],
    payload: z.strictObject({ name: PolicyName, policy_type: PolicyType.optional() }),
    result: z.object({ outcome: z.enum(['deleted', 'absent', 'would-delete']) }),
  }),
  /** Alternate contacts of member accounts, read from the delegated administrator. */
  GET_CONTACTS: spec({
    route: 'delegated-admin',
    mutating: false,
    timeoutSeconds: 600,
    permissions: ['account:GetAlternateContact', 'account:GetContactInformation'],
    payload: z.strictObject({
      account_ids: z.array(AccountIdString).min(1).max(5000),
      /** Read each account's primary contact too (the DSL sets one for them). */
      primary: z.boolean().optional(),
    }),
    result: z.object({ accounts: z.array(z.object({ account_id: AccountIdString, contacts: LiveContacts })) }),
  }),
  PUT_CONTACTS: spec({
    route: 'delegated-admin',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['account:GetAlternateContact', 'account:PutAlternateContact', 'account:DeleteAlternateContact', 'account:GetContactInformation', 'account:PutContactInformation'],
    payload: z.strictObject({
      account_id: AccountIdString,
      name: z.string(),
      put: z.strictObject({
        billing: AlternateContact.optional(),
        operations: AlternateContact.optional(),
        security: AlternateContact.optional(),
        primary: LivePrimaryContact.strict().optional(),
      }),
      delete: z.array(ContactTypeString),
    }),
    result: z.object({ put: z.array(ContactKindString), deleted: z.array(ContactTypeString), outcome: z.enum(['updated', 'unchanged', 'would-update']) }),
  }),
  /** The opt status of every region of member accounts. */
  GET_REGIONS: spec({
    route: 'delegated-admin',
    mutating: false,
    timeoutSeconds: 600,
    permissions: ['account:ListRegions'],
    payload: z.strictObject({ account_ids: z.array(AccountIdString).min(1).max(5000) }),
    result: z.object({ accounts: z.array(z.object({ account_id: AccountIdString, regions: z.record(z.string(), RegionStatus) })) }),
  }),
  /** Asks for a region once: a region already ENABLING is waited for, not asked for again. */
  ENABLE_REGION: spec({
    route: 'delegated-admin',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['account:GetRegionOptStatus', 'account:EnableRegion'],
    payload: RegionChange,
    result: RegionChangeResult,
  }),
  DISABLE_REGION: spec({
    route: 'delegated-admin',
    mutating: true,
    timeoutSeconds: 120,
    permissions: ['account:GetRegionOptStatus', 'account:DisableRegion'],
    payload: RegionChange,
    result: RegionChangeResult,
  }),
  /** Trusted access for a service, then its delegated administrator (bootstrap). */
  REGISTER_DELEGATED_ADMIN: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      'organizations:ListAWSServiceAccessForOrganization',
      { action: 'organizations:EnableAWSServiceAccess', resource: '*', condition: REGISTERABLE_SERVICES },
      'organizations:ListDelegatedAdministrators',
      ...ORGANIZATION_RESOURCES['organizations:RegisterDelegatedAdministrator']!.map((resource) => ({ action: 'organizations:RegisterDelegatedAdministrator', resource, condition: REGISTERABLE_SERVICES })),
    ],
    payload: z.strictObject({ account_id: AccountIdString, service_principal: z.enum(['account.amazonaws.com', ...DELEGATED_SERVICE_PRINCIPALS]) }),
    result: z.object({
      trusted_access: z.enum(['enabled', 'already-enabled', 'would-enable']),
      outcome: z.enum(['registered', 'already-registered', 'would-register']),
    }),
  }),
  /**
   * sync-security: for each service asked, whether trusted access is on and which accounts
   * are its delegated administrators. A service Organizations refuses to list (the emulator
   * knows delegated administrators for only a few) is answered with `refused`, the reason.
   */
  LIST_DELEGATED_ADMINS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 120,
    permissions: ['organizations:ListAWSServiceAccessForOrganization', 'organizations:ListDelegatedAdministrators'],
    payload: z.strictObject({
      service_principals: z
        .array(DelegatedServicePrincipal)
        .min(1)
        .max(MAX_SERVICES_READ)
        .refine((p) => new Set(p).size === p.length, 'each service principal once'),
    }),
    result: z.object({
      services: z.array(
        z.object({ service_principal: z.string(), trusted_access: z.boolean(), admins: z.array(AccountIdString), refused: z.string().optional() }),
      ),
    }),
  }),
  /** sync-security: trusted access for one of its services (EnableAWSServiceAccess); skipped when it is on. */
  ENABLE_TRUSTED_ACCESS: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      'organizations:ListAWSServiceAccessForOrganization',
      { action: 'organizations:EnableAWSServiceAccess', resource: '*', condition: DELEGATED_SERVICES_ONLY },
    ],
    payload: z.strictObject({ service_principal: DelegatedServicePrincipal }),
    result: z.object({ outcome: z.enum(['enabled', 'already-enabled', 'would-enable']) }),
  }),
  /**
   * sync-security: an account stops being one of its services' delegated administrators.
   * Never the Account Management API's (bootstrap's): the payload and IAM allow only
   * sync-security's services.
   */
  DEREGISTER_DELEGATED_ADMIN: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      'organizations:ListDelegatedAdministrators',
      ...ORGANIZATION_RESOURCES['organizations:DeregisterDelegatedAdministrator']!.map((resource) => ({ action: 'organizations:DeregisterDelegatedAdministrator', resource, condition: DELEGATED_SERVICES_ONLY })),
    ],
    payload: z.strictObject({ account_id: AccountIdString, service_principal: DelegatedServicePrincipal }),
    result: z.object({ outcome: z.enum(['deregistered', 'not-registered', 'would-deregister']) }),
  }),
  /** sync-security: the organization trail as the management account has it (null: none), and whether it logs. */
  GET_TRAIL: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 60,
    permissions: TRAIL_READ_PERMISSIONS,
    payload: z.strictObject({ name: TrailName }),
    result: z.object({ trail: LiveTrail.nullable() }),
  }),
  /**
   * sync-security: the organization trail, from the management account in its home region:
   * created, or updated to be an organization trail for every region with log file
   * validation into `bucket`, then logging. What is so already is left as it is, so the
   * same request twice changes the world once.
   */
  PUT_TRAIL: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      ...TRAIL_READ_PERMISSIONS,
      ...['cloudtrail:CreateTrail', 'cloudtrail:UpdateTrail', 'cloudtrail:StartLogging', 'cloudtrail:AddTags'].map((action) => ({ action, resource: TRAILS_ARN })),
      // What CloudTrail needs of its caller to make an organization trail: trusted access for
      // itself and its service-linked role, and to read the organization.
      'organizations:DescribeOrganization',
      'organizations:ListAccounts',
      'organizations:ListAWSServiceAccessForOrganization',
      { action: 'organizations:EnableAWSServiceAccess', resource: '*', condition: CLOUDTRAIL_ONLY },
      { action: 'iam:GetRole', resource: CLOUDTRAIL_SERVICE_ROLE },
      { action: 'iam:CreateServiceLinkedRole', resource: CLOUDTRAIL_SERVICE_ROLE, condition: { StringEquals: { 'iam:AWSServiceName': 'cloudtrail.amazonaws.com' } } },
    ],
    payload: z.strictObject({ name: TrailName, bucket: BucketNameString }),
    result: z.object({ outcome: z.enum(['created', 'updated', 'unchanged', 'would-create', 'would-update']), logging: z.enum(['started', 'already-logging', 'would-start']) }),
  }),
  /**
   * sync-security: the administrator GuardDuty and Security Hub each know in the home
   * region (ListOrganizationAdminAccounts, from the management account). Each service keeps
   * its own, per region, besides Organizations' registration: its organization
   * configuration can be read and set only from the account it names.
   */
  GET_SERVICE_ADMINS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 60,
    permissions: ['guardduty:ListOrganizationAdminAccounts', 'securityhub:ListOrganizationAdminAccounts'],
    payload: z.strictObject({
      services: z
        .array(ServiceWithAdmin)
        .min(1)
        .max(2)
        .refine((s) => new Set(s).size === s.length, 'each service once'),
    }),
    // `unsupported`: the local emulator lacks the service's listing (the reason), and `admins` is empty.
    result: z.object({ services: z.array(z.object({ service: ServiceWithAdmin, admins: z.array(AccountIdString), unsupported: z.string().optional() })) }),
  }),
  /**
   * sync-security: the account becomes GuardDuty's or Security Hub's administrator in the
   * home region (EnableOrganizationAdminAccount, which also registers it with Organizations
   * and enables trusted access). Skipped when it is one already. The handler refuses the
   * management account, an account orgvend does not manage, and, where bootstrap told it
   * which account organization.security names (security_admins), any other.
   */
  ENABLE_SERVICE_ADMIN: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      'guardduty:ListOrganizationAdminAccounts',
      'guardduty:EnableOrganizationAdminAccount',
      'securityhub:ListOrganizationAdminAccounts',
      'securityhub:EnableOrganizationAdminAccount',
      // Whom the handler may make one: an account orgvend manages (its tags).
      'organizations:ListTagsForResource',
      // What the services ask of the caller of EnableOrganizationAdminAccount: to see the
      // organization, and to enable their trusted access and register their administrator.
      'organizations:DescribeOrganization',
      'organizations:DescribeAccount',
      'organizations:ListAWSServiceAccessForOrganization',
      'organizations:ListDelegatedAdministrators',
      { action: 'organizations:EnableAWSServiceAccess', resource: '*', condition: SERVICE_ADMIN_PRINCIPALS },
      ...ORGANIZATION_RESOURCES['organizations:RegisterDelegatedAdministrator']!.map((resource) => ({ action: 'organizations:RegisterDelegatedAdministrator', resource, condition: SERVICE_ADMIN_PRINCIPALS })),
    ],
    payload: z.strictObject({ service: ServiceWithAdmin, account_id: AccountIdString }),
    result: z.object({ outcome: z.enum(['enabled', 'already-admin', 'would-enable']) }),
  }),
  /** sync-security: GuardDuty's organization configuration, read in its delegated administrator (the home region). */
  GET_GUARDDUTY: spec({
    route: 'target',
    servedBy: 'guardduty-admin',
    mutating: false,
    timeoutSeconds: 60,
    permissions: GUARDDUTY_READ,
    payload: z.strictObject({}),
    result: z.object({ guardduty: LiveGuardDuty }),
  }),
  /**
   * sync-security: GuardDuty on in its delegated administrator (a detector, made when there
   * is none) and the organization's members auto-enabled as `auto_enable` says. What is so
   * already is left alone.
   */
  PUT_GUARDDUTY: spec({
    route: 'target',
    servedBy: 'guardduty-admin',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      ...GUARDDUTY_READ,
      // CreateDetector names no detector yet; the detector is tagged as orgvend's when made.
      'guardduty:CreateDetector',
      { action: 'guardduty:TagResource', resource: GUARDDUTY_DETECTORS },
      { action: 'guardduty:UpdateOrganizationConfiguration', resource: GUARDDUTY_DETECTORS },
      { action: 'iam:CreateServiceLinkedRole', resource: GUARDDUTY_SERVICE_ROLE, condition: { StringEquals: { 'iam:AWSServiceName': 'guardduty.amazonaws.com' } } },
    ],
    payload: z.strictObject({ auto_enable: GuardDutyAutoEnable }),
    result: z.object({ detector: z.enum(['created', 'exists', 'would-create']), outcome: z.enum(['updated', 'unchanged', 'would-update']) }),
  }),
  /** sync-security: Security Hub's organization configuration, read in its delegated administrator (the home region). */
  GET_SECURITYHUB: spec({
    route: 'target',
    servedBy: 'securityhub-admin',
    mutating: false,
    timeoutSeconds: 60,
    permissions: SECURITYHUB_READ,
    payload: z.strictObject({}),
    result: z.object({ securityhub: LiveSecurityHub }),
  }),
  /**
   * sync-security: Security Hub on in its delegated administrator, and accounts that join
   * the organization given it (and the default standards, or none) as the payload says.
   * Refused under central configuration, whose policies orgvend does not manage.
   */
  PUT_SECURITYHUB: spec({
    route: 'target',
    servedBy: 'securityhub-admin',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      ...SECURITYHUB_READ,
      // TagResource: the hub is tagged as orgvend's when it enables it.
      ...['securityhub:EnableSecurityHub', 'securityhub:TagResource', 'securityhub:UpdateOrganizationConfiguration'].map((action) => ({ action, resource: SECURITYHUB_HUB })),
      { action: 'iam:CreateServiceLinkedRole', resource: SECURITYHUB_SERVICE_ROLE, condition: { StringEquals: { 'iam:AWSServiceName': 'securityhub.amazonaws.com' } } },
    ],
    payload: z.strictObject({ auto_enable: z.boolean(), auto_enable_standards: SecurityHubStandards }),
    result: z.object({ hub: z.enum(['enabled', 'already-enabled', 'would-enable']), outcome: z.enum(['updated', 'unchanged', 'would-update']) }),
  }),
  /** sync-security: the Config aggregator of that name in Config's delegated administrator (null: none). */
  GET_CONFIG_AGGREGATOR: spec({
    route: 'target',
    servedBy: 'config-admin',
    mutating: false,
    timeoutSeconds: 60,
    permissions: [{ action: 'config:DescribeConfigurationAggregators', resource: CONFIG_AGGREGATORS }],
    payload: z.strictObject({ name: AggregatorNameString }),
    result: z.object({ aggregator: LiveAggregator.nullable() }),
  }),
  /**
   * sync-security: an organization aggregator over every region, in Config's delegated
   * administrator, through NAMES.configAggregatorRole (which its bootstrap stack makes: this
   * handler only passes it to Config). Left alone when it is so.
   */
  PUT_CONFIG_AGGREGATOR: spec({
    route: 'target',
    servedBy: 'config-admin',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      ...['config:DescribeConfigurationAggregators', 'config:PutConfigurationAggregator', 'config:TagResource'].map((action) => ({ action, resource: CONFIG_AGGREGATORS })),
      { action: 'iam:PassRole', resource: aggregatorRoleArn('${AWS::Partition}', '${AWS::AccountId}'), condition: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } } },
      // What Config asks of whoever makes an organization aggregator from a delegated administrator: to see the organization and that it is one.
      'organizations:DescribeOrganization',
      'organizations:ListDelegatedAdministrators',
      'organizations:ListAWSServiceAccessForOrganization',
    ],
    payload: z.strictObject({ name: AggregatorNameString }),
    result: z.object({ outcome: z.enum(['created', 'updated', 'unchanged', 'would-create', 'would-update']) }),
  }),
  /**
   * Gives new managed member accounts orgvend's stack (bus, queue, rules, handler), and
   * tags each BOOTSTRAP_TAG; no other account's stack changes (the CLI puts requests on each
   * account's bus itself). The
   * management handler renders the stacks itself, from what the administrator's bootstrap
   * gave it, and deploys them through the role Organizations made in each account: the
   * request names accounts and nothing else. One request for a run's accounts, which reads
   * those accounts alone (never the whole organization). Core accounts are refused: the
   * administrator's bootstrap keeps them.
   */
  BOOTSTRAP_ACCOUNTS: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 900,
    permissions: [
      'organizations:DescribeOrganization',
      'organizations:DescribeAccount',
      'organizations:ListAccounts',
      'organizations:ListTagsForResource',
      'organizations:TagResource',
      // The role in this organization's accounts only.
      { action: 'sts:AssumeRole', resource: `arn:\${AWS::Partition}:iam::*:role/${NAMES.memberAccessRole}`, condition: IN_THIS_ORGANIZATION },
    ],
    payload: z.strictObject({
      accounts: z
        .array(z.strictObject({ account_id: AccountIdString, name: z.string() }))
        .min(1)
        .max(MAX_BOOTSTRAPS)
        .refine((a) => new Set(a.map((x) => x.account_id)).size === a.length, 'each account once'),
    }),
    result: z.object({
      /** Account id → what was done for it. */
      accounts: z.record(z.string(), BootstrapOutcome),
      /** Account id → what deploying orgvend's stack there did (the CICD account's included). */
      stacks: z.record(z.string(), z.string()),
    }),
  }),
  /** The account's orgvend parameters (SSM, under PARAMETER_PREFIX), as they are. */
  GET_PARAMETERS: spec({
    route: 'target',
    servedBy: 'member',
    mutating: false,
    timeoutSeconds: 60,
    permissions: GET_PARAMETERS_PERMISSIONS,
    payload: z.strictObject({ public_access_block: z.boolean().optional(), config_recorder: RecorderRegions.optional() }),
    /** `public_access_block` when asked: null when the account has none; `config_recorders` when asked, by region. */
    result: z.object({ parameters: z.record(ParameterName, z.string()), public_access_block: PublicAccessBlock.nullable().optional(), config_recorders: LiveRecorders.optional() }),
  }),
  /**
   * Makes the account's AWS Config recorder in each region what config_recorder says: on,
   * recording every supported type through Config's service-linked role into the logs
   * account's log bucket (made first when the account has no such role); off, stopped. A
   * recorder that is as asked is left alone, so a repeated request changes nothing.
   */
  PUT_CONFIG_RECORDER: spec({
    route: 'target',
    servedBy: 'member',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      ...CONFIG_RECORDER_READ,
      'config:PutConfigurationRecorder',
      'config:PutDeliveryChannel',
      'config:StartConfigurationRecorder',
      'config:StopConfigurationRecorder',
      // Config's own service-linked role, and no other role: its policy is AWS's (AWS_ConfigRole), not one this handler writes.
      { action: 'iam:GetRole', resource: CONFIG_ROLE_ARN },
      { action: 'iam:CreateServiceLinkedRole', resource: CONFIG_ROLE_ARN, condition: { StringEquals: { 'iam:AWSServiceName': 'config.amazonaws.com' } } },
      { action: 'iam:PassRole', resource: CONFIG_ROLE_ARN, condition: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } } },
    ],
    payload: z
      .strictObject({ name: z.string(), on: z.boolean(), regions: RecorderRegions, home_region: RegionString, bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name').optional() })
      .refine((p) => !p.on || p.bucket, 'the bucket to deliver to, when on'),
    result: z.object({ outcome: z.enum(['updated', 'unchanged', 'would-update']), regions: z.array(RegionString) }),
  }),
  /** Makes the account's S3 Block Public Access all on or all off, when it is not already. */
  PUT_PUBLIC_ACCESS_BLOCK: spec({
    route: 'target',
    servedBy: 'member',
    mutating: true,
    timeoutSeconds: 60,
    permissions: ['s3:GetAccountPublicAccessBlock', 's3:PutAccountPublicAccessBlock'],
    payload: z.strictObject({ name: z.string(), block: z.boolean() }),
    result: z.object({ outcome: z.enum(['updated', 'unchanged', 'would-update']) }),
  }),
  /** Makes the account's orgvend parameters exactly these: puts what differs, deletes what is no longer wanted. */
  PUT_PARAMETERS: spec({
    route: 'target',
    servedBy: 'member',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [
      { action: 'ssm:GetParametersByPath', resource: PARAMETERS_PATH_ARN },
      { action: 'ssm:PutParameter', resource: PARAMETERS_ARN },
      { action: 'ssm:DeleteParameters', resource: PARAMETERS_ARN },
    ],
    payload: z.strictObject({ name: z.string(), parameters: z.record(ParameterName, z.string().min(1).max(4096)) }),
    result: z.object({ put: z.array(z.string()), deleted: z.array(z.string()), outcome: z.enum(['updated', 'unchanged', 'would-update']) }),
  }),
  /**
   * The status and template of orgvend's deployed stacks in the account (null when there is
   * none): those named, and with `owned`, every stack orgvend owns in those regions (listed,
   * and only those found owned read in detail).
   */
  GET_STACKS: spec({
    route: 'target',
    servedBy: 'member',
    mutating: false,
    timeoutSeconds: 300,
    permissions: GET_STACKS_PERMISSIONS,
    payload: z
      .strictObject({ stacks: z.array(StackRef).max(MAX_STACKS_READ), owned: OwnedRead.optional() })
      .refine((p) => p.stacks.length || p.owned, 'stacks to read, or owned stacks'),
    result: z.object({ stacks: z.array(LiveStack) }),
  }),
  /**
   * What GET_PARAMETERS and GET_STACKS read, for many accounts in one request: each entry
   * is one account's parameters (when `parameters`) and the stacks GET_STACKS would read
   * there, read through NAMES.readerRole, which only the management handler may assume.
   * An account whose role cannot be assumed or may not read (its stack predates the role)
   * is answered `unreachable`, with the reason, and read the old way, by the requests above.
   */
  READ_ACCOUNTS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 300,
    // The reader role in this organization's accounts only: it can read and nothing else.
    permissions: [{ action: 'sts:AssumeRole', resource: `arn:\${AWS::Partition}:iam::*:role/${NAMES.readerRole}`, condition: IN_THIS_ORGANIZATION }],
    payload: z.strictObject({ accounts: z.array(AccountRead).min(1).max(MAX_ACCOUNTS_READ) }),
    // In the order of the payload's entries, one answer each.
    result: z.object({ accounts: z.array(z.union([AccountUnreachable, AccountState])) }),
  }),
  /**
   * Creates or updates one stack through a change set, with NAMES.deployerRole as its
   * service role; "no changes" is success. A deployment still running at the handler's
   * deadline is reported in-progress, and the same request again waits for it rather than
   * starting another. The stack is tagged as orgvend's (OWNER_TAG) with the template it came
   * from (TEMPLATE_TAG: `source`), which is what lets a plan find it, and delete it, later.
   */
  DEPLOY_STACK: spec({
    route: 'target',
    servedBy: 'member',
    mutating: true,
    timeoutSeconds: 900,
    permissions: [
      ...stackPermissions([
        // ContinueUpdateRollback: a stack a failed update left in UPDATE_ROLLBACK_FAILED (through the deployer role, like every change).
        'cloudformation:ContinueUpdateRollback',
        'cloudformation:CreateChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeChangeSet',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStacks',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:GetTemplate',
        // ListChangeSets: the change sets a run that stopped left behind.
        'cloudformation:ListChangeSets',
        // The change set's tags (OWNER_TAG, TEMPLATE_TAG), which go on the stack.
        'cloudformation:TagResource',
      ]),
      PASS_DEPLOYER_ROLE,
    ],
    payload: StackRef.extend({ name: z.string(), template: z.string().min(1).max(MAX_TEMPLATE_BODY), source: TemplateSource.optional() }),
    result: z.object({
      outcome: z.enum(['created', 'updated', 'unchanged', 'in-progress', 'would-deploy']),
      status: z.string().nullable(),
      changes: z.array(ResourceChange),
    }),
  }),
  /**
   * Deletes a stack orgvend owns that the repository no longer wants (an account's VPC after
   * its region changed or create_vpc went false, an IAM mapping whose account left), with
   * NAMES.deployerRole as CloudFormation's service role; a stack that is gone is success.
   * The handler refuses a stack that is not orgvend's (names.ts isOwnedStack, by its tags),
   * and the bootstrap stack by name; IAM lets it delete only `orgvend-*` stacks tagged with
   * TEMPLATE_TAG, or those of DEPLOYED_STACKS' names, which predate the tags. What a
   * template retains (DeletionPolicy: Retain: log buckets, ECR repositories) stays.
   */
  DELETE_STACK: spec({
    route: 'target',
    servedBy: 'member',
    mutating: true,
    timeoutSeconds: 900,
    permissions: [
      ...ownedStackPermissions(['cloudformation:DeleteStack', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents']),
      PASS_DEPLOYER_ROLE,
    ],
    payload: z.strictObject({ name: z.string(), stack: OwnedStackName, region: RegionString }),
    result: z.object({ outcome: z.enum(['deleted', 'already-deleted', 'in-progress', 'would-delete']), status: z.string().nullable() }),
  }),
  /**
   * The record as the DNS account's zones hold it, refused (as CREATE_RECORD would be) when
   * the account may not have records under that name.
   */
  GET_RECORD: spec({
    route: 'target',
    servedBy: 'dns',
    mutating: false,
    timeoutSeconds: 60,
    permissions: ROUTE53_PERMISSIONS,
    payload: RecordRef,
    result: z.object({ zone: z.string(), zone_id: z.string(), current: RecordValue.nullable() }),
  }),
  /** Creates or replaces one record (UPSERT), in the DNS account, under a domain the account is allowed. */
  CREATE_RECORD: spec({
    route: 'target',
    servedBy: 'dns',
    mutating: true,
    timeoutSeconds: 120,
    permissions: [...ROUTE53_PERMISSIONS, { action: 'route53:ChangeResourceRecordSets', resource: HOSTED_ZONES_ARN }],
    payload: RecordRef.extend(RecordValue.shape),
    result: z.object({ zone: z.string(), outcome: z.enum(['created', 'updated', 'unchanged', 'would-create', 'would-update']) }),
  }),
  /**
   * The Identity Center instance (accounts.yml's, or the only one ListInstances gives), the
   * permission sets orgvend manages (named with `name_prefix`) with their policies, and the
   * ids of the groups accounts.yml names (GetGroupId by display name; null when unknown).
   */
  GET_IDENTITY_CENTER: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 300,
    permissions: [
      'sso:ListInstances',
      ...FIND_PERMISSION_SETS,
      ...on([IDENTITY_STORES, IDENTITY_GROUPS], ['identitystore:GetGroupId']),
    ],
    payload: z.strictObject({ instance_arn: InstanceArn.optional(), name_prefix: NamePrefix, groups: z.array(z.string().min(1).max(1024)).max(1000) }),
    result: z.object({
      instance_arn: z.string(),
      identity_store_id: z.string(),
      permission_sets: z.array(LivePermissionSet),
      groups: z.array(z.object({ name: z.string(), id: z.string().nullable() })),
    }),
  }),
  /** The assignments of these permission sets in these accounts (ListAccountAssignments per account and set). */
  GET_ASSIGNMENTS: spec({
    route: 'management',
    mutating: false,
    timeoutSeconds: 600,
    permissions: ASSIGNMENTS,
    payload: z.strictObject({
      instance_arn: InstanceArn,
      account_ids: z.array(AccountIdString).min(1).max(MAX_ASSIGNMENT_ACCOUNTS),
      permission_set_arns: z.array(PermissionSetArn).min(1).max(MAX_ASSIGNMENT_SETS),
    }),
    result: z.object({ assignments: z.array(LiveAssignment) }),
  }),
  /**
   * Creates or updates one permission set orgvend manages, found by its name (tagged
   * managed-by: orgvend when made), and provisions a changed one to the accounts it is in.
   */
  PUT_PERMISSION_SET: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 300,
    permissions: [
      ...FIND_PERMISSION_SETS,
      ...on([SSO_INSTANCES, SSO_PERMISSION_SETS], [
        'sso:CreatePermissionSet',
        'sso:TagResource',
        'sso:UpdatePermissionSet',
        'sso:AttachManagedPolicyToPermissionSet',
        'sso:DetachManagedPolicyFromPermissionSet',
        'sso:PutInlinePolicyToPermissionSet',
        'sso:DeleteInlinePolicyFromPermissionSet',
        'sso:ProvisionPermissionSet',
        'sso:DescribePermissionSetProvisioningStatus',
      ]),
    ],
    payload: PermissionSetValue.extend({ instance_arn: InstanceArn, name: PermissionSetNameString, name_prefix: NamePrefix }),
    result: z.object({ arn: z.string(), outcome: z.enum(['created', 'updated', 'unchanged', 'would-create', 'would-update']), provisioned: z.boolean() }),
  }),
  /** Assigns a group a permission set orgvend manages in one account, and waits until it is done. */
  CREATE_ASSIGNMENT: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 300,
    permissions: [
      ...READ_PERMISSION_SETS,
      ...ASSIGNMENTS,
      ...on([SSO_INSTANCES, SSO_PERMISSION_SETS, SSO_ACCOUNTS], ['sso:CreateAccountAssignment']),
      ...on([SSO_INSTANCES], ['sso:DescribeAccountAssignmentCreationStatus']),
    ],
    payload: AssignmentRef,
    result: z.object({ outcome: z.enum(['created', 'exists', 'would-create']) }),
  }),
  /** Removes one group's assignment of a permission set orgvend manages (never another's), and waits until it is done. */
  DELETE_ASSIGNMENT: spec({
    route: 'management',
    mutating: true,
    timeoutSeconds: 300,
    permissions: [
      ...READ_PERMISSION_SETS,
      ...ASSIGNMENTS,
      ...on([SSO_INSTANCES, SSO_PERMISSION_SETS, SSO_ACCOUNTS], ['sso:DeleteAccountAssignment']),
      ...on([SSO_INSTANCES], ['sso:DescribeAccountAssignmentDeletionStatus']),
    ],
    payload: AssignmentRef,
    result: z.object({ outcome: z.enum(['deleted', 'absent', 'would-delete']) }),
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
export type AccountRole = 'management' | 'delegated-admin' | 'member' | 'dns' | 'guardduty-admin' | 'securityhub-admin' | 'config-admin';

/**
 * The request types an account with these roles handles. `bootstrapsMembers` false
 * (organization.bootstrap_new_accounts) leaves BOOTSTRAP_ACCOUNTS, and so its permissions, out.
 */
export function servedTypes(roles: readonly AccountRole[], hasDelegatedAdmin: boolean, bootstrapsMembers = true): RequestType[] {
  return REQUEST_TYPES.filter((type) => {
    const { route, servedBy } = REQUESTS[type] as RequestSpec;
    if (type === 'BOOTSTRAP_ACCOUNTS' && !bootstrapsMembers) return false;
    if (route === 'target') return !servedBy || roles.includes(servedBy);
    if (route === 'management') return roles.includes('management');
    return roles.includes('delegated-admin') || (!hasDelegatedAdmin && roles.includes('management'));
  });
}

/** One statement of a handler's policy: actions on resources, under a condition or none. */
export interface PermissionGroup {
  resources: string[];
  actions: string[];
  condition?: Condition;
}

/**
 * The IAM actions a handler serving these types needs, as statements: resources that need
 * the same actions under the same condition share one (`*` alone, for all), sorted, with
 * `${OrganizationId}` made `organizationId`.
 */
export function permissionsFor(types: readonly RequestType[], organizationId: string): PermissionGroup[] {
  const expanded = types.flatMap((type) =>
    (REQUESTS[type].permissions as readonly Permission[]).flatMap((permission): Exclude<Permission, string>[] =>
      typeof permission === 'string' ? (ORGANIZATION_RESOURCES[permission] ?? ['*']).map((resource) => ({ action: permission, resource })) : [permission],
    ),
  );
  const orgId = (text: string) => text.replaceAll('${OrganizationId}', organizationId);
  const byResource = new Map<string, { resource: string; condition?: Condition; actions: Set<string> }>();
  for (const { action, resource, condition } of expanded) {
    const key = JSON.stringify([resource, condition ?? null]);
    if (!byResource.has(key)) byResource.set(key, { resource: orgId(resource), ...(condition ? { condition: JSON.parse(orgId(JSON.stringify(condition))) as Condition } : {}), actions: new Set() });
    byResource.get(key)!.actions.add(action);
  }
  const byActions = new Map<string, PermissionGroup>();
  for (const { resource, condition, actions: set } of byResource.values()) {
    const actions = [...set].sort();
    const key = resource === '*' && !condition ? '*' : JSON.stringify([actions, condition ?? null]);
    if (byActions.has(key)) byActions.get(key)!.resources.push(resource);
    else byActions.set(key, { resources: [resource], actions, ...(condition ? { condition } : {}) });
  }
  const groups = [...byActions.values()].map((g) => ({ ...g, resources: g.resources.sort() }));
  const sortKey = (g: PermissionGroup) => (g.resources[0] === '*' && !g.condition ? '' : `${g.resources[0]} ${JSON.stringify(g.condition ?? null)}`);
  return groups.sort((a, b) => compareText(sortKey(a), sortKey(b)));
}
