/**
 * put-contacts end to end on moto (which implements alternate contacts), as CI runs it:
 * the CLI in the CICD account, the handler in the account that answers GET_CONTACTS and
 * PUT_CONTACTS (the management account: this DSL names no delegated administrator).
 * Tests run in order on one organization.
 */
import { GetAlternateContactCommand, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { TagResourceCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { requestsOf } from '../helpers/sent-requests.js';
import { APPLIED_CONTACTS_TAG } from '../../src/config/identity-tags.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];
let ids: Record<string, string>;
let cliCalls: CiCli['calls'];

const OPERATIONS = { name: 'SRE', title: 'On call', email: 'sre@example.com', phone: '+61 2 9000 0002' };
const NOC: [string[], unknown] = [['accounts', 'dns', 'contacts'], { operations: { email: 'noc@example.com' } }];
const DSL = dslText([[['defaults', 'contacts', 'operations'], OPERATIONS]]);

beforeAll(async () => {
  ({ org, workspace, calls: cliCalls, cli } = await ciOrganization(DSL));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
  ids = await managedIds(org);
});

afterAll(() => org.close());

const account = () => org.factory.forAccount(org.desired.organization.management_account_id).client('account');

/** The contact of one type of a member account, as moto holds it; null when there is none. */
async function contact(name: string, type: 'BILLING' | 'OPERATIONS' | 'SECURITY') {
  try {
    const { AlternateContact: c } = await (await account()).send(new GetAlternateContactCommand({ AccountId: ids[name], AlternateContactType: type }));
    return { name: c!.Name, title: c!.Title, email: c!.EmailAddress, phone: c!.PhoneNumber };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return null;
    throw error;
  }
}

describe('put-contacts', () => {
  it('plans the missing contacts and, without --execute, changes nothing', async () => {
    const mutating = org.calls.filter((c) => isMutating(c.operation)).length;
    const { code, out } = await cli('--action', 'put-contacts', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toMatch(/~ contacts\.put +foo \(\d{12}\) +billing, operations +\(missing-in-account\)/);
    expect(out).toContain('operations: none → SRE (On call) <sre@example.com> +61 2 9000 0002');
    expect(out).toContain('Plan: 2 changes: 2 contacts.put.');
    expect(cliCalls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(org.calls.filter((c) => isMutating(c.operation)).length).toBe(mutating);
    expect(await contact('foo', 'OPERATIONS')).toBeNull();
  });

  it('puts them with --execute; the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'put-contacts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect(await contact('foo', 'OPERATIONS')).toEqual(OPERATIONS);
    expect(await contact('dns', 'BILLING')).toMatchObject({ email: 'billing@example.com' });
    expect((await cli('--action', 'put-contacts', '--detailed-exitcode')).code).toBe(0);
  });

  it('tags the accounts it found as the DSL says, which the next plan does not read; a forged tag vouches for nothing, a change by hand is left to --refresh', async () => {
    const contactsRead = async (...argv: string[]) => {
      const from = cliCalls.length;
      const run = await cli('--action', 'put-contacts', ...argv);
      const read = requestsOf(cliCalls.slice(from)).flatMap((r) => (r.type === 'GET_CONTACTS' ? (r.payload.account_ids as string[]) : []));
      return { ...run, read: [...new Set(read.map((id) => Object.keys(ids).find((name) => ids[name] === id) ?? id))].sort() };
    };
    const tagOf = async (id: string) => (await org.transport().request('DESCRIBE_ACCOUNTS', { accounts: [id] })).accounts[0]!.tags[APPLIED_CONTACTS_TAG];
    expect(await tagOf(ids.foo!)).toMatch(/^[0-9a-f]{32}$/);
    expect(await tagOf(ids.dns!)).toMatch(/^[0-9a-f]{32}$/);

    const plain = await contactsRead('--detailed-exitcode');
    expect(plain.code).toBe(0);
    expect(plain.read).toEqual([]);
    expect(plain.out).toContain('2 accounts not read: orgvend:applied-contacts says they are as the repository wants (--refresh reads every account)');

    // A forged tag vouches for nothing: foo is read again.
    const organizations = await org.factory.forAccount(org.desired.organization.management_account_id).client('organizations');
    await organizations.send(new TagResourceCommand({ ResourceId: ids.foo!, Tags: [{ Key: APPLIED_CONTACTS_TAG, Value: 'f'.repeat(32) }] }));
    expect((await contactsRead('--detailed-exitcode')).read).toEqual(['foo']);
    expect((await contactsRead('--execute')).err).toContain('recorded 1 account as the repository wants (orgvend:applied-contacts)');

    await (await account()).send(new PutAlternateContactCommand({ AccountId: ids.foo, AlternateContactType: 'OPERATIONS', Name: 'Hand', Title: 'Made', EmailAddress: 'hand@example.com', PhoneNumber: '+1 555 0199' }));
    expect((await contactsRead('--detailed-exitcode')).code).toBe(0);
    const refreshed = await contactsRead('--execute', '--refresh');
    expect(refreshed.read).toEqual(['dns', 'foo']);
    expect(refreshed.out).toContain('operations: Hand (Made) <hand@example.com> +1 555 0199 → SRE (On call) <sre@example.com> +61 2 9000 0002');
    expect(await contact('foo', 'OPERATIONS')).toEqual(OPERATIONS);
  });

  it('updates a contact the DSL changed, in one account with --account, showing before and after', async () => {
    workspace.write(dslText([[['defaults', 'contacts', 'operations'], OPERATIONS], NOC]));
    const { code, out } = await cli('--action', 'put-contacts', '--account', 'dns', '--execute');
    expect(out).toContain('operations: SRE (On call) <sre@example.com> +61 2 9000 0002 → SRE (On call) <noc@example.com> +61 2 9000 0002');
    expect(out).not.toContain('foo');
    expect(code).toBe(0);
    expect(await contact('dns', 'OPERATIONS')).toMatchObject({ email: 'noc@example.com' });
    expect(await contact('foo', 'OPERATIONS')).toMatchObject({ email: 'sre@example.com' });
  });

  it('leaves a contact the DSL does not mention alone, and deletes it once the DSL says null', async () => {
    const security = { AccountId: ids.foo, AlternateContactType: 'SECURITY' as const, Name: 'Sec', Title: 'Security', EmailAddress: 'sec@example.com', PhoneNumber: '+1 555 0100' };
    await (await account()).send(new PutAlternateContactCommand(security));
    workspace.write(dslText([[['defaults', 'contacts', 'operations'], OPERATIONS], NOC]));
    expect((await cli('--action', 'put-contacts', '--detailed-exitcode')).code).toBe(0);

    workspace.write(dslText([[['defaults', 'contacts', 'operations'], OPERATIONS], NOC, [['accounts', 'foo', 'contacts'], { security: null }]]));
    const { code, out } = await cli('--action', 'put-contacts', '--execute');
    expect(out).toMatch(/- contacts\.delete +foo \(\d{12}\) +security +\(null-in-config\)/);
    expect(out).toContain('security: Sec (Security) <sec@example.com> +1 555 0100 → none');
    expect(code).toBe(0);
    expect(await contact('foo', 'SECURITY')).toBeNull();
    expect(await contact('foo', 'OPERATIONS')).toEqual(OPERATIONS);
  });

  it('says in one line that the emulator has no primary contact API, exits 1 and puts nothing', async () => {
    const primary = { full_name: 'Ann Example', address_line1: '1 George St', city: 'Sydney', postal_code: '2000', country_code: 'AU', phone: '+61 2 9000 0000' };
    workspace.write(dslText([[['defaults', 'contacts', 'operations'], OPERATIONS], NOC, [['accounts', 'foo', 'contacts'], { primary }]]));
    const writes = () => org.calls.filter((c) => c.operation === 'PutContactInformation' || c.operation === 'PutAlternateContact').length;
    const puts = writes();
    const { code, out, err } = await cli('--action', 'put-contacts', '--execute');
    expect(code).toBe(1);
    expect(`${out}${err}`).toContain('the primary contact is not supported by the local emulator: moto has no account:GetContactInformation');
    expect(`${out}${err}`).not.toMatch(/Deserialization error/);
    expect(writes()).toBe(puts);
  });
});
