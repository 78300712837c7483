/**
 * sync-access's plan (pure) for 5,000 accounts × 5 groups: 25,000 assignments of two
 * permission sets, against an Identity Center that has most of them, a few to remove and
 * one set to update. Pure planning time only (goal: under a second) and memory.
 */
import { parseDocument } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { permissionSetValue, planAccess, type LiveAccess } from '../src/plan/access.js';
import type { LiveAssignment } from '../src/protocol/requests.js';
import type { Live } from '../src/state/live.js';
import { generateDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5000);
const RUNS = 5;
const GROUPS = ['Platform Admins', 'SRE', 'Developers', 'Auditors', 'Finance'];

// The generated DSL, its access given to Identity Center: admin for two groups, ro for three, in every account.
const doc = parseDocument(generateDsl(ACCOUNTS));
doc.setIn(['organization', 'identity_center'], doc.createNode({
  permission_sets: {
    admin: { description: 'Full access', session_duration: 'PT4H', managed_policies: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
    ro: { managed_policies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], inline_policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] } },
  },
}));
for (const section of ['scopes', 'accounts']) {
  for (const name of Object.keys((doc.getIn([section]) as { toJSON(): Record<string, unknown> }).toJSON())) doc.deleteIn([section, name, 'access']);
}
doc.setIn(['defaults', 'access'], doc.createNode({ admin: GROUPS.slice(0, 2), ro: GROUPS.slice(2) }));
const parsed = parseConfig('accounts.yml', doc.toString());
if (!parsed.desired) throw new Error(JSON.stringify(parsed.diagnostics.slice(0, 3)));
const desired = parsed.desired;

const live: Live = {
  organizationId: 'o-bench', rootId: 'r-root', managementAccountId: '111111111111',
  ous: desired.ous.map((path, i) => ({ id: `ou-${i}`, name: path.split('/').at(-1)!, path, parent_id: 'r-root' })),
  accounts: desired.accounts.map((a, i) => ({ id: String(600000000000 + i), arn: '', name: a.awsName, email: a.email, status: 'ACTIVE', parent_id: 'ou-0', ou: a.settings.organization_unit, tags: a.tags })),
};
const center = desired.organization.identity_center!;
const arn = (n: number) => `arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-${String(n).padStart(16, '0')}`;
const groupId = (g: number) => `0000000${g}-0000-0000-0000-000000000000`;
const assignments: LiveAssignment[] = [];
live.accounts.forEach((account, i) => {
  GROUPS.forEach((_, g) => {
    // Most assignments are there; every 10th account lacks one, every 25th has one too many.
    if (i % 10 === 0 && g === 4) return;
    assignments.push({ account_id: account.id, permission_set_arn: arn(g < 2 ? 1 : 2), principal_type: 'GROUP', principal_id: groupId(g) });
  });
  if (i % 25 === 0) assignments.push({ account_id: account.id, permission_set_arn: arn(1), principal_type: 'GROUP', principal_id: groupId(3) });
});
const access: LiveAccess = {
  instanceArn: 'arn:aws:sso:::instance/ssoins-0000000000000000',
  identityStoreId: 'd-0000000000',
  permissionSets: [
    { name: 'orgvend-admin', arn: arn(1), ...permissionSetValue(center.permission_sets.admin!), session_duration: 'PT1H' },
    { name: 'orgvend-ro', arn: arn(2), ...permissionSetValue(center.permission_sets.ro!) },
  ],
  groups: new Map(GROUPS.map((g, i) => [g, groupId(i)])),
  assignments,
};

const pure = await timeRuns(RUNS, () => planAccess(desired, live, access));
console.log(JSON.stringify({
  bench: 'plan sync-access (pure)',
  accounts: live.accounts.length,
  groups: GROUPS.length,
  assignments: assignments.length,
  changes: pure.last.changes.length,
  median_ms: pure.median_ms,
  min_ms: pure.min_ms,
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
}));
