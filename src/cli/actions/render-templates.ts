/**
 * render-templates: templates/*.njk (and templates/account/*.njk, per account) rendered
 * against accounts.yml and the ids of the accounts that exist, written to
 * build/templates/, checked (it parses, cfn-lint finds nothing, CloudFormation's
 * ValidateTemplate accepts it), and with --execute uploaded to each artifact bucket under
 * a content-addressed key. A problem in any of them stops the run with exit 65 before
 * anything is uploaded.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InputError, type ExitCode } from '../../errors.js';
import { liveIds } from '../../render/context.js';
import { cfnLint, renderedProblems } from '../../render/lint.js';
import { executeUploads, planUploads, readPublished, validateWithCloudFormation, type Published } from '../../render/publish.js';
import { OUTPUT_DIR, renderWithIds, type RenderedTemplate } from '../../render/render.js';
import { readLive } from '../../state/live.js';
import type { Transport } from '../../transport/transport.js';
import type { Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { runPlanAction } from '../plan-action.js';
import { openRuntime, type Runtime, type RuntimeHooks } from '../runtime.js';

/** Render, write and check every template; the notes say what could not be checked. */
async function renderAndCheck(runtime: Runtime, io: Io, transport: Transport): Promise<{ templates: RenderedTemplate[]; notes: string[] }> {
  const { desired } = runtime;
  const live = await readLive(transport);
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
  const linted = await cfnLint(templates.map(pathOf), shown);
  if (linted.length) throw new InputError(linted);
  const validated = await validateWithCloudFormation(runtime.cicd, templates, (t) => shown(pathOf(t)));
  if (validated.diagnostics.length) throw new InputError(validated.diagnostics);

  const uncreated = context.accounts.filter((a) => a.id === null).map((a) => a.name);
  const notes = [...validated.notes];
  if (uncreated.length) notes.push(`not in the organization yet, so the templates see no account id for: ${uncreated.join(', ')}`);
  io.stderr.write(`rendered ${templates.length} template(s) into ${shown(out)}/\n`);
  return { templates, notes };
}

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const runtime = await openRuntime(options, io, hooks);
  try {
    const org = runtime.desired.organization;
    const { cicd } = runtime;
    let rendered: Awaited<ReturnType<typeof renderAndCheck>> | undefined;
    return await runPlanAction<{ templates: RenderedTemplate[]; notes: string[]; published: Published }>(options, io, runtime, {
      readLive: async (transport) => {
        // Rendered and checked once; reading again (after uploading) asks only what the buckets hold.
        rendered ??= await renderAndCheck(runtime, io, transport);
        return { ...rendered, published: await readPublished(cicd, org, rendered.templates) };
      },
      plan: ({ templates, published, notes }) => planUploads(org, templates, published, [...notes]),
      execute: (plan, _transport, progress) => executeUploads(plan, cicd, rendered!.templates, progress),
    });
  } finally {
    await runtime.close();
  }
}
