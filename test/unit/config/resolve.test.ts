import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { DesiredAccount } from '../../../src/config/resolve.js';
import { ResolvedSettings } from '../../../src/config/schema.js';
import { desiredOf, errorsOf, exampleText, parse } from '../../helpers/dsl.js';

function example(): DesiredAccount[] {
  const result = parseConfig('accounts.yml', exampleText());
  expect(result.diagnostics).toEqual([]);
  return result.desired!.accounts;
}

const setting = (account: DesiredAccount, key: string) => account.explained.find((s) => s.key === key);

describe('resolving the example organization', () => {
  it('resolves foo through defaults, the dev scope and its own overrides', () => {
    const foo = example().find((a) => a.name === 'foo')!;
    expect(setting(foo, 'region')).toEqual({ key: 'region', value: 'us-east-1', from: 'account' });
    expect(setting(foo, 'create_vpc')).toEqual({ key: 'create_vpc', value: false, from: 'account' });
    expect(setting(foo, 'nat_gateway_count')).toEqual({ key: 'nat_gateway_count', value: 1, from: 'scope:dev' });
    expect(setting(foo, 'environment')).toEqual({ key: 'environment', value: 'nonprod', from: 'scope:dev' });
    expect(setting(foo, 'global_region')).toEqual({ key: 'global_region', value: 'us-east-1', from: 'defaults' });
    expect(setting(foo, 'disabled_regions')).toEqual({ key: 'disabled_regions', value: [], from: 'builtin' });
    expect(foo.settings.organization_unit).toBe('Internal/Dev');
  });

  it('merges a scope\'s partial contact into the defaults\' contact', () => {
    const payments = example().find((a) => a.name === 'payments')!;
    expect(payments.settings.contacts.security).toEqual({
      name: 'Security Operations',
      title: 'Security',
      email: 'pci-security@example.com',
      phone: '+61 2 9000 0003',
    });
    expect(setting(payments, 'contacts.security.email')?.from).toBe('scope:cde');
    expect(setting(payments, 'contacts.security.name')?.from).toBe('defaults');
  });

  it('merges tags from every layer and adds the identifying tags', () => {
    const payments = example().find((a) => a.name === 'payments')!;
    expect(payments.tags).toEqual({
      'cost-center': 'platform',
      compliance: 'pci-dss',
      'data-classification': 'restricted',
      'managed-by': 'orgvend',
      'orgvend:name': 'payments',
      'orgvend:scope': 'cde',
      'orgvend:service': 'payments',
      'orgvend:environment': 'prod',
      'orgvend:region': 'ap-southeast-2',
    });
  });

  it('names accounts from the organization\'s patterns', () => {
    const foo = example().find((a) => a.name === 'foo')!;
    expect(foo.awsName).toBe('foo-nonprod-us-east-1');
    expect(foo.email).toBe('aws+foo@example.com');
  });

  it('uses the account name as service when none is given', () => {
    const dns = example().find((a) => a.name === 'dns')!;
    expect(dns.service).toBe('dns');
    expect(setting(dns, 'service')?.from).toBe('builtin');
  });

  it('lists settings in a stable order: identity first, then schema order', () => {
    const keys = example()[0]!.explained.map((s) => s.key.split('.')[0]);
    expect(keys.slice(0, 5)).toEqual(['scope', 'service', 'lifecycle', 'environment', 'organization_unit']);
  });

  it('collects every OU with its parents, parents first', () => {
    const result = parseConfig('accounts.yml', exampleText());
    expect(result.desired!.ous).toEqual([
      'Internal',
      'Morgue',
      'Internal/Audit',
      'Internal/CDE',
      'Internal/Dev',
      'Internal/Infra',
      'Internal/InfraRO',
      'Internal/SCP',
      'Internal/Standard',
    ]);
  });
});

