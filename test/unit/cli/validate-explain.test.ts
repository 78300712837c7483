import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { dslText, exampleText } from '../../helpers/dsl.js';
import { captureIo } from '../../helpers/io.js';
import { copyTemplates } from '../../helpers/repo.js';

function tempDsl(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-'));
  writeFileSync(join(dir, 'accounts.yml'), text);
  return { dir, file: 'accounts.yml' };
}

describe('--action validate', () => {
  it('prints a one-line summary and exits 0 for the example', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'validate'], io)).toBe(0);
    expect(io.out()).toBe('accounts.yml is valid: 12 accounts, 7 scopes, 9 OUs, 14 service control policies, 1 tag policy, 1 AI services opt-out policy, 6 templates\n');
    expect(io.err()).toBe('');
  });

  it('prints every error with file, line and column and exits 65', async () => {
    const broken = exampleText().replace('    scope: cde\n', '    scope: cdee\n').replace('  home_region: ap-southeast-2', '  home_region: ap-southeast-22');
    const { dir } = tempDsl(broken);
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(65);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/error\[invalid-value\] accounts\.yml:12:16: organization\.home_region: expected a known AWS region name/);
    expect(io.err()).toMatch(/error\[unknown-scope\] accounts\.yml:\d+:12: accounts\.payments\.scope: .*"cdee"/);
    expect(io.err()).toContain('hint: did you mean "cde"?');
    expect(io.err()).toContain('2 errors in accounts.yml');
  });

  it('counts the policies of each type in its JSON summary', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'validate', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ ok: true, scps: 14, policies: { TAG_POLICY: 1, AISERVICES_OPT_OUT_POLICY: 1 }, templates: 6 });
  });

  it('reports errors as JSON on stdout with --format json', async () => {
    const { dir } = tempDsl(dslText([[['accounts', 'foo', 'scope'], 'nope']]));
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate', '--format', 'json'], io)).toBe(65);
    const json = JSON.parse(io.out());
    expect(json).toMatchObject({ ok: false, exit_code: 65, error: { kind: 'invalid-input', message: '1 error in the input' }, file: 'accounts.yml' });
    expect(json.diagnostics).toEqual([
      expect.objectContaining({ code: 'unknown-scope', file: 'accounts.yml', path: 'accounts.foo.scope', severity: 'error' }),
    ]);
    expect(json.diagnostics[0].line).toBeGreaterThan(1);
  });

  it('reads the file given with --config', async () => {
    const { dir } = tempDsl(dslText());
    const io = captureIo();
    expect(await runCli(['--action', 'validate', '--config', join(dir, 'accounts.yml')], io)).toBe(0);
    expect(io.out()).toContain('is valid: 2 accounts, 2 scopes');
  });

  it('exits 65 naming the file when it does not exist', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'validate', '--config', 'missing.yml'], io)).toBe(65);
    expect(io.err()).toContain('cannot read missing.yml: no such file');
  });

  it('renders templates/ offline: a key the context lacks is an error with the template and line', async () => {
    const { dir } = tempDsl(dslText());
    mkdirSync(join(dir, 'templates', 'account'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'account', 'vpc.yml.njk'), '{% if account.create_vpc %}\nCidr: {{ account.cidr }}\n{% endif %}\n');
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(65);
    expect(io.err()).toContain('error[template-render] templates/account/vpc.yml.njk:2:18: cannot render the template: account.cidr is undefined');

    writeFileSync(join(dir, 'templates', 'account', 'vpc.yml.njk'), '{% if account.create_vpc %}\nCidr: [10.0.0.0/16\n{% endif %}\n');
    const parse = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], parse)).toBe(65);
    expect(parse.err()).toContain('error[template-invalid] vpc/foo.yml (rendered from templates/account/vpc.yml.njk)');
  });

  it('reports the one account whose render of a per-account template does not parse, among renders that share a skeleton', async () => {
    // Every account's note is "fine" (the defaults'), but a4's.
    const entries = ['a1', 'a2', 'a3'].map((name) => `  ${name}:\n    scope: dev\n`).join('') + '  a4:\n    scope: dev\n    tags:\n      note: "a: b"\n';
    const { dir } = tempDsl(dslText().replace(/^accounts:\n/m, `accounts:\n${entries}`).replace(/^( +)cost-center: platform\n/m, '$1cost-center: platform\n$1note: fine\n'));
    mkdirSync(join(dir, 'templates', 'account'), { recursive: true });
    // The tag is written whole (valid for every value) and again inside a plain scalar (where ": " starts a mapping).
    writeFileSync(join(dir, 'templates', 'account', 'vpc.yml.njk'), '{% if account.create_vpc %}\nNote: {{ account.tags.note }}\nDescription: note-{{ account.tags.note }}\n{% endif %}\n');
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate', '--format', 'json'], io)).toBe(65);
    const json = JSON.parse(io.out());
    expect(json.diagnostics).toEqual([expect.objectContaining({ code: 'template-invalid', file: 'vpc/a4.yml (rendered from templates/account/vpc.yml.njk)', line: 3 })]);

    // Written whole alone, every render parses.
    writeFileSync(join(dir, 'templates', 'account', 'vpc.yml.njk'), '{% if account.create_vpc %}\nNote: {{ account.tags.note }}\n{% endif %}\n');
    expect(await runCli(['--action', 'validate'], captureIo({ cwd: dir }))).toBe(0);
  });

  it('lists at most 100 problems as JSON and counts the rest', async () => {
    const entries = Array.from({ length: 120 }, (_, i) => `  team${i}:\n    scope: nope\n`).join('');
    const { dir } = tempDsl(dslText().replace(/^accounts:\n/m, `accounts:\n${entries}`));
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate', '--format', 'json'], io)).toBe(65);
    const json = JSON.parse(io.out());
    expect(json.diagnostics).toHaveLength(100);
    expect(json.more_diagnostics).toBe(20);
    expect(json.diagnostics[99]).toMatchObject({ code: 'unknown-scope', path: 'accounts.team99.scope' });
  });

  it('prints warnings but stays valid', async () => {
    const { dir } = tempDsl(dslText([[['ecr_repositories', 0, 'pull', 0, 'services'], ['fooo']]]));
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(0);
    expect(io.err()).toContain('warning[unused-ecr-grant]');
    expect(io.err()).toContain('did you mean "foo"?');
  });
});

