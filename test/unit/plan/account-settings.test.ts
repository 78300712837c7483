import { describe, expect, it } from 'vitest';
import { planContacts, planRegions } from '../../../src/plan/account-settings.js';
import type { Change } from '../../../src/plan/plan.js';
import type { AlternateContact, LiveContacts, RegionStatus } from '../../../src/protocol/requests.js';
import { renderPlanText } from '../../../src/views/plan.js';
import { renderPlanMarkdown } from '../../../src/views/plan-markdown.js';
import { style } from '../../../src/views/style.js';
import { desiredOf } from '../../helpers/dsl.js';
import { convergedLive, MINIMAL_IDS } from '../../helpers/live.js';

const FOO = MINIMAL_IDS.foo!;
const DNS = MINIMAL_IDS.dns!;

const desired = desiredOf;
const liveFor = convergedLive;
const brief = (changes: Change[]) => changes.map((c) => `${c.type} ${c.target}`);

// The minimal DSL gives every account defaults.contacts.billing.
const BILLING: AlternateContact = { name: 'Finance', title: 'Billing', email: 'billing@example.com', phone: '+61 2 9000 0001' };
const SECURITY: AlternateContact = { name: 'Sec', title: 'Security', email: 'sec@example.com', phone: '+61 2 9000 0003' };
const none: LiveContacts = { billing: null, operations: null, security: null };
const contacts = (foo: Partial<LiveContacts>, dns: Partial<LiveContacts> = { billing: BILLING }) =>
  new Map([
    [FOO, { ...none, ...foo }],
    [DNS, { ...none, ...dns }],
  ]);

describe('planning put-contacts', () => {
  it('puts the contacts an account lacks, with before and after', () => {
    const d = desired();
    const plan = planContacts(d, liveFor(d), contacts({}));
    expect(plan.changes).toEqual([
      {
        type: 'contacts.put',
        target: 'foo',
        reason: 'missing-in-account',
        before: { account_id: FOO, contacts: { billing: null } },
        after: { contacts: { billing: BILLING } },
      },
    ]);
    expect(plan.action).toBe('put-contacts');
  });

  it('plans nothing when the contacts match, whatever the case of the email', () => {
    const d = desired();
    expect(planContacts(d, liveFor(d), contacts({ billing: { ...BILLING, email: 'Billing@Example.com' } })).changes).toEqual([]);
  });

  it('updates a changed contact, showing each field before and after', () => {
    const d = desired([[['accounts', 'foo', 'contacts'], { billing: { email: 'money@example.com' } }]]);
    const plan = planContacts(d, liveFor(d), contacts({ billing: BILLING }));
    expect(plan.changes).toMatchObject([{ type: 'contacts.put', target: 'foo', reason: 'contact-changed', after: { contacts: { billing: { ...BILLING, email: 'money@example.com' } } } }]);
    const text = renderPlanText(plan, style(false));
    expect(text).toContain('~ contacts.put  foo (500000000001)  billing');
    expect(text).toContain('billing: Finance (Billing) <billing@example.com> +61 2 9000 0001 → Finance (Billing) <money@example.com> +61 2 9000 0001');
    // In markdown the angle brackets are entities, so the email cannot open an HTML tag.
    expect(renderPlanMarkdown(plan)).toContain('billing: Finance (Billing) &lt;billing@example.com&gt;');
  });

  it('deletes a contact only when the DSL sets it to null; a contact the DSL omits is left alone', () => {
    const d = desired([[['accounts', 'foo', 'contacts'], { billing: null }]]);
    const plan = planContacts(d, liveFor(d), contacts({ billing: BILLING, security: SECURITY }));
    expect(plan.changes).toEqual([
      { type: 'contacts.delete', target: 'foo', reason: 'null-in-config', before: { account_id: FOO, contacts: { billing: BILLING } }, after: { contacts: { billing: null } } },
    ]);
    // Null and already absent: nothing to do.
    expect(planContacts(d, liveFor(d), contacts({ security: SECURITY })).changes).toEqual([]);
  });

  it('notes accounts not created yet, and plans one account with --account', () => {
    const d = desired();
    const plan = planContacts(d, liveFor(d, ['dns']), new Map([[DNS, none]]));
    expect(brief(plan.changes)).toEqual(['contacts.put dns']);
    expect(plan.notes).toEqual(['foo: not in the organization yet; run sync-accounts first']);
    expect(brief(planContacts(d, liveFor(d), contacts({}, {}), { only: 'dns' }).changes)).toEqual(['contacts.put dns']);
  });

  it('puts the primary contact where it differs from the one the DSL layers, shown as an address', () => {
    const primary = { full_name: 'Ann Example', address_line1: '1 George St', city: 'Sydney', postal_code: '2000', country_code: 'AU', phone: '+61 2 9000 0000' };
    const d = desired([
      [['defaults', 'contacts', 'primary'], primary],
      [['accounts', 'foo', 'contacts'], { primary: { address_line1: '2 Pitt St' } }],
    ]);
    expect(d.accounts.find((a) => a.name === 'foo')!.settings.contacts.primary).toEqual({ ...primary, address_line1: '2 Pitt St' });
    const plan = planContacts(d, liveFor(d), contacts({ billing: BILLING, primary }, { billing: BILLING, primary }));
    expect(plan.changes).toEqual([
      {
        type: 'contacts.put',
        target: 'foo',
        reason: 'contact-changed',
        before: { account_id: FOO, contacts: { primary } },
        after: { contacts: { primary: { ...primary, address_line1: '2 Pitt St' } } },
      },
    ]);
    expect(renderPlanText(plan, style(false))).toContain('primary: Ann Example, 1 George St, Sydney, 2000, AU, +61 2 9000 0000 → Ann Example, 2 Pitt St, Sydney, 2000, AU, +61 2 9000 0000');
    // Not read (an account the DSL gives none): nothing planned for it.
    expect(planContacts(d, liveFor(d), contacts({ billing: BILLING }, { billing: BILLING })).changes).toEqual([]);
  });

  it('leaves accounts without contacts in the DSL out of the plan', () => {
    const d = desired([[['defaults', 'contacts'], {}]]);
    expect(planContacts(d, liveFor(d), new Map()).changes).toEqual([]);
  });
});

