/** Render the bootstrap template for one account with nunjucks (undefined variables are errors). */
import nunjucks from 'nunjucks';
import { z } from 'zod';
import { DEPLOYED_STACKS, NAMES, replyDlqName } from '../protocol/names.js';
import { planSource, replySource } from '../protocol/envelope.js';
import { GITHUB_OIDC, ciRoles } from './ci-roles.js';
import { bootstrapStackDenied, readerRole } from './reader-role.js';
import { customizationGrants } from './customization-types.js';
import { BOOTSTRAP_TEMPLATE } from './template-name.js';
import { accountApiCaller } from './account-api.js';
import { ACCOUNT_EVENTS, auditBusName, coreAccounts, deployedHere, forwardedBuses, served, bootstrapOrganization, type BootstrapAccount, type BootstrapOrganization } from './topology.js';

export { BOOTSTRAP_TEMPLATE };

/**
 * Where the handler Lambda's code is, as every account's stack pins it: the object `key` in
 * `bucket`, at `objectVersion` (S3's VersionId of the bytes bootstrap uploaded or checked),
 * so a later write to the key changes no function. `version` is orgvend's, with the zip's
 * hash (`0.1.0+<16 hex>`): the function's description and ORGVEND_VERSION say which code runs.
 */
export const LambdaCode = z.strictObject({
  bucket: z.string().min(1),
  key: z.string().min(1),
  objectVersion: z.string().min(1),
  version: z.string().min(1),
});
export type LambdaCode = z.infer<typeof LambdaCode>;

export interface RenderInput {
  templatesDir: string;
  organization: BootstrapOrganization;
  organizationId: string;
  account: BootstrapAccount;
  /** The handler Lambda's code; absent in the sandbox, where the worker stands in for it. */
  lambda?: LambdaCode;
  /** The public key of the CICD account's request key (base64 DER): the handler serves only requests it verifies. */
  requestKey: string;
  partition?: string;
}

export function renderBootstrap(input: RenderInput): string {
  return bootstrapRenderer(input)(input);
}

/**
 * The bootstrap template read and compiled once, for rendering it for many accounts of one
 * organization (the per-account parts of `input` come with each call).
 */
export function bootstrapRenderer(setup: Pick<RenderInput, 'templatesDir' | 'organization' | 'partition'>): (input: Omit<RenderInput, 'templatesDir' | 'organization' | 'partition'>) => string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(setup.templatesDir, { noCache: true }), {
    autoescape: false,
    throwOnUndefined: true,
  });
  const org = setup.organization;
  const partition = setup.partition ?? 'aws';
  // One spelling of a bus ARN for the rules' targets and the role that lets them put events there.
  const busArn = (account: string, bus: string) => `arn:${partition}:events:${org.home_region}:${account}:event-bus/${bus}`;
  env.addGlobal('bus_arn', busArn);
  const template = env.getTemplate(BOOTSTRAP_TEMPLATE, true);
  return (input) => {
    const { byType, byTarget, permissions } = served(input.account, org, input.organizationId);
    return template.render(plainTokens({
      partition,
      names: NAMES,
      stacks: DEPLOYED_STACKS,
      org: {
        event_bus: org.event_bus,
        audit_bus: auditBusName(org),
        event_source: org.event_source,
        plan_source: planSource(org.event_source),
        reply_source: replySource(org.event_source),
        reply_queue: org.reply_queue,
        reply_dlq: replyDlqName(org.reply_queue),
        cicd_account_id: org.cicd_account_id,
        audit_account_id: org.audit_account_id,
        management_account_id: org.management_account_id,
        home_region: org.home_region,
        organization_id: input.organizationId,
        has_delegated_admin: org.delegated_admin_account_id !== undefined,
        delegated_admin_account_id: org.delegated_admin_account_id ?? null,
      },
      account: {
        id: input.account.id,
        roles: input.account.roles,
        is_cicd: input.account.isCicd,
        is_audit: input.account.isAudit,
        forwards_account_events: input.account.id === accountApiCaller(org),
        types_by_type: byType,
        types_by_target: byTarget,
        permissions,
        bootstrap_stack_denied: bootstrapStackDenied(permissions),
        deploys: deployedHere(input.account, org),
      },
      // The team's templates: what the deployer role may create for them, and the boundary their roles carry.
      customization: customizationGrants(org.customizations?.allowed_resource_types ?? []),
      account_events: { forward_rule: ACCOUNT_EVENTS.forwardRule, log_group: ACCOUNT_EVENTS.logGroup, topic: ACCOUNT_EVENTS.topic },
      // The management handler's role is denied moving or closing these, whatever it is asked.
      core_accounts: input.account.roles.includes('management') ? coreAccounts(org).map((a) => a.id) : [],
      forwarded_buses: forwardedBuses(input.account, org).map((b) => busArn(b.account, b.bus)),
      // The CI roles (organization.ci), written as JSON documents: the repository and ARNs they trust are the DSL's.
      ci: input.account.isCicd ? ciRoles(org) : { roles: [], oidc_provider: false },
      // The read-only role READ_ACCOUNTS reads a member through (rendered where the account serves member requests).
      reader: readerRole(org, input.organizationId),
      github_oidc: GITHUB_OIDC,
      lambda: input.lambda ?? false,
      request_key: input.requestKey,
      // The management handler bootstraps new members (BOOTSTRAP_ACCOUNTS) from exactly this.
      member_bootstrap: input.lambda && byType.includes('BOOTSTRAP_ACCOUNTS') ? JSON.stringify({ organization: bootstrapOrganization(org), lambda: input.lambda }) : false,
    }));
  };
}

/**
 * What may land unquoted in the bootstrap template: identifiers (account ids, names of
 * buses, queues and roles, ARNs with CloudFormation's `${…}`, base64), never a space, a
 * quote, a `#`, a line break or any other character that could end a YAML scalar or start
 * a new one. Its values come from accounts.yml's organization section, whose schema
 * admits only such characters for them, and from orgvend itself; this holds the template
 * to that whatever the schema becomes. The values it writes as JSON (`| dump`) are exempt.
 */
const PLAIN_TOKEN = /^[A-Za-z0-9._:/*${}+=@-]*$/;
const DUMPED = new Set(['member_bootstrap', 'condition', 'trust', 'policy', 'description', 'statements', 'boundary']);

function plainTokens<T>(value: T, path = ''): T {
  if (typeof value === 'string' && !PLAIN_TOKEN.test(value)) {
    throw new Error(`bootstrap.yml.njk would be given ${JSON.stringify(value)} at ${path}: only identifiers land unquoted in orgvend's own stack`);
  }
  if (Array.isArray(value)) value.forEach((item, i) => plainTokens(item, `${path}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) if (!DUMPED.has(key)) plainTokens(item, path ? `${path}.${key}` : key);
  }
  return value;
}