describe('--action validate, on input it must not read as given', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it.each([
    ['accounts.yml', 'accounts.yml', (dir: string) => writeFileSync(join(dir, 'accounts.yml'), latin1(dslText().replace('name: Finance', 'name: Finance Café')))],
    ['a policy under scps/', 'scps/Root/deny.json', (dir: string) => {
      mkdirSync(join(dir, 'scps', 'Root'), { recursive: true });
      writeFileSync(join(dir, 'scps', 'Root', 'deny.json'), latin1('{\n  "Version": "2012-10-17",\n  "Statement": [{ "Sid": "Café", "Effect": "Deny", "Action": "s3:*", "Resource": "*" }]\n}\n'));
    }],
    ['a template', 'templates/log-buckets.yml.njk', (dir: string) => {
      mkdirSync(join(dir, 'templates'), { recursive: true });
      writeFileSync(join(dir, 'templates', 'log-buckets.yml.njk'), latin1('Description: Café\nResources: {}\n'));
    }],
  ])('exits 65 at the line and column of a byte that is not UTF-8 in %s', async (_, file, write) => {
    const { dir } = tempDsl(dslText());
    write(dir);
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(65);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(new RegExp(`^error\\[invalid-utf8\\] ${file}:\\d+:\\d+: not UTF-8: 0xE9`));
    expect(io.err()).toContain('1 error in');
  });

  it('exits 65 at the alias of a "billion laughs", where it used to exit 1 without a line', async () => {
    const laughs = ['  tags:', '    l0: &l0 [a, a, a, a, a, a, a, a, a]', ...Array.from({ length: 9 }, (_, i) => `    l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`)];
    const { dir } = tempDsl(dslText().replace(/^defaults:\n/m, `defaults:\n${laughs.join('\n')}\n`));
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(65);
    expect(io.err()).toMatch(/^error\[yaml-alias\] accounts\.yml:\d+:\d+: alias \*l5 stands for 597,871 values/);
  });

  it('exits 65 for a policy larger than a policy can be, before reading it', async () => {
    const { dir } = tempDsl(dslText());
    mkdirSync(join(dir, 'scps', 'Root'), { recursive: true });
    writeFileSync(join(dir, 'scps', 'Root', 'huge.json'), `{"Version": "2012-10-17", "Statement": []}${' '.repeat(300 * 1024)}`);
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(65);
    expect(io.err()).toContain('error[input-too-large] scps/Root/huge.json:1:1: scps/Root/huge.json is 300 KiB, over the 256 KiB orgvend reads of such a file');
  });

  it('exits 65 from validate and sync-scps for a misspelt action, before any AWS call, at its line and column', async () => {
    const { dir } = tempDsl(dslText());
    mkdirSync(join(dir, 'scps', 'Root'), { recursive: true });
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Deny", "Action": ["s3:DeleteBuckett"], "Resource": "*" }\n  ]\n}\n';
    writeFileSync(join(dir, 'scps', 'Root', 'typo.json'), text);
    for (const action of ['validate', 'sync-scps']) {
      const io = captureIo({ cwd: dir });
      expect(await runCli(['--action', action], io), action).toBe(65);
      expect(io.err()).toContain('error[scp-action] scps/Root/typo.json:4:36: Statement[0].Action[0]: s3 has no action "DeleteBuckett"');
      expect(io.err()).toContain('hint: did you mean "s3:DeleteBucket"?');
    }
  });
});