const regions = (foo: Record<string, RegionStatus>) => new Map([[FOO, { 'us-east-1': 'ENABLED_BY_DEFAULT' as const, ...foo }]]);

describe('planning enable-region', () => {
  const d = desired([
    [['accounts', 'foo', 'regions'], ['us-east-1', 'ap-southeast-2', 'ap-east-1', 'me-south-1']],
    [['accounts', 'foo', 'disabled_regions'], ['af-south-1']],
  ]);

  it('enables the opt-in regions of `regions` that are not enabled, one change per region', () => {
    const plan = planRegions(d, liveFor(d), regions({ 'ap-east-1': 'DISABLED', 'me-south-1': 'ENABLED', 'af-south-1': 'DISABLED' }));
    expect(plan.changes).toEqual([
      {
        type: 'region.enable',
        target: 'foo/ap-east-1',
        reason: 'not-enabled',
        before: { account_id: FOO, region: 'ap-east-1', status: 'DISABLED' },
        after: { region: 'ap-east-1', status: 'ENABLED' },
      },
    ]);
    expect(renderPlanText(plan, style(false))).toContain('+ region.enable  foo/ap-east-1 (500000000001)  DISABLED → ENABLED  (not-enabled)');
  });

  it('waits for a region already ENABLING rather than leaving it out', () => {
    const plan = planRegions(d, liveFor(d), regions({ 'ap-east-1': 'ENABLING', 'me-south-1': 'ENABLED', 'af-south-1': 'DISABLED' }));
    expect(plan.changes).toMatchObject([{ type: 'region.enable', target: 'foo/ap-east-1', reason: 'enabling' }]);
    expect(renderPlanText(plan, style(false))).toContain('ENABLING: wait until ENABLED');
  });

  it('disables only what disabled_regions lists, and notes enabled regions listed nowhere', () => {
    const plan = planRegions(d, liveFor(d), regions({ 'ap-east-1': 'ENABLED', 'me-south-1': 'ENABLED', 'af-south-1': 'ENABLED', 'eu-south-1': 'ENABLED' }));
    expect(brief(plan.changes)).toEqual(['region.disable foo/af-south-1']);
    expect(plan.notes).toEqual(['opt-in regions enabled but in neither regions nor disabled_regions, left alone: foo (eu-south-1)']);
  });

  it('plans nothing when every region is as the DSL says, and reads nothing for accounts without opt-in regions', () => {
    const plan = planRegions(d, liveFor(d), regions({ 'ap-east-1': 'ENABLED', 'me-south-1': 'ENABLED', 'af-south-1': 'DISABLED' }));
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  it('notes a region AWS does not list for the account', () => {
    const plan = planRegions(d, liveFor(d), regions({ 'me-south-1': 'ENABLED' }));
    expect(plan.changes).toEqual([]);
    expect(plan.notes).toContain(`foo: AWS does not list region ap-east-1 for account ${FOO}; it is left alone`);
  });
});
