/**
 * import's inference and writing, on a live organization built in memory: what it writes
 * is a valid accounts.yml that plans nothing but the identifying tags against the same
 * organization, and --merge only adds.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { Desired } from '../../../src/config/resolve.js';
import { mergedRepositoryText, newRepositoryText } from '../../../src/import/document.js';
import { inferRepository, type ImportSources } from '../../../src/import/infer.js';
import { slugOf } from '../../../src/import/keys.js';
import { planContacts } from '../../../src/plan/account-settings.js';
import { planAccounts } from '../../../src/plan/accounts.js';
import { matchAccounts } from '../../../src/plan/match.js';
import type { LiveContacts } from '../../../src/protocol/requests.js';
import type { LivePolicy, LiveScps } from '../../../src/scp/model.js';
import type { Live, LiveAccount } from '../../../src/state/live.js';
import { dslText } from '../../helpers/dsl.js';
import { liveOrg } from '../../helpers/live.js';

/** The organization section alone, as an administrator writes it before the first import. */
const CONFIG = dslText([
  [['organization', 'dns_account'], undefined],
  [['defaults'], undefined],
  [['scopes'], {}],
  [['accounts'], {}],
  [['ecr_repositories'], undefined],
]);

const BILLING = { name: 'Finance', title: 'Billing', email: 'billing@example.com', phone: '+61 2 9000 0001' };
const SECURITY = { name: 'SecOps', title: 'Security', email: 'sec@example.com', phone: '+61 2 9000 0003' };
const DEEP = 'Internal/A/B/C/D';

function organization(): Live {
  const accounts: Partial<LiveAccount>[] = [
    { id: '200000000001', name: 'Payments: EU #1', email: 'pay-eu@example.com', ou: 'Internal/Prod', tags: { 'cost-center': 'platform', team: 'pay' } },
    { id: '200000000002', name: '*star', email: 'star@example.com', ou: 'Internal/Prod', tags: { 'cost-center': 'platform', team: 'pay' } },
    { id: '200000000003', name: 'Foo Bar', email: 'foo1@example.com', ou: 'Internal/Dev', tags: { 'cost-center': 'platform', team: 'web' } },
    { id: '200000000004', name: 'foo-bar', email: 'foo2@example.com', ou: 'Internal/Dev', tags: { 'cost-center': 'platform', team: 'web' } },
    { id: '200000000005', name: 'deep', email: 'deep@example.com', ou: DEEP, tags: { 'cost-center': 'research' } },
    { id: '200000000006', name: 'in-root', email: 'root-acct@example.com', ou: '' },
    { id: '200000000007', name: 'gone', email: 'gone@example.com', ou: 'Internal/Dev', status: 'SUSPENDED' },
    { id: '200000000008', name: 'elsewhere', email: 'else@example.com', ou: 'Sandbox/Team', tags: { 'cost-center': 'platform' } },
    { id: '200000000009', name: 'Foo Bar', email: 'foo3@example.com', ou: 'Internal/Dev' },
    // Named by the patterns ({name}-{environment}, aws+{name}@example.com) once its key is dev-tools.
    { id: '200000000010', name: 'dev-tools-prod', email: 'aws+dev-tools@example.com', ou: 'Internal/Dev', tags: { 'managed-by': 'orgvend', 'orgvend:name': 'dev-tools', 'orgvend:environment': 'prod', 'cost-center': 'platform', team: 'web' } },
  ];
  return liveOrg(['Internal', 'Morgue', 'Internal/Dev', 'Internal/Prod', 'Internal/A', 'Internal/A/B', 'Internal/A/B/C', DEEP, 'Sandbox', 'Sandbox/Team'], accounts);
}

function sources(live: Live): ImportSources {
  const contacts = new Map<string, LiveContacts>(
    live.accounts.map((a) => [a.id, { billing: BILLING, operations: null, security: a.ou === 'Internal/Prod' ? SECURITY : null }]),
  );
  const desired = parseConfig('accounts.yml', CONFIG).desired!;
  return { organization: desired.organization, fallback: { region: 'ap-southeast-2', regions: ['ap-southeast-2', 'us-east-1'], globalRegion: 'us-east-1' }, live, contacts };
}

function parsed(text: string): Desired {
  const result = parseConfig('accounts.yml', text);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.desired!;
}

/** Every change sync-accounts and put-contacts would plan, apart from tags that only add orgvend's identifying ones. */
function changesBeyondIdentityTags(desired: Desired, live: Live, contacts: ImportSources['contacts']) {
  const accounts = planAccounts(desired, live, { now: new Date('2026-01-01') }).changes.filter(
    (c) => !(c.type === 'account.tag' && Object.entries((c.after as { tags: Record<string, string | null> }).tags).every(([k, v]) => (k === 'managed-by' || k.startsWith('orgvend:')) && v !== null)),
  );
  return [...accounts, ...planContacts(desired, live, contacts).changes];
}

