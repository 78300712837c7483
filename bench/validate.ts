/**
 * validate + resolve of a 5,000-account DSL: wall time and peak memory. Then `validate` of
 * the repository's example as one runs it, the built CLI (dist/, `npm run build`) in a
 * fresh process each time, beside `--help`'s start-up: its own work is the difference; its
 * first run after a build (which saves the code cache) apart, and runs after an edit (a new
 * account in accounts.yml each time, as in a pull request: what the run cache kept holds for
 * all but the new account). Node's own start (`node -e ''`) beside them, for the machine's
 * speed: an environment's NODE_EXTRA_CA_CERTS alone adds tens of ms to every start. Then
 * the CLI's `validate` of the 5,000 accounts, templates rendered for each included.
 * Prints one JSON line for each.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheFiles } from '../src/cli/bundle.js';
import { parseConfig } from '../src/config/load.js';
import { generateDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';
import { BENCH_ACCOUNTS_YML, copyBenchRepo } from './repo.js';

// The built CLI, as it runs in use (build/bench has no package.json beside it for --version).
const CLI = 'dist/cli/main.js';
// validate's caches beside the one-file build (src/cli/bundle.ts).
const VALIDATE_CACHES = Object.values(cacheFiles('dist/cli/orgvend.cjs', 'validate'));

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

// The example, as the benches keep it (bench/repo.ts).
const cli = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const CLI_RUNS = 7;
if (!existsSync(CLI)) {
  console.log(JSON.stringify({ bench: 'validate example', skipped: `${CLI} is not built: npm run build` }));
} else {
  const node = await timeRuns(CLI_RUNS, () => execFileSync(process.execPath, ['-e', '']));
  const help = await timeRuns(CLI_RUNS, () => cli('--help'));
  // The first run after a build compiles everything and saves validate's caches; the others start from them.
  for (const file of VALIDATE_CACHES) rmSync(file, { force: true });
  const first = await timeRuns(1, () => cli('--action', 'validate', '--config', BENCH_ACCOUNTS_YML));
  const example = await timeRuns(CLI_RUNS, () => cli('--action', 'validate', '--config', BENCH_ACCOUNTS_YML));
  const edited = mkdtempSync(join(tmpdir(), 'orgvend-bench-edited-'));
  copyBenchRepo(edited);
  const exampleText = readFileSync(BENCH_ACCOUNTS_YML, 'utf8');
  let added = 0;
  const afterEdit = await timeRuns(CLI_RUNS, () => {
    added += 1;
    const text = exampleText.replace('\naccounts:\n', `\naccounts:\n  bench-${added}:\n    service: bench${added}\n    scope: dev\n`);
    writeFileSync(join(edited, 'accounts.yml'), text);
    return cli('--action', 'validate', '--config', join(edited, 'accounts.yml'));
  });
  rmSync(edited, { recursive: true, force: true });
  if (!afterEdit.last.includes('13 accounts')) throw new Error(`the edited example did not validate as 13 accounts: ${afterEdit.last}`);
  console.log(
    JSON.stringify({
      bench: 'validate example',
      summary: example.last.trim(),
      runs: CLI_RUNS,
      median_ms: example.median_ms,
      min_ms: example.min_ms,
      first_run_ms: first.median_ms,
      after_edit_median_ms: afterEdit.median_ms,
      code_cache: VALIDATE_CACHES.every((file) => existsSync(file)),
      node_start_median_ms: node.median_ms,
      help_median_ms: help.median_ms,
      own_median_ms: example.median_ms - help.median_ms,
    }),
  );

  // The same DSL as above, as one runs validate on it: every per-account template rendered for each account and checked.
  const repo = mkdtempSync(join(tmpdir(), 'orgvend-bench-validate-'));
  try {
    copyBenchRepo(repo);
    writeFileSync(join(repo, 'accounts.yml'), text);
    const large = await timeRuns(3, () => cli('--action', 'validate', '--config', join(repo, 'accounts.yml')));
    console.log(JSON.stringify({ bench: 'validate (CLI)', accounts: desired.accounts.length, summary: large.last.trim().replace(/^\S+ /, ''), runs: 3, median_ms: large.median_ms, min_ms: large.min_ms }));
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
