/**
 * What the team's own templates (account customizations) may create, as the deployer role
 * grants it: for each resource type orgvend knows, the IAM actions CloudFormation needs to
 * create, update and delete one, on the resources of this account only. accounts.yml
 * names the types it allows (organization.customizations.allowed_resource_types); the
 * deployer role gets those and nothing more, and `validate` refuses a template using any
 * other. A type missing here is an error: add it, with its actions, to allow it. Pure.
 */
import { NAMES } from '../protocol/names.js';

interface TypeGrant {
  /** What CloudFormation calls for one of these, on `resource`. */
  actions: string[];
  /** Those it may call only for a role that carries orgvend's customization boundary. */
  bounded?: string[];
  /** The ARN of what it may act on, for Fn::Sub. */
  resource: string;
}

const ACCOUNT = '${AWS::AccountId}';
const PARTITION = '${AWS::Partition}';

export const CUSTOMIZATION_TYPES: Readonly<Record<string, TypeGrant>> = {
  'AWS::Budgets::Budget': {
    actions: ['budgets:ModifyBudget', 'budgets:ViewBudget'],
    resource: `arn:${PARTITION}:budgets::${ACCOUNT}:budget/*`,
  },
  'AWS::CloudWatch::Alarm': {
    actions: ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource', 'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
    resource: `arn:${PARTITION}:cloudwatch:*:${ACCOUNT}:alarm:*`,
  },
  'AWS::SNS::Topic': {
    actions: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:ListTagsForResource', 'sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource'],
    resource: `arn:${PARTITION}:sns:*:${ACCOUNT}:*`,
  },
  // Roles only under orgvend's customization path, and made, given policies or given a
  // boundary only with NAMES.customizationBoundaryArn (read only): no role the deployer
  // makes can change anything.
  'AWS::IAM::Role': {
    actions: [
      'iam:DeleteRole',
      'iam:DeleteRolePolicy',
      'iam:DetachRolePolicy',
      'iam:GetRole',
      'iam:GetRolePolicy',
      'iam:ListAttachedRolePolicies',
      'iam:ListInstanceProfilesForRole',
      'iam:ListRolePolicies',
      'iam:TagRole',
      'iam:UntagRole',
      'iam:UpdateAssumeRolePolicy',
      'iam:UpdateRole',
      'iam:UpdateRoleDescription',
    ],
    bounded: ['iam:AttachRolePolicy', 'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy'],
    resource: `arn:${PARTITION}:iam::${ACCOUNT}:role${NAMES.customizationRolePath}*`,
  },
};

export const isKnownType = (type: string) => Object.hasOwn(CUSTOMIZATION_TYPES, type);

/** The types that make IAM roles, which must carry the boundary. */
export const ROLE_TYPES: readonly string[] = ['AWS::IAM::Role'];

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: { 'Fn::Sub': string };
  Condition?: Record<string, Record<string, { 'Fn::Sub': string }>>;
}

const sidOf = (type: string) => `Customization${type.replace(/^AWS::/, '').replaceAll('::', '')}`;

/** The deployer role's statements for the allowed types (unknown ones are validate's to refuse), in the list's order. */
export function customizationStatements(types: readonly string[]): Statement[] {
  return [...new Set(types)].filter(isKnownType).flatMap((type) => {
    const grant = CUSTOMIZATION_TYPES[type]!;
    const resource = { 'Fn::Sub': grant.resource };
    const statements: Statement[] = [{ Sid: sidOf(type), Effect: 'Allow', Action: grant.actions, Resource: resource }];
    if (grant.bounded) {
      statements.push({
        Sid: `${sidOf(type)}WithBoundary`,
        Effect: 'Allow',
        Action: grant.bounded,
        Resource: resource,
        Condition: { StringEquals: { 'iam:PermissionsBoundary': { 'Fn::Sub': NAMES.customizationBoundaryArn } } },
      });
    }
    return statements;
  });
}

/** What bootstrap.yml.njk is given: the deployer role's statements for the allowed types. */
export function customizationGrants(types: readonly string[]): { statements: Statement[] } {
  return { statements: customizationStatements(types) };
}
