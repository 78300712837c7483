import { describe, expect, it } from 'vitest';
import { mergeLayers, originOf } from '../../../src/config/layers.js';

describe('mergeLayers', () => {
  it('merges maps key by key across three levels, each leaf keeping its origin', () => {
    const { value, settings } = mergeLayers([
      { from: 'defaults', values: { contacts: { billing: { name: 'Finance', email: 'a@example.com' } } } },
      { from: 'scope:cde', values: { contacts: { billing: { email: 'pci@example.com' }, security: { name: 'Sec' } } } },
      { from: 'account', values: { contacts: { security: { name: 'Team' } } } },
    ]);
    expect(value).toEqual({
      contacts: { billing: { name: 'Finance', email: 'pci@example.com' }, security: { name: 'Team' } },
    });
    expect(settings).toEqual([
      { key: 'contacts.billing.name', value: 'Finance', from: 'defaults' },
      { key: 'contacts.billing.email', value: 'pci@example.com', from: 'scope:cde' },
      { key: 'contacts.security.name', value: 'Team', from: 'account' },
    ]);
  });

  it('replaces lists whole instead of merging them', () => {
    const { value, settings } = mergeLayers([
      { from: 'defaults', values: { regions: ['ap-southeast-2', 'us-east-1', 'us-west-2'] } },
      { from: 'scope:scp', values: { regions: ['us-east-1'] } },
    ]);
    expect(value.regions).toEqual(['us-east-1']);
    expect(originOf(settings, 'regions')).toBe('scope:scp');
  });

  it('replaces scalars, the last layer that sets a key winning', () => {
    const { value, settings } = mergeLayers([
      { from: 'defaults', values: { create_vpc: false, region: 'ap-southeast-2' } },
      { from: 'scope:dev', values: { create_vpc: true } },
      { from: 'account', values: { create_vpc: false } },
    ]);
    expect(value).toEqual({ create_vpc: false, region: 'ap-southeast-2' });
    expect(originOf(settings, 'create_vpc')).toBe('account');
    expect(originOf(settings, 'region')).toBe('defaults');
  });

  it('lets null replace a map, so a layer can delete what a lower layer set', () => {
    const { value, settings } = mergeLayers([
      { from: 'defaults', values: { contacts: { security: { name: 'Sec', email: 's@example.com' } } } },
      { from: 'account', values: { contacts: { security: null } } },
    ]);
    expect(value).toEqual({ contacts: { security: null } });
    expect(settings).toEqual([{ key: 'contacts.security', value: null, from: 'account' }]);
  });

  it('ignores keys a layer leaves undefined and keeps an empty map as one setting', () => {
    const { value, settings } = mergeLayers([
      { from: 'builtin', values: { tags: {} } },
      { from: 'account', values: { service: undefined } },
    ]);
    expect(value).toEqual({ tags: {} });
    expect(settings).toEqual([{ key: 'tags', value: {}, from: 'builtin' }]);
  });

  it('does not let a later layer change an earlier layer\'s values', () => {
    const defaults = { tags: { a: '1' } };
    mergeLayers([
      { from: 'defaults', values: defaults },
      { from: 'account', values: { tags: { b: '2' } } },
    ]);
    expect(defaults).toEqual({ tags: { a: '1' } });
  });
});
