/**
 * The accounts.yml DSL as one zod schema. Every type used elsewhere is inferred from it.
 *
 * Error texts given here complete the sentence "expected …": the diagnostics layer adds
 * what was found and where. Keep transforms out of the schema so it converts to JSON Schema.
 */
import { z } from 'zod';
import { SINGLE_LINE } from './control-characters.js';
import { REGION_NAMES } from './regions.js';
import { DELEGATED_SERVICE_NAMES, type DelegatedService } from './delegated-services.js';

// ── scalar types ────────────────────────────────────────────────────────────

export const AccountId = z
  .string({ error: 'a 12-digit AWS account id in quotes, e.g. "123456789012"' })
  .regex(/^\d{12}$/, { error: 'a 12-digit AWS account id, e.g. "123456789012"' })
  .meta({ id: 'AccountId' });

export const Region = z.enum(REGION_NAMES, { error: 'a known AWS region name, e.g. ap-southeast-2' }).meta({ id: 'Region' });

/** Names used as DSL keys and in tags: lowercase, digits and dashes. */
export const Slug = z
  .string({ error: 'a name of lowercase letters, digits and dashes' })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/, {
    error: 'a name of 1–50 lowercase letters, digits and dashes, not starting or ending with a dash',
  });

export const Email = z
  .string({ error: 'an email address' })
  .max(64, { error: 'an email address of at most 64 characters (the AWS account email limit)' })
  .regex(/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/, {
    error: 'an email address, e.g. aws+foo@example.com',
  });

/** 2048 → "2,048", as toLocaleString('en') writes a whole number, without loading ICU's number formats (15–30 ms at every start, --help too). */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

/**
 * One line of free text (a description, a contact's name): no line break and no control
 * character of any kind (control-characters.ts lists them), so it cannot leave its line
 * in a template, a policy, a plan or a terminal; and at most `maxLength` characters, the
 * limit of where it lands in AWS, so no value is larger than any use of it.
 */
export const singleLine = (what: string, maxLength: number, more = '') =>
  z
    .string({ error: `${what}${more}` })
    .max(maxLength, { error: `${what} of at most ${thousands(maxLength)} characters` })
    .regex(SINGLE_LINE, {
      error: `${what}: one line, without line breaks (LF, CR, NEL, U+2028, U+2029), tabs or other control characters`,
    });

/** Free text's lengths: a description as long as CloudFormation's and SSM's; an ARN as long as IAM takes one. */
export const TEXT_LIMITS = { description: 1024, pattern: 256, arn: 2048, parameter: 2048 } as const;

/**
 * An OU path below Root, segments separated by "/": `Internal/Workloads/Dev`. A segment
 * is an OU name in AWS's character set for it (the ASCII range) without its control
 * characters: printable ASCII, space to "~", but "/", which separates them. A path names
 * OUs, never a place relative to another: no "." or ".." segment (which would make
 * `Internal/../Morgue` a second spelling of Morgue, outside the roots it appears to be
 * under). AWS nests OUs at most five deep below the root.
 */
const OU_NAME = String.raw`(?!\.\.?(?:/|$))[!-.0-~](?:[ -.0-~]{0,126}[!-.0-~])?`;
export const MAX_OU_DEPTH = 5;
export const OuPath = z
  .string({ error: 'an OU path such as Internal/Dev' })
  .regex(new RegExp(`^${OU_NAME}(?:/${OU_NAME}){0,${MAX_OU_DEPTH - 1}}$`), {
    error: `an OU path below Root such as Internal/Dev: names of 1–128 printable ASCII characters separated by "/", no leading or trailing "/" or spaces, no "." or ".." (a path names OUs, it does not step out of one), at most ${MAX_OU_DEPTH} deep (as AWS nests OUs)`,
  })
  .meta({ id: 'OuPath' });

/** AWS's tag characters; of the separators (\p{Z}) only spaces (\p{Zs}): not U+2028 or U+2029, which end a line. */
const TAG_CHARS = String.raw`\p{L}\p{Zs}\p{N}_.:/=+\-@`;

export const TagKey = z
  .string({ error: 'a tag key' })
  .regex(new RegExp(`^(?!aws:)[${TAG_CHARS}]{1,128}$`, 'u'), {
    error: 'a tag key of 1–128 letters, digits, spaces or _.:/=+-@, not starting with "aws:"',
  });

export const TagValue = z
  .string({ error: 'a tag value (quote numbers and booleans)' })
  .regex(new RegExp(`^[${TAG_CHARS}]{0,256}$`, 'u'), {
    error: 'a tag value of at most 256 letters, digits, spaces or _.:/=+-@',
  });

