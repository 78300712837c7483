/**
 * `npm run bench`: every benchmark in its own process (so peak memory is its own), then a
 * table of the figures. Benchmarks measure; they never pass or fail.
 */
import { execFileSync } from 'node:child_process';

// Compiled by `npm run bench` (tsconfig.bench.json) so the product runs as it does in use.
const BENCHES = ['validate.js', 'validate-invalid.js', 'validate-limits.js', 'plan.js', 'access.js', 'render.js', 'comment.js', 'request-auth.js', 'throttling.js', 'sync-sandbox.js', 'bootstrap-sandbox.js', 'account-reads.js', 'sandbox-polls.js', 'moto-accounts.js'];
// Minutes of setup (1,000 accounts created on moto one by one): only when asked.
if (process.env.ORGVEND_BENCH_IMPORT === '1') BENCHES.push('import-sandbox.js');

/**
 * The sandbox's sync-accounts at a size whose setup (every account bootstrapped, on one
 * moto) fits the run, a few minutes: 100 accounts without VPCs. BENCH_LIVE_ACCOUNTS=1000 and
 * BENCH_VPC=all for the figures of issue 15's goals, which the bench run alone measures.
 */
const SIZES: Record<string, Record<string, string>> = {
  'sync-sandbox.js': { BENCH_LIVE_ACCOUNTS: process.env.BENCH_LIVE_ACCOUNTS ?? '100', BENCH_VPC: process.env.BENCH_VPC ?? 'none' },
};

const rows: Record<string, unknown>[] = [];
for (const bench of BENCHES) {
  const out = execFileSync(process.execPath, [new URL(bench, import.meta.url).pathname], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...SIZES[bench] },
  });
  for (const line of out.split('\n').filter((l) => l.startsWith('{'))) rows.push(JSON.parse(line));
}
for (const row of rows) {
  const { bench, ...figures } = row;
  console.log(`${String(bench).padEnd(24)} ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join('  ')}`);
}
console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}`);
