/**
 * sync-accounts on an organization of 1,000 generated accounts (BENCH_LIVE_ACCOUNTS; with the
 * example's 10 entries and 3 core accounts, `live_accounts` counts all, 1,013) on the
 * bench's own moto, the CLI itself (runCli, in this process) run as CI runs it, every live
 * account carrying orgvend's stack, its parameters and its VPC stack as `bootstrap` and a
 * previous `sync-accounts --execute` left them (BENCH_BOOTSTRAPPED=none: no member is
 * bootstrapped, as with bootstrap_new_accounts false). The handlers are served by the
 * worker in this process, one queue per bootstrapped account, as the sandbox's worker
 * serves them. The setup is timed apart (`setup_ms`) and measured no further.
 *
 * 1. A no-op dry run: the whole read the CLI makes (readLive, then the parameters and
 *    stacks of each bootstrapped account its orgvend:applied tag does not vouch for:
 *    withAccountState) and its plan, which must have no change; then the same with
 *    --refresh, every bootstrapped account read. The setup ends with the
 *    `sync-accounts --execute` that tags them. Wall time, messages on the bus, AWS calls (per live account: the CLI's, the
 *    handlers', both; the worker's polling of its queues apart, which Lambda's event source
 *    mapping makes in AWS), peak memory of this process (CLI and worker) and of moto, during
 *    the dry run alone.
 * 2. render-templates and put-contacts (BENCH_OTHERS: which; none: neither), each: its
 *    first `--execute` (every template checked by cfn-lint and ValidateTemplate and looked
 *    up in each artifact bucket, or every account's contacts read; then uploaded or put,
 *    and the buckets' indexes or the accounts' tags written), a dry run with nothing changed
 *    (the indexes and tags vouch for everything: nothing checked or read), then the same with
 *    --refresh (everything checked and read, as every run did before the indexes and tags).
 *    Wall time, and the calls that grow with the organization.
 *    `pr-plans` (in BENCH_OTHERS, as by default): the seven plans of a pull request
 *    (scripts/ci.sh plan's actions, as dry runs one after another), each reading the
 *    organization itself, then all given one --shared-read file as ci.sh gives them: wall
 *    time of the seven, LIST_ACCOUNTS requests and the handlers' tag reads.
 * 3. Creating 50 accounts (BENCH_NEW_ACCOUNTS; 0: not measured): accounts.yml gains 50
 *    entries and `sync-accounts --execute` runs the product's whole path (the read before,
 *    the creations and their bootstrap by the management handler, the read of what they
 *    touched, the follow-up: parameters and VPC stacks, and its read). Wall time, whether it
 *    converged and the next plan is empty, the organization reads it asked for and the
 *    handlers' creation-history and OU-path calls.
 *
 * BENCH_PROFILE=1: each run's requests and AWS calls by operation, on stderr.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchOrganization, byOperation, peakRssMb, requestsByType, resetPeakRss, type CliRun } from './cli-organization.js';
import { generateDsl } from './generate-dsl.js';

const LIVE = Number(process.env.BENCH_LIVE_ACCOUNTS ?? 1000);
const NEW = Number(process.env.BENCH_NEW_ACCOUNTS ?? 50);
const BOOTSTRAPPED = (process.env.BENCH_BOOTSTRAPPED ?? 'all') === 'all';
/** BENCH_VPC=none: no account has a VPC (create_vpc false everywhere), which saves most of the setup (a VPC stack on moto takes ~0.7 s of its one CPU). */
const VPC = (process.env.BENCH_VPC ?? 'all') === 'all';
/** BENCH_RECORDER=none: no account records AWS Config (the example's config_recorder left out), which saves a handler request per account in the setup's convergence, and its 4 regions of calls. */
const RECORDER = (process.env.BENCH_RECORDER ?? 'all') === 'all';
/**
 * BENCH_SETTINGS=lean: accounts get orgvend's stack and parameters and nothing else (no VPC, no
 * Config recorder, no Block Public Access, no customization stack, no access mapping in the
 * identity account), the cheapest setup for a large organization. A no-op dry run reads none
 * of them where the applied tag vouches for the account (`parameter_reads`, `stack_reads`):
 * its cost is the same.
 */
const LEAN = process.env.BENCH_SETTINGS === 'lean';
/** BENCH_REFRESH=none: the dry run with --refresh (every bootstrapped account read) left out. */
const REFRESH = (process.env.BENCH_REFRESH ?? 'all') === 'all';
/** scripts/ci.sh plan's actions, in its order. */
const PR_PLANS = ['sync-accounts', 'sync-scps', 'sync-security', 'sync-access', 'put-contacts', 'enable-region', 'render-templates'];
/** BENCH_OTHERS: what else is measured (2.), comma-separated: render-templates, put-contacts, pr-plans; none: nothing. */
const OTHERS = (process.env.BENCH_OTHERS ?? 'render-templates,put-contacts,pr-plans').split(',').filter((a) => a && a !== 'none');

