import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load.js';
import type { Desired } from '../../../src/config/resolve.js';
import { loadScps } from '../../../src/scp/load.js';
import { dslText } from '../../helpers/dsl.js';
import { denyLeave, FIXTURE_REPO, policy, scratchRepo } from '../../helpers/repo.js';

async function load(files: Record<string, string>, dsl = dslText()) {
  const dir = scratchRepo({ 'accounts.yml': dsl, ...files });
  const config = await readConfig('accounts.yml', dir);
  if (!config.desired) throw new Error(JSON.stringify(config.diagnostics));
  return loadScps(config.desired, dir, config.source);
}

const errors = (result: Awaited<ReturnType<typeof load>>) => result.diagnostics.map((d) => `${d.code} ${d.file}:${d.line} ${d.message}`);

describe('loading scps/', () => {
  it('loads the example repository: fourteen policies, attached by folder and by accounts.yml', async () => {
    const config = await readConfig('accounts.yml', FIXTURE_REPO);
    const { scps, diagnostics } = await loadScps(config.desired!, FIXTURE_REPO, config.source);
    expect(diagnostics).toEqual([]);
    expect(scps!.policies.map((p) => [p.name, p.targets])).toEqual([
      ['deny-large-instances', ['Internal/Dev']],
      ['account-settings-from-delegated-admin', ['Internal']],
      ['approved-regions-only', ['Internal']],
      ['deny-iam-access-keys', []],
      ['deny-iam-users-with-login-profiles', ['Internal/CDE', 'Internal/Standard']],
      ['deny-leave-organization', ['Root']],
      ['deny-root-user', ['Internal']],
      ['protect-cloudtrail', ['Internal']],
      ['protect-s3-block-public-access', ['Internal/CDE', 'Internal/Standard']],
      ['protect-security-roles', ['Internal']],
      ['protect-security-services', []],
      ['require-ebs-encryption', []],
      ['require-imdsv2', ['Internal']],
      ['require-s3-encryption', []],
    ]);
    const regions = scps!.policies.find((p) => p.name === 'approved-regions-only')!;
    expect(regions.description).toMatch(/^Work happens only in the regions accounts\.yml lists/);
    expect(JSON.stringify(regions.document)).toContain('"aws:RequestedRegion":["ap-southeast-2","us-east-1","us-west-1","us-west-2"]');
    // orgvend's own handler (in the management account: the example names no delegated
    // administrator) must stay able to put contacts and enable regions.
    const settings = scps!.policies.find((p) => p.name === 'account-settings-from-delegated-admin')!;
    expect(JSON.stringify(settings.document)).toContain('"aws:PrincipalArn":["arn:aws:iam::111111111111:role/orgvend-handler","arn:aws:iam::111111111111:role/OrgvendAccountAdmin"]');
    expect(scps!.fullAwsAccess).toContain('Internal/Dev');
    expect(scps!.fullAwsAccessExplicit).toBe(false);
  });

  it('sends the minified document and counts its characters', async () => {
    const { scps } = await load({ 'scps/Root/deny-leave.json': denyLeave });
    expect(scps!.policies[0]!.content).toBe('{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeave","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}');
  });

  it('reports JSON that does not parse, with its line', async () => {
    const result = await load({ 'scps/Root/broken.json': '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Deny", }\n  ]\n}\n' });
    expect(result.scps).toBeUndefined();
    expect(errors(result)).toEqual([expect.stringMatching(/^scp-syntax scps\/Root\/broken\.json:4 not valid JSON/)]);
  });

  it('places JSON errors that JSON.parse gives no position for at their line and column', async () => {
    const cases: [string, string, RegExp][] = [
      // V8 says "Unexpected end of JSON input": the end of the file is where the bracket is missing.
      ['unclosed.json', '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Deny", "Action": "*", "Resource": "*" }\n', /:5:1 not valid JSON: expected "," or "\]", found the end of the file/],
      // V8 says "Unexpected token … is not valid JSON", with no position.
      ['bare-word.json', '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": Deny, "Action": "*", "Resource": "*" }]\n}\n', /:3:29 not valid JSON: expected a value .*, found "D"/],
      ['trailing-comma.json', '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Deny", "Action": ["s3:GetObject",], "Resource": "*" }]\n}\n', /:3:63 not valid JSON: expected another value after the comma/],
      ['line-break.json', '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Sid": "Two\nLines", "Effect": "Deny", "Action": "*", "Resource": "*" }]\n}\n', /:3:30 not valid JSON: a line break or control character inside a string/],
    ];
    for (const [name, text, expected] of cases) {
      const result = await load({ [`scps/Root/${name}`]: text });
      const [d] = result.diagnostics;
      expect(`${d!.code} ${d!.file}:${d!.line}:${d!.column} ${d!.message}`, name).toMatch(new RegExp(`^scp-syntax scps/Root/${name.replace('.', '\\.')}${expected.source}`));
    }
  });

  it('refuses a misspelt action or service at its line and column, with the spelling AWS knows', async () => {
    const text = policy([
      { Effect: 'Deny', Action: ['s3:DeleteBuckett', 'ec3:RunInstances', 'iam:CreateAccessKey'], Resource: '*' },
      { Effect: 'Deny', NotAction: 'kms:Frobnicate', Resource: '*' },
    ]);
    const result = await load({ 'scps/Root/typos.json': text });
    expect(result.scps).toBeUndefined();
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const columnOf = (needle: string) => text.split('\n')[lineOf(needle) - 1]!.indexOf(needle) + 1;
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column, d.message, d.hint])).toEqual([
      ['scp-action', lineOf('s3:DeleteBuckett'), columnOf('"s3:DeleteBuckett"'), 's3 has no action "DeleteBuckett"', 'did you mean "s3:DeleteBucket"?'],
      ['scp-action', lineOf('ec3:RunInstances'), columnOf('"ec3:RunInstances"'), '"ec3:RunInstances" names service "ec3", which IAM does not know', 'did you mean "ec2:RunInstances"?'],
      ['scp-action', lineOf('kms:Frobnicate'), columnOf('"kms:Frobnicate"'), 'kms has no action "Frobnicate"', expect.stringMatching(/^if AWS added it lately, update orgvend, whose list is @cloud-copilot\/iam-data \d/)],
    ]);
  });

  it('accepts wildcards that match some action, in any case, and refuses one that matches none', async () => {
    const ok = await load({ 'scps/Root/wild.json': policy([{ Effect: 'Deny', Action: ['*', 's3:Get*', 'ec2:describe*', 'iam:?reateRole', 'organizations:LeaveOrganization'], Resource: '*' }]) });
    expect(ok.diagnostics).toEqual([]);
    const none = await load({ 'scps/Root/wild.json': policy([{ Effect: 'Deny', Action: 's3:Frob*', Resource: '*' }]) });
    expect(errors(none)).toEqual([expect.stringMatching(/^scp-action scps\/Root\/wild\.json:\d+ "s3:Frob\*" matches no action of s3/)]);
  });

  it('reports a rule broken inside a policy at the line of the offending key', async () => {
    const text = policy([{ Effect: 'Deny', Principal: '*', Action: 'ec2:RunInstances', Resource: '*' }]);
    const result = await load({ 'scps/Root/with-principal.json': text });
    const line = text.split('\n').findIndex((l) => l.includes('"Principal"')) + 1;
    expect(errors(result)).toEqual([expect.stringContaining(`scp-principal scps/Root/with-principal.json:${line} `)]);
  });

  it('reports a policy over the size limit by how much', async () => {
    const result = await load(
      { 'scps/Root/big.json': policy([{ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: Array.from({ length: 40 }, (_, i) => `arn:aws:s3:::bucket-${i}`) }]) },
      dslText([[['organization', 'limits', 'scp_max_characters'], 500]]),
    );
    expect(errors(result)).toEqual([expect.stringMatching(/^scp-too-large scps\/Root\/big\.json:1 the policy is [\d,]+ characters once minified; the limit \(organization\.limits\.scp_max_characters\) is 500: [\d,]+ over/)]);
  });

  it('keeps a template\'s line numbers when its comments are removed', async () => {
    const text = '{# why:\n   three lines\n   of reasons #}\n{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Maybe", "Action": "*", "Resource": "*" }]\n}\n';
    const result = await load({ 'scps/Root/maybe.json.njk': text });
    expect(errors(result)).toEqual([expect.stringContaining('scp-statement scps/Root/maybe.json.njk:6 ')]);
  });

  it('reports a template that uses a variable it is not given, with the template line', async () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Deny", "Action": "*", "Resource": "{{ params.nothing }}" }]\n}\n';
    const result = await load({ 'scps/Root/undefined.json.njk': text });
    expect(errors(result)).toEqual([expect.stringMatching(/^template-render scps\/Root\/undefined\.json\.njk:3 cannot render the policy: .*undefined/)]);
  });

  it('takes the first comment of a template as the policy\'s description', async () => {
    const { scps } = await load({ 'scps/Root/deny-leave.json.njk': `{# Keep accounts in.   #}\n${denyLeave}` });
    expect(scps!.policies[0]!.description).toBe('Keep accounts in.');
  });

  it('refuses a policy attached nowhere, in a folder that is no OU, or named twice', async () => {
    const result = await load({
      'scps/loose.json': denyLeave,
      'scps/Internal/Nowhere/lost.json': denyLeave,
      'scps/Root/twice.json': denyLeave,
      'scps/_library/twice.json': denyLeave,
    });
    expect(errors(result).sort()).toEqual([
      expect.stringMatching(/^scp-duplicate-name scps\/_library\/twice\.json:1 policy twice is defined twice: also in scps\/Root\/twice\.json/),
      expect.stringMatching(/^scp-unknown-target scps\/Internal\/Nowhere\/lost\.json:1 its folder names OU Internal\/Nowhere, which accounts\.yml does not use/),
      expect.stringMatching(/^scp-unknown-target scps\/loose\.json:1 a policy directly in scps\/ is attached nowhere/),
    ]);
  });

  it('reports, in accounts.yml, attachments to unknown policies or targets', async () => {
    const result = await load(
      { 'scps/_library/deny-leave.json': denyLeave },
      dslText([[['organization', 'scps', 'attachments'], { 'deny-leav': ['Root'], 'deny-leave': ['Internal/Devv'] }]]),
    );
    expect(result.diagnostics.map((d) => [d.code, d.file, d.path, d.hint])).toEqual(
      expect.arrayContaining([
        ['scp-unknown-policy', 'accounts.yml', 'organization.scps.attachments.deny-leav', 'did you mean "deny-leave"?'],
        ['scp-unknown-target', 'accounts.yml', 'organization.scps.attachments.deny-leave[0]', 'did you mean "Internal/Dev"?'],
      ]),
    );
  });

  it('counts FullAWSAccess among a target\'s policies', async () => {
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`scps/Internal/deny-${i}.json`, denyLeave]));
    const result = await load(files);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('Internal would carry 11 policies, FullAWSAccess included'),
    ]);
  });

  it('refuses to leave a target with nothing allowed', async () => {
    const result = await load(
      { 'scps/Internal/deny-leave.json': denyLeave },
      dslText([[['organization', 'scps', 'full_aws_access'], ['Root', 'Morgue', 'Internal/Dev', 'Internal/Infra']]]),
    );
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['scp-no-allow', 'nothing is allowed at Internal: FullAWSAccess is not attached there and no policy attached there has an Allow'],
    ]);
  });
});