describe('--action explain', () => {
  it('shows every setting of an account with its origin as JSON', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'explain', '--account', 'foo', '--format', 'json'], io)).toBe(0);
    const json = JSON.parse(io.out());
    expect(json.account).toBe('foo');
    expect(json.aws_name).toBe('foo-nonprod-us-east-1');
    expect(json.email).toBe('aws+foo@example.com');
    expect(json.settings.region).toEqual({ value: 'us-east-1', from: 'account' });
    expect(json.settings.create_vpc).toEqual({ value: false, from: 'account' });
    expect(json.settings.nat_gateway_count).toEqual({ value: 1, from: 'scope:dev' });
    expect(json.settings['contacts.billing.email']).toEqual({ value: 'aws-billing@example.com', from: 'defaults' });
    expect(json.settings.regions).toEqual({ value: ['ap-southeast-2', 'us-east-1', 'us-west-1', 'us-west-2'], from: 'defaults' });
    expect(json.tags['orgvend:name']).toBe('foo');
  });

  it('shows a table for people', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'explain', '--account', 'payments'], io)).toBe(0);
    expect(io.out()).toMatch(/contacts\.security\.email\s+pci-security@example\.com\s+scope:cde/);
    expect(io.out()).not.toContain('\u001b[');
  });

  it('colours only a terminal, and not when NO_COLOR is set', async () => {
    const tty = captureIo({ tty: true });
    await runCli(['--action', 'explain', '--account', 'foo'], tty);
    expect(tty.out()).toContain('\u001b[');
    const noColor = captureIo({ tty: true, env: { NO_COLOR: '1' } });
    await runCli(['--action', 'explain', '--account', 'foo'], noColor);
    expect(noColor.out()).not.toContain('\u001b[');
  });

  it('shows what the organization section makes of the account, each with the key that says so', async () => {
    const { dir } = tempDsl(dslText([
      [['organization', 'identity_center'], { permission_sets: { all: { managed_policies: ['arn:aws:iam::aws:policy/AdministratorAccess'] }, rw: {}, ro: {} } }],
      [['organization', 'security', 'guardduty'], { auto_enable: 'new' }],
      [['organization', 'security', 'securityhub'], undefined],
    ], exampleText()));
    copyTemplates(dir);
    const json = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'explain', '--account', 'audit', '--format', 'json'], json), json.err()).toBe(0);
    expect(JSON.parse(json.out()).organization).toEqual([
      { role: 'the audit account, which receives a copy of every event', from: 'organization.audit_account_id' },
      { role: 'delegated administrator of access-analyzer', from: 'organization.delegated_administrators.access-analyzer' },
      { role: 'delegated administrator of config', from: 'organization.delegated_administrators.config' },
      { role: 'delegated administrator of guardduty', from: 'organization.delegated_administrators.guardduty' },
      { role: 'delegated administrator of securityhub', from: 'organization.delegated_administrators.securityhub' },
      { role: "sets GuardDuty's organization configuration (auto_enable: new)", from: 'organization.security.guardduty' },
      { role: 'holds the AWS Config aggregator organization', from: 'organization.security.config' },
      { role: 'access.all is the permission set orgvend-all, given to Admin', from: 'organization.identity_center.permission_sets.all' },
      { role: 'access.ro is the permission set orgvend-ro, given to Auditor', from: 'organization.identity_center.permission_sets.ro' },
    ]);
    const text = captureIo({ cwd: dir });
    await runCli(['--action', 'explain', '--account', 'logs'], text);
    expect(text.out()).toMatch(/in the organization\n {2}holds the log buckets +organization\.logs_account\n {2}receives the organization trail organization-trail +organization\.security\.trail\n/);
  });

  it('says nothing of the organization for an account it gives no part, and no permission sets without Identity Center', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'explain', '--account', 'foo', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.out()).organization).toEqual([]);
    const text = captureIo();
    await runCli(['--action', 'explain', '--account', 'foo'], text);
    expect(text.out()).not.toContain('in the organization');
  });

  it('exits 64 for an account that is not in the DSL, with a hint', async () => {
    const io = captureIo();
    expect(await runCli(['--action', 'explain', '--account', 'fooo'], io)).toBe(64);
    expect(io.err()).toContain('no account "fooo"');
    expect(io.err()).toContain('did you mean "foo"?');
  });
});

describe('the command line', () => {
  it.each([
    [['--action', 'nope'], 'unknown action "nope"'],
    [['--action', 'validat'], 'did you mean "validate"?'],
    [['--action', 'validate', '--bogus'], "unknown option '--bogus'"],
    [[], 'missing --action'],
    [['--action', 'explain'], '--action explain needs --account'],
    [['--action', 'validate', '--account', 'foo'], '--account does not apply to --action validate'],
    [['--action', 'validate', '--format', 'yaml'], 'argument \'yaml\' is invalid'],
    [['--action', 'validate', 'extra'], 'unexpected argument "extra"'],
  ])('rejects %j with a usage message and exit 64', async (argv, message) => {
    const io = captureIo();
    expect(await runCli(argv, io)).toBe(64);
    expect(io.err()).toContain(message);
    expect(io.err()).toContain('./run.sh --help');
    expect(io.out()).toBe('');
  });

  it('prints help listing the actions and exits 0', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out()).toContain('--action NAME');
    expect(io.out()).toMatch(/validate\s+check accounts\.yml/);
    expect(io.out()).toContain('64 bad command line');
  });
});
