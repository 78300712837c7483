import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { accessFingerprint, permissionSetValue, planAccess, type LiveAccess } from '../../../src/plan/access.js';
import type { Change } from '../../../src/plan/plan.js';
import { permissionsFor, type LivePermissionSet } from '../../../src/protocol/requests.js';
import { renderPlanText } from '../../../src/views/plan.js';
import { renderPlanMarkdown } from '../../../src/views/plan-markdown.js';
import { style } from '../../../src/views/style.js';
import { templateContext } from '../../../src/render/context.js';
import { renderTemplates } from '../../../src/render/render.js';
import { desiredOf, dslText, errorsOf, exampleText, parse } from '../../helpers/dsl.js';
import { captureIo } from '../../helpers/io.js';
import { REPO } from '../../helpers/render-fixture.js';
import { convergedLive, MINIMAL_IDS } from '../../helpers/live.js';

const FOO = MINIMAL_IDS.foo!;
const DNS = MINIMAL_IDS.dns!;
const INSTANCE = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';
const arnOf = (n: number) => `arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-${String(n).padStart(16, '0')}`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const GROUPS = { 'Platform Admins': '11111111-1111-1111-1111-111111111111', Developers: '22222222-2222-2222-2222-222222222222', Auditors: '33333333-3333-3333-3333-333333333333' };