describe('opt-in regions the policies deny', () => {
  const denyIn = (region: string) =>
    policy([{ Sid: 'NotThere', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': region } } }]);

  it('refuses an opt-in region every request to which is denied, at the line that lists it', async () => {
    const dsl = dslText([[['accounts', 'foo', 'regions'], ['ap-southeast-2', 'us-east-1', 'ap-east-1']]]);
    const result = await load({ 'scps/Internal/Dev/no-hong-kong.json': denyIn('ap-east-1') }, dsl);
    expect(result.scps).toBeUndefined();
    const line = dsl.split('\n').findIndex((l) => l.includes('ap-east-1')) + 1;
    expect(errors(result)).toEqual([
      `region-denied-by-scp accounts.yml:${line} opt-in region ap-east-1 is enabled for foo, but their service control policies deny every request there (denied by no-hong-kong (NotThere) at Internal/Dev)`,
    ]);
  });

  it('reports a region set in defaults once, for every account it reaches', async () => {
    const dsl = dslText([[['defaults', 'regions'], ['ap-southeast-2', 'us-east-1', 'ap-east-1']]]);
    const result = await load({ 'scps/Internal/no-hong-kong.json': denyIn('ap-east-1') }, dsl);
    expect(errors(result)).toEqual([expect.stringContaining('opt-in region ap-east-1 is enabled for foo, dns, but')]);
  });

  it('accepts a region denied only in another OU, or only for some requests', async () => {
    const dsl = dslText([[['accounts', 'foo', 'regions'], ['ap-southeast-2', 'us-east-1', 'ap-east-1']]]);
    expect((await load({ 'scps/Internal/Infra/no-hong-kong.json': denyIn('ap-east-1') }, dsl)).diagnostics).toEqual([]);
    const someDenied = policy([{ Effect: 'Deny', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'ap-east-1' } } }]);
    expect((await load({ 'scps/Internal/Dev/no-ec2.json': someDenied }, dsl)).diagnostics).toEqual([]);
  });
});

describe('policy parameters, JSON-encoded where they land', () => {
  const library = (name: string) => ({ [`scps/_library/${name}.json.njk`]: readFileSync(join(FIXTURE_REPO, 'scps', '_library', `${name}.json.njk`), 'utf8') });
  const PARAMETERS = { protected_role_prefix: 'InfoSec', cloudtrail_name: 'organization-trail', account_admin_role: 'OrgvendAccountAdmin' };

  /** The library policy rendered with `parameters` set after validation, as if the schema had let them through. */
  async function renderedWith(name: string, parameters: Record<string, string>) {
    const dir = scratchRepo({ 'accounts.yml': dslText([[['organization', 'scps', 'parameters'], PARAMETERS]]), ...library(name) });
    const config = await readConfig('accounts.yml', dir);
    const desired: Desired = { ...config.desired!, organization: { ...config.desired!.organization, scps: { ...config.desired!.organization.scps, parameters: { ...PARAMETERS, ...parameters } } } };
    const result = await loadScps(desired, dir, config.source);
    expect(result.diagnostics).toEqual([]);
    return result.scps!.policies[0]!.document as unknown as { Statement: Record<string, unknown>[] };
  }

  it('keeps a role name that closes its string one string: it cannot exempt every role', async () => {
    const injected = 'OrgvendAccountAdmin", "arn:aws:iam::*:role/*';
    const document = await renderedWith('account-settings-from-delegated-admin', { account_admin_role: injected });
    expect(document.Statement[0]!.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/orgvend-handler', `arn:aws:iam::111111111111:role/${injected}`] },
    });
  });

  it('keeps a trail name that would add a Condition inside the Resource string: the protection stays unconditional', async () => {
    const injected = 'organization-trail", "Condition": {"Bool": {"aws:ViaAWSService": "true"}}, "Sid": "x';
    const document = await renderedWith('protect-cloudtrail', { cloudtrail_name: injected });
    expect(Object.keys(document.Statement[0]!).sort()).toEqual(['Action', 'Effect', 'Resource', 'Sid']);
    expect(document.Statement[0]!.Resource).toBe(`arn:aws:cloudtrail:*:*:trail/${injected}`);
  });

  it('refuses such values in accounts.yml before any policy is rendered, at their line', async () => {
    const dsl = dslText([[['organization', 'scps', 'parameters'], { ...PARAMETERS, account_admin_role: 'OrgvendAccountAdmin", "arn:aws:iam::*:role/*' }]]);
    const config = await readConfig('accounts.yml', scratchRepo({ 'accounts.yml': dsl }));
    expect(config.desired).toBeUndefined();
    const line = dsl.split('\n').findIndex((l) => l.includes('account_admin_role')) + 1;
    expect(config.diagnostics.map((d) => `${d.code} ${d.line} ${d.path}`)).toEqual([`invalid-value ${line} organization.scps.parameters.account_admin_role`]);
  });

  it('makes a value written inside quotes a JSON error at its line, never text spliced into a string', async () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Deny", "Action": "*",\n    "Resource": "arn:aws:iam::*:role/{{ params.team }}" }]\n}\n';
    const result = await load({ 'scps/Root/team.json.njk': text }, dslText([[['organization', 'scps', 'parameters'], { team: 'platform' }]]));
    expect(errors(result)).toEqual([expect.stringMatching(/^scp-syntax scps\/Root\/team\.json\.njk:4 not valid JSON/)]);
  });

  it('names a parameter the policy reads and accounts.yml does not set', async () => {
    const result = await load({ 'scps/Root/p.json.njk': '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Deny", "Action": "*",\n    "Resource": {{ "arn:aws:iam::*:role/" ~ params.protected_role_prefx }} }]\n}\n' }, dslText([[['organization', 'scps', 'parameters'], PARAMETERS]]));
    expect(result.diagnostics.map((d) => `${d.code} ${d.file}:${d.line} ${d.message} (${d.hint})`)).toEqual([
      'template-render scps/Root/p.json.njk:4 cannot render the policy: params.protected_role_prefx is undefined (did you mean "protected_role_prefix"?)',
    ]);
  });
});

