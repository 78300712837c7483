/**
 * sync-security's delegated administrators on moto, through the bus: the plan shows each
 * change, a dry run changes nothing, --execute applies, the next plan is empty; a changed
 * administrator is deregistered (it is an account accounts.yml manages) before the new one
 * is registered, and one accounts.yml does not manage is a conflict, never deregistered.
 * moto 5.2.1 keeps delegated administrators for a few services only (guardduty,
 * access-analyzer, config-multiaccountsetup, macie, servicecatalog, ssm) and refuses the
 * rest as "an unrecognized service principal": securityhub here shows that refusal as a note.
 */
import { ListAWSServiceAccessForOrganizationCommand, ListDelegatedAdministratorsCommand, RegisterDelegatedAdministratorCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { requestsOf } from '../helpers/sent-requests.js';
import { ciOrganization, managedIds, unmanagedAccount, type CiCli, type TestOrganization } from './harness/organization.js';

const ADMINS = { guardduty: 'dns', 'access-analyzer': 'foo', securityhub: 'dns' };
const DSL = dslText([[['organization', 'delegated_administrators'], ADMINS]]);
const MUTATING = ['EnableAWSServiceAccess', 'RegisterDelegatedAdministrator', 'DeregisterDelegatedAdministrator'];

let org: TestOrganization;
let cli: CiCli['cli'];
let workspace: CiCli['workspace'];
let ids: Record<string, string>;

async function organizations() {
  return org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
}
async function trusted(): Promise<string[]> {
  const client = await organizations();
  return ((await client.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals ?? []).map((s) => s.ServicePrincipal!).sort();
}
async function adminsOf(principal: string): Promise<string[]> {
  const client = await organizations();
  return ((await client.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: principal }))).DelegatedAdministrators ?? []).map((a) => a.Id!).sort();
}
const mutatingCalls = () => org.calls.filter((c) => c.service === 'organizations' && MUTATING.includes(c.operation));

beforeAll(async () => {
  ({ org, cli, workspace } = await ciOrganization(DSL));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  ids = await managedIds(org);
}, 120_000);

afterAll(() => org.close());

describe('sync-security: delegated administrators', () => {
  it('plans trusted access and each registration; the dry run changes nothing', async () => {
    const from = mutatingCalls().length;
    const { code, out, calls } = await cli('--action', 'sync-security', '--detailed-exitcode');
    expect(code).toBe(2);
    // The services listed, read in one request; no trail is named, so none is read.
    const security = requestsOf(calls).filter((r) => !['LIST_OUS', 'LIST_ACCOUNTS'].includes(r.type));
    expect(security).toEqual([{ type: 'LIST_DELEGATED_ADMINS', payload: { service_principals: ['access-analyzer.amazonaws.com', 'guardduty.amazonaws.com', 'securityhub.amazonaws.com'] } }]);
    expect(out).toContain('+ trusted-access.enable     guardduty');
    expect(out).toContain('+ delegated-admin.register  guardduty');
    expect(out).toContain('register dns as delegated administrator');
    expect(out).toContain('+ trusted-access.enable     access-analyzer');
    expect(out).toContain('+ delegated-admin.register  access-analyzer');
    expect(out).toContain('securityhub: AWS Organizations does not list delegated administrators for securityhub.amazonaws.com here');
    expect(out).toContain('Plan: 4 changes');
    expect(mutatingCalls().length).toBe(from);
    expect(await trusted()).not.toContain('guardduty.amazonaws.com');
    expect(await adminsOf('guardduty.amazonaws.com')).toEqual([]);
  });

  it('--execute registers them, and the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await trusted()).toEqual(expect.arrayContaining(['access-analyzer.amazonaws.com', 'guardduty.amazonaws.com']));
    expect(await adminsOf('guardduty.amazonaws.com')).toEqual([ids.dns]);
    expect(await adminsOf('access-analyzer.amazonaws.com')).toEqual([ids.foo]);
    const again = await cli('--action', 'sync-security', '--detailed-exitcode');
    expect(again.out).toContain('No changes.');
    expect(again.code).toBe(0);
  });

  it('moves an administrator: deregisters the one accounts.yml replaced, then registers the new one', async () => {
    workspace.write(dslText([[['organization', 'delegated_administrators'], { ...ADMINS, guardduty: 'foo' }]]));
    const plan = await cli('--action', 'sync-security');
    expect(plan.out).toContain('- delegated-admin.deregister  guardduty/dns');
    expect(plan.out).toContain('+ delegated-admin.register    guardduty');
    const { code, out } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await adminsOf('guardduty.amazonaws.com')).toEqual([ids.foo]);
  });

  it('never deregisters an administrator accounts.yml does not manage: a conflict naming the command', async () => {
    const stranger = await unmanagedAccount(org, 'stranger');
    const client = await organizations();
    await client.send(new RegisterDelegatedAdministratorCommand({ AccountId: stranger, ServicePrincipal: 'access-analyzer.amazonaws.com' }));
    const from = mutatingCalls().length;
    const { code, out, err } = await cli('--action', 'sync-security', '--execute');
    expect(out).toContain(`account ${stranger} is registered as delegated administrator for access-analyzer.amazonaws.com`);
    expect(out).toContain(`--account-id ${stranger}`);
    expect(err).toContain('1 conflict needs a person');
    expect(code).toBe(1);
    expect(mutatingCalls().length).toBe(from);
    expect(await adminsOf('access-analyzer.amazonaws.com')).toEqual([ids.foo, stranger].sort());
  });
});
