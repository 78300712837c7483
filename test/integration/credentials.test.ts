/**
 * The caller's credentials, checked once at start outside the sandbox, with the SDK
 * pointed at moto (AWS_ENDPOINT_URL) as CI would point it at AWS: each failure is one line,
 * exit 1, and nothing but sts:GetCallerIdentity is sent (nothing at all when no
 * credentials are found). moto answers GetCallerIdentity for the account of the role whose
 * credentials sign the call (its access key), so the tests assume roles into the accounts
 * they need. The shared files are temporary (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
 * HOME), and the instance role is never asked (AWS_EC2_METADATA_DISABLED).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../src/aws/clients.js';
import { runCli } from '../../src/cli/run.js';
import { dslText } from '../helpers/dsl.js';
import { captureIo } from '../helpers/io.js';
import { ciCli, createTestOrganization, type CliWorkspace, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CliWorkspace;
let management: string;
let cicd: string;
const saved = { ...process.env };

type Keys = Record<'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_SESSION_TOKEN', string>;

async function keys(account: string, role: string, session = 'alice'): Promise<Keys> {
  const sts = await org.factory.client('sts');
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: session }));
  return { AWS_ACCESS_KEY_ID: c!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c!.SecretAccessKey!, AWS_SESSION_TOKEN: c!.SessionToken! };
}

/** A home and shared files of its own; `config` and `credentials` are the files' text. */
function home(files: { config?: string; credentials?: string } = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-home-'));
  mkdirSync(join(dir, '.aws'));
  const config = join(dir, '.aws', 'config');
  const credentials = join(dir, '.aws', 'credentials');
  writeFileSync(config, files.config ?? '');
  writeFileSync(credentials, files.credentials ?? '');
  return { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
}

/** The CLI with exactly `env` for its AWS settings (no AWS_* variable but these, moto's endpoint and region). */
async function cli(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string; err: string; calls: AwsCall[] }> {
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_') && key !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED') delete process.env[key];
  Object.assign(process.env, { AWS_ENDPOINT_URL: org.endpoint, AWS_REGION: org.desired.organization.home_region, AWS_EC2_METADATA_DISABLED: 'true', ...home(), ...env });
  const calls: AwsCall[] = [];
  const io = captureIo({ cwd: workspace.cwd });
  const code = await runCli(argv, io, { onCall: (call) => calls.push(call) });
  return { code, out: io.out(), err: io.err(), calls };
}

const lastLine = (err: string) => err.trim().split('\n').at(-1);
const operations = (calls: AwsCall[]) => calls.map((c) => c.operation);