export const DomainName = z
  .string({ error: 'a DNS domain name' })
  .max(253)
  .regex(/^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: 'a lowercase DNS domain name such as foo.example.com',
  });

/** E.164-ish: a leading +, country code, then digits with optional spaces, dashes or parentheses. */
export const PhoneNumber = z
  .string({ error: 'a phone number in international form, e.g. "+61 2 9999 9999"' })
  .regex(/^\+[1-9](?:[ ()-]{0,2}[0-9]){6,14}$/, {
    error: 'a phone number in international form: "+", country code, 7–15 digits in all, e.g. "+61 2 9999 9999"',
  });

export const IamRoleName = z
  .string({ error: 'an IAM role name' })
  .regex(/^[\w+=,.@-]{1,64}$/, { error: 'an IAM role name of 1–64 letters, digits or +=,.@_-' });

/** CloudTrail's rule for a trail name: 3–128 letters, digits and ._-, starting and ending with a letter or digit. */
export const TrailName = z
  .string({ error: 'a CloudTrail trail name' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/, { error: 'a CloudTrail trail name of 3–128 letters, digits or ._-, starting and ending with a letter or digit' });

/** The start of an image tag, in Docker's character set for tags. */
const ImageTagPrefix = z
  .string({ error: 'an image tag prefix' })
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'an image tag prefix of 1–128 letters, digits or _.-, not starting with . or -' });

const PositiveInt = z.int({ error: 'a positive whole number' }).positive({ error: 'a positive whole number' });

// ── settings: the keys that layer defaults → scope → account ────────────────

