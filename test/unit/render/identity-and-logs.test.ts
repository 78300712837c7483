/**
 * The identity account's IAM mapping and the logs account's bucket, as rendered for the
 * fixture (the repository's accounts.yml, every account created but scp-test): who may
 * assume what, which accounts may deliver logs, and who may change the bucket. Expectations
 * are computed from the template context in plain TypeScript, not read back from the output.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Desired } from '../../../src/config/resolve.js';
import { templateContext, type TemplateContext } from '../../../src/render/context.js';
import { renderTemplates, type RenderedTemplate } from '../../../src/render/render.js';
import { NOT_CREATED, REPO, renderFixture } from '../../helpers/render-fixture.js';

/** The IAM mapping: one file, and stack, per account (`identity-iam-mapping/<account>.yml`). */
const MAPPING_SOURCE = 'account/identity-iam-mapping.yml';
const isMapping = (output: string) => output.startsWith('identity-iam-mapping/');
const LOGS = 'log-buckets.yml';

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };
type Resource = {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: { ManagedPolicyName?: string; PolicyDocument?: { Statement: Statement[] }; [property: string]: unknown };
};
type Template = { Resources: Record<string, Resource> };

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

let desired: Desired;
/** The fixture's context: the ids render-fixture.ts makes up, for every account but scp-test. */
let context: TemplateContext;
let rendered: RenderedTemplate[];

beforeAll(async () => {
  const fixture = await renderFixture();
  ({ desired, context } = fixture);
  const { templates, diagnostics } = fixture;
  expect(diagnostics.filter((d) => ['identity-iam-mapping', LOGS].some((t) => d.file.includes(t)))).toEqual([]);
  rendered = templates.filter((t) => isMapping(t.output) || t.output === LOGS);
});

const template = (output: string) => parse(rendered.find((t) => t.output === output)!.text) as Template;
const idOf = (name: string) => context.accounts.find((a) => a.name === name)!.id!;

/** Only these two templates, against a context of the test's making. */
async function renderOnly(ctx: TemplateContext): Promise<RenderedTemplate[]> {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-identity-logs-'));
  mkdirSync(join(dir, 'templates', 'account'), { recursive: true });
  for (const t of [MAPPING_SOURCE, LOGS]) copyFileSync(join(REPO, 'templates', `${t}.njk`), join(dir, 'templates', `${t}.njk`));
  const { templates, diagnostics } = await renderTemplates(dir, ctx);
  expect(diagnostics).toEqual([]);
  return templates;
}
const outputs = async (ctx: TemplateContext) => (await renderOnly(ctx)).map((t) => t.output).sort();
/** The mapping files of every created account with access levels. */
const mappingFiles = (ctx: TemplateContext) => ctx.created_accounts.filter((a) => Object.values(a.access).some((roles) => roles.length)).map((a) => `identity-iam-mapping/${a.name}.yml`);