const CENTER: [string[], unknown] = [
  ['organization', 'identity_center'],
  { permission_sets: { admin: { description: 'Full access', managed_policies: [ADMIN] }, dev: { session_duration: 'PT4H', managed_policies: [READ_ONLY] } } },
];
const ACCESS: [string[], unknown][] = [
  [['defaults', 'access'], { admin: ['Platform Admins'] }],
  [['scopes', 'dev', 'access'], { dev: ['Developers'] }],
];
const desired = (more: [string[], unknown][] = []) => desiredOf([CENTER, ...ACCESS, ...more]);
const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.target}`);

/** orgvend-admin and orgvend-dev as accounts.yml wants them (ARNs 1 and 2). */
function sets(d = desired()): LivePermissionSet[] {
  const center = d.organization.identity_center!;
  return Object.entries(center.permission_sets).map(([level, s], i) => ({ name: `orgvend-${level}`, arn: arnOf(i + 1), ...permissionSetValue(s) }));
}

const group = (account: string, arn: string, id: string, type = 'GROUP') => ({ account_id: account, permission_set_arn: arn, principal_type: type, principal_id: id });

/** Identity Center as accounts.yml wants it: foo has admin and dev, dns has admin. */
function converged(overrides: Partial<LiveAccess> = {}): LiveAccess {
  return {
    instanceArn: INSTANCE,
    identityStoreId: 'd-1234567890',
    permissionSets: sets(),
    groups: new Map(Object.entries(GROUPS)),
    assignments: [group(FOO, arnOf(1), GROUPS['Platform Admins']), group(FOO, arnOf(2), GROUPS.Developers), group(DNS, arnOf(1), GROUPS['Platform Admins'])],
    ...overrides,
  };
}

describe('planning sync-access', () => {
  it('creates the permission sets and every assignment when Identity Center has none', () => {
    const d = desired();
    const plan = planAccess(d, convergedLive(d), converged({ permissionSets: [], assignments: [] }));
    expect(brief(plan.changes)).toEqual([
      'permission-set.create orgvend-admin',
      'permission-set.create orgvend-dev',
      'assignment.create foo/admin/Platform Admins',
      'assignment.create foo/dev/Developers',
      'assignment.create dns/admin/Platform Admins',
    ]);
    expect(plan.changes[2]).toMatchObject({ reason: 'new-permission-set', before: { account_id: FOO }, after: { permission_set: 'orgvend-admin', permission_set_arn: null, group_id: GROUPS['Platform Admins'] } });
  });

  it("names an account's assignments in a fingerprint only once every set and group has an id; a vouched account is not planned", () => {
    const d = desired();
    const center = d.organization.identity_center!;
    const foo = d.accounts.find((a) => a.name === 'foo')!;
    const fingerprint = accessFingerprint(center, converged(), foo);
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(accessFingerprint(center, converged({ permissionSets: sets().slice(0, 1) }), foo)).toBeUndefined();
    expect(accessFingerprint(center, converged({ groups: new Map([['Platform Admins', GROUPS['Platform Admins']], ['Developers', null]]) }), foo)).toBeUndefined();
    expect(accessFingerprint(center, converged({ permissionSets: sets().map((s, i) => ({ ...s, arn: arnOf(i + 3) })) }), foo)).not.toBe(fingerprint);
    // foo's assignments were not read (its tag vouched): nothing planned for it, dns's missing one planned.
    const plan = planAccess(d, convergedLive(d), converged({ assignments: [], vouched: new Set([FOO]) }));
    expect(brief(plan.changes)).toEqual(['assignment.create dns/admin/Platform Admins']);
  });

  it('plans nothing when Identity Center matches, and the plan is the same for the same inputs', () => {
    const d = desired();
    const plan = planAccess(d, convergedLive(d), converged());
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect(planAccess(d, convergedLive(d), converged()).basis).toEqual(plan.basis);
  });

  it('shows what changes in a permission set, the inline policy statement by statement', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'Logs', Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: '*' }] };
    const d = desired([[['organization', 'identity_center', 'permission_sets', 'dev'], { session_duration: 'PT8H', managed_policies: [ADMIN], inline_policy: policy }]]);
    const live = converged({ permissionSets: sets(desired()) });
    const plan = planAccess(d, convergedLive(d), live);
    expect(brief(plan.changes)).toEqual(['permission-set.update orgvend-dev']);
    expect((plan.changes[0]!.after as { changes: string[] }).changes).toEqual([
      'session_duration: PT4H → PT8H',
      `+ managed policy ${ADMIN}`,
      `- managed policy ${READ_ONLY}`,
      '+ inline policy',
    ]);
    const text = renderPlanText(plan, style(false));
    expect(text).toContain('~ permission-set.update  orgvend-dev  access level dev: session_duration, + managed policy, - managed policy, + inline policy; provisioned again to its accounts');
    expect(text).toContain('added Logs:');
    expect(renderPlanMarkdown(plan)).toContain('<br>session\\_duration: PT4H → PT8H<br>');
  });

  it('provisions again a set as wanted whose change an earlier run did not provision, saying so', () => {
    const d = desired();
    const live = converged({ permissionSets: sets(d).map((s) => (s.name === 'orgvend-dev' ? { ...s, provisioning_unfinished: true } : s)) });
    const plan = planAccess(d, convergedLive(d), live);
    expect(plan.changes.map((c) => [c.type, c.target, c.reason])).toEqual([['permission-set.update', 'orgvend-dev', 'provisioning-unfinished']]);
    expect(plan.changes[0]!.after).toMatchObject({ arn: arnOf(2), changes: [] });
    expect(renderPlanText(plan, style(false))).toContain(
      '~ permission-set.update  orgvend-dev  access level dev: as wanted, but an earlier run changed it and stopped before provisioning it; provisioned again to its accounts  (provisioning-unfinished)',
    );
  });

  it('treats the same duration written otherwise, and the same policy spaced otherwise, as unchanged', () => {
    const d = desired([[['organization', 'identity_center', 'permission_sets', 'dev', 'inline_policy'], { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }]]);
    const live = sets(d).map((s) => (s.name === 'orgvend-dev' ? { ...s, session_duration: 'PT240M', inline_policy: '{ "Statement": [ { "Resource": "*", "Action": "*", "Effect": "Deny" } ], "Version": "2012-10-17" }' } : s));
    expect(planAccess(d, convergedLive(d), converged({ permissionSets: live })).changes).toEqual([]);
  });

  it("deletes only the assignments of orgvend's sets to groups that accounts.yml no longer gives, never a user's or another set's", () => {
    const d = desired([[['accounts', 'foo', 'access'], { dev: [] }]]);
    const other = arnOf(9);
    const live = converged();
    const plan = planAccess(d, convergedLive(d), {
      ...live,
      assignments: [...live.assignments, group(FOO, arnOf(2), '44444444-4444-4444-4444-444444444444', 'USER'), group(FOO, other, GROUPS.Auditors), group(DNS, arnOf(2), GROUPS.Auditors)],
    });
    expect(brief(plan.changes)).toEqual(['assignment.delete foo/dev/Developers', 'assignment.delete dns/dev/Auditors']);
    expect(plan.changes[0]).toMatchObject({ reason: 'removed-from-config', before: { account_id: FOO, permission_set_arn: arnOf(2), group_id: GROUPS.Developers }, after: null });
  });

  it('names a group the identity store lacks, and the account entries that use it, as a conflict', () => {
    const d = desired([[['scopes', 'infra', 'access'], { dev: ['Developerz'] }], [['scopes', 'dev', 'access'], { dev: ['Developerz', 'Developers'] }]]);
    const plan = planAccess(d, convergedLive(d), converged({ groups: new Map([...Object.entries(GROUPS), ['Developerz', null]]) }));
    expect(plan.conflicts).toEqual([
      'group "Developerz" is not in the identity store d-1234567890; used by foo (access.dev), dns (access.dev): create the group in IAM Identity Center or correct its name in accounts.yml',
    ]);
    expect(brief(plan.changes)).toEqual([]);
  });

  it('notes a prefixed permission set that has no level, and leaves it alone', () => {
    const d = desired();
    const plan = planAccess(d, convergedLive(d), converged({ permissionSets: [...sets(), { ...sets()[0]!, name: 'orgvend-old', arn: arnOf(7) }] }));
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toContain("permission set orgvend-old has orgvend's prefix but no level in organization.identity_center.permission_sets: left alone, with its assignments");
  });
});

describe('validating organization.identity_center', () => {
  const problems = (changes: [string[], unknown][]) => errorsOf(parse([CENTER, ...ACCESS, ...changes])).map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);

  it('accepts a valid section, and group names with spaces', () => {
    expect(problems([])).toEqual([]);
  });

  it('refuses an access level with no permission set, at its line and column', () => {
    const changes: [string[], unknown][] = [[['scopes', 'dev', 'access'], { deploy: ['Developers'] }]];
    const lines = dslText([CENTER, ...ACCESS, ...changes]).split('\n');
    const line = lines.findIndex((l) => l.trimStart().startsWith('deploy:')) + 1;
    const column = lines[line - 1]!.indexOf('deploy') + 1;
    expect(problems(changes)).toEqual([`${line}:${column} unknown-access-level access level deploy has no permission set in organization.identity_center.permission_sets`]);
    expect(line).toBeGreaterThan(1);
  });

  it('refuses a session outside 1–12 hours or not in ISO 8601', () => {
    for (const duration of ['PT13H', 'PT30M', '4h', 'P1D']) {
      expect(problems([[['organization', 'identity_center', 'permission_sets', 'dev', 'session_duration'], duration]]).join('\n'), duration).toContain('ISO 8601 duration from 1 to 12 hours');
    }
  });

  it('refuses an inline policy that is not an identity policy, and one over the size limit', () => {
    const at = ['organization', 'identity_center', 'permission_sets', 'dev', 'inline_policy'];
    expect(problems([[at, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] }]]).join('\n')).toContain('exactly one of Resource and NotResource');
    expect(problems([[at, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }]]).join('\n')).toContain('unknown-key');
    expect(problems([[at, { Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }]]).join('\n')).toContain('Allow or Deny');
    expect(problems([[at, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject\u2028', Resource: '*' }] }]]).join('\n')).toContain('one line, without line breaks');
    const big = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: Array.from({ length: 2000 }, (_, i) => `s3:GetObject${i}`), Resource: '*' }] };
    expect(problems([[at, big]]).join('\n')).toContain('an inline policy of at most 32,768 characters');
  });

  it('refuses unknown keys in the section and in a permission set', () => {
    expect(problems([[['organization', 'identity_center', 'instance'], 'x']]).join('\n')).toContain('unknown-key');
    expect(problems([[['organization', 'identity_center', 'permission_sets', 'dev', 'policies'], []]]).join('\n')).toContain('unknown-key');
  });

  it('without the section, holds access to IAM role names (the IAM mapping)', () => {
    const result = parse([[['scopes', 'dev', 'access'], { rw: ['Platform Admins'] }]]);
    expect(errorsOf(result).map((d) => d.code)).toEqual(['invalid-value']);
    expect(errorsOf(result)[0]!.message).toContain('access names IAM roles unless organization.identity_center is set');
  });
});

describe('explain, with organization.identity_center', () => {
  it('shows each access level of an account and the layer its groups came from', () => {
    const foo = desired([[['accounts', 'foo', 'access'], { admin: ['SRE'] }]]).accounts.find((a) => a.name === 'foo')!;
    const access = foo.explained.filter((s) => s.key.startsWith('access.')).map((s) => [s.key, s.value, s.from]);
    expect(access).toEqual([
      ['access.admin', ['SRE'], 'account'],
      ['access.dev', ['Developers'], 'scope:dev'],
    ]);
  });
});

describe('the IAM mapping, with organization.identity_center', () => {
  it('renders to nothing: access names groups, not roles of the identity account', async () => {
    const ids = (d: ReturnType<typeof desiredOf>) => new Map(d.accounts.map((a, i) => [a.name, a.accountId ?? String(100000000000 + i)]));
    const mappings = async (d: ReturnType<typeof desiredOf>) => (await renderTemplates(REPO, templateContext(d, ids(d)))).templates.filter((t) => t.output.startsWith('identity-iam-mapping'));
    expect((await mappings(desiredOf([], exampleText()))).length).toBeGreaterThan(5);
    const sets = { all: { managed_policies: [ADMIN] }, rw: { managed_policies: [READ_ONLY] }, ro: { managed_policies: [READ_ONLY] } };
    expect(await mappings(desiredOf([[['organization', 'identity_center'], { permission_sets: sets }]], exampleText()))).toEqual([]);
  });
});

describe("the handler's Identity Center permissions", () => {
  it('name Identity Center resources, "*" only for ListInstances, which takes none', () => {
    const groups = permissionsFor(['GET_IDENTITY_CENTER', 'GET_ASSIGNMENTS', 'PUT_PERMISSION_SET', 'CREATE_ASSIGNMENT', 'DELETE_ASSIGNMENT'], 'o-abc123def4');
    for (const g of groups) {
      if (g.resources.includes('*')) expect(g.actions).toEqual(['sso:ListInstances']);
      else for (const r of g.resources) expect(r).toMatch(/^arn:\$\{AWS::Partition\}:(sso:::(instance|permissionSet|account)\/|identitystore:)/);
    }
    const actions = groups.flatMap((g) => g.actions);
    expect(actions.every((a) => a.startsWith('sso:') || a === 'identitystore:GetGroupId')).toBe(true);
    expect(actions).not.toContain('sso:DeletePermissionSet');
  });
});

describe('--action validate, with organization.identity_center', () => {
  it('exits 65 for a session duration over 12 hours, at its file, line and column; sync-access refuses to run without the section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-'));
    writeFileSync(join(dir, 'accounts.yml'), dslText([CENTER, ...ACCESS, [['organization', 'identity_center', 'permission_sets', 'dev', 'session_duration'], 'PT13H']]));
    const io = captureIo({ cwd: dir });
    expect(await runCli(['--action', 'validate'], io)).toBe(65);
    expect(io.err()).toMatch(/error\[invalid-value\] accounts\.yml:\d+:\d+: organization\.identity_center\.permission_sets\.dev\.session_duration: expected an ISO 8601 duration from 1 to 12 hours/);

    writeFileSync(join(dir, 'accounts.yml'), dslText());
    const without = captureIo({ cwd: dir });
    // Nothing to plan, and nothing asked of AWS (no --sandbox or profile is needed to say so): CI runs it in every repository.
    expect(await runCli(['--action', 'sync-access', '--detailed-exitcode'], without)).toBe(0);
    expect(without.out()).toContain('No changes: organization.identity_center is not set');
  });
});
