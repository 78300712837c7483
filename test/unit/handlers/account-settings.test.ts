/**
 * The Account Management API handlers on their own. The AccountClient is mocked with
 * aws-sdk-client-mock because moto has no region opt-in API (ListRegions,
 * GetRegionOptStatus, EnableRegion, DisableRegion): every opt status and the emulator's
 * 404 are modelled here. moto does implement alternate contacts, which are covered on it
 * by the contacts integration tests; the contact tests here are only the ones moto
 * cannot show (AccountId left out for the handler's own account, the three outcomes).
 * moto has no primary contact API either (GetContactInformation, PutContactInformation):
 * the primary contact is modelled here alone.
 */
import {
  AccountClient,
  DisableRegionCommand,
  EnableRegionCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  GetRegionOptStatusCommand,
  ListRegionsCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
  type RegionOptStatus,
} from '@aws-sdk/client-account';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disableRegion, enableRegion, getContacts, getRegions, putContacts } from '../../../src/handlers/account-settings.js';
import { HandlerError, type HandlerContext } from '../../../src/handlers/context.js';
import { handlerContext } from '../../helpers/handler-context.js';

const SELF = '111111111111';
const MEMBER = '444455556666';

let account: AwsClientStub<AccountClient>;

const context = (overrides: Partial<HandlerContext> = {}, options: { emulator?: boolean } = {}) => handlerContext({ accountId: SELF, roles: ['management'] }, overrides, options);

const change = (region = 'ap-east-1', account_id = MEMBER) => ({ account_id, name: 'foo', region });
const optStatus = (status: RegionOptStatus) => account.on(GetRegionOptStatusCommand).resolves({ RegionName: 'ap-east-1', RegionOptStatus: status });
const inputs = (command: Parameters<typeof account.commandCalls>[0]) => account.commandCalls(command).map((c) => c.args[0].input);