describe('the identity account IAM mapping', () => {
  /** Every policy of every account's mapping stack: [account, logical id, resource]. */
  const policies = () =>
    rendered.filter((t) => isMapping(t.output)).flatMap((t) => Object.entries(template(t.output).Resources).map(([id, r]) => [t.account!, id, r] as const));

  it('grants, for each created account and access level, sts:AssumeRole on exactly that level’s roles there', () => {
    const expected: Record<string, string[]> = {};
    for (const account of context.created_accounts) {
      for (const [level, roles] of Object.entries(account.access)) {
        expected[`orgvend-assume-${account.name}.${level}`] = roles.map((role) => `arn:aws:iam::${account.id}:role/${role}`).sort();
      }
    }
    const actual = Object.fromEntries(policies().map(([, , r]) => [r.Properties.ManagedPolicyName, r.Properties.PolicyDocument!.Statement.flatMap((s) => list(s.Resource))]));
    expect(actual).toEqual(expected);
    expect(actual['orgvend-assume-foo.rw']).toEqual([`arn:aws:iam::${idOf('foo')}:role/Developer`, `arn:aws:iam::${idOf('foo')}:role/PowerUser`]);
    expect(actual['orgvend-assume-foo-prod.ro']).toEqual([`arn:aws:iam::${idOf('foo-prod')}:role/Developer`, `arn:aws:iam::${idOf('foo-prod')}:role/ReadOnly`]);
    expect(actual).not.toHaveProperty('orgvend-assume-payments.rw');
  });

  it('renders a file, and so a stack, for each created account with access levels: none for scp-test, which has no id yet', () => {
    expect(context.accounts.find((a) => a.name === NOT_CREATED)?.id).toBeNull();
    expect(rendered.map((t) => t.output).filter(isMapping).sort()).toEqual(mappingFiles(context).sort());
    for (const t of rendered.filter((r) => isMapping(r.output))) {
      expect(t.text).not.toContain(NOT_CREATED);
      expect(t.text).not.toContain('iam::null:');
    }
  });

  it('allows only sts:AssumeRole, on role ARNs without wildcards', () => {
    for (const [, , r] of policies()) {
      expect(r.Type).toBe('AWS::IAM::ManagedPolicy');
      for (const s of r.Properties.PolicyDocument!.Statement) {
        expect(s.Effect).toBe('Allow');
        expect(list(s.Action)).toEqual(['sts:AssumeRole']);
        for (const arn of list(s.Resource)) expect(arn).toMatch(/^arn:aws:iam::\d{12}:role\/[\w+=,.@-]+$/);
      }
    }
  });

  it('names each policy for its account and level, with a PascalCase logical id of the level', () => {
    const byId = Object.fromEntries(policies().map(([account, id, r]) => [`${account} ${id}`, r.Properties.ManagedPolicyName ?? '']));
    expect(byId['foo-prod AssumeRw']).toBe('orgvend-assume-foo-prod.rw');
    expect(byId['bar AssumeAll']).toBe('orgvend-assume-bar.all');
    for (const [key, name] of Object.entries(byId)) {
      expect(key.split(' ')[1]).toMatch(/^[A-Za-z0-9]{1,255}$/);
      expect(name.length).toBeLessThanOrEqual(128);
    }
  });

  it('renders nothing when no identity account is named', async () => {
    const ids = new Map(context.created_accounts.map((a) => [a.name, a.id!]));
    expect(await outputs(templateContext({ ...desired, organization: { ...desired.organization, identity_account: undefined } }, ids))).toEqual([LOGS]);
    expect(mappingFiles(templateContext(desired, ids)).length).toBeGreaterThan(5);
  });
});