export const CONTACT_TYPES = ['billing', 'operations', 'security'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

const ContactFields = {
  name: singleLine('a contact name', 64).min(1),
  title: singleLine('a contact title', 50).min(1),
  email: Email,
  phone: PhoneNumber,
};

/** In a layer a contact may be partial (a scope overrides only the email); `null` deletes it. */
const LayerContact = z.strictObject(ContactFields).partial().nullable().meta({ id: 'Contact' });
export const Contact = z.strictObject(ContactFields);

/**
 * The account's primary contact (the Account Management API's ContactInformation), with
 * AWS's limits. AWS keeps one for every account and cannot delete it, so unlike an
 * alternate contact it is never null. AWS replaces it whole, so an optional field the DSL
 * leaves out is emptied.
 */
export const PRIMARY_CONTACT_REQUIRED = ['full_name', 'address_line1', 'city', 'postal_code', 'country_code', 'phone'] as const;
const PrimaryContactFields = {
  full_name: singleLine('a full name', 50).min(1),
  company_name: singleLine('a company name', 50).min(1).optional(),
  address_line1: singleLine('an address line', 60).min(1),
  address_line2: singleLine('an address line', 60).min(1).optional(),
  address_line3: singleLine('an address line', 60).min(1).optional(),
  city: singleLine('a city', 50).min(1),
  state_or_region: singleLine('a state or region', 50).min(1).optional(),
  district_or_county: singleLine('a district or county', 50).min(1).optional(),
  postal_code: singleLine('a postal code', 20).min(1),
  country_code: z.string({ error: 'a two-letter ISO country code such as AU' }).regex(/^[A-Z]{2}$/, { error: 'a two-letter ISO country code in capitals, such as AU' }),
  phone: PhoneNumber,
  website_url: singleLine('a website URL', 256).regex(/^https?:\/\/\S+$/, { error: 'a website URL starting with https:// or http://' }).optional(),
};
const LayerPrimaryContact = z
  .strictObject(PrimaryContactFields, { error: 'the primary contact: a map of full_name, address_line1, city, postal_code, country_code, phone and optional fields (never null: AWS keeps one for every account)' })
  .partial()
  .meta({ id: 'PrimaryContact' });
export const PrimaryContact = z.strictObject(PrimaryContactFields);
export type PrimaryContact = z.infer<typeof PrimaryContact>;

/** An Identity Center group's display name: at most 1,024 characters (the identity store's limit). */
export const MAX_GROUP_NAME = 1024;
export const ACCESS_LEVEL = /^[a-z][a-z0-9-]{0,31}$/;

const AccessLevels = z.record(
  z.string().regex(ACCESS_LEVEL, { error: 'an access level name such as all, rw or ro' }),
  // IAM role names, or, with organization.identity_center, group display names (cross-checks.ts checkAccess holds each to its kind).
  z.array(singleLine('an IAM role name or an Identity Center group name', MAX_GROUP_NAME).min(1, { error: 'an IAM role name or an Identity Center group name' }), { error: 'a list of IAM role names (or, with organization.identity_center, group names)' }),
  { error: 'a map of access level to role names, e.g. { all: [Admin], rw: [PowerUser] }' },
);

const regionList = z.array(Region, { error: 'a list of AWS region names' });

const PARAMETER_NAME = /^[a-z_][a-z0-9_]{0,63}$/;

/** A customization's parameter value: one line of text, a number, true or false, or a list of them. */
const CustomizationScalar = z.union([singleLine('a parameter value', 2048), z.number(), z.boolean()]);
const CustomizationParameters = z
  .record(
    z.string().regex(PARAMETER_NAME, { error: 'a parameter name of 1–64 lowercase letters, digits and _' }),
    z.union([CustomizationScalar, z.array(CustomizationScalar)], { error: 'a parameter value: one line of text, a number, true or false, or a list of them' }),
    { error: 'a map of parameter name to value, e.g. { monthly_limit_usd: 100 }' },
  )
  .meta({ id: 'CustomizationParameters' });

/**
 * customizations: template name (templates/account/<name>.yml.njk) → its parameters. A map,
 * so parameters layer as other maps do; null switches one off at a lower layer.
 */
const Customizations = z.record(Slug, CustomizationParameters.nullable(), {
  error: 'a map of template name to its parameters, e.g. { budget: { monthly_limit_usd: 100 } }; null switches one off',
});

export const settingsShape = {
  organization_unit: OuPath.describe('OU path below Root where the account lives'),
  region: Region.describe('primary region of the account'),
  global_region: Region.describe('region for global resources (CloudFront, IAM)'),
  regions: regionList.min(1, { error: 'at least one region' }).describe('regions the account may use; opt-in regions here are enabled'),
  disabled_regions: regionList.describe('opt-in regions to disable explicitly'),
  environment: Slug.describe('environment name, e.g. prod or nonprod'),
  create_vpc: z.boolean({ error: 'true or false' }).describe('deploy the VPC stack into the account'),
  nat_gateway_count: z.int({ error: 'a whole number from 0 to 6' }).min(0).max(6, { error: 'a whole number from 0 to 6' }).describe('NAT gateways in the VPC'),
  use_cfr: z.boolean({ error: 'true or false' }).describe('send CloudFront/WAF logs to the logs account'),
  allowed_dns_domains: z.array(DomainName, { error: 'a list of domain names' }).describe('domains the account may create records in'),
  access: AccessLevels.describe('access level → roles assumable from the identity account (IAM mapping); with organization.identity_center, → Identity Center groups given the level\'s permission set in the account'),
  contacts: z
    .strictObject({ billing: LayerContact, operations: LayerContact, security: LayerContact, primary: LayerPrimaryContact })
    .partial()
    .describe('alternate contacts (null deletes one) and the primary contact'),
  tags: z
    .record(TagKey, TagValue.nullable(), { error: 'a map of tag keys to string values' })
    .describe('tags for the account; null removes a tag orgvend set before'),
  s3_block_public_access: z
    .boolean({ error: 'true or false' })
    .describe("the account's S3 Block Public Access: true turns all four settings on, false all off; absent: orgvend leaves them as they are"),
  config_recorder: z
    .boolean({ error: 'true or false' })
    .describe("AWS Config in the account's region and regions: true records every supported resource type into organization.logs_account's log bucket, false stops recording; absent: orgvend leaves it as it is"),
  customizations: Customizations.describe('the team\'s templates (templates/account/<name>.yml.njk) deployed to the account as orgvend-<name>, with their parameters; null switches one off'),
} as const;

export const SETTING_KEYS = Object.keys(settingsShape) as (keyof typeof settingsShape)[];

export const Settings = z.strictObject(settingsShape).partial();
export type Settings = z.infer<typeof Settings>;

// ── the sections ────────────────────────────────────────────────────────────

export const Limits = z.strictObject({
  max_new_accounts: PositiveInt.default(10).describe('accounts created in one run'),
  max_moves: PositiveInt.default(20).describe('accounts moved between OUs in one run'),
  max_retirements: PositiveInt.default(3).describe('accounts retired to the morgue OU in one run'),
  max_closures: PositiveInt.default(1).describe('accounts closed in one run'),
  max_stack_deletions: PositiveInt.default(5).describe('stacks orgvend owns deleted in one run (those the repository no longer wants)'),
  max_creations_in_flight: PositiveInt.max(5, { error: 'at most 5 (the AWS limit of CreateAccount requests in progress)' })
    .default(3)
    .describe('CreateAccount requests in progress at once'),
  region_opt_in_timeout_seconds: PositiveInt.default(3600).describe('how long enable-region waits for a region to become ENABLED (or DISABLED)'),
  scp_max_characters: PositiveInt.default(10240).describe('size limit of one SCP, in characters of the minified document'),
  scp_max_per_target: PositiveInt.default(10).describe('SCPs attached to one root, OU or account, FullAWSAccess included'),
});

export const PolicyName = z
  .string({ error: 'a policy name' })
  .regex(/^[A-Za-z0-9_+=,.@-]{1,128}$/, { error: 'a policy name of 1–128 letters, digits or _+=,.@-' });

/** Where an SCP is attached: `Root`, or an OU path. */
const ScpTarget = OuPath;

/**
 * organization.scps.parameters. Those scps/_library/ reads are typed, so each is exactly
 * the one name it stands for; any other is one line of text, or a list of them. Every
 * value is JSON-encoded where a policy writes it (render/escaping.ts).
 */
export const ScpParameters = z
  .object({
    protected_role_prefix: IamRoleName.describe('protect-security-roles: the security roles\' names start with this (IAM role name characters)'),
    account_admin_role: IamRoleName.describe('account-settings-from-delegated-admin: the administrators\' role, in the account that calls the Account Management API'),
    cloudtrail_name: TrailName.describe("protect-cloudtrail: the organization's trail"),
  })
  .partial()
  .catchall(
    z.union([singleLine('a parameter value', TEXT_LIMITS.parameter), z.array(singleLine('a parameter value', TEXT_LIMITS.parameter))], {
      error: 'a parameter value: one line of text, or a list of them',
    }),
  )
  .superRefine((parameters, ctx) => {
    for (const name of Object.keys(parameters).filter((n) => !PARAMETER_NAME.test(n))) {
      ctx.addIssue({ code: 'invalid_key', origin: 'record', path: [name], input: name, issues: [{ code: 'custom', message: 'a parameter name of 1–64 lowercase letters, digits and _', path: [], input: name }] });
    }
  });

export const ScpSettings = z.strictObject({
  attachments: z
    .record(PolicyName, z.array(ScpTarget, { error: 'a list of OU paths or Root' }).min(1))
    .default({})
    .describe('more places to attach a policy, besides the folder of its file (scps/_library/ policies are attached only here)'),
  full_aws_access: z
    .array(ScpTarget)
    .optional()
    .describe('where AWS\'s FullAWSAccess stays attached; default: the root and every OU (as AWS does)'),
  parameters: ScpParameters.default({}).describe('values the .json.njk policies use, e.g. protected_role_prefix'),
  samples: z
    .array(
      z.strictObject({
        action: z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/, { error: 'an action such as ec2:RunInstances' }),
        region: Region.optional(),
        principal: singleLine('a principal', TEXT_LIMITS.arn).optional().describe('a role name such as role/Admin, or a full principal ARN'),
        resource: singleLine('a resource ARN', TEXT_LIMITS.arn).optional(),
      }),
    )
    .default([])
    .describe('requests whose outcome the sync-scps plan previews for every account'),
});