/** What moto answers for an API it lacks: a 404 web page the SDK cannot parse. */
const notFoundPage = () => Object.assign(new Error('Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 404 } });

beforeEach(() => {
  account = mockClient(AccountClient);
  account.onAnyCommand().rejects(new Error('unexpected Account command'));
  account.on(EnableRegionCommand).resolves({});
  account.on(DisableRegionCommand).resolves({});
});

afterEach(() => {
  account.restore();
});

describe('ENABLE_REGION', () => {
  it.each([
    ['ENABLED', 'already-done'],
    ['ENABLED_BY_DEFAULT', 'already-done'],
    ['ENABLING', 'in-progress'],
    ['DISABLING', 'in-progress'],
  ] as const)('answers %s with %s and does not ask AWS to enable it', async (status, outcome) => {
    optStatus(status);
    expect(await enableRegion(change(), context())).toEqual({ status, outcome });
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
  });

  it('asks AWS once for a disabled region of a member account, naming the account', async () => {
    optStatus('DISABLED');
    expect(await enableRegion(change(), context())).toEqual({ status: 'ENABLING', outcome: 'requested' });
    expect(inputs(GetRegionOptStatusCommand)).toEqual([{ AccountId: MEMBER, RegionName: 'ap-east-1' }]);
    expect(inputs(EnableRegionCommand)).toEqual([{ AccountId: MEMBER, RegionName: 'ap-east-1' }]);
  });

  it('leaves AccountId out when the account acts on itself', async () => {
    optStatus('DISABLED');
    await enableRegion(change('ap-east-1', SELF), context());
    expect(inputs(GetRegionOptStatusCommand)).toEqual([{ RegionName: 'ap-east-1' }]);
    expect(inputs(EnableRegionCommand)).toEqual([{ RegionName: 'ap-east-1' }]);
  });

  it('in a dry run reports would-request and sends no EnableRegion', async () => {
    optStatus('DISABLED');
    expect(await enableRegion(change(), context({ dryrun: true }))).toEqual({ status: 'DISABLED', outcome: 'would-request' });
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
  });

  it('fails plainly when AWS reports no opt status', async () => {
    account.on(GetRegionOptStatusCommand).resolves({ RegionName: 'ap-east-1' });
    await expect(enableRegion(change(), context())).rejects.toMatchObject({ code: 'failed', message: `AWS reported no opt status for ap-east-1 in ${MEMBER}` });
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
  });
});

describe('DISABLE_REGION', () => {
  it.each([
    ['DISABLED', 'already-done'],
    ['DISABLING', 'in-progress'],
    ['ENABLING', 'in-progress'],
  ] as const)('answers %s with %s and does not ask AWS to disable it', async (status, outcome) => {
    optStatus(status);
    expect(await disableRegion(change(), context())).toEqual({ status, outcome });
    expect(account.commandCalls(DisableRegionCommand)).toHaveLength(0);
  });

  it('asks AWS once for an enabled region', async () => {
    optStatus('ENABLED');
    expect(await disableRegion(change(), context())).toEqual({ status: 'DISABLING', outcome: 'requested' });
    expect(inputs(DisableRegionCommand)).toEqual([{ AccountId: MEMBER, RegionName: 'ap-east-1' }]);
  });

  it('in a dry run reports would-request and sends no DisableRegion', async () => {
    optStatus('ENABLED');
    expect(await disableRegion(change(), context({ dryrun: true }))).toEqual({ status: 'ENABLED', outcome: 'would-request' });
    expect(account.commandCalls(DisableRegionCommand)).toHaveLength(0);
  });

  it('refuses a region that is enabled by default', async () => {
    optStatus('ENABLED_BY_DEFAULT');
    const refusal = disableRegion(change('us-east-1'), context());
    await expect(refusal).rejects.toBeInstanceOf(HandlerError);
    await expect(refusal).rejects.toMatchObject({ code: 'rejected', message: 'us-east-1 is enabled by default and cannot be disabled' });
    expect(account.commandCalls(DisableRegionCommand)).toHaveLength(0);
  });
});

describe('on the local emulator', () => {
  it.each([
    ['ENABLE_REGION', 'GetRegionOptStatus', () => enableRegion(change(), context({}, { emulator: true }))],
    ['DISABLE_REGION', 'GetRegionOptStatus', () => disableRegion(change(), context({}, { emulator: true }))],
    ['GET_REGIONS', 'ListRegions', () => getRegions({ account_ids: [MEMBER] }, context({}, { emulator: true }))],
  ] as const)('%s says that moto has no account:%s instead of a deserialization error', async (_type, operation, run) => {
    account.on(GetRegionOptStatusCommand).rejects(notFoundPage());
    account.on(ListRegionsCommand).rejects(notFoundPage());
    const error = run();
    await expect(error).rejects.toBeInstanceOf(HandlerError);
    await expect(error).rejects.toMatchObject({ code: 'unsupported', message: `region opt-in is not supported by the local emulator: moto has no account:${operation}` });
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
    expect(account.commandCalls(DisableRegionCommand)).toHaveLength(0);
  });

  it('does not blame the emulator for a 404 from AWS itself', async () => {
    account.on(GetRegionOptStatusCommand).rejects(notFoundPage());
    await expect(enableRegion(change(), context())).rejects.toThrow(/^Deserialization error/);
  });
});

describe('GET_REGIONS', () => {
  /** Three pages per account, so the handler must follow NextToken. */
  const REGIONS: [string, RegionOptStatus][] = [
    ['us-east-1', 'ENABLED_BY_DEFAULT'],
    ['ap-east-1', 'ENABLED'],
    ['me-south-1', 'ENABLING'],
    ['af-south-1', 'DISABLED'],
    ['eu-south-1', 'DISABLING'],
  ];

  /** Which account each page was read for and from where (the paginator reuses its input object, so the mock's record of it shows only the last token). */
  let pages: [string | undefined, string | undefined][];

  beforeEach(() => {
    pages = [];
    account.on(ListRegionsCommand).callsFake((input: { AccountId?: string; NextToken?: string }) => {
      const { AccountId, NextToken } = input;
      pages.push(['AccountId' in input ? AccountId : 'own', NextToken]);
      const start = Number(NextToken ?? 0);
      // Each account's own answer, so a mixed-up AccountId shows.
      const regions = REGIONS.map(([name, status]) => ({ RegionName: name, RegionOptStatus: AccountId === MEMBER ? status : 'DISABLED' }));
      const page = regions.slice(start, start + 2);
      return { Regions: page, NextToken: start + 2 < regions.length ? String(start + 2) : undefined };
    });
  });

  it('reads every page of every account, leaving AccountId out for its own', async () => {
    const { accounts } = await getRegions({ account_ids: [MEMBER, SELF] }, context());
    expect(accounts).toEqual([
      { account_id: MEMBER, regions: Object.fromEntries(REGIONS) },
      { account_id: SELF, regions: Object.fromEntries(REGIONS.map(([name]) => [name, 'DISABLED'])) },
    ]);
    expect(pages.filter(([a]) => a === MEMBER).map(([, token]) => token)).toEqual([undefined, '2', '4']);
    expect(pages.filter(([a]) => a === 'own').map(([, token]) => token)).toEqual([undefined, '2', '4']);
    expect(pages).toHaveLength(6);
  });
});

describe('contacts', () => {
  const billing = { name: 'Finance', title: 'Billing', email: 'billing@example.com', phone: '+61 2 9000 0001' };
  const asAws = { Name: billing.name, Title: billing.title, EmailAddress: billing.email, PhoneNumber: billing.phone, AlternateContactType: 'BILLING' as const };
  const notFound = () => Object.assign(new Error('No contact'), { name: 'ResourceNotFoundException' });

  beforeEach(() => {
    account.on(GetAlternateContactCommand).rejects(notFound());
    account.on(PutAlternateContactCommand).resolves({});
  });

  it('GET_CONTACTS leaves AccountId out for its own account and reads a missing contact as null', async () => {
    account.on(GetAlternateContactCommand, { AlternateContactType: 'BILLING' }).resolves({ AlternateContact: asAws });
    expect(await getContacts({ account_ids: [SELF] }, context())).toEqual({ accounts: [{ account_id: SELF, contacts: { billing, operations: null, security: null } }] });
    expect(inputs(GetAlternateContactCommand).map((i) => i.AccountId)).toEqual([undefined, undefined, undefined]);
  });

  it('PUT_CONTACTS changes nothing when the contact is already as asked (email case aside)', async () => {
    account.on(GetAlternateContactCommand, { AccountId: MEMBER, AlternateContactType: 'BILLING' }).resolves({ AlternateContact: { ...asAws, EmailAddress: 'Billing@Example.com' } });
    const result = await putContacts({ account_id: MEMBER, name: 'foo', put: { billing }, delete: [] }, context());
    expect(result).toEqual({ put: [], deleted: [], outcome: 'unchanged' });
    expect(account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
  });

  it('PUT_CONTACTS in a dry run reports would-update and writes nothing', async () => {
    const result = await putContacts({ account_id: MEMBER, name: 'foo', put: { billing }, delete: [] }, context({ dryrun: true }));
    expect(result).toEqual({ put: ['billing'], deleted: [], outcome: 'would-update' });
    expect(account.commandCalls(PutAlternateContactCommand)).toHaveLength(0);
  });

  it('PUT_CONTACTS writes the contact of a member account with its AccountId, and of its own without', async () => {
    expect(await putContacts({ account_id: MEMBER, name: 'foo', put: { billing }, delete: [] }, context())).toEqual({ put: ['billing'], deleted: [], outcome: 'updated' });
    expect(await putContacts({ account_id: SELF, name: 'management', put: { billing }, delete: [] }, context())).toMatchObject({ outcome: 'updated' });
    const { AlternateContactType: _type, ...fields } = asAws;
    expect(inputs(PutAlternateContactCommand)).toEqual([
      { AccountId: MEMBER, AlternateContactType: 'BILLING', ...fields },
      { AlternateContactType: 'BILLING', ...fields },
    ]);
  });
});

describe('the primary contact', () => {
  const primary = { full_name: 'Ann Example', company_name: 'Example Pty Ltd', address_line1: '1 George St', city: 'Sydney', state_or_region: 'NSW', postal_code: '2000', country_code: 'AU', phone: '+61 2 9000 0000' };
  const asAws = { FullName: 'Ann Example', CompanyName: 'Example Pty Ltd', AddressLine1: '1 George St', City: 'Sydney', StateOrRegion: 'NSW', PostalCode: '2000', CountryCode: 'AU', PhoneNumber: '+61 2 9000 0000' };

  beforeEach(() => {
    account.on(GetAlternateContactCommand).rejects(Object.assign(new Error('No contact'), { name: 'ResourceNotFoundException' }));
    account.on(GetContactInformationCommand).resolves({ ContactInformation: asAws });
    account.on(PutContactInformationCommand).resolves({});
  });

  it('GET_CONTACTS reads it only when asked, in the DSL\'s names, leaving out what AWS holds empty', async () => {
    expect((await getContacts({ account_ids: [MEMBER] }, context())).accounts[0]!.contacts).not.toHaveProperty('primary');
    expect(account.commandCalls(GetContactInformationCommand)).toHaveLength(0);
    expect((await getContacts({ account_ids: [MEMBER, SELF], primary: true }, context())).accounts.map((a) => a.contacts.primary)).toEqual([primary, primary]);
    expect(inputs(GetContactInformationCommand)).toEqual([{ AccountId: MEMBER }, {}]);
  });

  it('PUT_CONTACTS puts nothing when it is as asked, and in a dry run writes nothing', async () => {
    expect(await putContacts({ account_id: MEMBER, name: 'foo', put: { primary }, delete: [] }, context())).toEqual({ put: [], deleted: [], outcome: 'unchanged' });
    const moved = { ...primary, address_line1: '2 Pitt St' };
    expect(await putContacts({ account_id: MEMBER, name: 'foo', put: { primary: moved }, delete: [] }, context({ dryrun: true }))).toEqual({ put: ['primary'], deleted: [], outcome: 'would-update' });
    expect(account.commandCalls(PutContactInformationCommand)).toHaveLength(0);
  });

  it('PUT_CONTACTS replaces it whole: a field the DSL leaves out is emptied, as AWS replaces the contact', async () => {
    const { company_name: _company, state_or_region: _state, ...bare } = primary;
    expect(await putContacts({ account_id: MEMBER, name: 'foo', put: { primary: bare }, delete: [] }, context())).toEqual({ put: ['primary'], deleted: [], outcome: 'updated' });
    const { CompanyName: _c, StateOrRegion: _s, ...bareAws } = asAws;
    expect(inputs(PutContactInformationCommand)).toEqual([{ AccountId: MEMBER, ContactInformation: bareAws }]);
  });

  it('says plainly that the local emulator lacks it', async () => {
    account.on(GetContactInformationCommand).rejects(notFoundPage());
    const failure = getContacts({ account_ids: [MEMBER], primary: true }, context({}, { emulator: true }));
    await expect(failure).rejects.toThrow(HandlerError);
    await expect(failure).rejects.toThrow('the primary contact is not supported by the local emulator: moto has no account:GetContactInformation');
  });
});
