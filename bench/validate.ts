/** validate + resolve of a 5,000-account DSL: wall time and peak memory. Prints one JSON line. */
import { parseConfig } from '../src/config/load.js';
import { generateDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5000);
const RUNS = 5;

const text = generateDsl(ACCOUNTS);
const { median_ms, min_ms, last: desired } = await timeRuns(RUNS, () => {
  const result = parseConfig('accounts.yml', text);
  if (!result.desired) throw new Error(`generated DSL is invalid: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
  return result.desired;
});
console.log(
  JSON.stringify({
    bench: 'validate+resolve',
    accounts: desired.accounts.length,
    file_kib: Math.round(Buffer.byteLength(text) / 1024),
    runs: RUNS,
    median_ms,
    min_ms,
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
