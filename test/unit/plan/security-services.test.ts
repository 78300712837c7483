import { describe, expect, it } from 'vitest';
import { delegatedAdminSteps } from '../../../src/execute/delegated-admins.js';
import { planSecurity } from '../../../src/plan/security.js';
import { planSecurityServices, securityAdminIds } from '../../../src/plan/security-services.js';
import type { Change } from '../../../src/plan/plan.js';
import type { LiveAggregator, LiveGuardDuty, LiveSecurityHub } from '../../../src/protocol/requests.js';
import type { LiveSecurityServices } from '../../../src/state/security-services.js';
import { renderPlanText } from '../../../src/views/plan.js';
import { style } from '../../../src/views/style.js';
import { desiredOf, errorsOf, parse } from '../../helpers/dsl.js';
import { convergedLive, MINIMAL_IDS } from '../../helpers/live.js';

const DNS = MINIMAL_IDS.dns!;
const FOO = MINIMAL_IDS.foo!;
const ROLE = `arn:aws:iam::${DNS}:role/orgvend-config-aggregator`;
const SERVICES: Parameters<typeof desiredOf>[0] = [
  [['organization', 'delegated_administrators'], { guardduty: 'dns', securityhub: 'dns', config: 'dns' }],
  [['organization', 'security'], { guardduty: { auto_enable: 'all' }, securityhub: { auto_enable: true }, config: {} }],
];
const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.target} (${c.reason})`);

const guardduty: LiveGuardDuty = { detector_id: 'd-1', auto_enable: 'ALL' };
const securityhub: LiveSecurityHub = { hub: true, auto_enable: true, auto_enable_standards: 'DEFAULT', configuration_type: 'LOCAL' };
const aggregator: LiveAggregator = { name: 'organization', organization: true, all_regions: true, role_arn: ROLE };
/** Everything as accounts.yml wants it: GuardDuty and Security Hub name dns their administrator. */
const converged = (): LiveSecurityServices => ({
  admins: { guardduty: { live: [DNS] }, securityhub: { live: [DNS] } },
  guardduty: { live: guardduty },
  securityhub: { live: securityhub },
  config: { live: aggregator },
});

describe('planning the security services', () => {
  it('plans nothing when each service is as accounts.yml says', () => {
    const d = desiredOf(SERVICES);
    expect(planSecurityServices(d, convergedLive(d), converged())).toEqual({ changes: [], notes: [], conflicts: [] });
  });

  it('designates GuardDuty’s and Security Hub’s administrator first, then configures each from it', () => {
    const d = desiredOf(SERVICES);
    const plan = planSecurity(d, {
      live: convergedLive(d),
      delegations: new Map(),
      services: { admins: { guardduty: { live: [] }, securityhub: { live: [] } }, config: { live: null } },
    });
    expect(brief(plan.changes)).toEqual([
      'guardduty.admin.enable guardduty (missing-in-org)',
      'guardduty.configure guardduty (admin-not-designated)',
      'securityhub.admin.enable securityhub (missing-in-org)',
      'securityhub.configure securityhub (admin-not-designated)',
      'config.aggregator.put config/organization (missing-in-org)',
    ]);
    expect(plan.changes[0]).toEqual({ type: 'guardduty.admin.enable', target: 'guardduty', reason: 'missing-in-org', before: { admins: [] }, after: { admin: 'dns', admin_id: DNS, region: 'ap-southeast-2' } });
    expect(plan.changes[1]!.after).toEqual({ admin: 'dns', admin_id: DNS, region: 'ap-southeast-2', detector: true, auto_enable: 'ALL' });
    expect(plan.changes[3]!.after).toMatchObject({ admin_id: DNS, hub: true, auto_enable: true, auto_enable_standards: 'DEFAULT' });
    expect(plan.changes[4]!.after).toMatchObject({ admin_id: DNS, name: 'organization', organization: true, all_regions: true, role: 'orgvend-config-aggregator' });
    const text = renderPlanText(plan, style(false));
    expect(text).toContain("make dns GuardDuty's administrator in ap-southeast-2");
    expect(text).toContain('in dns: turn GuardDuty on, auto-enable members: none → ALL');
    expect(text).toContain('in dns: organization aggregator organization, every region, through orgvend-config-aggregator');
    // Each service's designation before its configuration; the services side by side.
    const steps = delegatedAdminSteps(plan.changes);
    expect(steps.find((s) => s.id === 'guardduty.configure guardduty')!.dependsOn).toEqual(['guardduty.admin.enable guardduty']);
    expect(steps.find((s) => s.id === 'securityhub.configure securityhub')!.dependsOn).toEqual(['securityhub.admin.enable securityhub']);
    expect(steps.find((s) => s.id === 'config.aggregator.put config/organization')!.dependsOn).toEqual([]);
  });

  it('puts back what was changed by hand, with before and after', () => {
    const d = desiredOf(SERVICES);
    const state = converged();
    state.guardduty = { live: { ...guardduty, auto_enable: 'NEW' } };
    state.securityhub = { live: { ...securityhub, auto_enable: false, auto_enable_standards: 'NONE' } };
    state.config = { live: { ...aggregator, all_regions: false, role_arn: `arn:aws:iam::${DNS}:role/someone-elses` } };
    const plan = planSecurity(d, { live: convergedLive(d), delegations: new Map(), services: state });
    expect(brief(plan.changes)).toEqual([
      'guardduty.configure guardduty (settings-changed)',
      'securityhub.configure securityhub (settings-changed)',
      'config.aggregator.put config/organization (settings-changed)',
    ]);
    expect(plan.changes[0]!.before).toEqual({ detector_id: 'd-1', auto_enable: 'NEW' });
    expect(plan.changes[2]!.after).toMatchObject({ changed: ['all_regions', 'role_arn'] });
    const text = renderPlanText(plan, style(false));
    expect(text).toContain('in dns: auto-enable members: NEW → ALL');
    expect(text).toContain('in dns: auto-enable new accounts: false → true, default standards: NONE → DEFAULT');
    expect(text).toContain('in dns: all_regions: false → true, role_arn: arn:aws:iam::500000000002:role/someone-elses → orgvend-config-aggregator');
  });

  it('turns GuardDuty on in an administrator without a detector, and Security Hub without a hub', () => {
    const d = desiredOf(SERVICES);
    const state = converged();
    state.guardduty = { live: { detector_id: null, auto_enable: null } };
    state.securityhub = { live: { hub: false, auto_enable: null, auto_enable_standards: null, configuration_type: null } };
    expect(brief(planSecurityServices(d, convergedLive(d), state).changes)).toEqual(['guardduty.configure guardduty (not-enabled)', 'securityhub.configure securityhub (not-enabled)']);
  });

  it('never replaces the administrator a service names: a conflict with the command, and nothing planned for it', () => {
    const d = desiredOf(SERVICES);
    const state = converged();
    state.admins.guardduty = { live: [FOO] };
    const plan = planSecurityServices(d, convergedLive(d), state);
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([expect.stringContaining(`GuardDuty's administrator in ap-southeast-2 is account ${FOO}, not dns (${DNS})`)]);
    expect(plan.conflicts[0]).toContain(`aws guardduty disable-organization-admin-account --admin-account-id ${FOO} --region ap-southeast-2`);
  });

  it('leaves Security Hub under central configuration alone, as a conflict', () => {
    const d = desiredOf(SERVICES);
    const state = converged();
    state.securityhub = { live: { ...securityhub, auto_enable: false, configuration_type: 'CENTRAL' } };
    const plan = planSecurityServices(d, convergedLive(d), state);
    expect(plan.changes).toEqual([]);
    expect(plan.conflicts).toEqual([expect.stringContaining('uses central configuration')]);
  });

  it('says in one note why a service is not planned: unreadable (the emulator, a stack not bootstrapped), or its administrator not in the organization yet', () => {
    const d = desiredOf(SERVICES);
    const state = converged();
    state.guardduty = { unavailable: "GuardDuty's organization configuration is not supported by the local emulator: moto has no guardduty:DescribeOrganizationConfiguration" };
    state.admins.securityhub = { unavailable: "Security Hub's administrator is not supported by the local emulator: moto has no securityhub:ListOrganizationAdminAccounts" };
    const plan = planSecurityServices(d, convergedLive(d), state);
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual([
      "guardduty: GuardDuty's organization configuration is not supported by the local emulator: moto has no guardduty:DescribeOrganizationConfiguration; nothing more is planned for it",
      "securityhub: Security Hub's administrator is not supported by the local emulator: moto has no securityhub:ListOrganizationAdminAccounts; its administrator is not designated by orgvend here",
    ]);
    const early = convergedLive(d, ['foo']);
    expect(securityAdminIds(d, early)).toEqual({});
    expect(planSecurityServices(d, early, { admins: {} }).notes).toEqual([
      'guardduty: its delegated administrator dns is not in the organization yet; run sync-accounts first; nothing is planned for GuardDuty',
      'securityhub: its delegated administrator dns is not in the organization yet; run sync-accounts first; nothing is planned for Security Hub',
      'config: its delegated administrator dns is not in the organization yet; run sync-accounts first; nothing is planned for AWS Config',
    ]);
    expect(securityAdminIds(d, convergedLive(d))).toEqual({ guardduty: DNS, securityhub: DNS, config: DNS });
  });

  it('reads nothing and plans nothing without organization.security’s services', () => {
    const d = desiredOf();
    expect(securityAdminIds(d, convergedLive(d))).toEqual({});
    expect(planSecurityServices(d, convergedLive(d), undefined)).toEqual({ changes: [], notes: [], conflicts: [] });
  });
});

