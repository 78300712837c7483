/**
 * Names of the resources the bootstrap stack creates in every account, shared by the
 * templates, the worker, the transport and the messages that say where to look.
 */
/** A role's ARN in an account, in the aws partition. */
export const roleArn = (account: string, role: string) => `arn:aws:iam::${account}:role/${role}`;

/** Every orgvend parameter of an account lives below this path (SSM, the home region). */
export const PARAMETER_PREFIX = '/orgvend/account/';

export const NAMES = {
  stack: 'orgvend-bootstrap',
  requestQueue: 'orgvend-requests',
  requestDlq: 'orgvend-requests-dlq',
  handlerFunction: 'orgvend-handler',
  /** Named, so that a service control policy can exempt the handler of the delegated administrator. */
  handlerRole: 'orgvend-handler',
  handlerLogGroup: '/aws/lambda/orgvend-handler',
  /** The nonces of the requests a handler acted on, and its answers (DynamoDB): a request is acted on once. */
  requestLedger: 'orgvend-handled-requests',
  auditLogGroup: '/orgvend/audit',
  /**
   * The role every orgvend rule forwards events to another bus with: named, so that the CICD
   * bus (replies) and the audit bus (copies) admit what orgvend's rules forward and nothing else.
   */
  forwarderRole: 'orgvend-event-forwarder',
  /**
   * CloudFormation's service role for the stacks DEPLOY_STACK deploys: the handler may only
   * pass it, so what those stacks can create is what this role allows. In the logs account
   * it is also the one principal the log bucket lets change the bucket.
   */
  deployerRole: 'orgvend-deployer',
  /**
   * A read-only role in every account that carries orgvend's stack as a member: what
   * GET_PARAMETERS and GET_STACKS read, and nothing else. Only the management account's
   * handler may assume it (READ_ACCOUNTS), so one request reads many accounts.
   */
  readerRole: 'orgvend-reader',
  /**
   * The role Organizations creates in every account it creates, trusting the management
   * account: how bootstrap (and the management handler's BOOTSTRAP_ACCOUNTS) reach a member.
   */
  memberAccessRole: 'OrganizationAccountAccessRole',
  /**
   * What the templates under templates/ name their resources by, and so what the deployer
   * role may create: the IAM mapping's policies and the log buckets (a prefix, then more).
   */
  mappingPolicyPrefix: 'orgvend-assume-',
  /**
   * The role VPC flow logs deliver through, made once per account by the bootstrap stack.
   * The VPC template only names it, so the deployer role, which may pass it to VPC flow
   * logs and nothing else, never needs to make a role.
   */
  flowLogRole: 'orgvend-vpc-flow-logs',
  /**
   * The role AWS Config's organization aggregator reads the organization through
   * (organization.security.config), made by the bootstrap stack of Config's delegated
   * administrator alone: the handler there only passes it to Config, and never makes a role.
   */
  configAggregatorRole: 'orgvend-config-aggregator',
  /** The VPC template's flow log group: the one log group that role may write to. */
  flowLogGroup: 'orgvend-vpc-flow-logs',
  logBucketPrefix: 'aws-waf-logs-orgvend-',
  /**
   * The CICD account's roles for CI (organization.ci): plan jobs run as the first, which may
   * put requests with the plan source only, so what a pull request's code sends is a dry
   * run; applies run as the second.
   */
  planRole: 'orgvend-plan',
  applyRole: 'orgvend-apply',
  /**
   * The permissions boundary every role of the team's templates (customizations) carries,
   * for Fn::Sub: AWS's managed SecurityAudit, which reads configuration and changes
   * nothing. The deployer role may create a role only with it, so no role it makes can
   * change anything, whatever policies it is given or whoever assumes it.
   */
  customizationBoundaryArn: 'arn:${AWS::Partition}:iam::aws:policy/SecurityAudit',
  /** The IAM path of the roles the team's templates make: the only roles the deployer role may change or delete. */
  customizationRolePath: '/orgvend-customization/',
} as const;

/**
 * The stacks DEPLOY_STACK deploys, by the template they come from (its file name up to the
 * first dot). The handler deploys no other stack, so a request cannot reach orgvend's own.
 * The IAM mapping is one stack per account: this name, `-`, the account's DSL name.
 */
