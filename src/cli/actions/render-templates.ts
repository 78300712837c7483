/**
 * render-templates: templates/*.njk (and templates/account/*.njk, per account) rendered
 * against accounts.yml and the ids of the accounts that exist, written to
 * build/templates/, checked (it parses, cfn-lint finds nothing, CloudFormation's
 * ValidateTemplate accepts it), and with --execute uploaded to each artifact bucket under
 * a content-addressed key. A problem in any of them stops the run with exit 65 before
 * anything is uploaded. What the buckets' indexes list as uploaded is neither checked nor
 * looked up again (render/publish.ts), unless --refresh: a run costs what changed.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InputError, type ExitCode } from '../../errors.js';
import { liveIds } from '../../render/context.js';
import { cfnLint, renderedProblems } from '../../render/lint.js';
import { executeUploads, objectKey, planUploads, readPublished, validateWithCloudFormation, type Published } from '../../render/publish.js';
import { OUTPUT_DIR, renderWithIds, type RenderedTemplate } from '../../render/render.js';
import { readLive } from '../../state/live.js';
import type { Transport } from '../../transport/transport.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type Runtime, type RuntimeHooks } from '../runtime.js';

type Rendered = { templates: RenderedTemplate[]; notes: string[]; published: Published };

/**
 * Render and write every template; check those the buckets' indexes do not vouch for (all
 * of them with `refresh`): a template whose bytes were uploaded was checked before. The
 * notes say what could not be checked, and what was not checked again.
 */
async function renderAndCheck(runtime: Runtime, io: Io, transport: Transport, refresh: boolean): Promise<Rendered> {
  const { desired } = runtime;
  const live = await readLive(transport, runtime.sharedRead);
  const { context, templates } = await renderWithIds(runtime.repoDir, desired, liveIds(desired, live), live.organizationId);

  const out = join(runtime.repoDir, OUTPUT_DIR);
  await rm(out, { recursive: true, force: true });
  const pathOf = (t: RenderedTemplate) => join(out, t.output);
  for (const t of templates) {
    await mkdir(dirname(pathOf(t)), { recursive: true });
    await writeFile(pathOf(t), t.text);
  }
  const shown = (file: string) => relative(io.cwd, file);
  const problems = renderedProblems(templates, (t) => shown(pathOf(t)));
  if (problems.length) throw new InputError(problems);
  const published = await readPublished(runtime.cicd, desired.organization, templates, { trustIndex: !refresh });
  const unchecked = templates.filter((t) => !published.vouched.has(objectKey(t)));
  const linted = await cfnLint(unchecked.map(pathOf), shown);
  if (linted.length) throw new InputError(linted);
  const validated = await validateWithCloudFormation(runtime.cicd, unchecked, (t) => shown(pathOf(t)));
  if (validated.diagnostics.length) throw new InputError(validated.diagnostics);

  const uncreated = context.accounts.filter((a) => a.id === null).map((a) => a.name);
  const notes = [...validated.notes];
  const vouched = templates.length - unchecked.length;
  if (vouched) notes.push(`${vouched} template(s) already uploaded as they are now, so checked before: not checked again (--refresh checks every one)`);
  if (uncreated.length) notes.push(`not in the organization yet, so the templates see no account id for: ${uncreated.join(', ')}`);
  io.stderr.write(`rendered ${templates.length} template(s) into ${shown(out)}/, checked ${unchecked.length}\n`);
  return { templates, notes, published };
}

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const org = runtime.desired.organization;
    const { cicd } = runtime;
    let rendered: Rendered | undefined;
    return await runPlanAction<Rendered>(options, io, runtime, {
      readLive: async (transport) => {
        // Rendered and checked once. Read again after uploading: each key the first read did not
        // find is looked up, whatever the index just written says.
        if (!rendered) return (rendered = await renderAndCheck(runtime, io, transport, options.refresh === true));
        return { ...rendered, published: await readPublished(cicd, org, rendered.templates, { trustIndex: false, known: rendered.published.present }) };
      },
      plan: ({ templates, published, notes }) => planUploads(org, templates, published, [...notes]),
      execute: (plan, _transport, progress) => executeUploads(plan, cicd, rendered!.templates, progress),
    });
  } finally {
    await runtime.close();
  }
}