/**
 * organization.ci: who runs orgvend in CI. bootstrap gives the CICD account two roles,
 * NAMES.planRole (dry runs: it may put requests with the plan source only) and
 * NAMES.applyRole (--execute), each trusting one CI identity: GitHub Actions by OIDC
 * (a repository; apply only from one branch or environment), or a role of another CI
 * system by ARN. Every value lands in an IAM trust policy, so each is held to the
 * characters of what it names: no wildcard, no control character, no quote.
 */
const GitHubRepository = z
  .string({ error: 'a GitHub repository such as acme/platform-org' })
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, { error: 'a GitHub repository owner/name, e.g. acme/platform-org: the owner of letters, digits and -, the name of letters, digits and ._-' });

/** A branch ref, as GitHub's OIDC subject names it: refs/heads/ and a branch name of git's characters, without wildcards. */
const GitBranchRef = z
  .string({ error: 'a branch ref such as refs/heads/main' })
  .regex(/^refs\/heads\/(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._-](?:[A-Za-z0-9._\/-]{0,198}[A-Za-z0-9_-])?$/, { error: 'a branch ref such as refs/heads/main: refs/heads/, then letters, digits and ._-/ (no wildcard, no "..")' });

const GitHubEnvironment = z
  .string({ error: 'a GitHub environment name such as production' })
  .regex(/^[A-Za-z0-9._-]{1,255}$/, { error: 'a GitHub environment name of letters, digits and ._- (no spaces or wildcards), e.g. production' });

/** An IAM role ARN, in any partition, path included; no wildcard. */
const IamRoleArn = z
  .string({ error: 'an IAM role ARN such as arn:aws:iam::222222222222:role/ci-runner' })
  .regex(/^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, { error: 'an IAM role ARN such as arn:aws:iam::222222222222:role/ci-runner (no wildcard)' });