describe('the log bucket in the logs account', () => {
  const resources = () => template(LOGS).Resources;
  const statements = () => resources().LogBucketPolicy!.Properties.PolicyDocument!.Statement;
  const cfrIds = () => context.created_accounts.filter((a) => a.use_cfr).map((a) => a.id!).sort();
  const bucket = () => `aws-waf-logs-orgvend-${idOf('logs')}-us-east-1`;

  it('admits log delivery from the accounts with use_cfr, and from no other', () => {
    expect(cfrIds()).toEqual([idOf('foo'), idOf('foo-prod')].sort());
    // The example names an organization trail and turns config_recorder on too: those statements are CloudTrail's and Config's (tested below).
    expect(statements().filter((s) => s.Effect === 'Allow').map((s) => s.Sid)).toEqual(['LogDeliveryWrite', 'LogDeliveryCheck', 'CloudTrailCheck', 'CloudTrailWrite', 'ConfigCheck', 'ConfigWrite']);
    const allows = statements().filter((s) => s.Effect === 'Allow' && s.Sid!.startsWith('LogDelivery'));
    for (const s of allows) {
      expect(s.Principal).toEqual({ Service: 'delivery.logs.amazonaws.com' });
      expect(s.Condition!.StringEquals!['aws:SourceAccount']).toEqual(cfrIds());
      expect(s.Condition!.ArnLike!['aws:SourceArn']).toEqual(cfrIds().map((id) => `arn:aws:logs:us-east-1:${id}:*`));
    }
    const write = allows[0]!;
    expect(list(write.Action)).toEqual(['s3:PutObject']);
    expect(list(write.Resource)).toEqual(cfrIds().map((id) => `arn:aws:s3:::${bucket()}/AWSLogs/${id}/*`));
    expect(write.Condition!.StringEquals!['s3:x-amz-acl']).toBe('bucket-owner-full-control');
  });

  it('allows no wildcard action', () => {
    for (const s of statements().filter((s) => s.Effect === 'Allow')) for (const action of list(s.Action)) expect(action).not.toContain('*');
  });

  it('denies changing the policy or the bucket and deleting logs to every principal but the updater role', () => {
    const deny = statements().find((s) => s.Sid === 'DenyChangesExceptUpdater')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*' });
    expect(list(deny.Action)).toEqual(expect.arrayContaining(['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutLifecycleConfiguration', 's3:DeleteBucket']));
    expect(list(deny.Resource)).toEqual([`arn:aws:s3:::${bucket()}`, `arn:aws:s3:::${bucket()}/*`]);
    expect(deny.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${idOf('logs')}:role/orgvend-deployer` } });
  });

  it('refuses every request without TLS', () => {
    const tls = statements().find((s) => s.Sid === 'DenyInsecureTransport')!;
    expect(tls).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(list(tls.Resource)).toEqual([`arn:aws:s3:::${bucket()}`, `arn:aws:s3:::${bucket()}/*`]);
  });

  it('creates the bucket it protects: private, ACLs disabled, encrypted, versioned, kept when the stack goes', () => {
    const b = resources().LogBucket!;
    expect(b).toMatchObject({ Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(b.Properties).toMatchObject({
      BucketName: bucket(),
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(resources().LogBucketPolicy!.Properties.Bucket).toEqual({ Ref: 'LogBucket' });
  });

  it('admits a use_cfr account only once it has an id', async () => {
    const ids = new Map(context.created_accounts.filter((a) => a.name !== 'foo').map((a) => [a.name, a.id!]));
    const logs = (await renderOnly(templateContext(desired, ids))).find((t) => t.output === LOGS)!;
    const write = (parse(logs.text) as Template).Resources.LogBucketPolicy!.Properties.PolicyDocument!.Statement[0]!;
    expect(write.Condition!.StringEquals!['aws:SourceAccount']).toEqual([idOf('foo-prod')]);
  });

  it('admits CloudTrail for the organization trail alone, with no use_cfr account, when organization.security.trail is set', async () => {
    const ids = new Map(context.created_accounts.map((a) => [a.name, a.id!]));
    const noCfr = { ...desired, organization: { ...desired.organization, security: {} }, accounts: desired.accounts.map((a) => ({ ...a, settings: { ...a.settings, use_cfr: false } })) };
    const withTrail = { ...noCfr, organization: { ...noCfr.organization, security: { trail: { name: 'organization-trail' } } } };
    const logs = (await renderOnly(templateContext(withTrail, ids))).find((t) => t.output === LOGS)!;
    const allows = (parse(logs.text) as Template).Resources.LogBucketPolicy!.Properties.PolicyDocument!.Statement.filter((st) => st.Effect === 'Allow');
    expect(allows.map((st) => st.Sid)).toEqual(['CloudTrailCheck', 'CloudTrailWrite']);
    const trailArn = `arn:aws:cloudtrail:${desired.organization.home_region}:${desired.organization.management_account_id}:trail/organization-trail`;
    for (const st of allows) {
      expect(st.Principal).toEqual({ Service: 'cloudtrail.amazonaws.com' });
      expect(st.Condition!.StringEquals!['aws:SourceArn']).toBe(trailArn);
    }
    expect(list(allows[1]!.Resource)).toEqual([`arn:aws:s3:::${bucket()}/AWSLogs/*`]);
    // Without the trail, nothing delivers: the bucket stays, admitting no one.
    const kept = (await renderOnly(templateContext(noCfr, ids))).find((t) => t.output === LOGS)!;
    expect((parse(kept.text) as Template).Resources.LogBucketPolicy!.Properties.PolicyDocument!.Statement.filter((st) => st.Effect === 'Allow')).toEqual([]);
  });

  it("admits AWS Config for this organization's accounts alone (aws:SourceOrgID) when an account sets config_recorder, whatever their number; offline, with no organization id, leaves it out", async () => {
    const ids = new Map(context.created_accounts.map((a) => [a.name, a.id!]));
    const base: Desired = { ...desired, organization: { ...desired.organization, security: {} } };
    const recording = (on: string[]) => ({ ...base, accounts: base.accounts.map((a) => ({ ...a, settings: { ...a.settings, use_cfr: false, config_recorder: on.includes(a.name) ? true : undefined } })) });
    const policyOf = async (d: Desired, organizationId: string | null) => {
      const logs = (await renderOnly(templateContext(d, ids, organizationId))).find((t) => t.output === LOGS);
      return logs && (parse(logs.text) as Template).Resources.LogBucketPolicy!.Properties.PolicyDocument!.Statement.filter((st) => st.Effect === 'Allow');
    };
    const allows = (await policyOf(recording(['foo']), 'o-abc123def4'))!;
    expect(allows.map((st) => st.Sid)).toEqual(['ConfigCheck', 'ConfigWrite']);
    for (const st of allows) {
      expect(st.Principal).toEqual({ Service: 'config.amazonaws.com' });
      expect(st.Condition!.StringEquals!['aws:SourceOrgID']).toBe('o-abc123def4');
    }
    expect(list(allows[0]!.Action)).toEqual(['s3:GetBucketAcl', 's3:ListBucket']);
    expect(list(allows[1]!.Action)).toEqual(['s3:PutObject']);
    expect(list(allows[1]!.Resource)).toEqual([`arn:aws:s3:::${bucket()}/AWSLogs/*/Config/*`]);
    expect(allows[1]!.Condition!.StringEquals!['s3:x-amz-acl']).toBe('bucket-owner-full-control');
    // Every account recording: the same two statements, no longer.
    expect(await policyOf(recording(base.accounts.map((a) => a.name)), 'o-abc123def4')).toEqual(allows);
    expect(await policyOf(recording(['foo']), null)).toEqual([]);
    expect(await policyOf(recording([]), 'o-abc123def4')).toEqual([]);
  });

  it('renders the bucket once the logs account exists, though nothing delivers to it (so turning the last delivery off deletes no stack); nothing when no logs account is named or it has no id yet', async () => {
    const ids = new Map(context.created_accounts.map((a) => [a.name, a.id!]));
    // Without the organization trail the example names, which the bucket serves as well.
    const base: Desired = { ...desired, organization: { ...desired.organization, security: {} } };
    const noCfr = { ...base, accounts: base.accounts.map((a) => ({ ...a, settings: { ...a.settings, use_cfr: false } })) };
    const mappingsOnly = (ctx: TemplateContext) => mappingFiles(ctx).sort();
    const quiet = (await renderOnly(templateContext(noCfr, ids))).find((t) => t.output === LOGS)!;
    const statements = (parse(quiet.text) as Template).Resources.LogBucketPolicy!.Properties.PolicyDocument!.Statement;
    expect(statements.map((st) => st.Sid)).toEqual(['DenyInsecureTransport', 'DenyChangesExceptUpdater']);
    expect(Object.keys((parse(quiet.text) as Template).Resources)).toEqual(['LogBucket', 'LogBucketPolicy']);
    const noLogs = templateContext({ ...base, organization: { ...base.organization, logs_account: undefined } }, ids);
    expect(await outputs(noLogs)).toEqual(mappingsOnly(noLogs));
    const logsNotCreated = templateContext(base, new Map([...ids].filter(([name]) => name !== 'logs')));
    expect(await outputs(logsNotCreated)).toEqual(mappingsOnly(logsNotCreated));
  });
});
