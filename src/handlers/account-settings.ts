/**
 * The Account Management API, run in the delegated administrator (or the management
 * account when there is none) on member accounts: alternate contacts and region opt-in.
 * An account acting on itself leaves AccountId out, as the API requires.
 */
import {
  DeleteAlternateContactCommand,
  DisableRegionCommand,
  EnableRegionCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  GetRegionOptStatusCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
  paginateListRegions,
  type AccountClient,
  type AlternateContactType,
  type ContactInformation,
} from '@aws-sdk/client-account';
import pLimit from 'p-limit';
import { CONTACT_TYPES, type ContactType } from '../config/schema.js';
import {
  regionIs,
  sameContact,
  samePrimaryContact,
  type AlternateContact,
  type LiveContacts,
  type LivePrimaryContact,
  type PayloadOf,
  type RegionStatus,
  type ResultOf,
} from '../protocol/requests.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';
import { everyPage } from '../aws/pages.js';


/** Accounts read at once; the API allows about 10 reads a second and the client paces the rest. */
const READS_IN_FLIGHT = 8;

const apiType = (type: ContactType) => type.toUpperCase() as AlternateContactType;
const accountParam = (context: HandlerContext, accountId: string) => (accountId === context.config.accountId ? {} : { AccountId: accountId });

async function readContact(client: AccountClient, context: HandlerContext, accountId: string, type: ContactType): Promise<AlternateContact | null> {
  try {
    const { AlternateContact: c } = await client.send(new GetAlternateContactCommand({ ...accountParam(context, accountId), AlternateContactType: apiType(type) }));
    return c ? { name: c.Name ?? '', title: c.Title ?? '', email: c.EmailAddress ?? '', phone: c.PhoneNumber ?? '' } : null;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return null;
    throw error;
  }
}

/** The primary contact's fields, DSL name → API name. */
const PRIMARY_FIELDS = {
  full_name: 'FullName',
  company_name: 'CompanyName',
  address_line1: 'AddressLine1',
  address_line2: 'AddressLine2',
  address_line3: 'AddressLine3',
  city: 'City',
  state_or_region: 'StateOrRegion',
  district_or_county: 'DistrictOrCounty',
  postal_code: 'PostalCode',
  country_code: 'CountryCode',
  phone: 'PhoneNumber',
  website_url: 'WebsiteUrl',
} as const satisfies Record<keyof LivePrimaryContact, keyof ContactInformation>;

async function readPrimaryContact(client: AccountClient, context: HandlerContext, accountId: string): Promise<LivePrimaryContact | null> {
  try {
    const { ContactInformation: info } = await emulatorLacks(context, 'the primary contact', 'account:GetContactInformation', () =>
      client.send(new GetContactInformationCommand(accountParam(context, accountId))),
    );
    if (!info) return null;
    const contact: Record<string, string> = {};
    for (const [field, api] of Object.entries(PRIMARY_FIELDS)) if (info[api]) contact[field] = info[api];
    return contact as LivePrimaryContact;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return null;
    throw error;
  }
}

async function readContacts(client: AccountClient, context: HandlerContext, accountId: string, primary: boolean): Promise<LiveContacts> {
  const [[billing, operations, security], primaryContact] = await Promise.all([
    Promise.all(CONTACT_TYPES.map((type) => readContact(client, context, accountId, type))),
    primary ? readPrimaryContact(client, context, accountId) : undefined,
  ]);
  return { billing: billing!, operations: operations!, security: security!, ...(primaryContact !== undefined ? { primary: primaryContact } : {}) };
}

export const getContacts: Handler<PayloadOf<'GET_CONTACTS'>, ResultOf<'GET_CONTACTS'>> = async ({ account_ids, primary = false }, context) => {
  const client = await context.clients.client('account');
  const limit = pLimit(READS_IN_FLIGHT);
  const accounts = await Promise.all(account_ids.map((id) => limit(async () => ({ account_id: id, contacts: await readContacts(client, context, id, primary) }))));
  return { accounts };
};

