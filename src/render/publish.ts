/**
 * Rendered templates in the artifact buckets (organization.artifact_buckets, one per
 * region, in the CICD account where the CLI runs): each under a key made of its path and
 * its content's hash, so a file is uploaded once and a stack can name the exact version.
 * CloudFormation's ValidateTemplate checks each one first.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ValidateTemplateCommand } from '@aws-sdk/client-cloudformation';
import pLimit from 'p-limit';
import type { AccountClients } from '../aws/clients.js';
import { artifactBucketProblem, objectExists } from '../aws/s3.js';
import type { Diagnostic } from '../config/diagnostics.js';
import type { Organization } from '../config/schema.js';
import { independentSteps, runChanges, type ExecutionHooks, type StepResult } from '../execute/graph.js';
import { digest } from '../plan/digest.js';
import { makePlan, type Change, type Plan } from '../plan/plan.js';
import { MAX_TEMPLATE_BODY } from '../protocol/requests.js';
import type { RenderedTemplate } from './render.js';

const CALLS_IN_FLIGHT = 8;

/** `templates/vpc/foo/<first 16 hex digits of the sha256>.yml` */
function objectKey(template: Pick<RenderedTemplate, 'output' | 'sha256'>): string {
  const dot = template.output.lastIndexOf('.');
  return `templates/${template.output.slice(0, dot)}/${template.sha256.slice(0, 16)}${template.output.slice(dot)}`;
}

export async function validateWithCloudFormation(clients: AccountClients, templates: readonly RenderedTemplate[], display: (t: RenderedTemplate) => string): Promise<{ diagnostics: Diagnostic[]; notes: string[] }> {
  const cfn = await clients.client('cloudformation');
  const limit = pLimit(CALLS_IN_FLIGHT);
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  await Promise.all(
    templates.map((t) =>
      limit(async () => {
        if (Buffer.byteLength(t.text) > MAX_TEMPLATE_BODY) {
          notes.push(`${display(t)} is over ${MAX_TEMPLATE_BODY} bytes: checked by cfn-lint here, by CloudFormation when deployed from S3`);
          return;
        }
        try {
          await cfn.send(new ValidateTemplateCommand({ TemplateBody: t.text }));
        } catch (error) {
          if ((error as Error).name !== 'ValidationError') throw error;
          diagnostics.push({ code: 'template-invalid', severity: 'error', file: display(t), line: 1, column: 1, length: 1, path: '', message: `CloudFormation: ${(error as Error).message}` });
        }
      }),
    ),
  );
  return { diagnostics, notes: notes.sort() };
}

export interface Published {
  /** `bucket/key` of every object that is there already. */
  present: Set<string>;
  /** Region → why its bucket cannot take the uploads (missing, in another region, not readable). */
  problems: Map<string, string>;
}

/**
 * Which of the templates' objects each bucket holds already, once the bucket is found in
 * its region (a HEAD of an object in a missing bucket answers 404 as for a missing object).
 */
export async function readPublished(clients: AccountClients, org: Organization, templates: readonly RenderedTemplate[]): Promise<Published> {
  const limit = pLimit(CALLS_IN_FLIGHT);
  const present = new Set<string>();
  const problems = new Map<string, string>();
  await Promise.all(
    Object.entries(org.artifact_buckets).map(async ([region, bucket]) => {
      const s3 = await clients.client('s3', region);
      const problem = await limit(() => artifactBucketProblem(s3, bucket!, region));
      if (problem) {
        problems.set(region, problem);
        return;
      }
      await Promise.all(
        templates.map((t) =>
          limit(async () => {
            const key = objectKey(t);
            if (await objectExists(s3, bucket!, key)) present.add(`${bucket}/${key}`);
          }),
        ),
      );
    }),
  );
  return { present, problems };
}

export function planUploads(org: Organization, templates: readonly RenderedTemplate[], published: Published, notes: string[]): Plan {
  const changes: Change[] = [];
  const conflicts: string[] = [];
  for (const [region, bucket] of Object.entries(org.artifact_buckets).sort(([a], [b]) => a.localeCompare(b))) {
    // An upload there would fail: the plan says so, as an error, instead of planning it.
    const problem = published.problems.get(region);
    if (problem) {
      conflicts.push(`${problem}; nothing is uploaded to it`);
      continue;
    }
    for (const t of templates) {
      const key = objectKey(t);
      if (published.present.has(`${bucket}/${key}`)) continue;
      changes.push({
        type: 'template.upload',
        target: `${t.output} @ ${region}`,
        reason: 'missing-in-bucket',
        before: null,
        after: { region, bucket, key, source: t.source, output: t.output, bytes: Buffer.byteLength(t.text), sha256: t.sha256 },
      });
    }
  }
  if (!Object.keys(org.artifact_buckets).length) notes.push('organization.artifact_buckets names no bucket: the templates are rendered and checked, not uploaded');
  const basis = { config: digest(templates.map((t) => [t.output, t.sha256])), live: digest([...published.present].sort()) };
  return makePlan('render-templates', basis, changes, { notes, conflicts });
}

export function executeUploads(plan: Plan, clients: AccountClients, templates: readonly RenderedTemplate[], hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  const text = new Map(templates.map((t) => [t.sha256, t.text]));
  return runChanges(
    independentSteps(plan.changes, 'upload'),
    {
      concurrency: () => CALLS_IN_FLIGHT,
      run: async (data) => {
        const { region, bucket, key, sha256 } = data.after as { region: string; bucket: string; key: string; sha256: string };
        const body = text.get(sha256);
        if (body === undefined) throw new Error(`${key} is not among the rendered templates: the templates changed since the plan was made`);
        const s3 = await clients.client('s3', region);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/yaml', ServerSideEncryption: 'AES256' }));
        return { bucket, key };
      },
    },
    hooks,
  );
}