/** accounts.yml with `accounts` generated entries; new accounts in one batch over the example's limit of 20, raised as a team creating them at once would. */
function dslOf(accounts: number): string {
  let dsl = generateDsl(accounts).replace(/^( +max_new_accounts:) \d+$/m, `$1 ${Math.max(NEW, 20)}`);
  if (!VPC || LEAN) dsl = dsl.replaceAll('create_vpc: true', 'create_vpc: false');
  if (!RECORDER || LEAN) dsl = dsl.replace(/^ {2}config_recorder: true\n/m, '');
  if (LEAN) dsl = dsl.replace(/^ {2}s3_block_public_access: true\n/m, '').replace(/^ {4}(?:customizations|access):\n(?: {6}.*\n)+/gm, '');
  return BOOTSTRAPPED ? dsl : dsl.replace(/^organization:\n/m, 'organization:\n  bootstrap_new_accounts: false\n');
}

const failed = (what: string, run: CliRun) => new Error(`${what} (exit ${run.code}):\n${run.out.slice(-4000)}\n${run.err.slice(-4000)}`);
const profile = (run: CliRun) => {
  if (process.env.BENCH_PROFILE) console.error(JSON.stringify({ requests: requestsByType(run.cli), cli: byOperation(run.cli), handlers: byOperation(run.handlers), polling: byOperation(run.polling) }));
};