export const putContacts: Handler<PayloadOf<'PUT_CONTACTS'>, ResultOf<'PUT_CONTACTS'>> = async (payload, context) => {
  const client = await context.clients.client('account');
  const wantsPrimary = payload.put.primary !== undefined;
  const live = await readContacts(client, context, payload.account_id, wantsPrimary);
  const put: ResultOf<'PUT_CONTACTS'>['put'] = CONTACT_TYPES.filter((type) => payload.put[type] && !sameContact(live[type], payload.put[type]));
  if (wantsPrimary && !samePrimaryContact(live.primary, payload.put.primary!)) put.push('primary');
  const deleted = payload.delete.filter((type) => live[type] !== null);
  if (!put.length && !deleted.length) return { put, deleted, outcome: 'unchanged' };
  if (context.dryrun) return { put, deleted, outcome: 'would-update' };
  const account = accountParam(context, payload.account_id);
  for (const type of put) {
    if (type === 'primary') {
      const want = payload.put.primary!;
      const info = Object.fromEntries(Object.entries(PRIMARY_FIELDS).map(([field, api]) => [api, want[field as keyof LivePrimaryContact]]));
      await client.send(new PutContactInformationCommand({ ...account, ContactInformation: info as unknown as ContactInformation }));
      continue;
    }
    const c = payload.put[type]!;
    await client.send(new PutAlternateContactCommand({ ...account, AlternateContactType: apiType(type), Name: c.name, Title: c.title, EmailAddress: c.email, PhoneNumber: c.phone }));
  }
  for (const type of deleted) {
    try {
      await client.send(new DeleteAlternateContactCommand({ ...account, AlternateContactType: apiType(type) }));
    } catch (error) {
      // Deleted meanwhile (a duplicate delivery): the outcome is the one asked for.
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
  return { put, deleted, outcome: 'updated' };
};

/**
 * moto has neither the region opt-in API nor the primary contact's: it answers 404 with a
 * web page, which the SDK cannot parse. Said plainly instead of as a deserialization error.
 * `operation`: the action moto lacks, with its service (`account:ListRegions`).
 */
export async function emulatorLacks<T>(context: HandlerContext, what: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (context.clients.isEmulator && status === 404) {
      throw new HandlerError('unsupported', `${what} is not supported by the local emulator: moto has no ${operation}`);
    }
    throw error;
  }
}

const regionApi = <T>(context: HandlerContext, operation: string, call: () => Promise<T>) => emulatorLacks(context, 'region opt-in', `account:${operation}`, call);

export const getRegions: Handler<PayloadOf<'GET_REGIONS'>, ResultOf<'GET_REGIONS'>> = async ({ account_ids }, context) => {
  const client = await context.clients.client('account');
  const limit = pLimit(READS_IN_FLIGHT);
  const accounts = await Promise.all(
    account_ids.map((id) =>
      limit(async () => {
        const regions: Record<string, RegionStatus> = {};
        await regionApi(context, 'ListRegions', async () => {
          for await (const page of everyPage(paginateListRegions({ client }, accountParam(context, id)))) {
            for (const r of page.Regions ?? []) if (r.RegionName && r.RegionOptStatus) regions[r.RegionName] = r.RegionOptStatus;
          }
        });
        return { account_id: id, regions };
      }),
    ),
  );
  return { accounts };
};

function regionChange(direction: 'enable' | 'disable'): Handler<PayloadOf<'ENABLE_REGION'>, ResultOf<'ENABLE_REGION'>> {
  const [done, inProgress] = direction === 'enable' ? (['ENABLED', 'ENABLING'] as const) : (['DISABLED', 'DISABLING'] as const);
  return async (payload, context) => {
    const client = await context.clients.client('account');
    const account = accountParam(context, payload.account_id);
    const { RegionOptStatus: status } = await regionApi(context, 'GetRegionOptStatus', () =>
      client.send(new GetRegionOptStatusCommand({ ...account, RegionName: payload.region })),
    );
    if (!status) throw new HandlerError('failed', `AWS reported no opt status for ${payload.region} in ${payload.account_id}`);
    if (regionIs(status, done)) return { status, outcome: 'already-done' };
    if (status === 'ENABLED_BY_DEFAULT') throw new HandlerError('rejected', `${payload.region} is enabled by default and cannot be disabled`);
    // ENABLING or DISABLING: asked already (by an earlier run or a duplicate delivery), or the
    // opposite change is still running, which AWS refuses a new request during. Wait, do not ask.
    if (status !== (direction === 'enable' ? 'DISABLED' : 'ENABLED')) return { status, outcome: 'in-progress' };
    if (context.dryrun) return { status, outcome: 'would-request' };
    const Command = direction === 'enable' ? EnableRegionCommand : DisableRegionCommand;
    await client.send(new Command({ ...account, RegionName: payload.region }));
    return { status: inProgress, outcome: 'requested' };
  };
}

export const enableRegion = regionChange('enable');
export const disableRegion = regionChange('disable');
