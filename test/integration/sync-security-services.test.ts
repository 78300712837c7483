/**
 * sync-security's security services on moto, through the bus: Security Hub's organization
 * configuration and the Config aggregator are read and set in their delegated
 * administrator (dns) by its own handler, a dry run changes nothing, --execute applies,
 * the next plan is empty, and a setting changed by hand is put back.
 *
 * What moto 5.2.1 lacks, and so is not proven here: Security Hub's
 * ListOrganizationAdminAccounts (the plan notes it, and the test designates dns as
 * Security Hub's administrator itself, as the management account, which moto's Security
 * Hub requires before dns may read its organization configuration); GuardDuty's
 * DescribeOrganizationConfiguration and UpdateOrganizationConfiguration (404): GuardDuty
 * is set in the last test only to show that the sandbox says so in one line, and its
 * configuration is proven with aws-sdk-client-mock in test/unit/handlers/security-services.test.ts.
 * moto keeps no Organizations delegated administrator for securityhub or config (the
 * delegated administrators' plan notes it: test/integration/sync-security.test.ts).
 */
import { DescribeConfigurationAggregatorsCommand, PutConfigurationAggregatorCommand } from '@aws-sdk/client-config-service';
import { DescribeOrganizationConfigurationCommand, EnableOrganizationAdminAccountCommand, UpdateOrganizationConfigurationCommand } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { requestsOf } from '../helpers/sent-requests.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

const SERVICES = {
  delegated: [['organization', 'delegated_administrators'], { securityhub: 'dns', config: 'dns' }] as [string[], unknown],
  security: [['organization', 'security'], { securityhub: { auto_enable: true }, config: { aggregator: 'org-wide' } }] as [string[], unknown],
};
const DSL = dslText([SERVICES.delegated, SERVICES.security]);
const SERVICE_CALLS = ['EnableSecurityHub', 'UpdateOrganizationConfiguration', 'PutConfigurationAggregator'];

let org: TestOrganization;
let cli: CiCli['cli'];
let workspace: CiCli['workspace'];
let dns: string;

const inDns = <S extends 'securityhub' | 'config'>(service: S) => org.factory.forAccount(dns).client(service);
const serviceCalls = () => org.calls.filter((c) => SERVICE_CALLS.includes(c.operation));
async function aggregator() {
  const { ConfigurationAggregators } = await (await inDns('config')).send(new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: ['org-wide'] })).catch(() => ({ ConfigurationAggregators: [] }));
  return ConfigurationAggregators?.[0];
}

beforeAll(async () => {
  ({ org, cli, workspace } = await ciOrganization(DSL));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  dns = (await managedIds(org)).dns!;
  // moto has no securityhub:ListOrganizationAdminAccounts, so orgvend cannot designate Security Hub's administrator here: the management account does, as a person would.
  const management = await org.factory.forAccount(org.desired.organization.management_account_id).client('securityhub');
  await management.send(new EnableOrganizationAdminAccountCommand({ AdminAccountId: dns }));
}, 180_000);

afterAll(() => org.close());

