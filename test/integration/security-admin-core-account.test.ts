/**
 * A security service administered from a core account, as AWS advises (the audit account
 * for the security tooling): its accounts.yml entry pins its id and it carries no orgvend
 * tags, yet bootstrap gives it the service's role, so its handler serves the requests and
 * sync-security converges. On moto, through the bus: the Config aggregator (moto has it;
 * GuardDuty and Security Hub are in sync-security-services.test.ts).
 */
import { DescribeConfigurationAggregatorsCommand } from '@aws-sdk/client-config-service';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { requestsOf } from '../helpers/sent-requests.js';
import { ciOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

const DSL = dslText([
  [['accounts', 'audit'], { scope: 'infra', account_id: '333333333333' }],
  [['organization', 'delegated_administrators'], { config: 'audit' }],
  [['organization', 'security'], { config: { aggregator: 'org-wide' } }],
]);

let org: TestOrganization;
let cli: CiCli['cli'];
let audit: string;

beforeAll(async () => {
  ({ org, cli } = await ciOrganization(DSL));
  audit = org.desired.organization.audit_account_id;
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
}, 180_000);

afterAll(() => org.close());

it('sets the Config aggregator in the audit account, named by its pinned id, converges, and the next plan is empty', async () => {
  const plan = await cli('--action', 'sync-security', '--detailed-exitcode');
  expect(plan.code).toBe(2);
  expect(requestsOf(plan.calls).filter((r) => r.type === 'GET_CONFIG_AGGREGATOR')).toEqual([{ type: 'GET_CONFIG_AGGREGATOR', target: audit, payload: { name: 'org-wide' } }]);
  expect(plan.out).toContain('in audit: organization aggregator org-wide, every region, through orgvend-config-aggregator');

  const { code, out } = await cli('--action', 'sync-security', '--execute');
  expect(out).toContain('Converged');
  expect(code).toBe(0);
  const config = await org.factory.forAccount(audit).client('config');
  const { ConfigurationAggregators: found = [] } = await config.send(new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: ['org-wide'] }));
  expect(found[0]).toMatchObject({ OrganizationAggregationSource: { AllAwsRegions: true, RoleArn: `arn:aws:iam::${audit}:role/orgvend-config-aggregator` } });
  expect(org.calls.filter((c) => c.operation === 'PutConfigurationAggregator').map((c) => c.account)).toEqual([audit]);

  const again = await cli('--action', 'sync-security', '--detailed-exitcode');
  expect(again.out).toContain('No changes.');
  expect(again.code).toBe(0);
});
