/** planAccounts for 5,000 desired accounts against 5,000 live ones (pure): wall time and memory. */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/load.js';
import { planAccounts } from '../src/plan/accounts.js';
import type { Live } from '../src/state/live.js';
import { generateDsl } from './generate-dsl.js';

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

const times: number[] = [];
let changes = 0;
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  changes = planAccounts(desired, live, { now: new Date('2026-11-23T00:00:00Z') }).changes.length;
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({
  bench: 'plan (pure)',
  desired: desired.accounts.length,
  live: live.accounts.length,
  changes,
  median_ms: Math.round(times[Math.floor(RUNS / 2)]!),
  min_ms: Math.round(times[0]!),
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
}));