describe('policies/: tag, backup, AI services opt-out and resource control policies', () => {
  const tag = JSON.stringify({ tags: { costcenter: { tag_key: { '@@assign': 'CostCenter' } } } }, null, 2);
  const rcp = (statement: Record<string, unknown>) => policy([{ Sid: 'EnforceTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', ...statement }]);

  it('loads each type from its folder, attached where the folder says', async () => {
    const result = await load({
      'scps/Root/deny-leave.json': denyLeave,
      'policies/tag/Root/cost-centre.json': tag,
      'policies/backup/Internal/daily.json': JSON.stringify({ plans: { daily: { regions: { '@@append': ['us-east-1'] } } } }),
      'policies/ai-opt-out/Root/opt-out.json.njk': '{# No AI training on our data. #}\n{ "services": { "default": { "opt_out_policy": { "@@assign": "optOut" } } } }',
      'policies/rcp/Internal/enforce-tls.json': rcp({}),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.scps!.others!.map((set) => [set.type, set.policies.map((p) => [p.name, p.targets, p.file])])).toEqual([
      ['RESOURCE_CONTROL_POLICY', [['enforce-tls', ['Internal'], 'policies/rcp/Internal/enforce-tls.json']]],
      ['TAG_POLICY', [['cost-centre', ['Root'], 'policies/tag/Root/cost-centre.json']]],
      ['BACKUP_POLICY', [['daily', ['Internal'], 'policies/backup/Internal/daily.json']]],
      ['AISERVICES_OPT_OUT_POLICY', [['opt-out', ['Root'], 'policies/ai-opt-out/Root/opt-out.json.njk']]],
    ]);
    expect(result.scps!.others![3]!.policies[0]!.description).toBe('No AI training on our data.');
  });

  it('holds an RCP to AWS\'s RCP rules: Deny only, Principal "*", no NotAction, services that support RCPs', async () => {
    const result = await load({
      'policies/rcp/Root/allow.json': rcp({ Effect: 'Allow' }),
      'policies/rcp/Root/no-principal.json': policy([{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }]),
      'policies/rcp/Root/not-action.json': rcp({ Action: undefined, NotAction: 's3:GetObject' }),
      'policies/rcp/Root/ec2.json': rcp({ Action: 'ec2:RunInstances' }),
    });
    expect(result.diagnostics.map((d) => `${d.code} ${d.file} ${d.message}`).sort()).toEqual([
      'scp-action policies/rcp/Root/ec2.json "ec2:RunInstances": resource control policies do not apply to ec2',
      'scp-principal policies/rcp/Root/no-principal.json an RCP statement needs "Principal": "*"',
      'scp-statement policies/rcp/Root/allow.json an RCP can only deny: AWS takes Allow only in its own RCPFullAWSAccess',
      'scp-statement policies/rcp/Root/not-action.json an RCP has no NotAction',
      'scp-statement policies/rcp/Root/not-action.json the statement has neither Action nor NotAction',
    ]);
  });

  it('checks a management policy\'s top-level key and operators at their line, with suggestions', async () => {
    const text = '{\n  "tags": {\n    "costcenter": {\n      "tag_key": { "@@asign": "CostCenter" }\n    }\n  },\n  "plans": {}\n}\n';
    const result = await load({ 'policies/tag/Root/cost-centre.json': text });
    expect(result.diagnostics.map((d) => [d.code, d.line, d.message, d.hint]).sort((x, y) => Number(x[1]) - Number(y[1]))).toEqual([
      ['policy-content', 4, 'unknown operator "@@asign"', 'did you mean "@@assign"?'],
      ['policy-content', 7, 'unknown top-level key "plans" in a tag policy', undefined],
    ]);
  });

  it('refuses a document over its type\'s size limit, and a folder that names no type', async () => {
    const services = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`service${i}`, { opt_out_policy: { '@@assign': 'optOut' } }]));
    const result = await load({ 'policies/ai-opt-out/Root/big.json': JSON.stringify({ services }), 'policies/tags/Root/x.json': tag });
    expect(errors(result)).toEqual([
      expect.stringMatching(/^policy-unknown-type policies\/tags:1 policies\/tags names no policy type orgvend knows/),
      expect.stringMatching(/^policy-content policies\/ai-opt-out\/Root\/big\.json:1 the policy is [\d,]+ characters once minified; AWS's limit for an AI services opt-out policy is 2,500/),
    ]);
    expect(result.diagnostics[0]!.hint).toBe('did you mean "tag"?');
  });
});
