/**
 * render-templates end to end on moto, as CI runs it (the CLI in the CICD account, the
 * organization read through the bus): rendered with the ids of the accounts that exist,
 * checked by cfn-lint and CloudFormation's ValidateTemplate, uploaded once per content;
 * each bucket's index vouches for what was uploaded, so that a later run looks up and
 * checks only what changed (unless --refresh).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { ciOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

const BUCKETS = { 'ap-southeast-2': 'artifacts-apse2', 'us-east-1': 'artifacts-use1' };
// The test's own per-account template is one of the team's (a customization): every account selects it.
const DSL = dslText([
  [['organization', 'artifact_buckets'], BUCKETS],
  [['organization', 'customizations'], { allowed_resource_types: ['AWS::SNS::Topic'] }],
  [['defaults', 'customizations'], { params: {} }],
]);
const PARAMS = `{% if account.id %}AWSTemplateFormatVersion: "2010-09-09"
Description: settings of {{ account.name }}
Resources:
  Service:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: {{ account.service }}
{% endif %}`;

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let cliCalls: CiCli['calls'];

beforeAll(async () => {
  ({ org, workspace, calls: cliCalls, cli } = await ciOrganization(DSL));
  // Only this test's template besides bootstrap: the repository's own are covered by the golden test.
  for (const name of readdirSync(join(workspace.cwd, 'templates'), { recursive: true }) as string[]) {
    if (name.endsWith('.njk') && name !== 'bootstrap.yml.njk') workspace.file(join('templates', name));
  }
  workspace.file('templates/account/params.yml.njk', PARAMS);
});

afterAll(() => org.close());

const s3 = () => org.factory.forAccount(org.desired.organization.cicd_account_id).client('s3');

async function objects(bucket: string): Promise<string[]> {
  return ((await (await s3()).send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
}

describe('render-templates', () => {
  it('renders for the accounts that exist and plans their upload; without --execute nothing is uploaded', async () => {
    const { code, out, err } = await cli('--action', 'render-templates', '--detailed-exitcode');
    expect(code).toBe(0);
    expect(err).toContain('rendered 0 template(s) into build/templates/');
    expect(out).toContain('No changes');
    expect(out).toContain('not in the organization yet, so the templates see no account id for: dns, foo');

    expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
    const planned = await cli('--action', 'render-templates', '--detailed-exitcode');
    expect(planned.code).toBe(2);
    expect(planned.out).toMatch(/\+ template\.upload +params\/foo\.yml @ ap-southeast-2 +s3:\/\/artifacts-apse2\/templates\/params\/foo\/[0-9a-f]{16}\.yml/);
    expect(planned.out).toMatch(/~ template\.index +templates\/orgvend-published\.json @ us-east-1 +s3:\/\/artifacts-use1\/templates\/orgvend-published\.json: 2 templates/);
    expect(planned.out).toContain('Plan: 6 changes: 4 template.upload, 2 template.index.');
    expect(readFileSync(join(workspace.cwd, 'build/templates/params/dns.yml'), 'utf8')).toContain('TopicName: "dns"');
    expect(cliCalls.filter((c) => c.operation === 'PutObject')).toEqual([]);
    expect(await objects('artifacts-apse2')).toEqual([]);
  });

  it('uploads each file to every artifact bucket once: the next run has nothing to do', async () => {
    const { code, out } = await cli('--action', 'render-templates', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    for (const bucket of Object.values(BUCKETS)) {
      expect(await objects(bucket)).toEqual(['templates/orgvend-published.json', expect.stringMatching(/^templates\/params\/dns\/[0-9a-f]{16}\.yml$/), expect.stringMatching(/^templates\/params\/foo\//)]);
    }
    const puts = cliCalls.filter((c) => c.operation === 'PutObject').length;
    expect((await cli('--action', 'render-templates', '--execute')).code).toBe(0);
    expect(cliCalls.filter((c) => c.operation === 'PutObject').length).toBe(puts);
  });

  it('looks up and checks only the templates the index does not list; --refresh every one', async () => {
    const count = async (argv: string[]) => {
      const from = cliCalls.length;
      const run = await cli('--action', 'render-templates', ...argv);
      const made = cliCalls.slice(from);
      return { ...run, heads: made.filter((c) => c.operation === 'HeadObject').length, validated: made.filter((c) => c.operation === 'ValidateTemplate').length };
    };
    const unchanged = await count(['--detailed-exitcode']);
    expect(unchanged.code).toBe(0);
    expect([unchanged.heads, unchanged.validated]).toEqual([0, 0]);
    expect(unchanged.err).toContain('rendered 2 template(s) into build/templates/, checked 0');
    expect(unchanged.out).toContain('2 template(s) already uploaded as they are now, so checked before: not checked again (--refresh checks every one)');

    workspace.file('templates/extra.yml.njk', 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n');
    const added = await count(['--detailed-exitcode']);
    expect(added.code).toBe(2);
    expect([added.heads, added.validated]).toEqual([2, 1]);
    expect(added.out).toContain('Plan: 4 changes: 2 template.upload, 2 template.index.');
    const applied = await count(['--execute']);
    expect(applied.code).toBe(0);
    // After the uploads, the two new keys looked up again, the index just written trusted for nothing.
    expect([applied.heads, applied.validated]).toEqual([4, 1]);
    expect(applied.out).toContain('Converged');

    const refreshed = await count(['--detailed-exitcode', '--refresh']);
    expect(refreshed.code).toBe(0);
    expect([refreshed.heads, refreshed.validated]).toEqual([6, 3]);
    expect(refreshed.err).toContain('checked 3');
  });

  it('trusts the index until --refresh: an object deleted by hand is put back by --refresh --execute', async () => {
    const [dns] = (await objects('artifacts-apse2')).filter((k) => k.startsWith('templates/params/dns/'));
    await (await s3()).send(new DeleteObjectCommand({ Bucket: 'artifacts-apse2', Key: dns }));
    expect((await cli('--action', 'render-templates', '--detailed-exitcode')).code).toBe(0);
    const refreshed = await cli('--action', 'render-templates', '--execute', '--refresh');
    expect(refreshed.code).toBe(0);
    expect(refreshed.out).toContain('Plan: 1 change: 1 template.upload.');
    expect(await objects('artifacts-apse2')).toContain(dns);
  });

  it('writes the index again where it is missing (a run that died after its uploads) or is not one orgvend wrote, uploading nothing more', async () => {
    const puts = () => cliCalls.filter((c) => c.operation === 'PutObject').map((c) => (c.input as { Key: string }).Key);
    const before = puts().length;
    await (await s3()).send(new DeleteObjectCommand({ Bucket: 'artifacts-apse2', Key: 'templates/orgvend-published.json' }));
    await (await s3()).send(new PutObjectCommand({ Bucket: 'artifacts-use1', Key: 'templates/orgvend-published.json', Body: '{"version": 1, "keys": "everything"}' }));
    const planned = await cli('--action', 'render-templates', '--detailed-exitcode');
    expect(planned.code).toBe(2);
    expect(planned.out).toContain('Plan: 2 changes: 2 template.index.');
    expect(planned.out).toContain('s3://artifacts-use1/templates/orgvend-published.json is not an index orgvend wrote: it vouches for nothing');
    expect(planned.err).toContain('checked 3');
    expect((await cli('--action', 'render-templates', '--execute')).code).toBe(0);
    expect(puts().slice(before)).toEqual(['templates/orgvend-published.json', 'templates/orgvend-published.json']);
    expect((await cli('--action', 'render-templates', '--detailed-exitcode')).err).toContain('checked 0');
  });

  it('takes from the index only a key listed with the whole SHA-256 of what the repository renders', async () => {
    const index = JSON.parse(await (await (await s3()).send(new GetObjectCommand({ Bucket: 'artifacts-use1', Key: 'templates/orgvend-published.json' }))).Body!.transformToString()) as { objects: Record<string, string> };
    const forged = Object.fromEntries(Object.keys(index.objects).map((key) => [key, 'f'.repeat(64)]));
    await (await s3()).send(new PutObjectCommand({ Bucket: 'artifacts-use1', Key: 'templates/orgvend-published.json', Body: JSON.stringify({ version: 1, objects: forged }) }));
    const planned = await cli('--action', 'render-templates', '--detailed-exitcode');
    expect(planned.err).toContain('checked 0');
    expect(planned.out).toContain('Plan: 1 change: 1 template.index.');
    await (await s3()).send(new PutObjectCommand({ Bucket: 'artifacts-apse2', Key: 'templates/orgvend-published.json', Body: JSON.stringify({ version: 1, objects: forged }) }));
    const both = await cli('--action', 'render-templates', '--execute');
    expect(both.err).toContain('checked 3');
    expect(both.code).toBe(0);
    expect((await cli('--action', 'render-templates', '--detailed-exitcode')).err).toContain('checked 0');
  });

  it('uploads a changed template under a new key, keeping the old one for stacks that use it', async () => {
    workspace.file('templates/account/params.yml.njk', PARAMS.replace('settings of', 'the settings of'));
    expect((await cli('--action', 'render-templates', '--execute')).code).toBe(0);
    expect((await objects('artifacts-use1')).filter((k) => k.startsWith('templates/params/foo/'))).toHaveLength(2);
  });

  it('stops with exit 65 and uploads nothing when a template does not render or does not lint', async () => {
    const puts = cliCalls.filter((c) => c.operation === 'PutObject').length;
    workspace.file('templates/broken.yml.njk', 'Resources:\n  X:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: {{ organization.event_buss }}\n');
    const undefinedKey = await cli('--action', 'render-templates', '--execute');
    expect(undefinedKey.code).toBe(65);
    expect(undefinedKey.err).toContain('templates/broken.yml.njk:5:29: cannot render the template: organization.event_buss is undefined');

    workspace.file('templates/broken.yml.njk', 'Resources:\n  X:\n    Type: AWS::SSM::Parameterr\n');
    const lint = await cli('--action', 'render-templates', '--execute');
    expect(lint.code).toBe(65);
    expect(lint.err).toContain("build/templates/broken.yml:3:5: cfn-lint E3006: Resource type 'AWS::SSM::Parameterr' does not exist");
    expect(cliCalls.filter((c) => c.operation === 'PutObject').length).toBe(puts);
    workspace.file('templates/broken.yml.njk');
  });
});
