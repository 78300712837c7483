import { describe, expect, it } from 'vitest';
import { bootstrapOrganization, securityRoles } from '../../../src/bootstrap/topology.js';
import { desiredOf } from '../../helpers/dsl.js';

describe("the security services' administrators in bootstrap", () => {
  it('gives the account delegated_administrators names the role of each service organization.security sets, and no other account', () => {
    const d = desiredOf([
      [['organization', 'delegated_administrators'], { guardduty: 'dns', securityhub: 'foo', config: 'dns', 'access-analyzer': 'foo' }],
      [['organization', 'security'], { guardduty: { auto_enable: 'new' }, config: {} }],
    ]);
    const org = bootstrapOrganization(d.organization);
    // Security Hub is named but not set: no role for it.
    expect(org.security_admins).toEqual({ guardduty: 'dns', config: 'dns' });
    expect(securityRoles(org, 'dns')).toEqual(['guardduty-admin', 'config-admin']);
    expect(securityRoles(org, 'foo')).toEqual([]);
    expect(securityRoles(org, undefined)).toEqual([]);
  });

  it('knows an administrator whose entry pins its id (a core account, untagged) by that id too', () => {
    const d = desiredOf([
      [['organization', 'delegated_administrators'], { guardduty: 'foo', config: 'dns' }],
      [['organization', 'security'], { guardduty: { auto_enable: 'new' }, config: {} }],
    ]);
    const org = bootstrapOrganization(d.organization, [{ name: 'foo', accountId: '333333333333' }, { name: 'dns' }]);
    expect(org.security_admin_ids).toEqual({ guardduty: '333333333333' });
    expect(securityRoles(org, undefined, '333333333333')).toEqual(['guardduty-admin']);
    expect(securityRoles(org, 'dns', '444444444444')).toEqual(['config-admin']);
    expect(securityRoles(org, undefined, '444444444444')).toEqual([]);
    expect('security_admin_ids' in bootstrapOrganization(d.organization, [{ name: 'dns' }])).toBe(false);
  });

  it('leaves security_admins out when organization.security sets no service, so nothing else of the stacks changes', () => {
    const org = bootstrapOrganization(desiredOf([[['organization', 'delegated_administrators'], { guardduty: 'dns' }]]).organization);
    expect('security_admins' in org).toBe(false);
    // What bootstrap gives the management handler (already picked) keeps it.
    const picked = bootstrapOrganization(desiredOf([[['organization', 'delegated_administrators'], { guardduty: 'dns' }], [['organization', 'security'], { guardduty: { auto_enable: 'all' } }]]).organization);
    expect(bootstrapOrganization(picked).security_admins).toEqual({ guardduty: 'dns' });
  });
});
