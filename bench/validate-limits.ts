/**
 * validate at the limits on input: a 50 MB accounts.yml (refused by its size, unread), a
 * "billion laughs" (refused at its alias), and a file of broken accounts just under the
 * 4 MiB limit, the most a file can make orgvend do. Wall time and peak memory after each;
 * one JSON line each.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_DSL_BYTES } from '../src/config/input-limits.js';
import { parseConfig, readConfig } from '../src/config/load.js';
import { generateInvalidDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const peak = () => Math.round(process.resourceUsage().maxRSS / 1024);

// Written a slice at a time, so the benchmark's own copy does not count in its peak memory.
const dir = mkdtempSync(join(tmpdir(), 'orgvend-bench-'));
const path = join(dir, 'accounts.yml');
writeFileSync(path, generateInvalidDsl(0));
const slice = generateInvalidDsl(20_000).match(/^ {2}bad[\s\S]*?(?=^ecr_repositories:|^\S|(?![\s\S]))/m)![0];
while (statSync(path).size < 50 * 1024 * 1024) appendFileSync(path, slice);
const refused = await timeRuns(RUNS, async () => (await readConfig('accounts.yml', dir)).diagnostics[0]!.code);
console.log(JSON.stringify({ bench: 'validate (50 MB file)', file_mib: Math.round(statSync(path).size / 2 ** 20), outcome: refused.last, runs: RUNS, median_ms: refused.median_ms, peak_rss_mib: peak() }));
rmSync(dir, { recursive: true });

const laughs = ['  tags:', '    l0: &l0 [a, a, a, a, a, a, a, a, a]', ...Array.from({ length: 9 }, (_, i) => `    l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`)];
const bomb = generateInvalidDsl(0).replace(/^defaults:\n/m, `defaults:\n${laughs.join('\n')}\n`);
const bombed = await timeRuns(RUNS, () => parseConfig('accounts.yml', bomb).diagnostics[0]!.code);
console.log(JSON.stringify({ bench: 'validate (alias bomb)', values_if_expanded: 9 ** 10, outcome: bombed.last, runs: RUNS, median_ms: bombed.median_ms, peak_rss_mib: peak() }));

// As many broken accounts as fit under the limit: every entry is the same length.
const entry = Buffer.byteLength(generateInvalidDsl(1)) - Buffer.byteLength(generateInvalidDsl(0));
const count = Math.floor((MAX_DSL_BYTES - Buffer.byteLength(generateInvalidDsl(0))) / entry);
const full = generateInvalidDsl(count);
const broken = await timeRuns(RUNS, () => parseConfig('accounts.yml', full).diagnostics.length);
console.log(JSON.stringify({ bench: 'validate (4 MiB broken)', bad_accounts: count, file_kib: Math.round(Buffer.byteLength(full) / 1024), errors: broken.last, runs: RUNS, median_ms: broken.median_ms, min_ms: broken.min_ms, peak_rss_mib: peak() }));