describe('validating the security services', () => {
  it('needs each service’s delegated administrator, at the service’s line', () => {
    const result = parse([[['organization', 'security'], { guardduty: { auto_enable: 'new' }, config: {} }], [['organization', 'delegated_administrators'], { config: null }]]);
    expect(errorsOf(result)).toMatchObject([
      { code: 'security-service-without-admin', path: 'organization.security.guardduty', message: expect.stringContaining('organization.delegated_administrators.guardduty names no account') },
      { code: 'security-service-without-admin', path: 'organization.security.config', message: expect.stringContaining('names none (null)') },
    ]);
    expect(errorsOf(result)[0]).toMatchObject({ file: 'accounts.yml', line: expect.any(Number), column: expect.any(Number) });
  });

  it('refuses values GuardDuty, Security Hub and Config do not know, and unknown keys', () => {
    const admins: [string[], unknown] = [['organization', 'delegated_administrators'], { guardduty: 'dns', securityhub: 'dns', config: 'dns' }];
    expect(errorsOf(parse([admins, [['organization', 'security'], { guardduty: { auto_enable: 'yes' } }]]))).toMatchObject([{ path: 'organization.security.guardduty.auto_enable' }]);
    expect(errorsOf(parse([admins, [['organization', 'security'], { securityhub: { auto_enable: 'true' } }]]))).toMatchObject([{ path: 'organization.security.securityhub.auto_enable' }]);
    expect(errorsOf(parse([admins, [['organization', 'security'], { config: { aggregator: 'no spaces' } }]]))).toMatchObject([{ path: 'organization.security.config.aggregator' }]);
    expect(errorsOf(parse([admins, [['organization', 'security'], { guardduty: { auto_enable: 'all', features: [] } }]]))).toMatchObject([{ code: 'unknown-key' }]);
    const d = desiredOf([admins, [['organization', 'security'], { securityhub: { auto_enable: false }, config: {} }]]);
    expect(d.organization.security).toEqual({ securityhub: { auto_enable: false, auto_enable_standards: 'default' }, config: { aggregator: 'organization' } });
  });
});