describe('import', () => {
  it('slugs names into DSL keys', () => {
    expect(slugOf('Payments: EU #1')).toBe('payments-eu-1');
    expect(slugOf('*star')).toBe('star');
    expect(slugOf('Café Ünïcode')).toBe('cafe-unicode');
    expect(slugOf('###')).toBe('');
  });

  it('writes a valid accounts.yml that plans nothing but the identifying tags', () => {
    const live = organization();
    const imported = inferRepository(sources(live));
    const text = newRepositoryText(CONFIG, imported);
    const desired = parsed(text);
    expect(changesBeyondIdentityTags(desired, live, sources(live).contacts)).toEqual([]);
    // Every imported account is matched to its live account, none left unmanaged but those not imported.
    const matching = matchAccounts(desired.accounts, live);
    expect(matching.matches.every((m) => m.live)).toBe(true);
    expect(matching.unmanaged.map((a) => a.name).sort()).toEqual(['Foo Bar', 'gone', 'in-root']);
  });

  it("writes the accounts' primary contact once, in defaults, when all share it; that plans nothing either", () => {
    const live = organization();
    const primary = { full_name: 'Ann Example', company_name: 'Example Pty Ltd', address_line1: '1 George St', city: 'Sydney', postal_code: '2000', country_code: 'AU', phone: '+61290000000' };
    const withPrimary = (of: (id: string) => typeof primary | null) => {
      const base = sources(live);
      return { ...base, contacts: new Map([...base.contacts].map(([id, c]) => [id, { ...c, primary: of(id) }])) };
    };
    const shared = withPrimary(() => ({ ...primary }));
    const imported = inferRepository(shared);
    expect(imported.defaults.contacts?.primary).toEqual(primary);
    const desired = parsed(newRepositoryText(CONFIG, imported));
    expect(desired.accounts.every((a) => JSON.stringify(a.settings.contacts?.primary) === JSON.stringify(primary))).toBe(true);
    expect(changesBeyondIdentityTags(desired, live, shared.contacts)).toEqual([]);

    // One account without the company name: a layer could not say that, so nothing is written, and it is said.
    const differing = inferRepository(withPrimary((id) => (id === '200000000003' ? { ...primary, company_name: undefined } as never : { ...primary })));
    expect(differing.defaults.contacts?.primary).toBeUndefined();
    expect(differing.reports).toContain("contacts.primary left out: the accounts' primary contacts differ (2 different); set them in accounts.yml for orgvend to keep them, and until then put-contacts leaves them alone");
    // Not read (the emulator has no API for it): nothing written, nothing said here (import says it once).
    const unread = inferRepository(sources(live));
    expect(unread.defaults.contacts?.primary).toBeUndefined();
    expect(unread.reports.join('\n')).not.toContain('primary');
  });

  it('lifts shared values into defaults and scopes, and pins names only where the patterns do not make them', () => {
    const live = organization();
    const imported = inferRepository(sources(live));
    expect(imported.defaults).toMatchObject({ region: 'ap-southeast-2', tags: { 'cost-center': 'platform' }, contacts: { billing: BILLING } });
    const scopes = Object.fromEntries(imported.scopes);
    expect(scopes.prod).toEqual({ organization_unit: 'Internal/Prod', tags: { team: 'pay' }, contacts: { security: SECURITY } });
    expect(scopes.d).toMatchObject({ organization_unit: DEEP });
    const accounts = Object.fromEntries(imported.accounts);
    // Awkward names: slugged keys, the AWS name kept exactly.
    expect(accounts['payments-eu-1']).toEqual({ scope: 'prod', aws_name: 'Payments: EU #1', email: 'pay-eu@example.com' });
    expect(accounts.star).toEqual({ scope: 'prod', aws_name: '*star', email: 'star@example.com' });
    // An account orgvend tagged keeps its key; its name and email come from the patterns.
    expect(accounts['dev-tools']).toEqual({ scope: 'dev' });
    expect(accounts.deep).toMatchObject({ tags: { 'cost-center': 'research' } });
    // The collision is resolved and reported.
    expect(accounts['foo-bar-0004']).toMatchObject({ aws_name: 'foo-bar' });
    expect(imported.reports).toContain('account foo-bar (200000000004) is foo-bar-0004: foo-bar is another account\'s');
    expect(imported.roots).toEqual(['Sandbox']);
  });

  it('writes awkward names so they read back as written', () => {
    const text = newRepositoryText(CONFIG, inferRepository(sources(organization())));
    const desired = parsed(text);
    expect(desired.accounts.map((a) => a.awsName)).toEqual(expect.arrayContaining(['Payments: EU #1', '*star', 'Foo Bar']));
    expect(text).toContain('# Not imported');
    expect(text).toMatch(/# in-root \(200000000006\) <root-acct@example.com>: in the Root/);
    expect(text).toMatch(/# gone \(200000000007\) .*: suspended/);
    expect(text).toMatch(/# Foo Bar \(200000000009\) .*same AWS name/);
    expect(text).toMatch(/# management \(111111111111\) .*the management account/);
  });

  it('with --merge adds only the accounts no entry matches, keeping what was written and its comments', () => {
    const live = organization();
    const first = newRepositoryText(CONFIG, inferRepository(sources(live)));
    // A person edits the file: a comment, a value of their own, and an entry removed.
    const edited = first.replace('  star:\n', '  # the star account, renamed by hand\n  star:\n    description: Stars.\n').replace(/ {2}deep:\n(?: {4}.*\n)+/, '');
    const before = parsed(edited);
    expect(before.accounts.some((a) => a.name === 'deep')).toBe(false);
    const again = live.accounts.filter((a) => matchAccounts(before.accounts, live).matches.every((m) => m.live?.id !== a.id));
    const existing = { defaults: {}, scopes: Object.fromEntries(Object.entries(before.scopes)), accountNames: before.accounts.map((a) => a.name), matched: new Set(live.accounts.filter((a) => !again.includes(a)).map((a) => a.id)), policies: new Set<string>() };
    const raw = parseConfig('accounts.yml', edited);
    const imported = inferRepository(sources(live), { ...existing, defaults: (raw.source!.toJS() as { defaults: object }).defaults });
    expect(imported.accounts.map(([name]) => name)).toEqual(['deep']);
    const merged = mergedRepositoryText(edited, imported);
    // Every line the person wrote is still there, in order.
    expect(merged.startsWith(edited.slice(0, edited.indexOf('  # Not imported')))).toBe(true);
    const desired = parsed(merged);
    expect(changesBeyondIdentityTags(desired, live, sources(live).contacts)).toEqual([]);
    // Merged again: nothing more to add.
    const matched = new Set(matchAccounts(desired.accounts, live).matches.flatMap((m) => (m.live ? [m.live.id] : [])));
    expect(inferRepository(sources(live), { ...existing, matched, accountNames: desired.accounts.map((a) => a.name) }).accounts).toEqual([]);
  });

  it('writes the other policy types under policies/<type>/<place>/, one place each; leaves out what a file there cannot say', () => {
    const live = organization();
    const livePolicy = (name: string, targetPaths: string[], content: object, aws_managed = false): LivePolicy => ({ id: `p-${name}`, name, description: '', aws_managed, content: JSON.stringify(content), tags: {}, targets: [], targetPaths });
    const tags = { tags: { costcenter: { tag_key: { '@@assign': 'CostCenter' } } } };
    const optOut = { services: { default: { opt_out_policy: { '@@assign': 'optOut' } } } };
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Principal: '*' }] };
    const scps: LiveScps = {
      enabled: true,
      policies: [livePolicy('deny-gpu', ['Internal/Dev', 'Internal/Prod'], { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ec2:RunInstances', Resource: '*' }] })],
      others: [
        { type: 'TAG_POLICY', enabled: true, policies: [livePolicy('cost-centre', ['Root'], tags), livePolicy('team-tags', ['Internal/Prod', 'account:200000000001'], tags), livePolicy('known', ['Root'], tags)] },
        { type: 'AISERVICES_OPT_OUT_POLICY', enabled: true, policies: [livePolicy('opt-out', ['Internal/Dev', 'Internal/Prod'], optOut)] },
        { type: 'RESOURCE_CONTROL_POLICY', enabled: true, policies: [livePolicy('RCPFullAWSAccess', ['Root'], deny, true), livePolicy('deny-puts', [DEEP], deny)] },
        { type: 'BACKUP_POLICY', enabled: false, policies: [] },
      ],
    };
    const existing = { defaults: {}, scopes: {}, accountNames: [], matched: new Set<string>(), policies: new Set(['tag/known']) };
    const imported = inferRepository({ ...sources(live), scps }, existing);
    expect(imported.policies.map((p) => [p.file, p.targets])).toEqual([
      ['scps/_library/deny-gpu.json', ['Internal/Dev', 'Internal/Prod']],
      ['policies/tag/Root/cost-centre.json', ['Root']],
      ['policies/tag/Internal/Prod/team-tags.json', ['Internal/Prod']],
      ['policies/rcp/Internal/A/B/C/D/deny-puts.json', [DEEP]],
    ]);
    expect(JSON.parse(imported.policies[1]!.content)).toEqual(tags);
    // Only SCPs have a library: the other types' attachments to several places are not written.
    expect(imported.attachments).toEqual({ 'deny-gpu': ['Internal/Dev', 'Internal/Prod'] });
    expect(imported.reports).toContain('policy ai-opt-out/opt-out (p-opt-out) left out: it is attached to Internal/Dev, Internal/Prod, and a file under policies/ai-opt-out/ is attached to one place; it stays as it is');
    expect(imported.reports).toContain('policy tag/team-tags: its attachments to account:200000000001 are left out (accounts.yml attaches policies to the root and the OUs it uses); they stay as they are');
    expect(imported.reports.join('\n')).not.toMatch(/RCPFullAWSAccess|tag\/known/);
  });
});
