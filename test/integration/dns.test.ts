/**
 * DNS records on moto, as CI asks for them: sync-accounts keeps every account's
 * allowed_dns_domains as parameters in the DNS account, and create-record puts a record in
 * the DNS account's zone only under a domain that allow list gives the account. A pull
 * request that edits allowed_dns_domains admits nothing until it is synced. Tests run in
 * order on one organization.
 */
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../src/protocol/names.js';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

const DSL = dslText([
  [['accounts', 'foo', 'allowed_dns_domains'], ['foo.example.com']],
  [['accounts', 'foo', 'create_vpc'], false],
]);
let org: TestOrganization;
let ids: Record<string, string>;
let cli: CiCli['cli'];
let workspace: CiCli['workspace'];
let zoneId: string;
let created: Awaited<ReturnType<CiCli['cli']>>;

beforeAll(async () => {
  ({ org, cli, workspace } = await ciOrganization(DSL));
  created = await cli('--action', 'sync-accounts', '--execute');
  expect(created.code).toBe(0);
  ids = await managedIds(org);
  const route53 = await org.factory.forAccount(ids.dns!).client('route53');
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'dns-test' }));
  zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
});

afterAll(() => org.close());

async function records(): Promise<Record<string, string[]>> {
  const route53 = await org.factory.forAccount(ids.dns!).client('route53');
  const { ResourceRecordSets = [] } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return Object.fromEntries(ResourceRecordSets.filter((r) => !['NS', 'SOA'].includes(r.Type!)).map((r) => [`${r.Name} ${r.Type}`, (r.ResourceRecords ?? []).map((v) => v.Value!)]));
}

const createRecord = (name: string, ...extra: string[]) => cli('--action', 'create-record', '--account', 'foo', '--record', name, '--type', 'CNAME', '--value', 'foo.example.net', ...extra);

describe('DNS records', () => {
  it('keeps every account\'s allowed domains in the DNS account, from the run that creates them', async () => {
    expect(created.out).toMatch(/~ parameters\.put +dns \(\d{12}\)/);
    const ssm = await org.factory.forAccount(ids.dns!).client('ssm');
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: `/orgvend/account/dns/allowed/${ids.foo}` }));
    expect(Parameter!.Value).toBe('foo.example.com');
  });

  it('plans a record under an allowed domain, and without --execute changes nothing', async () => {
    const before = org.calls.length;
    const { code, out } = await createRecord('api.foo.example.com', '--detailed-exitcode');
    expect(out).toMatch(/~ record\.upsert +api\.foo\.example\.com CNAME +in example\.com: none → foo\.example\.net \(ttl 300\) +\(missing-in-zone\)/);
    expect(code).toBe(2);
    expect(org.calls.slice(before).filter((c) => isMutating(c.operation))).toEqual([]);
    expect(await records()).toEqual({});
  });

  it('creates it in the DNS account with --execute; the next plan is empty', async () => {
    const { code, out } = await createRecord('api.foo.example.com', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await records()).toEqual({ 'api.foo.example.com. CNAME': ['foo.example.net'] });
    const writers = org.calls.filter((c) => c.operation === 'ChangeResourceRecordSets').map((c) => c.account);
    expect(new Set(writers)).toEqual(new Set([ids.dns]));
    expect((await createRecord('api.foo.example.com', '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses, before asking anyone, a name accounts.yml does not allow the account', async () => {
    const { code, err } = await createRecord('api.bar.example.com');
    expect(code).toBe(64);
    expect(err).toContain('foo may have records only under its allowed_dns_domains in accounts.yml (foo.example.com), not api.bar.example.com');
  });

  it('is refused by the DNS account for a domain a pull request added but no sync has admitted', async () => {
    workspace.write(dslText([
      [['accounts', 'foo', 'allowed_dns_domains'], ['foo.example.com', 'bar.example.com']],
      [['accounts', 'foo', 'create_vpc'], false],
    ]));
    const { code, err } = await createRecord('api.bar.example.com', '--execute');
    expect(err).toContain(`foo (${ids.foo}) may have records only under foo.example.com, not api.bar.example.com`);
    expect(code).toBe(1);
    expect(Object.keys(await records())).toEqual(['api.foo.example.com. CNAME']);
  });

  // The handler role's Route 53 permissions are rendered with the Lambda, which the worker stands in for here: test/unit/bootstrap/render.test.ts.
  it('is served by the DNS account alone: no other account routes it to its handler', async () => {
    const template = async (account: string) => (await org.stack(account, org.desired.organization.home_region, NAMES.stack))!.template;
    const [dns, foo] = [await template(ids.dns!), await template(ids.foo!)];
    for (const text of ['CREATE_RECORD', 'GET_RECORD']) {
      expect(dns).toContain(text);
      expect(foo).not.toContain(text);
    }
  });
});