export const DEPLOYED_STACKS = {
  vpc: 'orgvend-vpc',
  'identity-iam-mapping': 'orgvend-identity-iam-mapping',
  'log-buckets': 'orgvend-log-buckets',
  'ecr-repositories': 'orgvend-ecr-repositories',
} as const;
/** The IAM mapping's stacks, one per account, in the identity account: this prefix and the account's DSL name. */
export const mappingStackPrefix = `${DEPLOYED_STACKS['identity-iam-mapping']}-`;
export const mappingStack = (account: string) => `${mappingStackPrefix}${account}`;
/** A stack orgvend deploys from templates/: one of DEPLOYED_STACKS, or an account's IAM mapping. */
export type DeployedStack = string;
/** The stacks of one name in any account: all of DEPLOYED_STACKS but the IAM mapping's. */
export const FIXED_STACKS: readonly string[] = Object.entries(DEPLOYED_STACKS).flatMap(([kind, name]) => (kind === 'identity-iam-mapping' ? [] : [name]));
const MAPPING_STACK = new RegExp(`^${mappingStackPrefix}[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`);
export const isMappingStack = (name: string) => MAPPING_STACK.test(name);

/** Every stack orgvend deploys from templates/ is named so (never the bootstrap stack, NAMES.stack). */
export const OWNED_STACK_PREFIX = 'orgvend-';

/**
 * The team's own templates (customizations): templates/account/<name>.yml.njk, or a
 * templates/<name>.yml.njk naming its account in its header, deployed as orgvend-<name>.
 * A name is a DSL slug that is not orgvend's: not one of DEPLOYED_STACKS' templates, not
 * bootstrap, not the IAM mapping's prefix.
 */
export const customStack = (template: string) => `${OWNED_STACK_PREFIX}${template}`;
const CUSTOM_NAME = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;
export const isReservedTemplateName = (name: string) =>
  name === 'bootstrap' || Object.hasOwn(DEPLOYED_STACKS, name) || name.startsWith('identity-iam-mapping-') || `${OWNED_STACK_PREFIX}${name}` === NAMES.stack;
export const isCustomTemplateName = (name: string) => CUSTOM_NAME.test(name) && !isReservedTemplateName(name);
export const isCustomStack = (stack: string) => stack.startsWith(OWNED_STACK_PREFIX) && isCustomTemplateName(stack.slice(OWNED_STACK_PREFIX.length));
/** orgvend's own templates' stacks, by their names: owned even untagged, as they were deployed before stacks were tagged. */
const isOwnStack = (name: string) => FIXED_STACKS.includes(name) || isMappingStack(name);
export const isDeployedStack = (name: string) => isOwnStack(name) || isCustomStack(name);

/**
 * The tags DEPLOY_STACK puts on every stack it deploys: orgvend's, and the template it came
 * from. What makes a stack orgvend's to delete when the repository no longer renders it.
 */
export const OWNER_TAG = { key: 'managed-by', value: 'orgvend' } as const;
export const TEMPLATE_TAG = 'orgvend:template';
const OWNED_STACK_NAME = /^orgvend-[A-Za-z0-9-]{1,120}$/;
/** A name DEPLOY_STACK and DELETE_STACK may act on: `orgvend-<name>`, and never the bootstrap stack. */
export const isOwnedStackName = (name: string) => OWNED_STACK_NAME.test(name) && name !== NAMES.stack;
/**
 * A stack orgvend owns, and so may delete when the repository no longer wants it: an
 * `orgvend-*` stack (never the bootstrap stack) tagged by DEPLOY_STACK as orgvend's, with the
 * template it came from; or one of DEPLOYED_STACKS' names (the IAM mapping's included),
 * deployed before stacks were tagged. No stack without the prefix, whatever its tags.
 */
export function isOwnedStack(stack: { name: string; tags: Readonly<Record<string, string>> }): boolean {
  if (!isOwnedStackName(stack.name)) return false;
  // A team's template's stack is tagged from the start.
  if (isOwnStack(stack.name)) return true;
  return stack.tags[OWNER_TAG.key] === OWNER_TAG.value && Boolean(stack.tags[TEMPLATE_TAG]);
}

export const replyDlqName = (replyQueue: string) => `${replyQueue}-dlq`;
