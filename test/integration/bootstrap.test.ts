/**
 * bootstrap with a delegated administrator in the DSL, on moto: the plan registers it for
 * the Account Management API (trusted access first), a dry run sends nothing that changes
 * the organization, and applying converges. Called through planBootstrap/applyBootstrap,
 * as the CLI does: the CLI outside the sandbox would also package the handler Lambda.
 *
 * moto enables trusted access for account.amazonaws.com but refuses that service in
 * ListDelegatedAdministrators and RegisterDelegatedAdministrator. So the management
 * account's Organizations client keeps talking to moto for everything else, while
 * aws-sdk-client-mock answers those two commands from a small fake that pages by one.
 */
import {
  DisableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  RegisterDelegatedAdministratorCommand,
  type DelegatedAdministrator,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBootstrap, planBootstrap } from '../../src/bootstrap/bootstrap.js';
import { renderPlanText } from '../../src/views/plan.js';
import { style } from '../../src/views/style.js';
import { dslText, exampleText } from '../helpers/dsl.js';
import { createTestOrganization, type TestOrganization } from './harness/organization.js';

const PRINCIPAL = 'account.amazonaws.com';

let org: TestOrganization;
let organizations: OrganizationsClient;
let stub: AwsClientStub<OrganizationsClient>;
let delegatedAdmin: string;
/** The fake's delegated administrators for account.amazonaws.com. */
let admins: string[] = [];

function fakeDelegatedAdministrators() {
  stub = mockClient(organizations);
  stub.send.callThrough();
  stub.on(ListDelegatedAdministratorsCommand).callsFake((input: { ServicePrincipal?: string; NextToken?: string }) => {
    expect(input.ServicePrincipal).toBe(PRINCIPAL);
    const at = Number(input.NextToken ?? 0);
    const page: DelegatedAdministrator[] = admins.slice(at, at + 1).map((Id) => ({ Id }));
    return { DelegatedAdministrators: page, NextToken: at + 1 < admins.length ? String(at + 1) : undefined };
  });
  stub.on(RegisterDelegatedAdministratorCommand).callsFake((input: { AccountId: string; ServicePrincipal: string }) => {
    expect(input.ServicePrincipal).toBe(PRINCIPAL);
    if (admins.includes(input.AccountId)) throw Object.assign(new Error('already registered'), { name: 'AccountAlreadyRegisteredException' });
    admins.push(input.AccountId);
    return {};
  });
}

const trusted = async () =>
  ((await organizations.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals ?? []).map((s) => s.ServicePrincipal);
/** Organizations commands since `from` that are neither List* nor Describe*: moto's (through the observer) and the fake's. */
function mutatingCalls(from: { calls: number; stubbed: number }): string[] {
  const real = org.calls.slice(from.calls).filter((c) => c.service === 'organizations').map((c) => c.operation);
  // The stub sees every command; moto's answer went through the observer already.
  const faked = stub.calls().slice(from.stubbed).filter((c) => c.args[0] instanceof RegisterDelegatedAdministratorCommand).map(() => 'RegisterDelegatedAdministrator');
  return [...real, ...faked].filter((operation) => !/^(List|Describe)/.test(operation));
}
const mark = () => ({ calls: org.calls.length, stubbed: stub.calls().length });

beforeAll(async () => {
  org = await createTestOrganization(dslText([[['organization', 'delegated_admin_account_id'], '444444444444']], exampleText()));
  delegatedAdmin = org.desired.organization.delegated_admin_account_id!;
  // The factory keeps one client per account and service: bootstrap gets this same one.
  organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
});

afterAll(async () => {
  stub?.restore();
  await org?.close();
});

describe('bootstrap in the plain emulator', () => {
  it('says it cannot register the delegated administrator there, and changes nothing', async () => {
    // The harness's bootstrap went this way too: the organization came up all the same.
    const from = org.calls.length;
    const planned = await planBootstrap(org.bootstrapEnv);
    expect(planned.plan.changes).toEqual([]);
    expect(planned.plan.notes).toContain(`the emulator has no delegated administrators for ${PRINCIPAL}: ${delegatedAdmin} is not registered in the sandbox`);
    expect(org.calls.slice(from).filter((c) => c.service === 'organizations' && !/^(List|Describe)/.test(c.operation))).toEqual([]);
    expect(await trusted()).not.toContain(PRINCIPAL);
  });
});

describe('bootstrap with a delegated administrator', () => {
  beforeAll(() => fakeDelegatedAdministrators());

  it('plans trusted access and the registration, and a dry run changes nothing', async () => {
    const from = mark();
    const planned = await planBootstrap(org.bootstrapEnv);
    expect(planned.plan.changes).toEqual([
      {
        type: 'delegated-admin.register',
        target: PRINCIPAL,
        reason: 'missing-in-org',
        before: { trusted_access: false, delegated_admins: [] },
        after: { trusted_access: true, delegated_admin: delegatedAdmin },
      },
    ]);
    expect(planned.pending).toEqual([]);
    expect(renderPlanText(planned.plan, style(false))).toContain(`+ delegated-admin.register  account.amazonaws.com  enable trusted access, then register ${delegatedAdmin} as delegated administrator`);
    expect(mutatingCalls(from)).toEqual([]);
    expect(admins).toEqual([]);
    expect(await trusted()).not.toContain(PRINCIPAL);
  });

  it('enables trusted access, then registers, from the management account; the next plan has nothing to do', async () => {
    const from = mark();
    const results = await applyBootstrap(org.bootstrapEnv, await planBootstrap(org.bootstrapEnv));
    expect(results).toEqual({ [PRINCIPAL]: `trusted access enabled, ${delegatedAdmin} registered` });
    expect(mutatingCalls(from)).toEqual(['EnableAWSServiceAccess', 'RegisterDelegatedAdministrator']);
    const management = org.desired.organization.management_account_id;
    expect(org.calls.slice(from.calls).filter((c) => c.service === 'organizations').every((c) => c.account === management)).toBe(true);
    expect(admins).toEqual([delegatedAdmin]);
    expect(await trusted()).toContain(PRINCIPAL);

    const again = await planBootstrap(org.bootstrapEnv);
    expect(again.plan.changes).toEqual([]);
    expect(again.plan.notes.filter((n) => n.includes(PRINCIPAL))).toEqual([]);
    expect(again.delegatedAdmin).toBeUndefined();
  });

  it('notes other registered delegated administrators and leaves them alone', async () => {
    const others = [org.desired.organization.audit_account_id, org.desired.organization.cicd_account_id];
    admins = [...others];
    await organizations.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: PRINCIPAL }));
    const from = mark();
    const planned = await planBootstrap(org.bootstrapEnv);
    expect(planned.plan.changes.map((c) => [c.type, c.before])).toEqual([['delegated-admin.register', { trusted_access: false, delegated_admins: others }]]);
    expect(planned.plan.notes.filter((n) => n.includes(PRINCIPAL))).toEqual([
      expect.stringContaining(`${others.join(', ')} are already registered as delegated administrator for ${PRINCIPAL}; orgvend leaves them alone`),
    ]);
    expect(renderPlanText(planned.plan, style(false))).toContain(`note: ${others.join(', ')} are already registered`);
    expect(mutatingCalls(from)).toEqual([]);
    expect(admins).toEqual(others);
  });
});
