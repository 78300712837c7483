/** validate + resolve of a 5,000-account DSL: wall time and peak memory. Prints one JSON line. */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/load.js';
import { generateDsl } from './generate-dsl.js';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5000);
const RUNS = 5;

const text = generateDsl(ACCOUNTS);
const times: number[] = [];
let accounts = 0;
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const result = parseConfig('accounts.yml', text);
  times.push(performance.now() - start);
  if (!result.desired) throw new Error(`generated DSL is invalid: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
  accounts = result.desired.accounts.length;
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'validate+resolve',
    accounts,
    file_kib: Math.round(Buffer.byteLength(text) / 1024),
    runs: RUNS,
    median_ms: Math.round(times[Math.floor(RUNS / 2)]!),
    min_ms: Math.round(times[0]!),
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