export const GitHubCi = z
  .strictObject({
    repository: GitHubRepository.describe('owner/name of the repository whose workflows run orgvend'),
    apply_ref: GitBranchRef.optional().describe('the apply role only for workflows on this branch (default refs/heads/main, unless apply_environment is set)'),
    apply_environment: GitHubEnvironment.optional().describe('the apply role only for jobs in this GitHub environment, instead of apply_ref'),
    create_oidc_provider: z
      .boolean({ error: 'true or false' })
      .default(true)
      .describe("bootstrap creates the CICD account's OIDC provider for token.actions.githubusercontent.com; false when the account has one already"),
  })
  .superRefine((github, ctx) => {
    if (github.apply_ref !== undefined && github.apply_environment !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['apply_environment'], message: 'apply_ref or apply_environment, not both: the apply role trusts one of them' });
    }
  });

export const CiPrincipals = z
  .strictObject({
    github: GitHubCi.optional().describe('GitHub Actions, by OIDC'),
    plan_principal_arn: IamRoleArn.optional().describe('another CI system: the role its plan jobs run as, which may assume orgvend-plan'),
    apply_principal_arn: IamRoleArn.optional().describe('another CI system: the role its apply jobs run as, which may assume orgvend-apply'),
  })
  .superRefine((ci, ctx) => {
    const arns = [ci.plan_principal_arn, ci.apply_principal_arn].filter((a) => a !== undefined).length;
    if (ci.github !== undefined && arns > 0) {
      ctx.addIssue({ code: 'custom', path: [ci.plan_principal_arn !== undefined ? 'plan_principal_arn' : 'apply_principal_arn'], message: 'github or plan_principal_arn and apply_principal_arn, not both: each role trusts one CI identity' });
    } else if (ci.github === undefined && arns !== 2) {
      ctx.addIssue({ code: 'custom', path: [], message: 'github, or both plan_principal_arn and apply_principal_arn' });
    }
  });
export type CiPrincipals = z.infer<typeof CiPrincipals>;

const PLACEHOLDER_HINT = 'placeholders: {name}, {environment}, {region}, {service}, {scope}';

/** A CloudFormation resource type: `AWS::Budgets::Budget`. */
export const ResourceType = z
  .string({ error: 'a CloudFormation resource type such as AWS::Budgets::Budget' })
  .regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/, { error: 'a CloudFormation resource type such as AWS::Budgets::Budget' });

/** organization.customizations: what the team's templates may create, and so what the deployer role may. */
export const CustomizationSettings = z.strictObject({
  allowed_resource_types: z
    .array(ResourceType, { error: 'a list of CloudFormation resource types' })
    .default([])
    .describe("the resource types the team's templates may create; each account's deployer role may create these and nothing more"),
});

/**
 * organization.delegated_administrators: service → the DSL name of the account that is its
 * delegated administrator; null: no delegated administrator for it (sync-security
 * deregisters the one there). A service not listed is left as it is.
 */
const delegatedAdminShape = Object.fromEntries(
  DELEGATED_SERVICE_NAMES.map((service) => [service, Slug.nullable().optional().describe(`DSL name of the delegated administrator for ${service}; null: none`)]),
) as { [S in DelegatedService]: z.ZodOptional<z.ZodNullable<typeof Slug>> };
export const DelegatedAdministrators = z.strictObject(delegatedAdminShape);
export type DelegatedAdministrators = z.infer<typeof DelegatedAdministrators>;

/** AWS Config's rule for an aggregator name: 1–256 letters, digits, `_` and `-`. */
export const AggregatorName = z
  .string({ error: 'an AWS Config aggregator name' })
  .regex(/^[\w-]{1,256}$/, { error: 'an AWS Config aggregator name of 1–256 letters, digits, _ or -' });

/**
 * organization.security: the organization's security baseline (sync-security). `trail`:
 * an organization trail in the management account's home region, for every region, with
 * log file validation, delivering to the logs account's log bucket. `guardduty`,
 * `securityhub`, `config`: the organization settings of those services, made in the home
 * region by each service's delegated administrator (organization.delegated_administrators
 * must name one: cross-checks.ts).
 */
export const SecuritySettings = z.strictObject({
  trail: z
    .strictObject({
      name: TrailName.default('organization-trail').describe('the trail, from the management account; scps/ protect-cloudtrail protects organization-trail'),
    })
    .optional()
    .describe("an organization CloudTrail trail (all regions, log file validation) into organization.logs_account's log bucket"),
  guardduty: z
    .strictObject({
      auto_enable: z
        .enum(['all', 'new', 'none'], { error: 'all, new or none' })
        .describe('which accounts GuardDuty turns on by itself: all (every member, existing ones included), new (accounts that join), none'),
    })
    .optional()
    .describe("GuardDuty's organization configuration, from its delegated administrator (delegated_administrators.guardduty)"),
  securityhub: z
    .strictObject({
      auto_enable: z.boolean({ error: 'true or false' }).describe('Security Hub turned on by itself in accounts that join the organization'),
      auto_enable_standards: z
        .enum(['default', 'none'], { error: 'default or none' })
        .default('default')
        .describe("the default standards turned on with it in those accounts (default), or none"),
    })
    .optional()
    .describe("Security Hub's organization configuration, from its delegated administrator (delegated_administrators.securityhub)"),
  config: z
    .strictObject({
      aggregator: AggregatorName.default('organization').describe("the aggregator's name"),
    })
    .optional()
    .describe("an AWS Config organization aggregator over every region, in Config's delegated administrator (delegated_administrators.config)"),
});
export type SecuritySettings = z.infer<typeof SecuritySettings>;