const setupStart = performance.now();
const org = await benchOrganization({ dsl: dslOf(LIVE), bootstrapped: BOOTSTRAPPED });
try {
  // Parameters, settings and stacks, as the run that created the accounts would have left
  // them (with BENCH_BOOTSTRAPPED=none, in the core accounts alone, which the sandbox bootstraps).
  // Pass after pass while one plans changes, as the CLI's follow-up does (an entry with an
  // account id is tagged, then bootstrapped); once a pass leaves none undone, the recording run
  // below carries out what it made possible (a pass's plan reads every account: minutes at 10,000).
  for (let pass = 1; pass <= 4; pass++) {
    const started = performance.now();
    const { planned, failed } = await org.converge();
    console.error(`setup: ${planned - failed} of ${planned} changes (tags, bootstraps, parameters, VPC stacks) carried out in ${Math.round(performance.now() - started)} ms`);
    if (!planned || (!failed && BOOTSTRAPPED)) break;
  }
  if (BOOTSTRAPPED) {
    // As the run that converged them would have: each account found as the repository says is tagged orgvend:applied.
    const recorded = await org.cli('--action', 'sync-accounts', '--execute');
    if (recorded.code !== 0) throw failed('setup: recording the applied state failed', recorded);
    console.error(`setup: ${recorded.err.match(/recorded \d+ accounts?/)?.[0] ?? 'recorded nothing'} in ${recorded.wall_ms} ms`);
  }
  const setup = performance.now() - setupStart;

  const perAccount = (calls: number) => Math.round((calls / org.liveAccounts) * 100) / 100;
  // With the applied tags (what CI's plans do), then with --refresh (every account read: the nightly run, and every plan before the tags).
  for (const refresh of BOOTSTRAPPED && REFRESH ? [false, true] : [false]) {
    resetPeakRss('self');
    resetPeakRss(org.motoPid);
    const noop = await org.cli('--action', 'sync-accounts', '--detailed-exitcode', ...(refresh ? ['--refresh'] : []));
    if (noop.code !== 0 || !noop.out.includes('No changes.')) throw failed('the no-op dry run planned changes', noop);
    const requests = requestsByType(noop.cli);
    console.log(JSON.stringify({
      bench: `dry-run sync${refresh ? ' --refresh' : ''} (sandbox)`,
      live_accounts: org.liveAccounts,
      bootstrapped: BOOTSTRAPPED ? 'all' : 'none',
      vpc: VPC && !LEAN ? 'all' : 'none',
      settings: LEAN ? 'lean' : 'all',
      served_accounts: org.served(),
      changes: 0,
      setup_ms: Math.round(setup),
      wall_ms: noop.wall_ms,
      bus_messages: [...noop.cli, ...noop.handlers].filter((c) => c.operation === 'PutEvents').length,
      requests: Object.values(requests).reduce((a, b) => a + b, 0),
      parameter_reads: requests.GET_PARAMETERS ?? 0,
      stack_reads: requests.GET_STACKS ?? 0,
      aws_calls_cli: noop.cli.length,
      aws_calls_handlers: noop.handlers.length,
      worker_polls: noop.polling.length,
      tag_reads: noop.handlers.filter((c) => c.operation === 'ListTagsForResource').length,
      aws_calls_per_account: perAccount(noop.cli.length + noop.handlers.length),
      aws_calls_per_account_cli: perAccount(noop.cli.length),
      aws_calls_per_account_handlers: perAccount(noop.handlers.length),
      peak_rss_mb: peakRssMb('self'),
      moto_peak_rss_mb: peakRssMb(org.motoPid),
    }));
    profile(noop);
  }

  // The other actions of a pull request's plan that read each account or template: their first --execute, a dry run with nothing changed, the same with --refresh.
  const counted: Record<string, string[]> = { 'render-templates': ['ValidateTemplate', 'HeadObject', 'PutObject'], 'put-contacts': ['GetAlternateContact', 'PutAlternateContact', 'TagResource'] };
  for (const action of OTHERS.filter((a) => a !== 'pr-plans')) {
    for (const argv of [['--execute'], ['--detailed-exitcode'], ['--detailed-exitcode', '--refresh']]) {
      const run = await org.cli('--action', action, ...argv);
      if (run.code !== 0) throw failed(`${action} ${argv.join(' ')}`, run);
      const calls = byOperation([...run.cli, ...run.handlers]);
      console.log(JSON.stringify({
        bench: `${action} ${argv.join(' ')} (sandbox)`,
        live_accounts: org.liveAccounts,
        wall_ms: run.wall_ms,
        ...(action === 'render-templates' ? { templates: Number(/rendered (\d+) template/.exec(run.err)?.[1]) } : {}),
        ...Object.fromEntries(counted[action]!.map((op) => [op, calls[op] ?? 0])),
      }));
    }
  }

  // A pull request's plans, as scripts/ci.sh plan runs them: each reading the organization, then sharing one read.
  if (OTHERS.includes('pr-plans')) {
    const file = join(mkdtempSync(join(tmpdir(), 'orgvend-bench-shared-')), 'organization.json');
    for (const shared of [false, true]) {
      const runs: CliRun[] = [];
      for (const action of PR_PLANS) {
        const run = await org.cli('--action', action, '--detailed-exitcode', ...(shared ? ['--shared-read', file] : []));
        if (run.code !== 0 && run.code !== 2) throw failed(`${action} (a pull request's plan)`, run);
        runs.push(run);
      }
      console.log(JSON.stringify({
        bench: `pull request's ${PR_PLANS.length} plans${shared ? ' --shared-read' : ''} (sandbox)`,
        live_accounts: org.liveAccounts,
        wall_ms: Math.round(runs.reduce((total, run) => total + run.wall_ms, 0)),
        list_accounts_requests: runs.reduce((total, run) => total + (requestsByType(run.cli).LIST_ACCOUNTS ?? 0), 0),
        tag_reads: runs.reduce((total, run) => total + run.handlers.filter((c) => c.operation === 'ListTagsForResource').length, 0),
      }));
    }
  }

  if (NEW > 0) {
    org.write(dslOf(LIVE + NEW));
    resetPeakRss('self');
    resetPeakRss(org.motoPid);
    const run = await org.cli('--action', 'sync-accounts', '--execute');
    const peaks = { peak_rss_mb: peakRssMb('self'), moto_peak_rss_mb: peakRssMb(org.motoPid) };
    const next = await org.cli('--action', 'sync-accounts', '--detailed-exitcode');
    const sent = requestsByType(run.cli);
    const handlerOps = byOperation(run.handlers);
    console.log(JSON.stringify({
      bench: 'create accounts (sandbox)',
      live_accounts: org.liveAccounts,
      new_accounts: NEW,
      created: (run.out.match(/^\s*\+ account\.create /gm) ?? []).length,
      wall_ms: run.wall_ms,
      exit_code: run.code,
      converged: run.out.includes('Converged:'),
      next_plan_empty: next.code === 0,
      list_ous: sent.LIST_OUS ?? 0,
      list_accounts: sent.LIST_ACCOUNTS ?? 0,
      describe_accounts: sent.DESCRIBE_ACCOUNTS ?? 0,
      requests: Object.values(sent).reduce((a, b) => a + b, 0),
      list_create_account_status: handlerOps.ListCreateAccountStatus ?? 0,
      list_roots: handlerOps.ListRoots ?? 0,
      list_ous_for_parent: handlerOps.ListOrganizationalUnitsForParent ?? 0,
      list_parents: handlerOps.ListParents ?? 0,
      aws_calls_cli: run.cli.length,
      aws_calls_handlers: run.handlers.length,
      worker_polls: run.polling.length,
      ...peaks,
    }));
    profile(run);
    if (!run.out.includes('Converged:')) console.error(run.out.slice(-4000), run.err.slice(-4000));
  }
} finally {
  await org.close();
}
