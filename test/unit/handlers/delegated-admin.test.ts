/**
 * sync-security's handlers when an answer is lost or a delivery repeated, and when
 * Organizations refuses a service: races moto cannot stage, so Organizations is mocked
 * (aws-sdk-client-mock), every unmocked call rejected.
 */
import {
  DeregisterDelegatedAdministratorCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deregisterDelegatedAdmin, enableTrustedAccess, listDelegatedAdmins } from '../../../src/handlers/delegated-admin.js';
import { REQUESTS } from '../../../src/protocol/requests.js';
import { handlerContext } from '../../helpers/handler-context.js';

let organizations: ReturnType<typeof mockClient>;
const context = (dryrun = false) => handlerContext({ accountId: '111111111111', roles: ['management'] }, { dryrun });
const GUARDDUTY = 'guardduty.amazonaws.com';
const ADMIN = '444444444444';

const named = (name: string, message = name) => Object.assign(new Error(message), { name });

beforeEach(() => {
  organizations = mockClient(OrganizationsClient);
  organizations.onAnyCommand().rejects(new Error('unmocked call'));
});
// Files share a worker's modules (isolate: false): a stub left behind would answer other files' calls.
afterEach(() => organizations.restore());

describe('sync-security handlers', () => {
  it('deregisters an account once; one deregistered meanwhile (a repeated delivery) is not-registered, not a failure', async () => {
    organizations.on(ListDelegatedAdministratorsCommand).resolves({ DelegatedAdministrators: [{ Id: ADMIN }] });
    organizations.on(DeregisterDelegatedAdministratorCommand).rejects(named('AccountNotRegisteredException'));
    expect(await deregisterDelegatedAdmin({ account_id: ADMIN, service_principal: GUARDDUTY }, context())).toEqual({ outcome: 'not-registered' });
    organizations.on(DeregisterDelegatedAdministratorCommand).resolves({});
    expect(await deregisterDelegatedAdmin({ account_id: ADMIN, service_principal: GUARDDUTY }, context())).toEqual({ outcome: 'deregistered' });
    organizations.on(ListDelegatedAdministratorsCommand).resolves({ DelegatedAdministrators: [] });
    expect(await deregisterDelegatedAdmin({ account_id: ADMIN, service_principal: GUARDDUTY }, context())).toEqual({ outcome: 'not-registered' });
    expect(organizations.commandCalls(DeregisterDelegatedAdministratorCommand)).toHaveLength(2);
  });

  it('changes nothing in a dry run', async () => {
    organizations.on(ListDelegatedAdministratorsCommand).resolves({ DelegatedAdministrators: [{ Id: ADMIN }] });
    organizations.on(ListAWSServiceAccessForOrganizationCommand).resolves({ EnabledServicePrincipals: [] });
    expect(await deregisterDelegatedAdmin({ account_id: ADMIN, service_principal: GUARDDUTY }, context(true))).toEqual({ outcome: 'would-deregister' });
    expect(await enableTrustedAccess({ service_principal: GUARDDUTY }, context(true))).toEqual({ outcome: 'would-enable' });
    expect(organizations.commandCalls(DeregisterDelegatedAdministratorCommand)).toHaveLength(0);
    expect(organizations.commandCalls(EnableAWSServiceAccessCommand)).toHaveLength(0);
  });

  it('does not enable trusted access that is on', async () => {
    organizations.on(ListAWSServiceAccessForOrganizationCommand).resolves({ EnabledServicePrincipals: [{ ServicePrincipal: GUARDDUTY }] });
    expect(await enableTrustedAccess({ service_principal: GUARDDUTY }, context())).toEqual({ outcome: 'already-enabled' });
    expect(organizations.commandCalls(EnableAWSServiceAccessCommand)).toHaveLength(0);
  });

  it('answers a service Organizations refuses with the reason, and the others as they are', async () => {
    organizations.on(ListAWSServiceAccessForOrganizationCommand).resolves({ EnabledServicePrincipals: [{ ServicePrincipal: GUARDDUTY }] });
    organizations.on(ListDelegatedAdministratorsCommand, { ServicePrincipal: GUARDDUTY }).resolves({ DelegatedAdministrators: [{ Id: ADMIN }] });
    organizations.on(ListDelegatedAdministratorsCommand, { ServicePrincipal: 'securityhub.amazonaws.com' }).rejects(named('InvalidInputException', 'You specified an unrecognized service principal.'));
    const result = await listDelegatedAdmins({ service_principals: [GUARDDUTY, 'securityhub.amazonaws.com'] }, context());
    expect(result.services).toEqual([
      { service_principal: GUARDDUTY, trusted_access: true, admins: [ADMIN] },
      { service_principal: 'securityhub.amazonaws.com', trusted_access: false, admins: [], refused: 'You specified an unrecognized service principal.' },
    ]);
  });

  it("never accepts the Account Management API's principal for deregistering, nor a service outside the table", () => {
    const payload = REQUESTS.DEREGISTER_DELEGATED_ADMIN.payload;
    expect(payload.safeParse({ account_id: ADMIN, service_principal: 'account.amazonaws.com' }).success).toBe(false);
    expect(payload.safeParse({ account_id: ADMIN, service_principal: 'sts.amazonaws.com' }).success).toBe(false);
    expect(payload.safeParse({ account_id: ADMIN, service_principal: GUARDDUTY }).success).toBe(true);
    expect(REQUESTS.ENABLE_TRUSTED_ACCESS.payload.safeParse({ service_principal: 'account.amazonaws.com' }).success).toBe(false);
  });
});