/**
 * An IAM policy document written as a YAML map (a permission set's inline policy): the
 * grammar of an identity policy, so a typo is refused at its line, not by AWS mid-run.
 */
const PolicyString = singleLine('an action, resource or condition value', TEXT_LIMITS.arn).min(1);
const PolicyStrings = z.union([PolicyString, z.array(PolicyString).min(1)], { error: 'a string or a list of strings' });
const PolicyStatement = z
  .strictObject({
    Sid: z.string().regex(/^[A-Za-z0-9]*$/, { error: 'a statement id of letters and digits' }).optional(),
    Effect: z.enum(['Allow', 'Deny'], { error: 'Allow or Deny' }),
    Action: PolicyStrings.optional(),
    NotAction: PolicyStrings.optional(),
    Resource: PolicyStrings.optional(),
    NotResource: PolicyStrings.optional(),
    Condition: z.record(z.string().regex(/^[A-Za-z0-9:]{1,64}$/, { error: 'a condition operator such as StringEquals' }), z.record(PolicyString, z.union([PolicyString, z.number(), z.boolean(), z.array(z.union([PolicyString, z.number(), z.boolean()]))])), { error: 'a map of condition operator to { key: value }' }).optional(),
  })
  .superRefine((statement, ctx) => {
    for (const [one, other] of [['Action', 'NotAction'], ['Resource', 'NotResource']] as const) {
      if ((statement[one] === undefined) === (statement[other] === undefined)) {
        ctx.addIssue({ code: 'custom', path: statement[other] !== undefined ? [other] : [], message: `exactly one of ${one} and ${other}` });
      }
    }
  });
export const PolicyDocument = z.strictObject({
  Version: z.literal('2012-10-17', { error: 'Version: "2012-10-17"' }),
  // Always a list (IAM also takes one statement alone), so a mistake inside a statement is reported at its key, not as "not a statement or a list".
  Statement: z.array(PolicyStatement, { error: 'a list of statements' }).min(1, { error: 'at least one statement' }),
});

/** AWS's limit of a permission set's inline policy, in characters of the minified JSON. */
export const MAX_INLINE_POLICY = 32_768;
/** Permission set names: IAM's characters, at most 32 (AWS's limit for them). */
const PERMISSION_SET_NAME = /^[\w+=,.@-]{1,32}$/;
/** ISO 8601 durations of hours and minutes, as Identity Center takes a session duration. */
export const SESSION_DURATION = /^PT(?:(\d{1,2})H)?(?:(\d{1,3})M)?$/;
export const sessionMinutes = (duration: string): number | undefined => {
  const match = SESSION_DURATION.exec(duration);
  if (!match || (match[1] === undefined && match[2] === undefined)) return undefined;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
};

export const PermissionSetSettings = z.strictObject({
  description: singleLine('a description', 700)
    .regex(/^[\u0020-\u007E\u00A1-\u00FF]*$/, { error: 'a description of printable Latin-1 characters (what Identity Center accepts)' })
    .optional()
    .describe('shown to people in the AWS access portal'),
  session_duration: z
    .string({ error: 'an ISO 8601 duration such as PT4H' })
    .refine((d) => { const m = sessionMinutes(d); return m !== undefined && m >= 60 && m <= 720; }, { error: 'an ISO 8601 duration from 1 to 12 hours, e.g. PT1H, PT4H or PT1H30M' })
    .default('PT1H')
    .describe('how long a sign-in lasts (ISO 8601, 1–12 hours)'),
  managed_policies: z
    .array(z.string().regex(/^arn:aws(?:-[a-z]+)*:iam::aws:policy\/[\w+=,.@/-]{1,512}$/, { error: 'an AWS managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess' }))
    .max(20, { error: 'at most 20 managed policies (the Identity Center quota per permission set)' })
    .default([])
    .describe('AWS managed policies attached to the permission set'),
  inline_policy: PolicyDocument.optional().describe('an IAM policy (as a YAML map) embedded in the permission set'),
});
export type PermissionSetSettings = z.infer<typeof PermissionSetSettings>;

