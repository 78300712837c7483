/**
 * render-templates' rendering for 5,000 accounts, every one with an id: the repository's
 * templates (log bucket, ECR, an IAM mapping per account, a VPC per create_vpc account), strict context
 * and all. Wall time, files and bytes written, memory. cfn-lint is not timed here.
 * Then sync-accounts' stack planning over them: every stack found running an older
 * template (a changed retention), so every one gets a stack.deploy with its resource diff.
 */
import { parseConfig } from '../src/config/load.js';
import { templateContext } from '../src/render/context.js';
import { renderTemplates } from '../src/render/render.js';
import { deploymentsOf, stackChange } from '../src/plan/stacks.js';
import { generateDsl } from './generate-dsl.js';
import { timeRuns } from './timing.js';
import { BENCH_REPO } from './repo.js';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5000);
const RUNS = 3;

const desired = parseConfig('accounts.yml', generateDsl(ACCOUNTS)).desired!;
const ids = new Map(desired.accounts.map((a, i) => [a.name, String(600000000000 + i)]));
const context = templateContext(desired, ids);

const render = await timeRuns(RUNS, async () => {
  const { templates, diagnostics } = await renderTemplates(BENCH_REPO, context);
  if (diagnostics.length) throw new Error(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return templates;
});
const rendered = render.last;
console.log(JSON.stringify({
  bench: 'render-templates',
  accounts: desired.accounts.length,
  files: rendered.length,
  output_mib: (rendered.reduce((sum, t) => sum + t.text.length, 0) / 1024 / 1024).toFixed(1),
  median_ms: render.median_ms,
  min_ms: render.min_ms,
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
}));

const { deployments } = deploymentsOf(rendered, context);
const older = deployments.map((d) => ({ stack: d.stack, region: d.region, status: 'UPDATE_COMPLETE', template: d.template.replace(/RetentionInDays: \d+/g, 'RetentionInDays: 365').replace('Resources:', 'Resources:\n  Old:\n    Type: AWS::SNS::Topic') }));
const plan = await timeRuns(RUNS, () => deployments.filter((d, j) => stackChange({ ...d, accountId: d.accountId! }, older[j])).length);
console.log(JSON.stringify({
  bench: 'plan stack.deploy',
  stacks: deployments.length,
  changes: plan.last,
  median_ms: plan.median_ms,
  min_ms: plan.min_ms,
}));
