import { describe, expect, it } from 'vitest';
import { delegatedAdminSteps } from '../../../src/execute/delegated-admins.js';
import { planDelegatedAdmins } from '../../../src/plan/delegated-admins.js';
import type { Change } from '../../../src/plan/plan.js';
import type { LiveDelegation } from '../../../src/state/delegated-admins.js';
import { renderPlanText } from '../../../src/views/plan.js';
import { style } from '../../../src/views/style.js';
import { desiredOf, errorsOf, parse } from '../../helpers/dsl.js';
import { convergedLive, MINIMAL_IDS } from '../../helpers/live.js';

const FOO = MINIMAL_IDS.foo!;
const DNS = MINIMAL_IDS.dns!;
const GUARDDUTY = 'guardduty.amazonaws.com';
const SECURITYHUB = 'securityhub.amazonaws.com';
const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.target}`);
const admins = (entries: Record<string, Partial<LiveDelegation>>) =>
  new Map(Object.entries(entries).map(([principal, d]) => [principal, { trusted_access: false, admins: [], ...d }]));
const withAdmins = (admins: Record<string, string | null>) => desiredOf([[['organization', 'delegated_administrators'], admins]]);

describe('planning delegated administrators', () => {
  it('enables trusted access, then registers the account the DSL names', () => {
    const d = withAdmins({ guardduty: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: {} }));
    expect(plan.action).toBe('sync-security');
    expect(plan.changes).toEqual([
      { type: 'trusted-access.enable', target: 'guardduty', reason: 'not-enabled', before: { service_principal: GUARDDUTY, trusted_access: false }, after: { service_principal: GUARDDUTY, trusted_access: true } },
      {
        type: 'delegated-admin.register',
        target: 'guardduty',
        reason: 'missing-in-org',
        before: { service_principal: GUARDDUTY, delegated_admins: [] },
        after: { service_principal: GUARDDUTY, delegated_admin: 'dns', delegated_admin_id: DNS },
      },
    ]);
    const text = renderPlanText(plan, style(false));
    expect(text).toContain('+ trusted-access.enable     guardduty  enable trusted access for guardduty.amazonaws.com  (not-enabled)');
    expect(text).toContain('+ delegated-admin.register  guardduty  register dns as delegated administrator  (missing-in-org)');
  });

  it('plans nothing when trusted access is on and the named account is registered', () => {
    const d = withAdmins({ guardduty: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: { trusted_access: true, admins: [DNS] } }));
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([]);
  });

  it('deregisters the administrator the DSL replaced when accounts.yml manages it, before registering the new one', () => {
    const d = withAdmins({ guardduty: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: { trusted_access: true, admins: [FOO] } }));
    expect(brief(plan.changes)).toEqual(['delegated-admin.deregister guardduty/foo', 'delegated-admin.register guardduty']);
    expect(plan.changes[0]).toMatchObject({ reason: 'other-admin-in-config', before: { account: 'foo', account_id: FOO } });
    expect(plan.changes[1]).toMatchObject({ reason: 'admin-changed', before: { delegated_admins: ['foo'] } });
    // The registration waits for the deregistration: a service with one administrator refuses a second.
    const [deregister, register] = delegatedAdminSteps(plan.changes);
    expect(register!.dependsOn).toEqual([deregister!.id]);
    expect(deregister!.dependsOn).toEqual([]);
    expect(renderPlanText(plan, style(false))).toContain('- delegated-admin.deregister  guardduty/foo (500000000001)  deregister foo as delegated administrator for guardduty.amazonaws.com');
  });

  it('refuses to deregister an administrator accounts.yml does not manage: a conflict with the command, the registration still planned', () => {
    const d = withAdmins({ guardduty: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: { trusted_access: true, admins: ['999999999999'] } }));
    expect(brief(plan.changes)).toEqual(['delegated-admin.register guardduty']);
    expect(plan.conflicts).toHaveLength(1);
    expect(plan.conflicts[0]).toContain('account 999999999999 is registered as delegated administrator for guardduty.amazonaws.com and is not an account accounts.yml manages');
    expect(plan.conflicts[0]).toContain('aws organizations deregister-delegated-administrator --service-principal guardduty.amazonaws.com --account-id 999999999999');
  });

  it('deregisters for a service set to null, and never registers anything for it', () => {
    const d = withAdmins({ guardduty: null });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: { trusted_access: true, admins: [FOO] } }));
    expect(plan.changes).toMatchObject([{ type: 'delegated-admin.deregister', target: 'guardduty/foo', reason: 'null-in-config' }]);
    const empty = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: { trusted_access: false, admins: [] } }));
    expect(empty.changes).toEqual([]);
  });

  it('leaves a service the DSL does not list alone, whoever administers it', () => {
    const d = withAdmins({ guardduty: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [GUARDDUTY]: { trusted_access: true, admins: [DNS] }, [SECURITYHUB]: { trusted_access: true, admins: [FOO] } }));
    expect(plan.changes).toEqual([]);
  });

  it('waits for an account not in the organization yet, and says so', () => {
    const d = withAdmins({ guardduty: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d, ['foo']), admins({ [GUARDDUTY]: {} }));
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual(['guardduty: dns is not in the organization yet; run sync-accounts first']);
  });

  it('notes a service Organizations refuses to list, and plans nothing for it', () => {
    const d = withAdmins({ securityhub: 'dns' });
    const plan = planDelegatedAdmins(d, convergedLive(d), admins({ [SECURITYHUB]: { refused: 'You specified an unrecognized service principal.' } }));
    expect(plan.changes).toEqual([]);
    expect(plan.notes[0]).toContain('securityhub: AWS Organizations does not list delegated administrators for securityhub.amazonaws.com here');
  });
});

describe('validating delegated administrators', () => {
  it('refuses an account that is not in accounts, with a suggestion', () => {
    const errors = errorsOf(parse([[['organization', 'delegated_administrators'], { guardduty: 'dsn' }]]));
    expect(errors).toMatchObject([{ code: 'unknown-account', path: 'organization.delegated_administrators.guardduty', line: 17 }]);
    expect(errors[0]!.hint).toContain('dns');
  });

  it('refuses the management account: AWS never makes it a delegated administrator', () => {
    const errors = errorsOf(
      parse([
        [['accounts', 'dns', 'account_id'], '111111111111'],
        [['organization', 'delegated_administrators'], { securityhub: 'dns' }],
      ]),
    );
    expect(errors.map((e) => e.code)).toContain('management-delegated-admin');
    expect(errors.find((e) => e.code === 'management-delegated-admin')!.message).toContain('AWS never makes the management account a delegated administrator');
  });

  it('refuses a service orgvend does not know, and the Account Management API (organization.delegated_admin_account_id is its place)', () => {
    expect(errorsOf(parse([[['organization', 'delegated_administrators'], { guarduty: 'dns' }]]))).toMatchObject([{ code: 'unknown-key' }]);
    expect(errorsOf(parse([[['organization', 'delegated_administrators'], { account: 'dns' }]]))).toMatchObject([{ code: 'unknown-key' }]);
  });

  it('refuses an account whose lifecycle is closed', () => {
    const errors = errorsOf(
      parse([
        [['accounts', 'dns', 'lifecycle'], 'closed'],
        [['organization', 'delegated_administrators'], { guardduty: 'dns' }],
      ]),
    );
    expect(errors.map((e) => e.code)).toContain('closed-delegated-admin');
  });
});
