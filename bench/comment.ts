/**
 * What CI reads of a large plan: the pull-request comment (`--format markdown`, folded per
 * change type and cut to GitHub's 65,536 characters) and the one JSON document, for a plan
 * of 10,000 changes of 5 types (pure). Wall time and size.
 */
import { makePlan, type Change } from '../src/plan/plan.js';
import { GITHUB_COMMENT_LIMIT, renderPlanMarkdown } from '../src/views/plan-markdown.js';
import { planJson } from '../src/views/plan.js';
import { timeRuns } from './timing.js';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 10000);
const RUNS = 5;

const changes: Change[] = Array.from({ length: CHANGES }, (_, i): Change => {
  const name = `team-${i}`;
  switch (i % 5) {
    case 0:
      return { type: 'account.create', target: name, reason: 'missing-in-org', before: null, after: { aws_name: `${name}-prod`, email: `aws+${name}@example.com`, ou: 'Internal/Workloads/Prod' } };
    case 1:
      return { type: 'account.move', target: name, reason: 'ou-differs', before: { account_id: String(600000000000 + i), ou: 'Internal/Old' }, after: { ou: 'Internal/Workloads/Prod' } };
    case 2:
      return { type: 'account.tag', target: name, reason: 'tags-differ', before: { account_id: String(600000000000 + i), tags: { 'cost-center': 'old' } }, after: { tags: { 'cost-center': `cc-${i}` } } };
    case 3:
      return { type: 'ou.create', target: `Internal/Teams/${name}`, reason: 'missing-in-org', before: null, after: { parent: 'Internal/Teams' } };
    default:
      return { type: 'parameters.put', target: name, reason: 'parameters-differ', before: { account_id: String(600000000000 + i), parameters: { region: 'us-east-1' } }, after: { parameters: { region: 'us-west-2' } } };
  }
});
const plan = makePlan('sync-accounts', { config: 'c'.repeat(32), live: 'l'.repeat(32) }, changes);

const markdown = await timeRuns(RUNS, () => renderPlanMarkdown(plan, { fullPlanAt: 'the job log' }));
const json = await timeRuns(RUNS, () => planJson(plan));
console.log(JSON.stringify({
  bench: 'PR comment',
  changes: CHANGES,
  comment_chars: markdown.last.length,
  under_limit: markdown.last.length <= GITHUB_COMMENT_LIMIT,
  median_ms: markdown.median_ms,
  min_ms: markdown.min_ms,
}));
console.log(JSON.stringify({ bench: 'JSON document', changes: CHANGES, mib: (json.last.length / 1024 / 1024).toFixed(1), median_ms: json.median_ms }));
