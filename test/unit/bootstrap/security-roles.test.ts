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

  it('leaves security_admins out when organization.security sets no service, so nothing else of the stacks changes', () => {
    const org = bootstrapOrganization(desiredOf([[['organization', 'delegated_administrators'], { guardduty: 'dns' }]]).organization);
    expect('security_admins' in org).toBe(false);
    // What bootstrap gives the management handler (already picked) keeps it.
    const picked = bootstrapOrganization(desiredOf([[['organization', 'delegated_administrators'], { guardduty: 'dns' }], [['organization', 'security'], { guardduty: { auto_enable: 'all' } }]]).organization);
    expect(bootstrapOrganization(picked).security_admins).toEqual({ guardduty: 'dns' });
  });
});
