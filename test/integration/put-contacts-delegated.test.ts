/**
 * With a delegated administrator in the DSL, contacts are read and put by orgvend's
 * handler there, acting on member accounts by AccountId; the management account's handler
 * takes no part. On moto, through the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { ciOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

const DSL = dslText([[['organization', 'delegated_admin_account_id'], '444444444444']]);
let org: TestOrganization;
let cli: CiCli['cli'];

beforeAll(async () => {
  ({ org, cli } = await ciOrganization(DSL));
  expect((await cli('--action', 'sync-accounts', '--execute')).code).toBe(0);
});

afterAll(() => org.close());

describe('put-contacts with a delegated administrator', () => {
  it('reads and puts the contacts from the delegated administrator only', async () => {
    const { delegated_admin_account_id: delegated, management_account_id: management } = org.desired.organization;
    const from = org.calls.length;
    const { code, out } = await cli('--action', 'put-contacts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    const account = org.calls.slice(from).filter((c) => c.service === 'account');
    expect(account.filter((c) => c.operation === 'PutAlternateContact').length).toBe(2);
    expect(new Set(account.map((c) => c.account))).toEqual(new Set([delegated]));
    expect(account.some((c) => c.account === management)).toBe(false);
    for (const call of account) expect((call.input as { AccountId?: string }).AccountId).toMatch(/^\d{12}$/);
  });
});