beforeAll(async () => {
  org = await createTestOrganization(dslText());
  org.startWorker();
  ({ workspace } = await ciCli(org, dslText()));
  management = org.desired.organization.management_account_id;
  cicd = org.desired.organization.cicd_account_id;
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

afterAll(() => org.close());

describe('credentials that are not there', () => {
  it('says no credentials were found, and where it looked, without sending anything', async () => {
    const run = await cli({}, '--action', 'sync-accounts');
    expect(run.code).toBe(1);
    expect(lastLine(run.err)).toBe(
      'error: no AWS credentials found (looked at: env, AWS_PROFILE/--profile, SSO, instance role); run with --sandbox to try orgvend without AWS, or set AWS_PROFILE / --profile',
    );
    expect(run.calls).toEqual([]);
  });

  it('names a profile that is in neither shared file, from --profile or AWS_PROFILE, without sending anything', async () => {
    const files = home({ config: '[profile admin]\nregion = ap-southeast-2\n' });
    const flag = await cli(files, '--action', 'sync-accounts', '--profile', 'foo');
    expect(flag.code).toBe(1);
    expect(lastLine(flag.err)).toBe(`error: profile "foo" is not in ${files.AWS_CONFIG_FILE} or ${files.AWS_SHARED_CREDENTIALS_FILE}; aws configure list-profiles lists the profiles there`);
    expect(flag.calls).toEqual([]);

    const env = await cli({ ...files, AWS_PROFILE: 'foo' }, '--action', 'bootstrap');
    expect(env.code).toBe(1);
    expect(lastLine(env.err)).toBe(`error: profile "foo" (from AWS_PROFILE) is not in ${files.AWS_CONFIG_FILE} or ${files.AWS_SHARED_CREDENTIALS_FILE}; aws configure list-profiles lists the profiles there`);
    expect(env.calls).toEqual([]);
  });

  it('says an SSO session has expired and how to renew it, without sending anything', async () => {
    const startUrl = 'https://example.awsapps.com/start';
    const files = home({ config: `[profile sso-admin]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = ${cicd}\nsso_role_name = Admin\n` });
    // Where the AWS CLI's `aws sso login` keeps the token: expired yesterday.
    mkdirSync(join(files.HOME!, '.aws', 'sso', 'cache'), { recursive: true });
    const token = { startUrl, region: 'us-east-1', accessToken: 'token', expiresAt: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') };
    writeFileSync(join(files.HOME!, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`), JSON.stringify(token));
    const run = await cli(files, '--action', 'sync-accounts', '--profile', 'sso-admin');
    expect(run.code).toBe(1);
    expect(lastLine(run.err)).toBe('error: the credentials of profile sso-admin have expired; run aws sso login --profile sso-admin');
    expect(run.calls).toEqual([]);
  });

  it('cannot be combined with --sandbox', async () => {
    const run = await cli({}, '--action', 'sync-accounts', '--sandbox', '--profile', 'admin');
    expect(run.code).toBe(64);
    expect(run.err).toContain("option '--profile <name>' cannot be used with option '--sandbox'");
    expect(run.calls).toEqual([]);
  });
});

describe('credentials of the wrong account', () => {
  it('says which account a bus action runs as and whose credentials were found, having asked only who they are', async () => {
    const run = await cli(await keys(management, 'Admin'), '--action', 'sync-accounts');
    expect(run.code).toBe(1);
    expect(lastLine(run.err)).toBe(
      `error: sync-accounts runs as the CICD account ${cicd}; you are arn:aws:sts::${management}:assumed-role/Admin/alice (account ${management}, the environment's AWS_ACCESS_KEY_ID). Use the CICD account's credentials, or --direct as an administrator in the management account.`,
    );
    expect(operations(run.calls)).toEqual(['GetCallerIdentity']);
  });

  it('names the profile the credentials came from, and --format json prints the error as one JSON document', async () => {
    const k = await keys(management, 'Admin');
    const files = home({ credentials: `[admin]\naws_access_key_id = ${k.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${k.AWS_SECRET_ACCESS_KEY}\naws_session_token = ${k.AWS_SESSION_TOKEN}\n` });
    const run = await cli(files, '--action', 'put-contacts', '--profile', 'admin', '--format', 'json');
    expect(run.code).toBe(1);
    const line = `put-contacts runs as the CICD account ${cicd}; you are arn:aws:sts::${management}:assumed-role/Admin/alice (account ${management}, profile admin). Use the CICD account's credentials, or --direct as an administrator in the management account.`;
    expect(JSON.parse(run.out)).toEqual({ ok: false, exit_code: 1, error: { kind: 'credentials', message: line, reason: 'wrong-account' } });
    expect(lastLine(run.err)).toBe(`error: ${line}`);
    expect(operations(run.calls)).toEqual(['GetCallerIdentity']);
  });

  it('wants the management account for --direct and for bootstrap', async () => {
    const ci = await keys(cicd, 'orgvend-apply', 'ci');
    const you = `you are arn:aws:sts::${cicd}:assumed-role/orgvend-apply/ci (account ${cicd}, the environment's AWS_ACCESS_KEY_ID)`;
    const direct = await cli(ci, '--action', 'sync-accounts', '--direct');
    expect(direct.code).toBe(1);
    expect(lastLine(direct.err)).toBe(
      `error: sync-accounts --direct runs as an administrator in the management account ${management}; ${you}. Use the management account's credentials, or leave out --direct to go through the bus from the CICD account.`,
    );
    expect(operations(direct.calls)).toEqual(['GetCallerIdentity']);

    const bootstrap = await cli(ci, '--action', 'bootstrap');
    expect(bootstrap.code).toBe(1);
    expect(lastLine(bootstrap.err)).toBe(
      `error: bootstrap runs as an administrator in the management account ${management} (it reaches the other accounts through OrganizationAccountAccessRole); ${you}. Use the management account's credentials (--profile or AWS_PROFILE of an administrator there).`,
    );
    expect(operations(bootstrap.calls)).toEqual(['GetCallerIdentity']);
  });
});

describe('the plan role', () => {
  it('plans, and is refused --execute before anything is sent', async () => {
    const plan = await keys(cicd, 'orgvend-plan', 'pr-42');
    const dry = await cli(plan, '--action', 'sync-accounts');
    expect(dry.err).not.toContain('error:');
    expect(dry.code).toBe(0);
    expect(operations(dry.calls).filter((o) => o === 'GetCallerIdentity')).toEqual(['GetCallerIdentity']);

    const run = await cli(plan, '--action', 'sync-accounts', '--execute');
    expect(run.code).toBe(1);
    expect(lastLine(run.err)).toBe(
      `error: orgvend-plan only plans; apply runs as orgvend-apply: you are arn:aws:sts::${cicd}:assumed-role/orgvend-plan/pr-42 (account ${cicd}, the environment's AWS_ACCESS_KEY_ID). Nothing was sent.`,
    );
    expect(operations(run.calls)).toEqual(['GetCallerIdentity']);
  });

  it('lets the CICD account with a profile plan', async () => {
    const k = await keys(cicd, 'orgvend-apply', 'ci');
    const files = home({ credentials: `[ci]\naws_access_key_id = ${k.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${k.AWS_SECRET_ACCESS_KEY}\naws_session_token = ${k.AWS_SESSION_TOKEN}\n` });
    const run = await cli(files, '--action', 'sync-accounts', '--profile', 'ci');
    expect(run.code).toBe(0);
    expect(run.out).toContain('account.create  foo');
  });
});
