/** Which record names an allowed domain admits, and the allow list the DNS account keeps. */
import { describe, expect, it } from 'vitest';
import { dnsAllowList } from '../../../src/plan/parameters.js';
import { withinDomain } from '../../../src/protocol/requests.js';
import { desiredOf } from '../../helpers/dsl.js';

describe('withinDomain', () => {
  it.each([
    ['foo.example.com', 'foo.example.com', true],
    ['api.foo.example.com', 'foo.example.com', true],
    ['a.b.foo.example.com', 'foo.example.com', true],
    ['evilfoo.example.com', 'foo.example.com', false],
    ['example.com', 'foo.example.com', false],
    ['foo.example.com.evil.net', 'foo.example.com', false],
    ['api.foo.example.com', '*.foo.example.com', true],
    ['foo.example.com', '*.foo.example.com', false],
  ])('%s under %s: %s', (name, domain, admitted) => {
    expect(withinDomain(name, domain)).toBe(admitted);
  });
});

describe('dnsAllowList', () => {
  it('lists, by account id, the sorted domains of every active account that has some', () => {
    const d = desiredOf([
      [['accounts', 'foo', 'allowed_dns_domains'], ['z.example.com', 'a.example.com']],
      [['accounts', 'bar'], { scope: 'dev', lifecycle: 'closed', allowed_dns_domains: ['bar.example.com'] }],
    ]);
    const ids = { foo: '500000000001', dns: '500000000002', bar: '500000000003' } as Record<string, string>;
    expect(dnsAllowList(d.accounts.map((entry) => ({ entry, id: ids[entry.name]! })))).toEqual({ 'dns/allowed/500000000001': 'a.example.com,z.example.com' });
  });
});