describe('sync-security: Security Hub and the Config aggregator, from their delegated administrator', () => {
  it('plans each from what dns has, read in dns; the dry run changes nothing', async () => {
    const { code, out, calls } = await cli('--action', 'sync-security', '--detailed-exitcode');
    expect(code).toBe(2);
    const sent = requestsOf(calls).filter((r) => ['GET_SERVICE_ADMINS', 'GET_SECURITYHUB', 'GET_CONFIG_AGGREGATOR'].includes(r.type));
    // GuardDuty's and Security Hub's administrators from the management account (no target); the services' state from dns, by target.
    expect(sent.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'GET_CONFIG_AGGREGATOR', target: dns, payload: { name: 'org-wide' } },
      { type: 'GET_SECURITYHUB', target: dns, payload: {} },
      { type: 'GET_SERVICE_ADMINS', target: undefined, payload: { services: ['securityhub'] } },
    ]);
    // They were answered in dns: the calls were signed as dns.
    expect(org.calls.filter((c) => c.operation === 'DescribeConfigurationAggregators').map((c) => c.account)).toContain(dns);
    expect(out).toContain('~ securityhub.configure');
    expect(out).toContain('in dns: turn Security Hub on');
    expect(out).toContain('~ config.aggregator.put');
    expect(out).toContain('in dns: organization aggregator org-wide, every region, through orgvend-config-aggregator');
    expect(out).toContain("moto has no securityhub:ListOrganizationAdminAccounts; its administrator is not designated by orgvend here");
    expect(serviceCalls()).toEqual([]);
    expect(await aggregator()).toBeUndefined();
  });

  it('--execute makes them in dns, converges, and the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(serviceCalls().map((c) => c.account)).toEqual(serviceCalls().map(() => dns));
    const hub = await (await inDns('securityhub')).send(new DescribeOrganizationConfigurationCommand({}));
    expect(hub).toMatchObject({ AutoEnable: true, AutoEnableStandards: 'DEFAULT' });
    expect(await aggregator()).toMatchObject({ ConfigurationAggregatorName: 'org-wide', OrganizationAggregationSource: { AllAwsRegions: true, RoleArn: `arn:aws:iam::${dns}:role/orgvend-config-aggregator` } });
    const again = await cli('--action', 'sync-security', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('puts back what was changed by hand, and changes nothing else', async () => {
    await (await inDns('securityhub')).send(new UpdateOrganizationConfigurationCommand({ AutoEnable: false, AutoEnableStandards: 'NONE' }));
    await (await inDns('config')).send(new PutConfigurationAggregatorCommand({ ConfigurationAggregatorName: 'org-wide', OrganizationAggregationSource: { RoleArn: `arn:aws:iam::${dns}:role/orgvend-config-aggregator`, AwsRegions: ['us-east-1'] } }));
    const plan = await cli('--action', 'sync-security');
    expect(plan.out).toContain('in dns: auto-enable new accounts: false → true, default standards: NONE → DEFAULT');
    expect(plan.out).toContain('in dns: all_regions: false → true');
    const { code, out } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await (await inDns('securityhub')).send(new DescribeOrganizationConfigurationCommand({}))).toMatchObject({ AutoEnable: true, AutoEnableStandards: 'DEFAULT' });
    expect(await aggregator()).toMatchObject({ OrganizationAggregationSource: { AllAwsRegions: true } });
  });

  it('GuardDuty on the sandbox: designated by orgvend, and its configuration, which moto lacks, said in one line', async () => {
    const withGuardDuty = dslText([
      [['organization', 'delegated_administrators'], { securityhub: 'dns', config: 'dns', guardduty: 'dns' }],
      [['organization', 'security'], { securityhub: { auto_enable: true }, config: { aggregator: 'org-wide' }, guardduty: { auto_enable: 'new' } }],
    ]);
    workspace.write(withGuardDuty);
    // dns's stack gets the guardduty-admin role (and GuardDuty's permissions) from the administrator's bootstrap.
    await org.rebootstrap(withGuardDuty);
    const plan = await cli('--action', 'sync-security');
    expect(plan.out).toContain("+ guardduty.admin.enable");
    expect(plan.out).toContain("make dns GuardDuty's administrator");
    const { out, err, code } = await cli('--action', 'sync-security', '--execute');
    expect(code).toBe(1);
    expect(`${out}${err}`).toContain("GuardDuty's organization configuration is not supported by the local emulator: moto has no guardduty:UpdateOrganizationConfiguration");
    // The plan after it cannot read GuardDuty, so plans nothing for it: that is no convergence.
    expect(out).toContain('Not converged: 1 change(s) failed.');
    // Designated now: the next plan reads GuardDuty in dns, and says in one note what moto lacks.
    const next = await cli('--action', 'sync-security');
    expect(next.out).toContain("guardduty: GuardDuty's organization configuration is not supported by the local emulator: moto has no guardduty:DescribeOrganizationConfiguration; nothing more is planned for it");
    expect(next.out).not.toContain('guardduty.admin.enable');
  });
});

