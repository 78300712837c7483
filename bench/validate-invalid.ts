/**
 * validate of a DSL with 40,000 broken accounts, as the CLI reports it: every problem
 * placed at its line, then rendered (at most the first 100, and how many more). Wall time,
 * problems found, bytes printed, peak memory. Prints one JSON line.
 */
import { parseConfig } from '../src/config/load.js';
import { renderDiagnostics } from '../src/views/diagnostics.js';
import { style } from '../src/views/style.js';
import { generateInvalidDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';

const ACCOUNTS = Number(process.env.BENCH_BAD_ACCOUNTS ?? 40000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const text = generateInvalidDsl(ACCOUNTS);
const { median_ms, min_ms, last } = await timeRuns(RUNS, () => {
  const { desired, diagnostics } = parseConfig('accounts.yml', text);
  if (desired) throw new Error('the broken DSL was accepted');
  return { errors: diagnostics.filter((d) => d.severity === 'error').length, printed: renderDiagnostics(diagnostics, style(false)).length };
});
console.log(
  JSON.stringify({
    bench: 'validate (broken)',
    bad_accounts: ACCOUNTS,
    file_kib: Math.round(Buffer.byteLength(text) / 1024),
    errors: last.errors,
    printed_kib: Math.round(last.printed / 1024),
    runs: RUNS,
    median_ms,
    min_ms,
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