describe('resolution rules', () => {
  it('prefers aws_name and email set on the account over the patterns', () => {
    const result = parse([
      [['accounts', 'foo', 'aws_name'], 'Foo Legacy'],
      [['accounts', 'foo', 'email'], 'legacy@example.com'],
    ]);
    const foo = result.desired!.accounts.find((a) => a.name === 'foo')!;
    expect(foo.awsName).toBe('Foo Legacy');
    expect(foo.email).toBe('legacy@example.com');
  });

  it('treats emails as case-insensitive when looking for duplicates', () => {
    const result = parse([[['accounts', 'dns', 'email'], 'AWS+FOO@example.com']]);
    expect(errorsOf(result).map((d) => d.code)).toEqual(['duplicate-email']);
  });

  it('keeps a contact set to null as a deletion', () => {
    const result = parse([[['accounts', 'foo', 'contacts'], { billing: null }]]);
    const foo = result.desired!.accounts.find((a) => a.name === 'foo')!;
    expect(foo.settings.contacts.billing).toBeNull();
  });

  it('gives each account its settings exactly as ResolvedSettings.parse would: the same values, keys in the same order, nothing shared', () => {
    // Fields and keys written out of the schema's order, a contact deleted, a tag removed, no environment.
    const result = parse(
      [
        [['accounts', 'foo', 'contacts'], { operations: { phone: '+61 2 9000 0009', email: 'ops@example.com', title: 'Ops', name: 'Ops Team' }, billing: null }],
        [['accounts', 'foo', 'tags'], { zeta: 'z', alpha: null, team: 'a' }],
        [['accounts', 'foo', 'access'], { ro: ['ReadOnly'], all: ['Admin'] }],
        [['accounts', 'foo', 'allowed_dns_domains'], ['foo.example.com']],
      ],
      exampleText(),
    );
    expect(errorsOf(result)).toEqual([]);
    const accounts = result.desired!.accounts;
    for (const account of accounts) expect(JSON.stringify(account.settings)).toBe(JSON.stringify(ResolvedSettings.parse(account.settings)));
    const foo = accounts.find((a) => a.name === 'foo')!;
    expect(Object.keys(foo.settings.contacts.operations!)).toEqual(['name', 'title', 'email', 'phone']);
    expect(Object.keys(foo.settings.tags)).toEqual(expect.arrayContaining(['zeta', 'alpha', 'team']));
    expect(foo.settings.tags.alpha).toBeNull();
    const noEnvironment = desiredOf([[['defaults', 'environment'], undefined], [['organization', 'account_name_pattern'], '{name}']]).accounts;
    for (const account of noEnvironment) expect(JSON.stringify(account.settings)).toBe(JSON.stringify(ResolvedSettings.parse(account.settings)));
    expect(noEnvironment.some((a) => !('environment' in a.settings))).toBe(true);
    // Lists and maps are each account's own: changing one account's leaves the others'.
    const [first, second] = accounts.filter((a) => a.scope === accounts[0]!.scope);
    expect(first!.settings.regions).not.toBe(second!.settings.regions);
    expect(first!.settings.access).not.toBe(second!.settings.access);
  });

  it('reports an incomplete contact once merged', () => {
    const result = parse([[['accounts', 'foo', 'contacts'], { security: { email: 'sec@example.com' } }]]);
    const messages = errorsOf(result).map((d) => d.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('contacts.security.name is not set for account foo')]));
  });

  it('reports the region check where the account sets it, or at the account when a scope does', () => {
    const result = parse([[['accounts', 'foo', 'region'], 'us-west-2']]);
    const [error] = errorsOf(result);
    expect(error).toMatchObject({ code: 'region-not-allowed', path: 'accounts.foo.region' });
    const dnsOnly = parse([[['scopes', 'infra', 'region'], 'us-west-2']]);
    expect(errorsOf(dnsOnly)[0]).toMatchObject({ code: 'region-not-allowed', path: 'accounts.dns' });
    expect(errorsOf(dnsOnly)[0]!.message).toContain('set in scopes.infra');
  });

  it('limits an account to 50 tags including orgvend\'s own', () => {
    const tags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`t${i}`, 'x']));
    const result = parse([[['accounts', 'foo', 'tags'], tags]]);
    expect(errorsOf(result).map((d) => d.code)).toEqual(['too-many-tags']);
  });
});