/**
 * organization.identity_center: people's access through IAM Identity Center. With it,
 * `access: { <level>: [group…] }` assigns those groups the level's permission set
 * (`<name_prefix><level>`) in the account; without it, access is the IAM mapping.
 */
export const IdentityCenter = z
  .strictObject({
    instance_arn: z
      .string()
      .regex(/^arn:aws(?:-[a-z]+)*:sso:::instance\/(?:sso)?ins-[a-zA-Z0-9-.]{16}$/, { error: 'an Identity Center instance ARN such as arn:aws:sso:::instance/ssoins-1234567890abcdef' })
      .optional()
      .describe('the Identity Center instance; absent: the organization\'s one, found with ListInstances'),
    name_prefix: z
      .string()
      .regex(/^[\w+=,.@-]{1,16}$/, { error: 'a prefix of 1–16 letters, digits or +=,.@_-' })
      .default('orgvend-')
      .describe('permission sets orgvend manages are named <name_prefix><level>; it never touches another, nor its assignments'),
    permission_sets: z.record(z.string().regex(ACCESS_LEVEL, { error: 'an access level name such as all, rw or ro' }), PermissionSetSettings, { error: 'a map of access level to permission set, e.g. { admin: { managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess] } }' })
      .describe('access level → its permission set'),
  })
  .superRefine((center, ctx) => {
    for (const [level, set] of Object.entries(center.permission_sets)) {
      const name = `${center.name_prefix}${level}`;
      if (!PERMISSION_SET_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['permission_sets', level], message: `a permission set name of at most 32 characters: ${name} has ${name.length}; shorten the level or name_prefix` });
      }
      const inline = set.inline_policy === undefined ? 0 : JSON.stringify(set.inline_policy).length;
      if (inline > MAX_INLINE_POLICY) {
        ctx.addIssue({ code: 'custom', path: ['permission_sets', level, 'inline_policy'], message: `an inline policy of at most ${thousands(MAX_INLINE_POLICY)} characters (minified); this one has ${thousands(inline)}` });
      }
    }
  });
export type IdentityCenter = z.infer<typeof IdentityCenter>;

export const Organization = z.strictObject({
  management_account_id: AccountId.describe('the management account: never moved, retired or closed'),
  cicd_account_id: AccountId.describe('the only account allowed to send requests'),
  audit_account_id: AccountId.describe('receives a copy of every event'),
  delegated_admin_account_id: AccountId.optional().describe('delegated administrator for the Account Management API'),
  home_region: Region.describe('region of the event buses, queues and handlers'),
  event_bus: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/, { error: 'an event bus name of letters, digits and ._-' }),
  event_source: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,200}$/, { error: 'an event source such as app.infra' }).default('app.infra'),
  reply_queue: z.string().regex(/^[A-Za-z0-9_-]{1,75}$/, { error: 'an SQS queue name of letters, digits, _ and - (at most 75)' }),
  account_name_pattern: singleLine('an account name pattern', TEXT_LIMITS.pattern, `; ${PLACEHOLDER_HINT}`).min(1),
  account_email_pattern: singleLine('an account email pattern', TEXT_LIMITS.pattern, `; ${PLACEHOLDER_HINT}`).min(1),
  ou_roots: z.array(OuPath, { error: 'a list of OU paths' }).min(1, { error: 'at least one OU path' })
    .describe('OU paths under which orgvend places accounts'),
  morgue_ou: OuPath.describe('OU that retired accounts are moved to'),
  scp_test_ou: OuPath.optional().describe('OU where changed SCPs are staged first'),
  dns_account: Slug.optional().describe('DSL name of the account holding the DNS zones'),
  logs_account: Slug.optional().describe('DSL name of the account holding the log buckets'),
  identity_account: Slug.optional().describe('DSL name of the account users sign in to'),
  bootstrap_new_accounts: z
    .boolean({ error: 'true or false' })
    .default(true)
    .describe("sync-accounts has the management handler give new managed accounts orgvend's stack (it may then assume OrganizationAccountAccessRole); false: an administrator runs bootstrap after accounts are created"),
  artifact_buckets: z.partialRecord(Region, z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'an S3 bucket name' }))
    .default({})
    .describe('artifact bucket per region for rendered templates'),
  ci: CiPrincipals.optional().describe("the CI identity the CICD account's orgvend-plan and orgvend-apply roles trust; absent: no CI roles"),
  limits: Limits.default(Limits.parse({})).describe('blast-radius and quota limits'),
  scps: ScpSettings.default(ScpSettings.parse({})).describe('service control policies: attachments, parameters, previewed samples'),
  customizations: CustomizationSettings.default(CustomizationSettings.parse({})).describe("the team's own templates (account customizations): the resource types they may create"),
  delegated_administrators: DelegatedAdministrators.default({}).describe('delegated administrator per AWS service (sync-security): service → DSL account name, or null for none'),
  security: SecuritySettings.default({}).describe('the security baseline sync-security plans: the organization trail, GuardDuty, Security Hub, the AWS Config aggregator'),
  identity_center: IdentityCenter.optional().describe("people's access through IAM Identity Center: permission sets per access level; absent: access is the IAM mapping in the identity account"),
});
export type Organization = z.infer<typeof Organization>;

