/** planAccounts, then planScps, for 5,000 desired accounts against 5,000 live ones (pure): wall time and memory. */
import { parseConfig } from '../src/config/load.js';
import { planAccounts } from '../src/plan/accounts.js';
import { planScps } from '../src/plan/scps.js';
import { loadScps } from '../src/scp/load.js';
import type { Live } from '../src/state/live.js';
import { generateDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';
import { BENCH_REPO } from './repo.js';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5000);
const RUNS = 5;

const desired = parseConfig('accounts.yml', generateDsl(ACCOUNTS)).desired!;
// A live organization where most accounts match, some moved, some retagged, some missing, some retired.
const ous = desired.ous.map((path, i) => ({ id: `ou-${i}`, name: path.split('/').at(-1)!, path, parent_id: 'r-root' }));
const ouId = new Map(ous.map((o) => [o.path, o.id]));
const live: Live = {
  organizationId: 'o-bench', rootId: 'r-root', managementAccountId: '111111111111', ous,
  accounts: desired.accounts.map((a, i) => {
    const ou = i % 50 === 0 ? 'Internal/Standard' : a.settings.organization_unit;
    const tags = i % 40 === 0 ? { ...a.tags, 'cost-center': 'old' } : a.tags;
    return { id: String(600000000000 + i), arn: '', name: a.awsName, email: i % 100 === 0 ? `old-${a.email}` : a.email, status: 'ACTIVE', parent_id: ouId.get(ou)!, ou, tags };
  }).filter((_, i) => i % 97 !== 0),
};

const pure = await timeRuns(RUNS, () => planAccounts(desired, live, { now: new Date('2026-11-23T00:00:00Z') }).changes.length);
console.log(JSON.stringify({
  bench: 'plan (pure)',
  desired: desired.accounts.length,
  live: live.accounts.length,
  changes: pure.last,
  median_ms: pure.median_ms,
  min_ms: pure.min_ms,
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
}));

// sync-scps' plan for the same organization: the repository's policies against one where
// SCPs are enabled and only FullAWSAccess is attached, so every account's policies change
// and the preview evaluates every sample for every account, before and after.
const { scps } = await loadScps(desired, BENCH_REPO, undefined);
const fullAwsAccess = {
  id: 'p-FullAWSAccess', name: 'FullAWSAccess', description: '', aws_managed: true, tags: {}, targets: [],
  content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  targetPaths: ['Root', ...ous.map((o) => o.path), ...live.accounts.map((a) => `account:${a.id}`)],
};
const scp = await timeRuns(RUNS, () => planScps(desired, scps!, live, { enabled: true, policies: [fullAwsAccess] }, { stage: 'all' }).plan);
const transitions = (scp.last.preview ?? []).reduce((n, s) => n + s.transitions.length, 0);
console.log(JSON.stringify({
  bench: 'plan sync-scps',
  accounts: live.accounts.length,
  samples: desired.organization.scps.samples.length,
  changes: scp.last.changes.length,
  transitions,
  median_ms: scp.median_ms,
  min_ms: scp.min_ms,
}));