export const Scope = z.strictObject({
  description: singleLine('a description', TEXT_LIMITS.description).optional(),
  ...Settings.shape,
});
export type Scope = z.infer<typeof Scope>;

export const Account = z.strictObject({
  scope: Slug.describe('the scope this account belongs to'),
  account_id: AccountId.optional().describe('the existing account this entry adopts (matched before tags and email)'),
  service: Slug.optional().describe('the service running in the account (defaults to the account name)'),
  description: singleLine('a description', TEXT_LIMITS.description).optional(),
  lifecycle: z.enum(['active', 'closed'], { error: 'active or closed' }).optional()
    .describe('closed: close the account (it is never closed otherwise)'),
  aws_name: singleLine('an AWS account name', 50).optional().describe('AWS account name, instead of organization.account_name_pattern'),
  email: Email.optional().describe('root email, instead of organization.account_email_pattern'),
  ...Settings.shape,
});
export type Account = z.infer<typeof Account>;

const LifecycleRule = z
  .strictObject({
    description: singleLine('a description', TEXT_LIMITS.description).optional(),
    tag_status: z.enum(['tagged', 'untagged', 'any'], { error: 'tagged, untagged or any' }),
    tag_prefixes: z.array(ImageTagPrefix).min(1).optional().describe('required when tag_status is tagged, and only then'),
    expire_after_days: PositiveInt.optional().describe('expire images pushed this many days ago (or keep_count, not both)'),
    keep_count: PositiveInt.optional().describe('keep this many images, expire the older ones (or expire_after_days, not both)'),
  })
  .superRefine((rule, ctx) => {
    if ((rule.expire_after_days === undefined) === (rule.keep_count === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of expire_after_days and keep_count' });
    }
    if ((rule.tag_status === 'tagged') !== (rule.tag_prefixes !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: rule.tag_prefixes ? ['tag_prefixes'] : [],
        message: rule.tag_prefixes ? 'tag_prefixes only with tag_status: tagged' : 'tag_prefixes, which tag_status: tagged requires',
      });
    }
  });

export const EcrRepository = z.strictObject({
  name: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, {
    error: 'an ECR repository name: lowercase letters, digits and ._-/',
  }),
  description: singleLine('a description', TEXT_LIMITS.description).optional(),
  lifecycle: z
    .array(LifecycleRule)
    .default([])
    .superRefine((rules, ctx) => {
      // ECR evaluates rules by priority and requires a tag_status: any rule to come last.
      rules.forEach((rule, i) => {
        if (rule.tag_status === 'any' && i !== rules.length - 1) {
          ctx.addIssue({ code: 'custom', path: [i, 'tag_status'], message: 'the tag_status: any rule last (ECR applies it after every other rule)' });
        }
      });
    }),
  pull: z.array(z.strictObject({
    environments: z.array(Slug).min(1).optional(),
    services: z.array(Slug).min(1).optional(),
  })).default([]).describe('accounts running these services in these environments may pull'),
});
export type EcrRepository = z.infer<typeof EcrRepository>;

export const Dsl = z.strictObject({
  organization: Organization,
  defaults: Settings.default({}),
  scopes: z.record(Slug, Scope, { error: 'a map of scope name to scope settings' }),
  accounts: z.record(Slug, Account, { error: 'a map of account name to account settings' }),
  ecr_repositories: z.array(EcrRepository).default([]),
});
export type Dsl = z.infer<typeof Dsl>;

// ── resolved values (after layering) ────────────────────────────────────────

/** What an account's settings must add up to once defaults, scope and account are merged. */
export const ResolvedSettings = z.strictObject({
  ...settingsShape,
  environment: settingsShape.environment.optional(),
  s3_block_public_access: settingsShape.s3_block_public_access.optional(),
  config_recorder: settingsShape.config_recorder.optional(),
  contacts: z.strictObject({
    billing: Contact.nullable().optional(),
    operations: Contact.nullable().optional(),
    security: Contact.nullable().optional(),
    primary: PrimaryContact.optional(),
  }),
});
export type ResolvedSettings = z.infer<typeof ResolvedSettings>;
